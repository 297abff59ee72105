"""A simulated bench of buses: the devices on one bus share its bandwidth, whoever the host is;
a device alone is held to its own write rate; without buses every device has its own pipe."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.devices.device import Device
from app.sim.bus import Bus, buses_for
from app.sim.fleet import SimFleet

MB = 1_000_000
SIZE = 6 * MB


def pushed_in(fleet: SimFleet, host_key, tmp_path, indices: list[int]) -> float:
    """Seconds to push SIZE bytes to each device of `indices` at once (sessions opened first)."""
    source = tmp_path / "data.bin"
    source.write_bytes((bytes(range(256)) * (SIZE // 256 + 1))[:SIZE])
    devices = [Device.open(fleet.endpoints[i].spec, host_key) for i in indices]
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(len(devices)) as pool:
            list(pool.map(lambda d: d.push(source, "/sdcard/Download/data.bin"), devices))
        return time.monotonic() - started
    finally:
        for device in devices:
            device.close()


def test_a_usb2_bus_never_carries_more_than_40_mb_per_s(start_fleet, host_key, tmp_path):
    fleet = start_fleet(6, auth="none", profile="pixel8", latency="realistic", buses=2)
    assert [e.bus for e in fleet.endpoints] == [1, 1, 1, 2, 2, 2]
    elapsed = pushed_in(fleet, host_key, tmp_path, [0, 1, 2])
    # three devices of 35 MB/s each would take 0.17 s apart; together on one bus, 18 MB at 40
    assert elapsed >= 3 * SIZE / 40e6 * 0.97, elapsed
    bus = fleet.devices[0].behaviour.bus
    assert bus is not None and bus.carried >= 3 * SIZE
    assert fleet.devices[3].behaviour.bus.carried == 0  # the other bus carried nothing


def test_a_device_alone_is_held_to_its_profiles_write_rate(start_fleet, host_key, tmp_path):
    fleet = start_fleet(2, auth="none", profile="legacy_phone", latency="realistic", buses=1)
    elapsed = pushed_in(fleet, host_key, tmp_path, [0])
    assert elapsed >= SIZE / 15e6 * 0.97, elapsed  # the Nexus 5X writes 15 MB/s


def test_without_buses_each_device_has_its_own_pipe(start_fleet, host_key, tmp_path):
    fleet = start_fleet(3, auth="none", profile="pixel8", latency="realistic")
    assert all(e.bus is None for e in fleet.endpoints)
    elapsed = pushed_in(fleet, host_key, tmp_path, [0, 1, 2])
    assert elapsed < 3 * SIZE / 40e6, elapsed  # faster than one shared bus could carry them


def test_devices_fill_buses_in_blocks_and_a_bus_reserves_in_arrival_order():
    buses = buses_for(150, 5, "usb2")
    assert [sum(1 for b in buses if b is not None and b.number == n) for n in range(1, 6)] == [
        30
    ] * 5
    assert buses[0] is buses[29] and buses[29] is not buses[30]
    assert buses_for(3, 0, "usb2") == [None, None, None]
    bus = Bus(1, "usb3")
    assert bus.reserve(350_000, now=10.0) == pytest.approx(10.001)  # 350 kB at 350 MB/s
    assert bus.reserve(350_000, now=10.0) == pytest.approx(
        10.002
    )  # after the one reserved before it
