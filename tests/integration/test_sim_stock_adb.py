"""The simulator driven by Debian's stock adb client: it must take the devices as real."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import time

import pytest

from app.sim.apk import build_apk

ADB = shutil.which("adb")
pytestmark = pytest.mark.skipif(
    ADB is None and not os.environ.get("KITBENCH_CI"),
    reason="Debian's adb is not installed (CI installs it)",
)


class StockAdb:
    """A private adb server (own port, own key) so tests never touch a developer's adb."""

    def __init__(self, home, server_port: int) -> None:
        self.env = {**os.environ, "HOME": str(home), "ANDROID_ADB_SERVER_PORT": str(server_port)}
        self.serial = ""

    def __call__(self, *args: str, timeout: float = 60, check: bool = True):
        command = [ADB, *(["-s", self.serial] if self.serial else []), *args]
        result = subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=timeout
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


@pytest.fixture
def adb(tmp_path):
    (tmp_path / "home").mkdir()
    client = StockAdb(tmp_path / "home", server_port=free_port())
    client("start-server")
    yield client
    client.serial = ""
    client("kill-server", check=False)


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
