"""`kitbench provision`: JSON lines, the summary, and exit codes 0, 1 and 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.sim.apk import build_apk
from app.storage import Store

TEMPLATE = """\
kitbench: 1
name: kiosk
version: 4
requires: {sdk_min: 30}
steps:
  - install: {apk: app.apk}
  - setting: {namespace: global, key: stay_on_while_plugged_in, value: 7}
  - device_name: "KIOSK-{seq:03d}"
"""


@pytest.fixture
def template(tmp_path):
    (tmp_path / "app.apk").write_bytes(build_apk("com.example.kiosk", 4))
    path = tmp_path / "kiosk.yaml"
    path.write_text(TEMPLATE)
    return path


def provision(*args: str):
    return CliRunner().invoke(cli, ["provision", *args], catch_exceptions=False)


def device_args(endpoints) -> list[str]:
    return [word for e in endpoints for word in ("--device", e.spec)]


def test_json_lines_and_exit_0_when_every_device_is_done(start_fleet, template):
    fleet = start_fleet(2, auth="none", profile="mixed")  # Pixel 8, SM-T575
    result = provision("--template", str(template), "--json", *device_args(fleet.endpoints))

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["endpoint"] for line in lines] == [e.spec for e in fleet.endpoints]
    first = lines[0]
    assert set(first) == {
        "endpoint", "serial", "model", "slot", "result", "cause", "already_provisioned", "error",
        "steps",
    }  # fmt: skip
    assert (first["cause"], first["already_provisioned"]) == (None, False)
    assert first["serial"] == fleet.endpoints[0].serial
    assert first["model"] == "Pixel 8"
    assert first["slot"] == "A1"  # no port map: bench labels in the order devices were named
    assert (first["result"], first["error"]) == ("done", None)
    actions = [step["action"] for step in first["steps"]]
    assert actions == ["install", "setting", "device_name", "marker"]  # the marker last
    step = first["steps"][0]
    assert set(step) == {"action", "name", "status", "duration_ms", "message"}
    assert step["status"] == "changed"
    assert isinstance(step["duration_ms"], int)
    assert step["message"] == "installed com.example.kiosk 4"


def test_exit_1_and_the_reason_when_a_device_is_refused(start_fleet, template):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    old = start_fleet(1, auth="none", profile="legacy_phone")
    endpoints = [*fleet.endpoints, *old.endpoints]
    result = provision("-t", str(template), *device_args(endpoints))

    assert result.exit_code == 1
    assert "2 devices: 1 done, 1 refused" in result.output
    assert "Android 8.1.0 (SDK 27) is too old: the template needs SDK 30 or newer" in result.output


def test_a_failed_install_prints_the_english_record_with_androids_own_words(start_fleet, template):
    """The terminal says what the record says, in English, whatever the window's language."""
    fleet = start_fleet(1, auth="none", profile="pixel8", faults="install_fail=1")
    result = provision("-t", str(template), *device_args(fleet.endpoints))

    assert result.exit_code == 1
    assert "1 device: 1 failed" in result.output
    assert "failed: step 1 (install app.apk) failed: install failed: Failure [INSTALL_FAILED_" in (
        result.output
    )


def test_a_provisioned_device_is_skipped_unless_forced(start_fleet, template):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    args = ["-t", str(template), "--json", *device_args(fleet.endpoints)]
    assert provision(*args).exit_code == 0

    skipped = json.loads(provision(*args).output)
    assert (skipped["result"], skipped["steps"]) == ("done", [])
    assert (skipped["already_provisioned"], skipped["provisioned_version"]) == (True, 4)
    assert "unplug" not in json.dumps(skipped).lower()  # no words meant for the bench

    forced = json.loads(provision(*args, "--force").output)
    *steps, marker = forced["steps"]
    assert {step["status"] for step in steps} == {"ok"}
    assert (marker["action"], marker["status"]) == ("marker", "changed")  # a new run id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--device", "tcp:127.0.0.1:7400"], "Missing option '--template'"),
        (["-t", "T.yaml"], "name the devices"),
        (["-t", "T.yaml", "--device", "usb:"], "expected usb:1-1.4 or usb:SERIAL"),
        (["-t", "T.yaml", "--device", "tcp:host"], "expected tcp:HOST:PORT"),
        (["-t", "T.yaml", "--device", "tcp:h:1", "--jobs", "0"], "--jobs"),
    ],
)
def test_usage_errors_exit_2(args, message):
    result = provision(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_an_invalid_template_exits_1_with_its_problems(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("kitbench: 1\nname: bad\nversion: 1\nsteps:\n  - instal: {apk: x.apk}\n")
    result = provision("-t", str(path), "--device", "tcp:127.0.0.1:7400")
    assert result.exit_code == 1
    assert f"{path}:5:" in result.output


def test_sigterm_stops_the_runs_and_records_each_as_stopped(start_fleet, tmp_path, kitbench_home):
    """A service manager's polite stop: no run is left `running` for the next start."""
    fleet = start_fleet(2, auth="none", latency="realistic", profile="pixel8")
    (tmp_path / "big.bin").write_bytes(os.urandom(96 * 1024 * 1024))  # ~3 s at USB 2.0 speed
    path = tmp_path / "big.yaml"
    path.write_text(
        "kitbench: 1\nname: big\nversion: 1\nsteps:\n"
        "  - push: {src: big.bin, dest: /sdcard/Download/big.bin}\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "provision", "--template", str(path),
         *device_args(fleet.endpoints)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        with Store(kitbench_home) as store:  # a reader: never recovers another's runs
            deadline = time.monotonic() + 30
            while len([r for r in store.runs() if r["result"] == "running"]) < 2:
                assert time.monotonic() < deadline and process.poll() is None, "runs never started"
                time.sleep(0.05)
        process.terminate()
        output, errors = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 1
    assert "Traceback" not in errors
    assert "2 devices: 2 failed" in output
    with Store(kitbench_home) as store:
        runs = store.runs()
    assert [(run["result"], run["error"]) for run in runs] == [
        ("failed", "stopped during step 1 (push big.bin)")
    ] * 2


def test_a_station_whose_window_runs_refuses_a_second_engine(start_fleet, template, kitbench_home):
    """A window's engine holds the data folder: `provision` beside it would open a second
    set of workers on the same devices, so it says who holds the station and touches none."""
    from app.engine.lock import EngineLock

    fleet = start_fleet(1, auth="none", profile="pixel8")
    window = EngineLock(kitbench_home)
    window.acquire("a Kitbench window (pid 4242)")
    try:
        refused = CliRunner().invoke(
            cli, ["provision", "-t", str(template), "--json", *device_args(fleet.endpoints)]
        )
    finally:
        window.release()
    assert refused.exit_code == 1
    assert "in use by a Kitbench window (pid 4242)" in refused.output
    assert refused.output.count("\n") == 1  # one line, no JSON for devices it never opened
    with Store(kitbench_home) as store:
        assert store.runs() == []  # no run started: no device was touched

    assert provision("-t", str(template), "--json", *device_args(fleet.endpoints)).exit_code == 0
