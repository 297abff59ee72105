"""`kitbench devices` for network devices (simulated), and its errors.

USB listing itself is checked under umockdev (test_usb_umockdev.py).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

from click.testing import CliRunner

from app.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, ["devices", *args])


def test_lists_connected_devices_with_serial_and_model(start_fleet):
    fleet = start_fleet(2, auth="none")
    first, second = fleet.endpoints
    result = run("--json", "--tcp", f"{first.host}:{first.port}", "--tcp", second.spec)
    assert result.exit_code == 0, result.output
    listed = [json.loads(line) for line in result.output.splitlines()]
    assert [(d["slot"], d["state"], d["serial"], d["model"]) for d in listed] == [
        (f"{e.host}:{e.port}", "ready", e.serial, e.model) for e in (first, second)
    ]
    assert listed[0]["endpoint"] == first.spec
    assert listed[0]["android_release"] and listed[0]["sdk"] > 20


def test_a_device_waiting_for_allow_says_so(start_fleet):
    (device,) = start_fleet(1, auth="prompt", faults="never_auth=1").endpoints
    result = run("--tcp", f"{device.host}:{device.port}")
    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()
    assert header.split() == ["SLOT", "STATE", "SERIAL", "MODEL"]
    assert row.split()[:2] == [f"{device.host}:{device.port}", "unauthorized"]
    assert row.endswith("tap Allow on the device")


def test_an_unreachable_device_is_listed_as_detached():
    with socket.socket() as probe:  # a port nothing listens on once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("--json", "--tcp", f"127.0.0.1:{port}")
    assert result.exit_code == 0, result.output
    (listed,) = [json.loads(line) for line in result.output.splitlines()]
    assert (listed["state"], listed["serial"]) == ("detached", None)
    assert listed["message"]  # the reason, in the engine's words


def test_a_bad_address_is_a_command_line_error():
    result = run("--tcp", "localhost")
    assert result.exit_code == 2
    assert "expected tcp:HOST:PORT" in result.output


def test_a_broken_port_map_fails_with_its_line(kitbench_home):
    kitbench_home.mkdir()
    (kitbench_home / "ports.yaml").write_text("1-1.1: A1\n1-1.2: A1\n")
    result = run("--usb")
    assert result.exit_code == 1
    assert f"{kitbench_home / 'ports.yaml'}:2: 'A1' already labels 1-1.1" in result.output
    assert "Traceback" not in result.output


def test_without_libusb_it_says_so_and_fails(kitbench_home, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "app", "devices"],
        env={**os.environ, "KITBENCH_LIBUSB": str(tmp_path / "missing.so")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"cannot load libusb from $KITBENCH_LIBUSB ({tmp_path / 'missing.so'})" in result.stderr
    assert "Traceback" not in result.stderr
