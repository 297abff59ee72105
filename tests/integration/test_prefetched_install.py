"""An install's next install sent ahead: on a usb2 bus (installs from a compressed push) the
next install step's APKs cross the bus while the device installs the first, and whatever was
sent ahead is installed from there or removed, also when the run is stopped in between."""

from __future__ import annotations

import asyncio

from app.core import RunFinished
from app.devices.adb_protocol import pack_file
from app.devices.device import Device
from app.provisioning.station import Station
from tests.integration.test_compressed_install import (
    TWO_INSTALLS,
    installed,
    provision,
    template_of,
    temporary_files,
    write_apk,
    write_set,
)

MAPS = "com.example.maps"


def watch_installs(fleet, on_install=None) -> list[tuple[int, int]]:
    """The bytes the device's bus had carried when each of its installs began and ended on
    the device (the package manager's own time, bus idle for this device). `on_install`
    (async, given the install's index and the bytes carried when it began) runs at each
    install's end, in the simulator."""
    device = fleet.devices[0]
    behaviour, bus = device.behaviour, device.behaviour.bus
    delay = behaviour.install_delay
    spans: list[tuple[int, int]] = []

    async def watched(size: int) -> None:
        began = bus.carried
        await delay(size)
        if on_install is not None:
            await on_install(len(spans), began)
        spans.append((began, bus.carried))

    fleet.call(lambda: setattr(behaviour, "install_delay", watched))
    return spans


def test_the_next_install_crosses_the_bus_while_the_first_installs(start_fleet, host_key, tmp_path):
    """A Pixel 8 (Android 14) on a usb2 bus: the split set's compressed APKs cross the bus
    during the first app's install; without prefetching (the baseline) none do."""
    kiosk = pack_file(write_apk(tmp_path / "kiosk.apk", 7), "zstd").size  # Android 14 offers it
    maps = write_set(tmp_path / "maps", 2, package=MAPS)
    template = template_of(tmp_path, TWO_INSTALLS)
    the_set = sum(pack_file(path, "zstd").size for path in maps)
    during_first = []
    for prefetch_next in (True, False):
        fleet = start_fleet(1, auth="none", profile="pixel8", latency="realistic", buses=1)
        spans = watch_installs(fleet)
        events = provision(fleet, template, tmp_path / f"home-{prefetch_next}",
                           prefetch_next=prefetch_next)  # fmt: skip
        results = [e.result for e in events.of(RunFinished)]
        assert [r.outcome.value for r in results] == ["done"], results
        assert len(spans) == 2  # the app, then the set's commit
        # what crossed by the end of the app's install beside the app: the split set goes only
        # once pm has begun installing the app (its parse as well as its dexopt)
        during_first.append(spans[0][1] - kiosk)
        device = Device.open(fleet.endpoints[0].spec, host_key)
        try:
            assert installed(device, MAPS) == "2 [base, config.arm64_v8a, config.xxhdpi]"
            assert installed(device).startswith("7 ")
            assert temporary_files(device) == []
        finally:
            device.close()
    prefetched, one_by_one = during_first
    assert 0.99 * the_set <= prefetched <= the_set  # the whole set, compressed, meanwhile
    assert abs(one_by_one) < 0.01 * the_set  # none of it (the framing counts a few bytes less)


def test_a_run_stopped_between_the_installs_leaves_no_file_sent_ahead(
    start_fleet, host_key, tmp_path
):
    """Stop pressed once the split set was sent ahead, before its step began: the set is not
    installed and its temporary files are gone."""
    write_apk(tmp_path / "kiosk.apk", 7)
    maps = write_set(tmp_path / "maps", 2, package=MAPS)
    the_set = sum(pack_file(path, "zstd").size for path in maps)  # Android 14 offers zstd
    fleet = start_fleet(1, auth="none", profile="pixel8", latency="realistic", buses=1)
    bus = fleet.devices[0].behaviour.bus
    station: list[Station] = []
    seen: list[list[str]] = []

    async def stop_when_sent_ahead(index: int, began: int) -> None:
        if index != 0:
            return
        for _ in range(500):  # the set's last bytes may still be crossing: wait for them
            if bus.carried - began >= 0.99 * the_set:
                break
            await asyncio.sleep(0.01)
        listed = fleet.devices[0].model.list_dir("/data/local/tmp")
        seen.append([name for name, _ in listed if "kitbench" in name])
        station[0].stop()

    watch_installs(fleet, stop_when_sent_ahead)
    events = provision(fleet, template_of(tmp_path, TWO_INSTALLS), tmp_path / "home", station)
    results = [e.result for e in events.of(RunFinished)]
    assert [r.outcome.value for r in results] != ["done"]
    assert [step.status.value for step in results[0].steps][:1] == ["changed"]
    assert len(seen) == 1 and len(seen[0]) == 3, seen  # the set was on the device, sent ahead
    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        assert installed(device).startswith("7 ")
        assert MAPS not in device.shell("pm list packages").stdout
        assert temporary_files(device) == []
    finally:
        device.close()
