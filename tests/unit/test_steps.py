"""The engine's pure parts: requires, Android's reasons, device specs, the ledger, the APK cache."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from app.core import Cause, RunOutcome, RunResult, StepResult, StepStatus
from app.devices.device import ShellResult
from app.devices.endpoints import EndpointError, parse_endpoint
from app.provisioning.checks import component_name, refusal
from app.provisioning.context import ArtifactCache, DeviceFacts, StepFailed
from app.provisioning.ledger import Ledger
from app.provisioning.reason_text import english
from app.provisioning.report import run_json
from app.provisioning.steps import android_reason
from app.sim.apk import build_apk
from app.templates.model import Requires

TABLET = DeviceFacts("R52A7Q20ZK3", "SM-T575", "samsung", "13", 33)
OLD_PHONE = DeviceFacts("00b2c3d4", "Nexus 5X", "LGE", "8.1.0", 27)


@pytest.mark.parametrize(
    ("requires", "facts", "battery", "reason"),
    [
        ({"sdk_min": 29}, OLD_PHONE, 80,
         "Android 8.1.0 (SDK 27) is too old: the template needs SDK 29 or newer"),
        ({"sdk_max": 30}, TABLET, 80,
         "Android 13 (SDK 33) is too new: the template allows up to SDK 30"),
        ({"battery_min": 30}, TABLET, 12, "Battery 12% — charge to 30% first"),
        ({"battery_min": 30}, TABLET, None, "the device does not report its battery level"),
        ({"models": ["Pixel *"]}, TABLET, 80, "model SM-T575 is not one of Pixel *"),
        ({"manufacturers": ["google"]}, TABLET, 80, "manufacturer samsung is not one of google"),
    ],
)  # fmt: skip
def test_refusal_says_why(requires, facts, battery, reason):
    """Typed for the window, and the same English sentence for the record and the terminal."""
    why = refusal(Requires(**requires), facts, battery)
    assert why is not None and english(why) == reason


def test_a_device_inside_requires_is_accepted():
    requires = Requires(sdk_min=29, battery_min=30, models=["SM-T*", "Pixel *"],
                        manufacturers=["Samsung"])  # fmt: skip
    assert refusal(requires, TABLET, 30) is None


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        (
            "Exception occurred while executing 'set-device-owner':\n"
            "java.lang.IllegalStateException: Not allowed to set the device owner because there "
            "are already some accounts on the device\n\tat com.android.server.Foo(Foo.java:1)\n",
            "Not allowed to set the device owner because there are already some accounts on the "
            "device",
        ),
        ("Failure [INSTALL_FAILED_NO_SPACE]\n", "Failure [INSTALL_FAILED_NO_SPACE]"),
        ("usage: dpm ...\n\nError: Unknown admin: a/a.B\n", "Unknown admin: a/a.B"),
        ("something odd\nlast words\n", "last words"),
        ("", "exit status 3"),
    ],
)  # fmt: skip
def test_android_reason_is_the_line_that_says_why(output, reason):
    assert android_reason(ShellResult(3, output)) == reason


def test_component_names_expand_like_android():
    assert component_name("com.example.mdm/.Admin") == "com.example.mdm/com.example.mdm.Admin"
    assert component_name("com.example.mdm/org.x.Admin") == "com.example.mdm/org.x.Admin"


def test_device_specs():
    endpoint = parse_endpoint("tcp:127.0.0.1:7400")
    assert (endpoint.host, endpoint.port, endpoint.spec) == (
        "127.0.0.1",
        7400,
        "tcp:127.0.0.1:7400",
    )
    assert endpoint.slot == "127.0.0.1:7400"
    assert parse_endpoint("usb:1-1.4").spec == "usb:1-1.4"
    for bad in ("127.0.0.1:7400", "tcp:", "tcp:host", "tcp:host:0", "tcp:host:99999"):
        with pytest.raises(EndpointError):
            parse_endpoint(bad)


def test_seq_is_unique_stable_and_never_reused(tmp_path):
    ledger = Ledger(tmp_path)
    with ThreadPoolExecutor(8) as pool:
        seqs = list(pool.map(ledger.seq_for, [f"serial-{n}" for n in range(40)]))
    assert sorted(seqs) == list(range(1, 41))
    reopened = Ledger(tmp_path)
    assert reopened.seq_for("serial-7") == seqs[7]  # a device keeps its number
    assert reopened.seq_for("a-new-one") == 41


def test_ledger_sees_what_another_process_wrote(tmp_path):
    """The GUI and a `kitbench provision` share one data directory: neither reuses a seq."""
    gui, cli = Ledger(tmp_path), Ledger(tmp_path)
    assert gui.seq_for("S1") == 1
    assert cli.seq_for("S2") == 2
    assert gui.seq_for("S2") == 2
    assert gui.seq_for("S3") == 3
    assert Ledger(tmp_path).seq_for("S1") == 1


def test_each_file_is_read_once_however_many_devices_ask(tmp_path):
    apk = tmp_path / "app.apk"
    apk.write_bytes(build_apk("com.example.app", 7, payload_size=512 * 1024))
    cache = ArtifactCache()
    barrier = threading.Barrier(16)

    def ask(_):
        barrier.wait()
        return cache.apk(apk)

    with ThreadPoolExecutor(16) as pool:
        artifacts = list(pool.map(ask, range(16)))
    assert cache.reads == 1
    assert {(a.info.package, a.info.version_code) for a in artifacts} == {("com.example.app", 7)}
    apk.write_bytes(build_apk("com.example.app", 8))  # a new file is read again
    assert cache.apk(apk).info.version_code == 8
    assert cache.reads == 2


def test_a_file_that_is_not_an_apk_fails_the_step(tmp_path):
    bogus = tmp_path / "app.apk"
    bogus.write_text("not a zip")
    with pytest.raises(StepFailed, match=r"app\.apk is not an APK Android can install"):
        ArtifactCache().apk(bogus)


def test_run_json_is_the_documented_line():
    now = datetime.now(UTC)
    result = RunResult(
        run_id="abc", endpoint="tcp:127.0.0.1:7400", slot="127.0.0.1:7400", serial="S1",
        model="Pixel 8", android_release="14", template_name="kiosk", template_version=1,
        template_hash="h", started_at=now, finished_at=now, outcome=RunOutcome.FAILED,
        error="step 1 (x) failed: no",
        steps=(StepResult(0, "shell", "x", StepStatus.FAILED, 12, "no", "secret output"),),
        cause=Cause.STEP_FAILED,
    )  # fmt: skip
    assert run_json(result) == {
        "endpoint": "tcp:127.0.0.1:7400", "serial": "S1", "model": "Pixel 8",
        "slot": "127.0.0.1:7400", "result": "failed", "cause": "step-failed",
        "already_provisioned": False, "error": "step 1 (x) failed: no",
        "steps": [{"action": "shell", "name": "x", "status": "failed", "duration_ms": 12,
                   "message": "no"}],
    }  # fmt: skip
