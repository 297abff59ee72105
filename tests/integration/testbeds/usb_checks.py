"""USB discovery and hotplug through real libusb, against the umockdev testbeds here.

umockdev's preload library must be in the process from its start, so this file is not
collected on its own: tests/integration/test_usb_umockdev.py runs it under
`umockdev-wrapper`, with $KITBENCH_LIBUSB naming the system libusb (its udev backend sees
umockdev's uevents; the wheel's netlink backend does not) and $KITBENCH_GI_PATH the folder
holding python3-gi.

libusb's hotplug monitor is process-wide and binds to the testbed that exists when libusb
is first initialised, and importing adb-shell initialises it. So one testbed, made before
anything else is imported, serves the whole module (run with --noconftest: tests/conftest.py
imports adb-shell), and each test leaves the bench as described in bench.umockdev.
"""

from __future__ import annotations

import os
import queue
import sys
from pathlib import Path

import pytest

sys.path.append(os.environ["KITBENCH_GI_PATH"])
import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import UMockdev  # noqa: E402

HERE = Path(__file__).parent
TESTBED = UMockdev.Testbed.new()
assert TESTBED.add_from_file(str(HERE / "bench.umockdev"))

from adb_shell.auth.keygen import keygen  # noqa: E402
from adb_shell.auth.sign_pythonrsa import PythonRSASigner  # noqa: E402

from app.core import DeviceState  # noqa: E402
from app.devices.inventory import list_devices  # noqa: E402
from app.devices.usb_discovery import enumerate_usb  # noqa: E402
from app.devices.usb_hotplug import UsbChange, UsbEvent, UsbWatcher  # noqa: E402

EVENT_TIMEOUT_S = 10
BENCH_DEVICES = [  # slot, state, serial, product
    ("1-1.1", DeviceState.ATTACHED, "28A1KB0001", "Pixel 7"),
    ("1-1.2", DeviceState.ATTACHED, "R52U4TNS62N", "SAMSUNG_Android"),
    ("1-1.3", DeviceState.ATTACHED, "21093KB003", "TC52"),
    ("1-1.4", DeviceState.NO_ADB, "19B2KB0004", "Pixel 6"),
    ("2-1.1", DeviceState.ATTACHED, "19311KB011", "CT40"),
    ("2-1.4.1", DeviceState.ATTACHED, "a1b2KB0141", "Redmi Note 12"),
    ("2-1.4.2", DeviceState.ATTACHED, "ZY22KB0142", "moto g54"),
]


class Bench:
    """The module's testbed, with plugging and unplugging as a person would do it."""

    def __init__(self) -> None:
        self.testbed = TESTBED
        self.records = _records((HERE / "bench.umockdev").read_text())

    def plug(self, record: str) -> str:
        sysfs = "/sys" + record.splitlines()[0].removeprefix("P: ")
        assert self.testbed.add_from_string(record)
        self.testbed.uevent(sysfs, "add")
        return sysfs

    def plug_file(self, name: str) -> str:
        return self.plug((HERE / name).read_text())

    def unplug(self, sysfs: str) -> None:
        self.testbed.uevent(sysfs, "remove")
        self.testbed.remove_device(sysfs)

    def slot_path(self, slot: str) -> str:
        return next(path for path in self.records if path.endswith(f"/{slot}"))


def _records(text: str) -> dict[str, str]:
    """sysfs path -> record, from a .umockdev file."""
    blocks = [block for block in text.split("\n\n") if block.strip()]
    return {"/sys" + block.splitlines()[0].removeprefix("P: "): block + "\n" for block in blocks}


@pytest.fixture(scope="module")
def bench() -> Bench:
    return Bench()


@pytest.fixture
def kitbench_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "kitbench-home"
    monkeypatch.setenv("KITBENCH_HOME", str(home))
    return home


@pytest.fixture
def host_key(tmp_path) -> PythonRSASigner:
    keygen(str(tmp_path / "adbkey"))
    return PythonRSASigner.FromRSAKeyPath(str(tmp_path / "adbkey"))


@pytest.fixture
def events():
    """A started watcher's events, in order; stopped after the test."""
    watchers: list[UsbWatcher] = []

    def watch(**options) -> queue.Queue[UsbEvent]:
        received: queue.Queue[UsbEvent] = queue.Queue()
        watcher = UsbWatcher(**options)
        watcher.subscribe(received.put)
        watchers.append(watcher)
        watcher.start()
        for _ in BENCH_DEVICES:  # the bench as found at start
            assert received.get(timeout=EVENT_TIMEOUT_S).change is UsbChange.ATTACHED
        return received

    yield watch
    for watcher in watchers:
        watcher.stop()


