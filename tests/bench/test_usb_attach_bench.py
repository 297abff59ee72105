"""Plug-in to tile: how long bench staff wait to see a device they plugged in (issue 7).

The USB watcher's own events go to a real Station behind the real GUI models; the
Station opens each `usb:SLOT` on a simulated device (no USB hardware here), so the
figure covers event → Station → Qt bridge → tile, and the ADB session to "Ready".
Printed, never asserted.
"""

from __future__ import annotations

import functools
import statistics
import time

from app.core import DeviceState
from app.devices.device import Device
from app.devices.usb_discovery import UsbDevice
from app.devices.usb_hotplug import UsbChange, UsbEvent
from app.provisioning.station import Station
from app.ui.app import build_services

DEVICES = 20
GOOGLE, PIXEL = 0x18D1, 0x4EE1


def test_plug_in_to_tile_latency(qtbot, start_fleet, kitbench_home):
    fleet = start_fleet(DEVICES, auth="none", latency="realistic", profile="pixel8")

    def open_simulated(spec: str, key, **options) -> Device:
        index = int(spec.rsplit(".", 1)[1]) - 1
        return Device.open(fleet.endpoints[index].spec, key, **options)

    services, _sink = build_services(
        station_factory=functools.partial(Station, open_device=open_simulated)
    )
    model = services.model

    def tile(endpoint: str):
        return next((t for t in model.tiles() if t.endpoint == endpoint), None)

    to_ready = []
    for index in range(DEVICES):
        slot = f"1-1.{index + 1}"
        device = UsbDevice(slot, 1, index + 2, GOOGLE, PIXEL, DeviceState.ATTACHED, "Google",
                           "Pixel 8")  # fmt: skip
        plugged = time.perf_counter()
        services.station.on_usb_event(UsbEvent(UsbChange.ATTACHED, device))
        qtbot.waitUntil(
            lambda s=slot: getattr(tile(f"usb:{s}"), "state", None) == DeviceState.READY,
            timeout=20_000,
        )
        to_ready.append(time.perf_counter() - plugged)
    services.station.close()

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"

    print(
        f"\n[bench] usb: plug-in event to a 'Ready' tile, {DEVICES} devices (ADB session opened, "
        f"realistic latency): {ms(to_ready)}"
        "\n[bench] usb: add the watcher's own plug-in latency (hotplug ~5 ms, polling <= 500 ms)"
    )
