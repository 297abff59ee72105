"""Evidence from the device: a failed step keeps the device's own log (masked, capped), the
record and the sync payload carry it, and a look at the screen never holds up a run."""

from __future__ import annotations

import json
import threading
import time

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.core import DeviceState, RunFinished, RunOutcome, RunStarted, StepStarted, StepStatus
from app.core.evidence import EVIDENCE_MAX_BYTES, ScreenMissed, ScreenProblem, ScreenShot, png_size
from app.provisioning.station import Station
from app.sim import screen
from app.sim.apk import build_apk
from app.sim.profiles import PROFILES
from app.storage import Store
from app.templates import SecretStore, load_template
from app.templates.secrets import MASK
from tests.station_events import StationEvents

SECRET = "s3cr3t-enrolment-token-7781"
TEMPLATE = """\
kitbench: 1
name: kiosk
version: 1
steps:
  - shell: {command: 'log -t KioskSetup "enrolling with {secret:enrol_token}"'}
  - install: {apk: app.apk}
"""
FILLER_LINES = 300  # enough log that the last 200 lines are over the cap


@pytest.fixture
def template(tmp_path, kitbench_home):
    (tmp_path / "app.apk").write_bytes(build_apk("com.example.kiosk", 2))
    path = tmp_path / "kiosk.yaml"
    path.write_text(TEMPLATE)
    SecretStore(kitbench_home).set("enrol_token", SECRET)
    return load_template(path)


class Screens:
    """The screenshots a station hands out, waited on."""

    def __init__(self) -> None:
        self.items: list[ScreenShot | ScreenMissed] = []
        self._changed = threading.Condition()

    def __call__(self, item: ScreenShot | ScreenMissed) -> None:
        with self._changed:
            self.items.append(item)
            self._changed.notify_all()

    def wait(self, count: int = 1) -> list[ScreenShot | ScreenMissed]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.items) >= count, 30), "no screen"
            return list(self.items)


def test_a_failed_install_keeps_the_devices_log_masked_and_capped(
    start_fleet, template, kitbench_home
):
    fleet = start_fleet(1, auth="none", profile="pixel8", faults="install_fail=1")
    device = fleet.devices[0]
    filler = "x" * 120
    fleet.call(lambda: [device.model.log.write("I", "Filler", f"{n} {filler}")
                        for n in range(FILLER_LINES)])  # fmt: skip
    events = StationEvents()
    with Store(kitbench_home, recording=True) as store:
        recorder = store.recorder()
        station = Station(on_event=events, data_dir=kitbench_home, auth_timeout_s=10,
                          before_run=recorder.record_start)  # fmt: skip
        station.add_listener(recorder.on_event)
        try:
            station.set_template(template)
            station.start([fleet.endpoints[0].spec])
            assert station.wait_idle(60)
        finally:
            station.close()
        result = events.result(fleet.endpoints[0].spec)
        assert result.outcome is RunOutcome.FAILED
        failed = result.steps[-1]
        assert failed.action == "install" and failed.status is StepStatus.FAILED
        evidence = failed.evidence
        assert len(evidence.encode()) <= EVIDENCE_MAX_BYTES
        assert evidence.startswith("[… earlier lines left out]")
        assert f"enrolling with {MASK}" in evidence  # the secret the shell step logged, masked
        assert SECRET not in evidence
        assert "E PackageManager: session" in evidence  # why pm refused it, in the device's log
        assert "$ dumpsys package com.example.kiosk" in evidence
        assert "Unable to find package: com.example.kiosk" in evidence
        assert result.steps[0].evidence == ""  # a step that worked keeps none

        assert store.flush(10)
        stored = store.run(result.run_id)
        assert stored is not None
        assert stored["steps"][-1]["evidence"] == evidence
        (payload,) = store.next_batch()
        assert payload["steps"][-1]["evidence"] == evidence
        assert "evidence" not in payload["steps"][0]  # sent only where there is some

    listed = CliRunner().invoke(cli, ["history", "--json"])
    assert listed.exit_code == 0, listed.output
    (line,) = listed.output.splitlines()
    assert json.loads(line)["steps"][-1]["evidence"] == evidence


def test_a_failed_push_keeps_what_adbd_logged(start_fleet, tmp_path, kitbench_home):
    (tmp_path / "kiosk.json").write_text('{"kiosk": true}')
    path = tmp_path / "push.yaml"
    path.write_text(
        "kitbench: 1\nname: push\nversion: 1\nsteps:\n"
        "  - push: {src: kiosk.json, dest: /system/etc/kiosk.json}\n"
    )
    fleet = start_fleet(1, auth="none", profile="zebra_tc52")
    events = StationEvents()
    station = Station(on_event=events, data_dir=kitbench_home, auth_timeout_s=10)
    try:
        station.set_template(load_template(path))
        station.start([fleet.endpoints[0].spec])
        assert station.wait_idle(60)
    finally:
        station.close()
    (failed,) = events.result(fleet.endpoints[0].spec).steps
    assert failed.status is StepStatus.FAILED
    assert "E adbd    : sync SEND of /system/etc/kiosk.json" in failed.evidence
    assert "dumpsys" not in failed.evidence  # no package to ask about


