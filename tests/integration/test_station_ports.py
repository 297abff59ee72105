"""Bench labels and USB hotplug in the Station, over simulated devices and a real store.

USB events are the watcher's own `UsbEvent` objects; the Station opens each `usb:SLOT` it is
told about through an opener that connects to a simulated device instead, so the sessions,
runs, unplugs and reboots are real ADB over TCP.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from station_events import StationEvents

from app.core import AlreadyDone, Detached, DeviceState, Done, RunOutcome, StepStarted
from app.devices.device import Device
from app.devices.slots import PortMap, PortMapError
from app.devices.usb_discovery import NO_ADB_HINT, UsbDevice
from app.devices.usb_hotplug import UsbChange, UsbEvent
from app.provisioning.station import Station
from app.storage import Store
from app.templates import load_template

TEMPLATE = """\
kitbench: 1
name: ports
version: 1
steps:
  - setting: {namespace: global, key: stay_on_while_plugged_in, value: 7}
  - timezone: Europe/Berlin
  - setting: {namespace: system, key: screen_off_timeout, value: 600000}
"""
REBOOT_TEMPLATE = """\
kitbench: 1
name: ports-reboot
version: 1
steps:
  - setting: {namespace: global, key: stay_on_while_plugged_in, value: 7}
  - reboot: {wait: true}
"""
GOOGLE, PIXEL = 0x18D1, 0x4EE1
UNPLUGGED = Detached(unplugged=True)


def usb_device(slot: str, address: int, state: DeviceState = DeviceState.ATTACHED) -> UsbDevice:
    message = NO_ADB_HINT if state is DeviceState.NO_ADB else None
    return UsbDevice(slot, 1, address, GOOGLE, PIXEL, state, "Google", "Pixel 8", message=message)


@pytest.fixture
def template(tmp_path):
    def write(text: str = TEMPLATE):
        path = tmp_path / "template.yaml"
        path.write_text(text)
        return load_template(path)

    return write


@pytest.fixture
def station(kitbench_home):
    created: list[Station] = []

    def make(events: StationEvents, **options) -> Station:
        options.setdefault("auth_timeout_s", 10)
        made = Station(on_event=events, station_name="bench-1", **options)
        created.append(made)
        return made

    yield make
    for made in created:
        made.close()


def test_runs_in_the_store_carry_the_bench_label_of_their_port(
    start_fleet, station, template, kitbench_home
):
    fleet = start_fleet(3, auth="none", profile="pixel8")
    first, second, third = fleet.endpoints
    PortMap({f"{second.host}:{second.port}": "B7", "1-1.1": "A1"}).save()
    events = StationEvents()
    with Store(kitbench_home, recording=True) as store:
        recorder = store.recorder()
        events.hooks.append(recorder.on_event)
        made = station(events)  # reads ports.yaml from the data directory
        made.set_template(template())
        made.start([e.spec for e in fleet.endpoints])
        assert made.wait_idle(60)
        assert store.flush(30)
        recorded = {run["endpoint"]: run["slot"] for run in store.runs()}

    # A1 is mapped to a USB port, so the unmapped devices get A2 and A3, in the order given.
    labels = {first.spec: "A2", second.spec: "B7", third.spec: "A3"}
    assert recorded == labels
    assert {e.spec: events.result(e.spec).slot for e in fleet.endpoints} == labels
    assert {info.endpoint: info.slot for info in made.devices()} == labels
    for endpoint in fleet.endpoints:
        assert {info.slot for info in events.devices(endpoint.spec)} == {labels[endpoint.spec]}


def test_a_broken_port_map_stops_the_station_with_its_line(kitbench_home):
    kitbench_home.mkdir()
    (kitbench_home / "ports.yaml").write_text("1-1.1: A1\n1-1.2: A1\n")
    with pytest.raises(PortMapError, match=r"ports.yaml:2: 'A1' already labels 1-1.1"):
        Station(on_event=lambda _event: None)


def simulated_usb(fleet) -> Callable[..., Device]:
    """Opens `usb:1-1.N` as the fleet's device N-1, the way Device.open opens a USB slot."""

    def open_device(spec: str, key, **options) -> Device:
        index = int(spec.rsplit(".", 1)[1]) - 1
        return Device.open(fleet.endpoints[index].spec, key, **options)

    return open_device


