"""The engine end to end: real YAML templates, a Station, and simulated devices over real ADB."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from station_events import StationEvents

from app.core import (
    AlreadyDone,
    DeviceChanged,
    DeviceState,
    RunFinished,
    RunOutcome,
    RunResult,
    StepProgress,
    StepStarted,
)
from app.provisioning.station import Station
from app.sim.apk import build_apk
from app.templates import SecretStore, load_template

WIFI_PASSWORD = "hunter2-warehouse"
FULL_TEMPLATE = """\
kitbench: 1
name: retail-pos
version: 3
variables:
  site: WH-01
steps:
  - install: {apk: apps/pos.apk, package: com.example.pos, grant_permissions: true}
  - install: {apk: apps/mdm.apk}
  - setting: {namespace: global, key: stay_on_while_plugged_in, value: 7}
  - setting: {namespace: system, key: screen_off_timeout, value: "600000"}
  - push: {src: files/config.json, dest: /sdcard/Download/config.json}
  - timezone: Europe/Berlin
  - device_name: "POS-{site}-{seq:04d}"
  - shell: {command: "getprop ro.product.model", expect: "\\\\S"}
  - wifi: {ssid: Warehouse, security: wpa2, password: "{secret:warehouse_wifi}"}
    optional: true
  - device_owner: {component: com.example.mdm/.AdminReceiver}
    optional: true
  - verify: {package_installed: com.example.pos}
    name: POS app present
