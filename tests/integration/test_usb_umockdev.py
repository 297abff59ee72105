"""Real libusb enumeration and hotplug of described USB benches, under umockdev.

The testbeds (tests/integration/testbeds/*.umockdev) describe hubs on two buses with ADB
phones, a phone with debugging off, keyboards and USB sticks. umockdev's preload library has
to be in a process from its start, so the checks run in a child process.
"""

from __future__ import annotations

import ctypes.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTBEDS = Path(__file__).parent / "testbeds"
UMOCKDEV_RUN = shutil.which("umockdev-run")
UMOCKDEV_WRAPPER = shutil.which("umockdev-wrapper")
PYTEST = ("-m", "pytest", "-q", "-rA", "--noconftest", "-p", "no:cacheprovider")
KITBENCH = (sys.executable, "-m", "app")
SYSTEM_PYTHON = "/usr/bin/python3"  # python3-gi is built for it
pytestmark = pytest.mark.skipif(
    UMOCKDEV_RUN is None and not os.environ.get("KITBENCH_CI"),
    reason="umockdev is not installed (CI installs it)",
)


def _gi_path() -> str:
    """The folder with python3-gi, for the checks to import umockdev's GObject API from."""
    found = subprocess.run(
        [
            SYSTEM_PYTHON,
            "-c",
            "import gi, os; print(os.path.dirname(os.path.dirname(gi.__file__)))",
        ],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        pytest.fail(f"python3-gi with gir1.2-umockdev-1.0 is needed: {found.stderr.strip()}")
    return found.stdout.strip()


def test_discovery_and_hotplug_checks_pass_under_umockdev():
    system_libusb = ctypes.util.find_library("usb-1.0")
    assert system_libusb, "the system libusb (libusb-1.0-0) is needed for umockdev's uevents"
    env = {**os.environ, "KITBENCH_LIBUSB": system_libusb, "KITBENCH_GI_PATH": _gi_path()}
    result = subprocess.run(
        [UMOCKDEV_WRAPPER, sys.executable, *PYTEST, str(TESTBEDS / "usb_checks.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert re.search(r"\b7 passed\b", report), report
    assert "skipped" not in report, report


def _kitbench(*args: str, home: Path) -> str:
    """`kitbench ARGS` on the described bench; its stdout (it must exit 0)."""
    result = subprocess.run(
        [UMOCKDEV_RUN, "--device", str(TESTBEDS / "bench.umockdev"), "--", *KITBENCH, *args],
        env={**os.environ, "KITBENCH_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _devices(*args: str, home: Path) -> list[dict]:
    return [json.loads(line) for line in _kitbench("devices", *args, home=home).splitlines()]


def test_devices_command_lists_the_bench_with_the_packaged_libusb(kitbench_home):
    listed = _devices("--json", home=kitbench_home)
    assert [(d["slot"], d["state"], d["serial"]) for d in listed] == [
        ("1-1.1", "attached", "28A1KB0001"),
        ("1-1.2", "attached", "R52U4TNS62N"),
        ("1-1.3", "attached", "21093KB003"),
        ("1-1.4", "no-adb", "19B2KB0004"),
        ("2-1.1", "attached", "19311KB011"),
        ("2-1.4.1", "attached", "a1b2KB0141"),
        ("2-1.4.2", "attached", "ZY22KB0142"),
    ]
    pixel6 = listed[3]
    assert pixel6["endpoint"] == "usb:1-1.4"
    assert (pixel6["vendor_id"], pixel6["product_id"], pixel6["model"]) == (
        "18d1",
        "4ee1",
        "Pixel 6",
    )
    assert "turn on USB debugging" in pixel6["message"]


def test_devices_command_shows_port_labels(kitbench_home):
    kitbench_home.mkdir(parents=True)
    (kitbench_home / "ports.yaml").write_text("1-1.1: A1\n1-1.4: A4\n")
    listed = _devices("--json", "--usb", home=kitbench_home)
    assert [d["slot"] for d in listed][:4] == ["A1", "1-1.2", "1-1.3", "A4"]
    assert listed[3]["usb_path"] == "1-1.4"


def test_devices_table_tells_bench_staff_what_to_do(kitbench_home):
    header, *rows = _kitbench("devices", home=kitbench_home).splitlines()
    assert header.split() == ["SLOT", "STATE", "SERIAL", "MODEL"]
    pixel6 = next(row for row in rows if row.startswith("1-1.4 "))
    assert pixel6.split()[:4] == ["1-1.4", "no-adb", "19B2KB0004", "Pixel"]
    assert pixel6.endswith("turn on USB debugging (Settings › Developer options)")
