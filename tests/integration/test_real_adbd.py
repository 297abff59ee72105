"""The session layer against AOSP adbd 34, an ADB device side written by others.

adbd runs in a network namespace of its own as `nobody` (tests/adbd34.py), with no Android
around it: no getprop, pm or settings. What holds here holds for the protocol, not for what
Android's tools print (the simulator's tests cover those).
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import threading

import pytest
from adb_shell import constants
from click.testing import CliRunner

from app.cli import cli
from app.devices.adb_protocol import A_VERSION_SKIP_CHECKSUM, AdbSession, pack_file
from app.devices.device import NOT_ANDROID, Device, DeviceError
from app.devices.transport import FullWriteTcpTransport

ADBD_MAX_PAYLOAD = 1024 * 1024  # adbd's MAX_PAYLOAD since Android 9 (adb.h)
MB = 1024 * 1024


@pytest.fixture
def device(real_adbd, host_key):
    opened = Device.open(real_adbd.spec, host_key)
    yield opened
    opened.close()


def test_connect_negotiates_version_payload_and_banner(real_adbd, host_key):
    session = AdbSession(FullWriteTcpTransport(real_adbd.host, real_adbd.port))
    try:
        session.connect(rsa_keys=[host_key], transport_timeout_s=10, auth_timeout_s=10)

        assert session._io_manager.device_version == A_VERSION_SKIP_CHECKSUM
        assert session.skips_checksums
        # We offer adb-shell's 1 MiB, adbd answers its own: each side sends at most that.
        assert constants.MAX_ADB_DATA == ADBD_MAX_PAYLOAD
        assert session._maxdata == ADBD_MAX_PAYLOAD
        assert session.banner.startswith("device::ro.product.name=;")
        assert "\0" not in session.banner
        assert {"shell_v2", "stat_v2", "ls_v2", "fixed_push_mkdir"} <= session.features
    finally:
        session.close()


@pytest.mark.parametrize("protocol", ["v2", "v1"])
@pytest.mark.parametrize(
    ("command", "status", "stdout", "stderr"),
    [
        ("exit 3", 3, "", ""),
        ("echo ran # and a comment", 0, "ran\n", ""),
        ("echo ran; sleep 0 &", 0, "ran\n", ""),
        ("echo out; echo err >&2; exit 42", 42, "out\n", "err\n"),
        ("no-such-program", 127, "", "no-such-program: not found\n"),
    ],
)
def test_shell_exit_statuses_and_stderr(
    device, monkeypatch, protocol, command, status, stdout, stderr
):
    if protocol == "v1":  # as for a device whose banner lacks shell_v2: stderr comes inline
        monkeypatch.setattr(AdbSession, "features", property(lambda _session: frozenset()))
        stdout, stderr = stdout + stderr, ""

    result = device.shell(command)

    # dash names the script line of an error (`/bin/sh: 1: …`): past that, the words are ours.
    printed = [re.sub(r"^/bin/sh: \d+: ", "", text) for text in (result.stdout, result.stderr)]
    assert (result.exit_code, *printed) == (status, stdout, stderr)


@pytest.mark.parametrize("protocol", ["v2", "v1"])
def test_three_megabytes_of_output_arrive_whole(device, monkeypatch, protocol):
    if protocol == "v1":
        monkeypatch.setattr(AdbSession, "features", property(lambda _session: frozenset()))

    result = device.shell("head -c 3145728 /dev/zero | tr '\\0' k; echo; exit 7")

    assert result.exit_code == 7
    assert result.stdout == "k" * 3 * MB + "\n"


def test_push_and_pull_of_20_mb_are_intact(device, real_adbd, random_file, tmp_path):
    local = random_file("payload.bin", 20 * MB, seed=34)
    remote = f"{real_adbd.workdir}/payload.bin"

    device.push(local, remote)
    pulled = tmp_path / "pulled.bin"
    device._connected().pull(remote, str(pulled), read_timeout_s=30)

    digest = hashlib.sha256(local.read_bytes()).hexdigest()
    assert hashlib.sha256((real_adbd.workdir / "payload.bin").read_bytes()).hexdigest() == digest
    assert hashlib.sha256(pulled.read_bytes()).hexdigest() == digest
    assert device.shell(f"sha256sum {remote}").stdout.split()[0] == digest


@pytest.mark.parametrize("compression", ["zstd", "lz4", "brotli"])
def test_one_compressed_stream_is_pushed_intact_to_it_again_and_again(
    device, real_adbd, random_file, compression
):
    """An APK compressed once (as the station does for every device of a batch on a usb2
    bus: zstd at its packing level where offered, brotli at its packing quality for Android
    11, else LZ4) and sent as it is, twice: adbd 34 decodes each push whole, and a push
    stopped halfway leaves a session that takes the next one."""
    local = random_file("app.apk", 6 * MB, seed=11)
    with local.open("ab") as text:  # a resource table's strings: what LZ4 does shorten
        text.write(b"string/action_bar_title color/primary_dark\n" * (2 * MB // 43))
    device.push_compression = "lz4"  # the bus's
    device.strongest_packing = compression != "lz4"
    # adbd 34 offers all three, so brotli is what an Android 11 device would be chosen
    assert device.offered_compression() == ("lz4" if compression == "lz4" else "zstd")
    packed = pack_file(local, compression)
    assert packed.size < 0.9 * local.stat().st_size

    class Stopped(Exception):
        pass

    def stop_halfway(done: int, total: int) -> None:
        if done > total // 2:
            raise Stopped

    with pytest.raises(Stopped):
        device.push(local, f"{real_adbd.workdir}/stopped.apk", stop_halfway, packed)
    for name in ("first.apk", "second.apk"):
        device.push(local, f"{real_adbd.workdir}/{name}", packed=packed)

    digest = hashlib.sha256(local.read_bytes()).hexdigest()
    for name in ("first.apk", "second.apk"):
        assert hashlib.sha256((real_adbd.workdir / name).read_bytes()).hexdigest() == digest


def test_stat_and_list_see_what_was_pushed(device, real_adbd, tmp_path):
    local = tmp_path / "config.json"
    local.write_bytes(b'{"kiosk": true}\n')
    device.push(local, f"{real_adbd.workdir}/conf/config.json")  # fixed_push_mkdir: makes conf/
    session = device._connected()

    mode, size, mtime = session.stat(f"{real_adbd.workdir}/conf/config.json")
    listed = {bytes(entry.filename): entry for entry in session.list(f"{real_adbd.workdir}/conf")}

    assert stat.S_ISREG(mode) and size == 16
    assert mtime > 0
    assert set(listed) == {b".", b"..", b"config.json"}
    assert listed[b"config.json"].size == 16


def test_stop_mid_push_leaves_a_working_session(device, real_adbd, random_file):
    local = random_file("big.bin", 20 * MB)
    stop = threading.Event()

    class Stopped(Exception):
        pass

    def progress(done: int, total: int) -> None:
        if done >= 4 * MB:
            stop.set()
            raise Stopped

    with pytest.raises(Stopped):
        device.push(local, f"{real_adbd.workdir}/big.bin", progress)

    assert stop.is_set()
    assert device.shell("echo after").stdout == "after\n"  # reconnected, adbd still serves
    small = random_file("small.bin", 1000)
    device.push(small, f"{real_adbd.workdir}/small.bin")
    assert (real_adbd.workdir / "small.bin").read_bytes() == small.read_bytes()


def test_a_failed_push_says_why(device, real_adbd, tmp_path):
    local = tmp_path / "config.json"
    local.write_text("{}")
    (real_adbd.workdir / "plain").write_text("")

    with pytest.raises(DeviceError) as failure:
        device.push(local, f"{real_adbd.workdir}/plain/config.json")

    assert str(failure.value) == "pushing config.json failed: couldn't create file: Not a directory"


PUSH_AND_SHELL = """\
kitbench: 1
name: linux-box
version: 1
steps:
  - push: {{src: config.json, dest: "{workdir}/etc/config.json"}}
  - shell: {{command: "cat {workdir}/etc/config.json", expect: "kiosk"}}
  - shell: {{command: "echo done > {workdir}/provisioned # mark it"}}
