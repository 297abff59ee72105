"""USB discovery cost on a 150-device bench: one enumeration pass and its CPU, plug-in latency.

Real libusb over a described bench (umockdev), in a child process started under
`umockdev-wrapper` (the preload library must be there from process start). The latency is
plug-in to `attached` event; the GUI tile adds its own share later. Prints figures; asserts
nothing about time, only that every pass found all devices, the watcher reported each of them
attached once, and every plug-in and removal gave its event.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import os
import queue
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

DEVICES = 150
ENUMERATION_PASSES = 20
HOTPLUG_PLUGS = 20
POLLING_PLUGS = 6
IDLE_SECONDS = 3.0
TESTBEDS = Path(__file__).parents[1] / "integration" / "testbeds"
WRAPPER = shutil.which("umockdev-wrapper")


@pytest.mark.skipif(
    WRAPPER is None and not os.environ.get("KITBENCH_CI"), reason="umockdev is not installed"
)
def test_usb_discovery_costs():
    gi_path = subprocess.run(
        [
            "/usr/bin/python3",
            "-c",
            "import gi, os; print(os.path.dirname(os.path.dirname(gi.__file__)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    env = {
        **os.environ,
        "KITBENCH_LIBUSB": ctypes.util.find_library("usb-1.0") or "",
        "KITBENCH_GI_PATH": gi_path,
        "PYTHONPATH": str(Path(__file__).parents[2]),
    }
    result = subprocess.run(
        [WRAPPER, sys.executable, __file__], env=env, capture_output=True, text=True, timeout=300
    )
    print(result.stdout, end="")
    assert result.returncode == 0, result.stderr


def _load_testbed_maker():
    spec = importlib.util.spec_from_file_location("make_testbeds", TESTBEDS / "make_testbeds.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def main() -> None:
    """The child: build the bench before libusb starts, then measure."""
    sys.path.append(os.environ["KITBENCH_GI_PATH"])
    import gi

    gi.require_version("UMockdev", "1.0")
    from gi.repository import UMockdev

    maker = _load_testbed_maker()
    testbed = UMockdev.Testbed.new()
    assert testbed.add_from_string(maker.bench_of(DEVICES))

    from app.devices.usb_discovery import enumerate_usb

    wall, cpu = time.perf_counter(), time.process_time()
    found = enumerate_usb()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    slots = {device.slot for device in found}
    assert (len(found), len(slots)) == (DEVICES, DEVICES), (
        f"the first pass found {len(found)} devices in {len(slots)} slots, not {DEVICES}"
    )
    print(
        f"[bench] USB enumeration, first pass (libusb start-up included), {DEVICES} devices: "
        f"{wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU"
    )
    for kind, previous in (("full", None), ("rescan", {d.slot: d for d in found})):
        wall, cpu = time.perf_counter(), time.process_time()
        counts = [len(enumerate_usb(previous)) for _ in range(ENUMERATION_PASSES)]
        wall, cpu = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
        assert counts == [DEVICES] * ENUMERATION_PASSES, f"{kind} passes found {counts} devices"
        print(
            f"[bench] USB enumeration pass ({kind}), {DEVICES} devices: "
            f"{wall / ENUMERATION_PASSES:.1f} ms wall, {cpu / ENUMERATION_PASSES:.1f} ms CPU "
            f"(mean of {ENUMERATION_PASSES})"
        )
    # Bus 1 has hubs on root ports 1-5; port 5's hub has free ports from 3 on.
    hub_sysfs = "/devices/pci0000:00/0000:0a:00.0/usb1/1-5"
    arrival = maker.phone((1, 5, 7), 0x18D1, 0x4EE7, "Pixel 8", "KBARRIVAL")
    for mode, plugs in (("hotplug", HOTPLUG_PLUGS), ("polling", POLLING_PLUGS)):
        _measure_watcher(testbed, maker, arrival, hub_sysfs, mode, plugs)


def _measure_watcher(testbed, maker, arrival, hub_sysfs, mode: str, plugs: int) -> None:
    from app.devices.usb_hotplug import UsbChange, UsbWatcher

    received: queue.Queue = queue.Queue()
    watcher = UsbWatcher(use_hotplug=mode == "hotplug")
    watcher.subscribe(lambda event: received.put((time.perf_counter(), event)))
    watcher.start()
    assert watcher.uses_hotplug == (mode == "hotplug")
    initial = [received.get(timeout=10)[1] for _ in range(DEVICES)]
    attached = {event.device.slot for event in initial if event.change is UsbChange.ATTACHED}
    assert len(attached) == DEVICES, (
        f"{mode}: the watcher reported {len(attached)} of {DEVICES} devices attached: "
        + ", ".join(f"{e.device.slot} {e.change.value}" for e in initial)[:500]
    )
    cpu = time.process_time()
    time.sleep(IDLE_SECONDS)  # measuring the idle watcher's own cost
    idle_cpu = (time.process_time() - cpu) / IDLE_SECONDS
    latencies = []
    for number in range(plugs):
        record, sysfs = maker.record(arrival, 200 + number, hub_sysfs)
        plugged = time.perf_counter()
        testbed.add_from_string(record)
        testbed.uevent("/sys" + sysfs, "add")
        seen, event = received.get(timeout=10)
        assert (event.change, event.device.slot) == (UsbChange.ATTACHED, "1-5.7"), (
            f"{mode}, plug-in {number + 1}: {event.change.value} {event.device.slot}"
        )
        latencies.append(seen - plugged)
        testbed.uevent("/sys" + sysfs, "remove")
        testbed.remove_device("/sys" + sysfs)
        assert received.get(timeout=10)[1].change is UsbChange.DETACHED
    watcher.stop()
    assert len(latencies) == plugs
    latencies.sort()
    note = ", each plugged just after a poll (the worst case)" if mode == "polling" else ""
    print(
        f"[bench] plug-in to attached event ({mode}, {DEVICES} devices on the bench): "
        f"median {latencies[len(latencies) // 2] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
        f" over {plugs}{note}; idle watcher {idle_cpu * 100:.2f}% of a core"
    )


if __name__ == "__main__":
    main()