def test_usb_plug_in_unplug_mid_run_and_plug_in_again(start_fleet, station, template):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    events = StationEvents()
    made = station(events, open_device=simulated_usb(fleet), port_map=PortMap({"1-1.1": "A4"}))
    phone, debugging_off = usb_device("1-1.1", 7), usb_device("1-1.2", 8, DeviceState.NO_ADB)

    made.on_usb_event(UsbEvent(UsbChange.ATTACHED, phone))
    made.on_usb_event(UsbEvent(UsbChange.ATTACHED, debugging_off))

    ready = events.wait_device("usb:1-1.1", DeviceState.READY)
    assert (ready.slot, ready.serial) == ("A4", fleet.endpoints[0].serial)
    no_adb = events.wait_device("usb:1-1.2", DeviceState.NO_ADB)
    assert (no_adb.slot, no_adb.model) == ("A1", "Pixel 8")
    assert "turn on USB debugging" in no_adb.message
    assert {info.endpoint: info.state for info in made.devices()} == {
        "usb:1-1.1": DeviceState.READY,
        "usb:1-1.2": DeviceState.NO_ADB,
    }

    def pull_the_cable_at_step_2(event) -> None:
        if isinstance(event, StepStarted) and event.index == 1:
            made.on_usb_event(UsbEvent(UsbChange.DETACHED, phone))
            fleet.call(lambda: fleet.devices[0].drop_off(2.0, reboot=False))

    events.hooks.append(pull_the_cable_at_step_2)
    made.set_template(template())
    made.start(["usb:1-1.1"])
    assert made.wait_idle(60)
    events.hooks.clear()

    failed = events.result("usb:1-1.1")
    assert (failed.outcome, failed.slot) == (RunOutcome.FAILED, "A4")
    assert failed.error == "disconnected during step 2 (time zone Europe/Berlin)"
    assert events.wait_device("usb:1-1.1", DeviceState.DETACHED, UNPLUGGED).slot == "A4"
    made.on_usb_event(UsbEvent(UsbChange.DETACHED, debugging_off))
    assert events.wait_device("usb:1-1.2", DeviceState.DETACHED, UNPLUGGED).slot == "A1"
    assert made.devices() == []

    fleet.wait_online(0)
    made.on_usb_event(UsbEvent(UsbChange.ATTACHED, usb_device("1-1.1", 9)))
    assert events.wait_device("usb:1-1.1", DeviceState.READY).slot == "A4"  # same port, label


def test_a_device_rebooting_on_its_slot_keeps_its_run(start_fleet, station, template):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    events = StationEvents()
    made = station(events, open_device=simulated_usb(fleet))
    phone = usb_device("1-1.1", 7)
    made.on_usb_event(UsbEvent(UsbChange.ATTACHED, phone))
    events.wait_device("usb:1-1.1", DeviceState.READY)

    def leaves_the_bus_as_it_reboots(event) -> None:
        if isinstance(event, StepStarted) and event.index == 1:
            made.on_usb_event(UsbEvent(UsbChange.DETACHED, phone))

    events.hooks.append(leaves_the_bus_as_it_reboots)
    made.set_template(template(REBOOT_TEMPLATE))
    made.start(["usb:1-1.1"])
    assert made.wait_idle(60)
    result = events.result("usb:1-1.1")
    assert (result.outcome, result.error, result.slot) == (RunOutcome.DONE, None, "A1")
    assert events.devices("usb:1-1.1")[-1].status == Done("ports-reboot")

    # The watcher has not reported it back yet; its session answers, so the same worker
    # keeps it (a new one would connect again and say Ready first).
    seen = len(events.devices("usb:1-1.1"))
    made.start(["usb:1-1.1"])
    assert made.wait_idle(60)
    assert [(info.state, info.status) for info in events.devices("usb:1-1.1")[seen:]] == [
        (DeviceState.DONE, AlreadyDone("ports-reboot", 1))
    ]
    made.on_usb_event(UsbEvent(UsbChange.ATTACHED, usb_device("1-1.1", 8)))
    assert [info.endpoint for info in made.devices()] == ["usb:1-1.1"]
    assert all(info.status != UNPLUGGED for info in events.devices("usb:1-1.1"))
