"""The simulator driven by Debian's stock adb clients, adb 29 (bookworm) and adb 34
(bookworm-backports, tools/fetch-adb34): both must take the devices as real. adb 34 takes the
paths an Android 11+ device offers it: abb_exec installs (after asking for the incremental
default), sync v2 with compression, and delayed acks when ADB_DELAYED_ACK=1."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import time

import pytest

from app.core.evidence import png_size
from app.sim.apk import build_apk
from tests.adbd34 import ADB34_ADB, ADB34_HOME

CLIENTS = {
    "adb29": shutil.which("adb"),
    "adb34": str(ADB34_ADB) if (ADB34_HOME / ".complete").exists() else None,
}
INSTALLERS = {"adb29": "Debian's adb (CI installs it)", "adb34": "tools/fetch-adb34"}


class StockAdb:
    """A private adb server (own port, own key) so tests never touch a developer's adb."""

    def __init__(self, program: str, home, server_port: int, **env: str) -> None:
        self.program = program
        self.env = {
            **os.environ,
            "HOME": str(home),
            "ANDROID_ADB_SERVER_PORT": str(server_port),
            **env,
        }
        self.serial = ""

    def __call__(self, *args: str, timeout: float = 60, check: bool = True, stdin: str = ""):
        command = [self.program, *(["-s", self.serial] if self.serial else []), *args]
        result = subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=timeout, input=stdin
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{command} failed: {result.stdout}{result.stderr}")
        return result

    def state(self) -> str:
        """The device's state as `adb devices` lists it: device, unauthorized, offline..."""
        for line in self("devices", check=False).stdout.splitlines()[1:]:
            serial, _, state = line.partition("\t")
            if serial == self.serial:
                return state.strip()
        return "absent"

    def wait_for_state(self, wanted: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while (state := self.state()) != wanted:
            assert time.monotonic() < deadline, f"device never became {wanted}"
            if state == "offline":  # adb itself retries only every 10 s
                self("disconnect", self.serial, check=False)
            if state in ("offline", "absent"):
                self("connect", self.serial, check=False)
            time.sleep(0.1)  # polling another process: no event to wait on


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def client_program(name: str) -> str:
    """The client's path; skips when it is missing, fails in CI."""
    program = CLIENTS[name]
    if program is None:
        if os.environ.get("KITBENCH_CI"):
            pytest.fail(f"{name} is missing in CI ({INSTALLERS[name]})")
        pytest.skip(f"{name} is not installed ({INSTALLERS[name]})")
    return program


def start_client(name: str, tmp_path, **env: str) -> StockAdb:
    home = tmp_path / f"home-{name}"
    home.mkdir()
    client = StockAdb(client_program(name), home, server_port=free_port(), **env)
    client("start-server")
    return client


@pytest.fixture(params=["adb29", "adb34"])
def adb(request, tmp_path):
    client = start_client(request.param, tmp_path)
    yield client
    client.serial = ""
    client("kill-server", check=False)


@pytest.fixture
def adb34(tmp_path):
    """adb 34 with delayed acks switched on (ADB_DELAYED_ACK=1), as an Android 14 host may."""
    client = start_client("adb34", tmp_path, ADB_DELAYED_ACK="1")
    yield client
    client.serial = ""
    client("kill-server", check=False)


def connected(client: StockAdb, endpoint) -> StockAdb:
    client.serial = f"{endpoint.host}:{endpoint.port}"
    client("connect", client.serial)
    client.wait_for_state("device")
    return client


def test_connect_through_the_allow_prompt(start_fleet, adb):
    endpoint = start_fleet(1, auth="prompt").endpoints[0]
    adb.serial = f"{endpoint.host}:{endpoint.port}"
    adb("connect", adb.serial)
    adb.wait_for_state("device")
    listing = adb("devices", "-l").stdout
    line = next(line for line in listing.splitlines() if line.startswith(adb.serial))
    assert f"model:{endpoint.model.replace(' ', '_')}" in line


@pytest.mark.parametrize("profile", ["pixel8", "legacy_phone"])
def test_shell_exit_codes_transfer_install_and_reboot(
    start_fleet, adb, random_file, tmp_path, profile
):
    fleet = start_fleet(1, auth="none", profile=profile)
    endpoint = fleet.endpoints[0]
    adb.serial = f"{endpoint.host}:{endpoint.port}"
    adb("connect", adb.serial)
    adb.wait_for_state("device")

    assert adb("shell", "echo", "hello").stdout == "hello\n"
    assert adb("shell", "exit 3", check=False).returncode == 3
    missing = adb("shell", "frobnicate", check=False)
    assert missing.returncode == 127 and "inaccessible or not found" in missing.stderr

    source = random_file("big.bin", 20 * 1024 * 1024)
    adb("push", str(source), "/sdcard/Download/big.bin")
    pulled = tmp_path / "pulled.bin"
    adb("pull", "/sdcard/Download/big.bin", str(pulled))
    assert (
        hashlib.sha256(pulled.read_bytes()).digest() == hashlib.sha256(source.read_bytes()).digest()
    )

    new, old = tmp_path / "new.apk", tmp_path / "old.apk"
    new.write_bytes(build_apk("com.example.pos", 7, "7.0"))
    old.write_bytes(build_apk("com.example.pos", 6, "6.0"))
    assert "Success" in adb("install", str(new)).stdout
    assert "package:com.example.pos" in adb("shell", "pm list packages -3").stdout
    assert "versionCode=7" in adb("shell", "dumpsys package com.example.pos").stdout
    downgrade = adb("install", "-r", str(old), check=False)
    assert downgrade.returncode != 0
    assert "INSTALL_FAILED_VERSION_DOWNGRADE" in downgrade.stdout + downgrade.stderr

    adb("reboot", check=False)
    fleet.wait_online(0)
    adb.wait_for_state("device")
    deadline = time.monotonic() + 30
    while adb("shell", "getprop sys.boot_completed", check=False).stdout.strip() != "1":
        assert time.monotonic() < deadline
    assert "com.example.pos" in adb("shell", "pm list packages").stdout


@pytest.mark.parametrize("profile", ["pixel8", "legacy_phone"])
def test_stdin_reaches_the_command(start_fleet, adb, profile):
    """`echo hello | adb shell cat`: the host's stdin is the command's (shell v2 frames it)."""
    endpoint = start_fleet(1, auth="none", profile=profile).endpoints[0]
    connected(adb, endpoint)
    assert adb("shell", "cat", stdin="hello\n").stdout == "hello\n"
    assert adb("shell", "wc -c", stdin="12345").stdout.strip() == "5"
    assert adb("shell", "echo never reads", stdin="ignored").stdout == "never reads\n"


def test_the_features_are_the_releases(start_fleet, adb34):
    """`adb features`: what both sides support, so adbd 34's full list with delayed_ack."""
    fleet = start_fleet(2, auth="none", profile="mixed")
    pixel, tablet = fleet.endpoints
    listed = connected(adb34, pixel)("features").stdout.split()
    assert {"abb_exec", "sendrecv_v2_zstd", "delayed_ack", "stat_v2", "ls_v2"} <= set(listed)
    assert "delayed_ack" not in connected(adb34, tablet)("features").stdout.split()


@pytest.mark.parametrize("compression", ["brotli", "lz4", "zstd", "none"])
def test_compressed_transfers_under_delayed_acks(
    start_fleet, adb34, random_file, tmp_path, compression
):
    endpoint = start_fleet(1, auth="none", profile="pixel8").endpoints[0]
    connected(adb34, endpoint)
    source = random_file("data.bin", 3 * 1024 * 1024)
    source.write_bytes(source.read_bytes() + bytes(2 * 1024 * 1024))  # a part that compresses
    adb34("push", "-z", compression, str(source), "/sdcard/Download/data.bin")
    pulled = tmp_path / "pulled.bin"
    adb34("pull", "-z", compression, "/sdcard/Download/data.bin", str(pulled))
    assert pulled.read_bytes() == source.read_bytes()
    adb34("push", "-n", str(source), "/sdcard/Download/dry.bin")
    assert "dry.bin" not in adb34("shell", "ls /sdcard/Download").stdout


def test_an_android_11_device_refuses_what_its_adbd_lacked(start_fleet, adb34, random_file):
    """Android 11's adbd had brotli only and no dry run: adb 34 says so, as with hardware."""
    endpoint = start_fleet(1, auth="none", profile="zebra_tc52").endpoints[0]
    connected(adb34, endpoint)
    source = random_file("data.bin", 100_000)
    refused = adb34("push", "-z", "zstd", str(source), "/sdcard/Download/z.bin", check=False)
    assert refused.returncode != 0 and "unknown flags: 4" in refused.stdout + refused.stderr
    dry = adb34("push", "-n", str(source), "/sdcard/Download/d.bin", check=False)
    assert dry.returncode != 0 and "dry-run not supported" in dry.stdout + dry.stderr
    adb34("push", "-z", "brotli", str(source), "/sdcard/Download/b.bin")


def split_set(tmp_path, version: int, **broken: str) -> list[str]:
    """A base APK and two config splits of com.example.maps; `broken` replaces one split's
    package name, so the package manager must refuse the whole set."""
    paths = []
    for split in (None, "config.arm64_v8a", "config.xxhdpi"):
        package = broken.get(split or "base", "com.example.maps")
        path = tmp_path / f"{split or 'base'}.apk"
        path.write_bytes(build_apk(package, version, split=split, payload_size=300_000))
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("profile", ["pixel8", "legacy_phone"])
def test_install_multiple_installs_a_split_set_all_or_nothing(start_fleet, adb, tmp_path, profile):
    """`adb install-multiple`: an install session over abb_exec, exec:cmd or pm, as the
    device offers; a set with one bad split leaves the installed app as it was."""
    endpoint = start_fleet(1, auth="none", profile=profile).endpoints[0]
    connected(adb, endpoint)
    assert "Success" in adb("install-multiple", *split_set(tmp_path, 3)).stdout
    dump = adb("shell", "dumpsys package com.example.maps").stdout
    assert "versionCode=3" in dump
    assert "splits=[base, config.arm64_v8a, config.xxhdpi]" in dump

    refused = adb(
        "install-multiple", *split_set(tmp_path, 4, **{"config.xxhdpi": "com.example.other"}),
        check=False,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "INSTALL_FAILED_INVALID_APK" in refused.stdout + refused.stderr
    dump = adb("shell", "dumpsys package com.example.maps").stdout
    assert "versionCode=3" in dump and "splits=[base, config.arm64_v8a, config.xxhdpi]" in dump


def test_screencap_and_logcat_through_stock_adb(start_fleet, adb, tmp_path):
    """What a station collects as evidence, as stock adb gets it: the screen as a PNG of the
    profile's size, and the log's last lines (`adb logcat` wraps logcat in its own shell)."""
    endpoint = start_fleet(1, auth="none", profile="zebra_tc52").endpoints[0]
    connected(adb, endpoint)
    adb("shell", "screencap", "-p", "/sdcard/screen.png")
    adb("pull", "/sdcard/screen.png", str(tmp_path / "screen.png"))
    assert png_size((tmp_path / "screen.png").read_bytes()) == (720, 1280)
    adb("shell", "log", "-t", "Probe", "seen by stock adb")
    (last,) = adb("logcat", "-d", "-t", "1").stdout.splitlines()[-1:]
    assert last.endswith(" I Probe   : seen by stock adb")
