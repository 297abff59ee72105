"""Before a run the device's properties and its marker are read in one shell round trip
(issue 13), on the simulator and in adbd 34's shell, with the same answers as apart."""

from __future__ import annotations

from app.core import AlreadyDone, DeviceChanged, DeviceState, RunOutcome
from app.devices import device as device_module
from app.devices.device import Device
from app.provisioning.marker import Marker, read_start_of_run, write_marker_command
from app.sim.apk import build_apk
from app.templates import load_template
from tests.integration.test_engine import provision, station  # noqa: F401 (a fixture)

MARKED = Marker("kiosk", 4, "9f00e1", "5c000a")
TEMPLATE = """\
kitbench: 1
name: kiosk
version: 4
steps:
  - install: {apk: app.apk}
  - setting: {namespace: global, key: stay_on_while_plugged_in, value: '7'}
  - reboot: {wait: true}
"""


def test_props_and_marker_come_in_one_round_trip_as_they_would_apart(start_fleet, host_key):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        unmarked = read_start_of_run(device)
        assert device.shell(write_marker_command(MARKED), timeout=20).ok
        marked = read_start_of_run(device)
        props = device.props()
    finally:
        device.close()
    assert unmarked.marker is None
    assert unmarked.props == marked.props == props
    assert props["ro.product.model"] == "Pixel 8"
    assert marked.marker == MARKED


def test_a_device_without_androids_tools_reads_as_unknown_not_as_an_error(real_adbd, host_key):
    device = Device.open(real_adbd.spec, host_key)
    try:
        start = read_start_of_run(device)
    finally:
        device.close()
    assert (start.props, start.marker) == (None, None)


def test_a_run_reads_props_once_and_a_second_run_sees_the_marker(
    start_fleet,
    station,  # noqa: F811 (the fixture imported above)
    tmp_path,
    monkeypatch,
):
    sent: list[str] = []
    shell = device_module.Device.shell

    def counted(self, command, *args, **kwargs):
        sent.append(command)
        return shell(self, command, *args, **kwargs)

    monkeypatch.setattr(device_module.Device, "shell", counted)
    fleet = start_fleet(1, auth="none", profile="pixel8")
    (tmp_path / "app.apk").write_bytes(build_apk("com.example.kiosk", 4))
    (tmp_path / "kiosk.yaml").write_text(TEMPLATE)
    template = load_template(tmp_path / "kiosk.yaml")
    (endpoint,) = fleet.endpoints

    _, first = provision(station, template, fleet.endpoints)
    assert first.results[endpoint.spec].outcome == RunOutcome.DONE
    assert first.results[endpoint.spec].identity.model == "Pixel 8"
    whole_reads = [c for c in sent if c == "getprop" or c.startswith("getprop;")]
    assert len(whole_reads) == 2  # one as the session opens, one with the marker for the run
    assert not any(c.startswith("settings get global kitbench") for c in sent)

    _, second = provision(station, template, fleet.endpoints)
    assert second.results == {}
    done = [e.device for e in second.of(DeviceChanged) if e.device.state is DeviceState.DONE]
    assert [d.status for d in done] == [AlreadyDone("kiosk", 4)]