def test_a_look_at_an_idle_devices_screen(start_fleet, kitbench_home):
    fleet = start_fleet(1, auth="none", profile="galaxy_tab")
    events, screens = StationEvents(), Screens()
    station = Station(on_event=events, data_dir=kitbench_home, auth_timeout_s=10)
    station.on_screen = screens
    spec = fleet.endpoints[0].spec
    try:
        station.add_endpoint(spec)
        events.wait_device(spec, DeviceState.READY)
        station.capture_screen(spec)
        (shot,) = screens.wait()
    finally:
        station.close()
    assert isinstance(shot, ScreenShot)
    assert (shot.width, shot.height) == PROFILES["galaxy_tab"].screen_size
    assert shot.png.startswith(b"\x89PNG")


def test_a_device_waiting_for_allow_has_no_screen_to_give(start_fleet, kitbench_home):
    fleet = start_fleet(1, auth="prompt", faults="never_auth=1")
    events, screens = StationEvents(), Screens()
    station = Station(on_event=events, data_dir=kitbench_home, auth_timeout_s=30)
    station.on_screen = screens
    spec = fleet.endpoints[0].spec
    try:
        station.add_endpoint(spec)
        events.wait_for(
            lambda e: getattr(getattr(e, "device", None), "state", None) == "unauthorized"
        )
        station.capture_screen(spec)
        (missed,) = screens.wait()
    finally:
        station.close()
    assert isinstance(missed, ScreenMissed)
    assert missed.problem is ScreenProblem.NOT_CONNECTED


LOOK_S = 1.0  # how long the device takes for a screenshot in the last test
RUN_TEMPLATE = """\
kitbench: 1
name: paced
version: 1
steps:
""" + "".join(
    f"  - setting: {{namespace: global, key: probe_{n}, value: '{n}'}}\n" for n in range(12)
)


def test_looking_at_the_screen_does_not_hold_up_a_run(
    start_fleet, tmp_path, kitbench_home, monkeypatch
):
    """The same run with and without a look at the screen as each step starts, on a device
    whose screencap takes a second (as a large real one's may): the looks go on a connection
    of their own, so the run's steps do not wait for them."""
    path = tmp_path / "paced.yaml"
    path.write_text(RUN_TEMPLATE)
    template = load_template(path)
    drawn = screen.render_png

    def slow_render(scene: screen.Scene) -> bytes:
        time.sleep(LOOK_S)
        return drawn(scene)

    monkeypatch.setattr(screen, "render_png", slow_render)
    fleet = start_fleet(1, auth="none", profile="pixel8")
    spec = fleet.endpoints[0].spec

    def run(looking: bool) -> tuple[float, int]:
        events, screens = StationEvents(), Screens()
        station = Station(on_event=events, data_dir=kitbench_home, auth_timeout_s=10)
        station.on_screen = screens

        times: dict[type, float] = {}

        def look(event: object) -> None:
            times.setdefault(type(event), time.monotonic())
            if looking and isinstance(event, StepStarted):
                station.capture_screen(spec)

        events.hooks.append(look)
        try:
            station.set_template(template)
            station.start([spec], force=True)
            assert station.wait_idle(120)
            took = times[RunFinished] - times[RunStarted]
            if looking:
                screens.wait(1)
        finally:
            station.close()
        assert events.result(spec).outcome is RunOutcome.DONE
        return took, len([s for s in screens.items if isinstance(s, ScreenShot)])

    run(looking=False)  # the first run changes the settings; the next two find them set
    plain, _ = run(looking=False)
    looked, shots = run(looking=True)
    print(f"run {plain:.2f} s alone, {looked:.2f} s with {shots} looks of {LOOK_S} s each")
    assert shots >= 1  # one at a time: asked again while one is on, none is added
    # in line, a look would have added LOOK_S to the run
    assert looked < plain + LOOK_S


def test_kitbench_screenshot_saves_the_devices_screen(start_fleet, tmp_path, kitbench_home):
    endpoint = start_fleet(1, auth="none", profile="legacy_phone").endpoints[0]
    out = tmp_path / "screen.png"
    saved = CliRunner().invoke(cli, ["screenshot", f"{endpoint.host}:{endpoint.port}", str(out)])
    assert saved.exit_code == 0, saved.output
    assert png_size(out.read_bytes()) == PROFILES["legacy_phone"].screen_size
    assert f"1080 × 1920 screen of {endpoint.spec}" in saved.output

    bad = CliRunner().invoke(cli, ["screenshot", "not a device", str(out)])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    fleet_gone = CliRunner().invoke(cli, ["screenshot", "127.0.0.1:1", str(tmp_path / "x.png")])
    assert fleet_gone.exit_code == 1
    assert "tcp:127.0.0.1:1: not reachable" in fleet_gone.output
    assert not (tmp_path / "x.png").exists()