"""


def write_template(directory: Path, text: str = FULL_TEMPLATE, *, payload: int = 256 * 1024):
    (directory / "apps").mkdir(parents=True, exist_ok=True)
    (directory / "files").mkdir(exist_ok=True)
    (directory / "apps" / "pos.apk").write_bytes(
        build_apk("com.example.pos", 3, payload_size=payload)
    )
    (directory / "apps" / "mdm.apk").write_bytes(build_apk("com.example.mdm", 1))
    (directory / "files" / "config.json").write_text('{"site": "WH-01"}\n')
    path = directory / "template.yaml"
    path.write_text(text)
    return load_template(path)


@pytest.fixture
def station(kitbench_home):
    SecretStore(kitbench_home).set("warehouse_wifi", WIFI_PASSWORD)
    stations: list[Station] = []

    def make(recorder: StationEvents, **options) -> Station:
        options.setdefault("auth_timeout_s", 10)
        created = Station(on_event=recorder, station_name="bench-1", **options)
        stations.append(created)
        return created

    yield make
    for created in stations:
        created.close()


def provision(make_station, template, endpoints, **options):
    recorder = StationEvents()
    force = options.pop("force", False)
    station = make_station(recorder, **options)
    station.set_template(template)
    station.start([e.spec for e in endpoints], force=force)
    assert station.wait_idle(60)
    return station, recorder


def statuses(result: RunResult) -> dict[str, str]:
    return {step.name: str(step.status) for step in result.steps}


def test_full_template_on_mixed_devices(start_fleet, station, tmp_path):
    fleet = start_fleet(4, auth="none", profile="mixed")  # Pixel 8, SM-T575, TC52, Nexus 5X
    with_account = 1
    for index, device in enumerate(fleet.devices):
        accounts = ["previous.owner@gmail.com"] if index == with_account else []
        fleet.call(lambda d=device, a=accounts: setattr(d.model.state, "accounts", a))
    template = write_template(tmp_path)

    _, recorder = provision(station, template, fleet.endpoints)

    results = [recorder.results[e.spec] for e in fleet.endpoints]
    assert [r.outcome for r in results] == [RunOutcome.DONE] * 4
    for index, result in enumerate(results):
        steps = statuses(result)
        assert steps["install pos.apk"] == "changed"
        assert steps["POS app present"] == "ok"
        wifi = next(s for s in result.steps if s.action == "wifi")
        owner = next(s for s in result.steps if s.action == "device_owner")
        if fleet.endpoints[index].profile == "legacy_phone":
            assert wifi.status == "skipped"
            assert "Wi-Fi setup needs Android 11 (cmd wifi); this device runs Android 8.1" in (
                wifi.message
            )
        else:
            assert wifi.status == "changed"
        if index == with_account:
            assert owner.status == "skipped"
            assert "there are already some accounts on the device" in owner.message
        else:
            assert owner.status == "changed"
    # {seq} is unique across the station and shows in the device name.
    names = {
        fleet.call(lambda d=d: d.model.state.settings["global"]["device_name"])
        for d in fleet.devices
    }
    assert names == {f"POS-WH-01-{n:04d}" for n in range(1, 5)}
    # The wifi password went to the device but never into a message or output.
    assert all(WIFI_PASSWORD not in repr(event) for event in recorder.events)


def test_second_run_changes_nothing_and_a_done_device_is_skipped(start_fleet, station, tmp_path):
    fleet = start_fleet(2, auth="none", profile="pixel8")
    for device in fleet.devices:
        fleet.call(lambda d=device: setattr(d.model.state, "accounts", []))
    template = write_template(tmp_path)
    provision(station, template, fleet.endpoints)

    _, again = provision(station, template, fleet.endpoints, force=True)
    for endpoint in fleet.endpoints:
        result = again.results[endpoint.spec]
        assert result.outcome is RunOutcome.DONE
        *steps, marker = result.steps
        assert {str(step.status) for step in steps} == {"ok"}, result.steps
        assert (marker.action, str(marker.status)) == ("marker", "changed")  # its own run id

    _, skipped = provision(station, template, fleet.endpoints)
    assert skipped.results == {}
    done = [e.device for e in skipped.of(DeviceChanged) if e.device.state is DeviceState.DONE]
    assert {d.endpoint for d in done} == {e.spec for e in fleet.endpoints}
    assert all(d.status == AlreadyDone("retail-pos", 3) for d in done)


def test_each_apk_is_read_once_per_batch(start_fleet, station, tmp_path):
    fleet = start_fleet(3, auth="none", profile="pixel8")
    template = write_template(tmp_path)
    recorder = StationEvents()
    created = station(recorder)
    created.set_template(template)
    created.start([e.spec for e in fleet.endpoints])
    assert created.wait_idle(60)
    assert created._batch.artifacts.reads == 3  # pos.apk, mdm.apk, config.json


def test_stop_cancels_inside_a_transfer(start_fleet, station, tmp_path):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    template = write_template(tmp_path, payload=48 * 1024 * 1024)
    recorder = StationEvents()
    transferring = threading.Event()

    def on_event(event) -> None:
        recorder(event)
        if isinstance(event, StepProgress) and event.index == 0:
            transferring.set()

    created = station(on_event)
    created.set_template(template)
    created.start([fleet.endpoints[0].spec])
    assert transferring.wait(30)
    created.stop()
    assert created.wait_idle(30)

    result = recorder.results[fleet.endpoints[0].spec]
    assert result.outcome is RunOutcome.FAILED
    assert result.error == "stopped during step 1 (install pos.apk)"
    assert [s.status for s in result.steps] == ["failed"]
    assert fleet.call(lambda: fleet.devices[0].model.package("com.example.pos")) is None
    assert not recorder.of(StepStarted)[1:]  # nothing ran after the stop


def test_retry_resumes_from_the_failed_step(start_fleet, station, tmp_path, connect):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    template = write_template(
        tmp_path,
        "kitbench: 1\nname: flagged\nversion: 1\nsteps:\n"
        "  - setting: {namespace: global, key: stay_on_while_plugged_in, value: 7}\n"
        "  - shell: {command: 'test -f /sdcard/ready'}\n    name: ready flag\n"
        "  - timezone: Europe/Berlin\n",
    )
    created, recorder = provision(station, template, fleet.endpoints)
    first = recorder.results[fleet.endpoints[0].spec]
    assert first.outcome is RunOutcome.FAILED
    assert first.error.startswith("step 2 (ready flag) failed: exit status 1")

    connect(fleet.endpoints[0]).shell("touch /sdcard/ready")
    created.retry(fleet.endpoints[0].spec)
    assert created.wait_idle(30)
    second = recorder.results[fleet.endpoints[0].spec]
    assert second.run_id != first.run_id
    assert second.outcome is RunOutcome.DONE
    first_step, *rest = second.steps
    assert (first_step.status, first_step.message) == ("skipped", "done in an earlier run")
    assert [str(s.status) for s in rest] == ["changed", "changed", "changed"]
    assert rest[-1].action == "marker"  # written once every step succeeded


def test_a_run_records_the_name_it_gave_and_a_resumed_run_too(start_fleet, station, tmp_path,
                                                              connect):  # fmt: skip
    fleet = start_fleet(1, auth="none", profile="pixel8")
    template = write_template(
        tmp_path,
        "kitbench: 1\nname: named\nversion: 1\nsteps:\n"
        "  - device_name: 'TILL-{serial}-{secret:warehouse_wifi}'\n"
        "  - shell: {command: 'test -f /sdcard/ready'}\n",
    )
    endpoint = fleet.endpoints[0]
    given = f"TILL-{endpoint.serial}-••••"  # a secret in the name never leaves the runner
    created, recorder = provision(station, template, fleet.endpoints)
    first = recorder.results[endpoint.spec]
    assert (first.outcome, first.device_name) == (RunOutcome.FAILED, given)
    named = connect(endpoint).shell("settings get global device_name")
    assert named.strip() == f"TILL-{endpoint.serial}-{WIFI_PASSWORD}"

    connect(endpoint).shell("touch /sdcard/ready")
    created.retry(endpoint.spec)
    assert created.wait_idle(30)
    second = recorder.results[endpoint.spec]
    assert second.steps[0].message == "done in an earlier run"
    assert (second.outcome, second.device_name) == (RunOutcome.DONE, given)


def test_auto_provision_starts_a_device_when_it_is_ready(start_fleet, station, tmp_path):
    fleet = start_fleet(1, auth="none", profile="galaxy_tab")
    template = write_template(tmp_path)
    recorder = StationEvents()
    created = station(recorder)
    created.set_template(template)
    created.auto_provision = True
    created.add_endpoint(fleet.endpoints[0].spec)
    finished = threading.Event()
    created.add_listener(lambda e: isinstance(e, RunFinished) and finished.set())
    assert finished.wait(30)
    assert recorder.results[fleet.endpoints[0].spec].outcome is RunOutcome.DONE


def test_jobs_bounds_parallel_runs(start_fleet, station, tmp_path):
    fleet = start_fleet(4, auth="none", profile="pixel8")
    template = write_template(tmp_path)
    running, peak, lock = set(), [0], threading.Lock()

    class Counting(StationEvents):
        def __call__(self, event) -> None:
            super().__call__(event)
            with lock:
                if type(event).__name__ == "RunStarted":
                    running.add(event.endpoint)
                elif isinstance(event, RunFinished):
                    running.discard(event.result.endpoint)
                peak[0] = max(peak[0], len(running))

    recorder = Counting()
    created = station(recorder, jobs=2)
    created.set_template(template)
    created.start([e.spec for e in fleet.endpoints])
    assert created.wait_idle(60)
    assert len(recorder.results) == 4
    assert peak[0] == 2
