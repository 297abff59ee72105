"""Bad devices: each fails or is refused with a clear reason, the others finish, nothing hangs."""

from __future__ import annotations

import threading

import pytest

from app.core import RunFinished, RunOutcome, StepStarted
from app.provisioning.station import Station
from app.sim.apk import build_apk
from app.templates import load_template

TEMPLATE = """\
kitbench: 1
name: kiosk
version: 1
requires: {sdk_min: 28, battery_min: 30}
steps:
  - install: {apk: app.apk}
  - setting: {namespace: global, key: stay_on_while_plugged_in, value: 7}
  - timezone: Europe/Berlin
  - setting: {namespace: system, key: screen_off_timeout, value: 600000}
"""


@pytest.fixture
def template(tmp_path):
    (tmp_path / "app.apk").write_bytes(build_apk("com.example.kiosk", 2, payload_size=64 * 1024))
    path = tmp_path / "kiosk.yaml"
    path.write_text(TEMPLATE)
    return load_template(path)


class Results:
    def __init__(self, on_event=None) -> None:
        self.by_endpoint: dict = {}
        self.on_event = on_event
        self.lock = threading.Lock()

    def __call__(self, event) -> None:
        if isinstance(event, RunFinished):
            with self.lock:
                self.by_endpoint[event.result.endpoint] = event.result
        if self.on_event is not None:
            self.on_event(event)


def run(template, endpoints, results: Results, **options) -> Station:
    options.setdefault("auth_timeout_s", 10)
    station = Station(on_event=results, **options)
    try:
        station.set_template(template)
        station.start(endpoints)
        assert station.wait_idle(60), "a run never finished"
    finally:
        station.close()
    return station


def test_a_device_pulled_mid_step_fails_and_the_others_finish(start_fleet, template):
    fleet = start_fleet(3, auth="none", profile="pixel8")
    victim = fleet.devices[1]

    def pull_cable_on_step_3(event) -> None:
        victim_step = isinstance(event, StepStarted) and event.endpoint == fleet.endpoints[1].spec
        if victim_step and event.index == 2:
            fleet.call(lambda: setattr(victim.behaviour, "faults", {"disconnect": 1.0}))

    results = Results(pull_cable_on_step_3)
    run(template, [e.spec for e in fleet.endpoints], results)

    failed = results.by_endpoint[fleet.endpoints[1].spec]
    assert failed.outcome is RunOutcome.FAILED
    assert failed.error == "disconnected during step 3 (time zone Europe/Berlin)"
    for index in (0, 2):
        assert results.by_endpoint[fleet.endpoints[index].spec].outcome is RunOutcome.DONE


def test_a_device_answering_garbage_fails_with_that_reason(start_fleet, template):
    fleet = start_fleet(2, auth="none", profile="galaxy_tab")
    victim = fleet.devices[0]

    def garble_on_step_2(event) -> None:
        victim_step = isinstance(event, StepStarted) and event.endpoint == fleet.endpoints[0].spec
        if victim_step and event.index == 1:
            fleet.call(lambda: setattr(victim.behaviour, "faults", {"garbage": 1.0}))

    results = Results(garble_on_step_2)
    run(template, [e.spec for e in fleet.endpoints], results)

    failed = results.by_endpoint[fleet.endpoints[0].spec]
    assert failed.outcome is RunOutcome.FAILED
    assert failed.error.startswith("device answered with garbage during step 2")
    assert results.by_endpoint[fleet.endpoints[1].spec].outcome is RunOutcome.DONE


def test_a_device_nobody_authorizes_fails_with_the_action_to_take(start_fleet, template):
    good = start_fleet(1, auth="prompt", profile="pixel8")
    stubborn = start_fleet(1, auth="prompt", profile="pixel8", faults="never_auth=1")
    results = Results()
    endpoints = [good.endpoints[0].spec, stubborn.endpoints[0].spec]
    run(template, endpoints, results, auth_timeout_s=1.5)

    assert results.by_endpoint[endpoints[0]].outcome is RunOutcome.DONE
    failed = results.by_endpoint[endpoints[1]]
    assert failed.outcome is RunOutcome.FAILED
    assert failed.error == "not authorized: tap Allow on the device"
    assert failed.steps == ()


def test_too_old_and_low_battery_devices_are_refused_with_the_reason(start_fleet, template):
    fleet = start_fleet(3, auth="none", profile="mixed")  # Pixel 8, SM-T575, TC52
    old = start_fleet(1, auth="none", profile="legacy_phone")  # Android 8.1, SDK 27
    fleet.call(lambda: fleet.devices[1].model.set_battery(10))
    endpoints = [e.spec for e in fleet.endpoints] + [old.endpoints[0].spec]
    results = Results()
    run(template, endpoints, results)

    outcomes = [results.by_endpoint[e] for e in endpoints]
    assert [r.outcome for r in outcomes] == [
        RunOutcome.DONE, RunOutcome.REFUSED, RunOutcome.DONE, RunOutcome.REFUSED,
    ]  # fmt: skip
    assert outcomes[1].error == "Battery 10% — charge to 30% first"
    assert outcomes[3].error == (
        "Android 8.1.0 (SDK 27) is too old: the template needs SDK 28 or newer"
    )
    assert outcomes[1].steps == () and outcomes[3].steps == ()


def test_an_unreachable_endpoint_fails_without_hanging(template):
    results = Results()
    run(template, ["tcp:127.0.0.1:1"], results)
    failed = results.by_endpoint["tcp:127.0.0.1:1"]
    assert failed.outcome is RunOutcome.FAILED
    assert failed.error == "not reachable (connection refused)"


def test_a_failing_step_is_retried_as_the_template_says(start_fleet, tmp_path):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    path = tmp_path / "retry.yaml"
    path.write_text(
        "kitbench: 1\nname: retry\nversion: 1\nsteps:\n"
        "  - shell: {command: 'cat /sdcard/absent'}\n    retries: 2\n"
    )
    attempts = []
    results = Results(lambda e: "attempt" in getattr(e, "text", "") and attempts.append(e))
    run(load_template(path), [fleet.endpoints[0].spec], results)

    failed = results.by_endpoint[fleet.endpoints[0].spec]
    assert failed.outcome is RunOutcome.FAILED
    assert failed.error == (
        "step 1 (shell cat) failed: exit status 1: cat: /sdcard/absent: No such file or directory"
    )
    assert len(attempts) == 2  # three tries: two retries announced, the last one final