"""


def provision(template, spec):
    result = CliRunner().invoke(
        cli, ["provision", "-t", str(template), "--json", "--device", spec],
        catch_exceptions=False,
    )  # fmt: skip
    return result, json.loads(result.output.splitlines()[0])


def test_a_template_of_push_and_shell_steps_provisions_it(real_adbd, tmp_path):
    (tmp_path / "config.json").write_text('{"mode": "kiosk"}\n')
    template = tmp_path / "linux-box.yaml"
    template.write_text(PUSH_AND_SHELL.format(workdir=real_adbd.workdir))

    result, run = provision(template, real_adbd.spec)

    assert result.exit_code == 0, result.output
    assert (run["result"], run["error"]) == ("done", None)
    assert [step["status"] for step in run["steps"]] == ["changed", "ok", "changed", "skipped"]
    assert run["steps"][-1]["message"].startswith("not an Android device: no marker kept")
    assert (real_adbd.workdir / "etc" / "config.json").read_text() == '{"mode": "kiosk"}\n'
    assert (real_adbd.workdir / "provisioned").read_text() == "done\n"


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("requires: {sdk_min: 30}\nsteps:\n  - shell: {command: 'true'}\n", NOT_ANDROID),
        (
            "steps:\n  - setting: {namespace: global, key: stay_on_while_plugged_in, value: 7}\n",
            f"{NOT_ANDROID}: setting needs Android",
        ),
        (
            "steps:\n  - verify: {getprop: {name: ro.build.version.sdk, min: 30}}\n",
            f"{NOT_ANDROID}: verify needs Android",
        ),
        ("steps:\n  - reboot: {}\n", f"{NOT_ANDROID}: reboot needs Android"),  # never sent
    ],
)
def test_a_template_that_needs_android_fails_with_the_reason(real_adbd, tmp_path, template, reason):
    path = tmp_path / "android.yaml"
    path.write_text(f"kitbench: 1\nname: android-only\nversion: 1\n{template}")

    result, run = provision(path, real_adbd.spec)

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert reason in (run["error"] or "")
    assert real_adbd.process.poll() is None  # adbd still runs: nothing rebooted it


def test_devices_json_says_it_is_not_android(real_adbd):
    result = CliRunner().invoke(
        cli, ["devices", "--json", "--tcp", real_adbd.serial], catch_exceptions=False
    )

    assert result.exit_code == 0, result.output
    listed = json.loads(result.output.splitlines()[0])
    assert listed["message"] == NOT_ANDROID
    assert (listed["sdk"], listed["android_release"], listed["battery"]) == (None, None, None)