def _seen(device) -> tuple:
    return device.slot, device.state, device.serial, device.product


def test_lists_android_devices_by_slot_and_ignores_hubs_keyboards_and_sticks(bench):
    # The Lenovo keyboard and the Samsung stick carry Android vendor ids; neither is listed.
    assert [_seen(device) for device in enumerate_usb()] == BENCH_DEVICES


def test_phone_with_debugging_off_says_what_to_do(bench):
    pixel6 = next(device for device in enumerate_usb() if device.slot == "1-1.4")
    info = pixel6.device_info()
    assert (info.endpoint, info.state, info.manufacturer) == ("usb:1-1.4", "no-adb", "Google")
    assert "turn on USB debugging" in info.message
    assert pixel6.ids == "18d1:4ee1"


def test_listing_shows_port_map_labels(bench, kitbench_home, host_key):
    kitbench_home.mkdir(parents=True, exist_ok=True)
    (kitbench_home / "ports.yaml").write_text("1-1.1: A1\n2-1.4.2: B6\n")
    listed = list_devices(usb=True, tcp=[], key=lambda: host_key)
    labels = {entry.usb.slot: entry.info.slot for entry in listed}
    assert labels["1-1.1"] == "A1"
    assert labels["2-1.4.2"] == "B6"
    assert labels["1-1.2"] == "1-1.2"  # unlabelled ports show their path


@pytest.mark.parametrize("use_hotplug", [True, False], ids=["hotplug", "polling"])
def test_plug_in_and_unplug_are_reported_by_slot(bench, events, use_hotplug):
    received = events(use_hotplug=use_hotplug, poll_interval_s=0.1)
    sysfs = bench.plug_file("arrival-pixel8.umockdev")
    try:
        arrived = received.get(timeout=EVENT_TIMEOUT_S)
        assert (arrived.change, *_seen(arrived.device)) == (
            UsbChange.ATTACHED,
            "2-1.4.3",
            DeviceState.ATTACHED,
            "35KB0143",
            "Pixel 8",
        )
    finally:
        bench.unplug(sysfs)
    left = received.get(timeout=EVENT_TIMEOUT_S)
    assert (left.change, left.device.slot, left.device.serial) == (
        UsbChange.DETACHED,
        "2-1.4.3",
        "35KB0143",
    )
    assert received.empty()


def test_device_that_reenumerates_is_matched_by_its_slot(bench, events):
    """Debugging switched on: the phone drops off and comes back, same port, new mode."""
    received = events()
    original = bench.slot_path("1-1.4")
    bench.unplug(original)
    sysfs = bench.plug_file("arrival-pixel6-debugging-on.umockdev")
    try:
        gone, back = received.get(timeout=EVENT_TIMEOUT_S), received.get(timeout=EVENT_TIMEOUT_S)
    finally:
        bench.unplug(sysfs)
        bench.plug(bench.records[original])
    assert (gone.change, gone.device.slot, gone.device.state) == (
        UsbChange.DETACHED,
        "1-1.4",
        DeviceState.NO_ADB,
    )
    assert (back.change, back.device.slot, back.device.state, back.device.serial) == (
        UsbChange.ATTACHED,
        "1-1.4",
        DeviceState.ATTACHED,
        "19B2KB0004",
    )
    assert back.device.address != gone.device.address


def test_a_failing_subscriber_does_not_silence_the_others(bench):
    received: queue.Queue[UsbEvent] = queue.Queue()
    watcher = UsbWatcher()
    watcher.subscribe(lambda event: 1 / 0)
    watcher.subscribe(received.put)
    with watcher:
        sysfs = bench.plug_file("arrival-pixel8.umockdev")
        try:
            while (event := received.get(timeout=EVENT_TIMEOUT_S)).device.slot != "2-1.4.3":
                pass
            assert event.change is UsbChange.ATTACHED
        finally:
            bench.unplug(sysfs)
        while (event := received.get(timeout=EVENT_TIMEOUT_S)).device.slot != "2-1.4.3":
            pass
        assert event.change is UsbChange.DETACHED
