"""Engine defects a review found: stuck tiles, lost runs, ignored Stops, leaked secrets."""

from __future__ import annotations

import functools
import io
import json
import queue
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from station_events import StationEvents, changed_to, finished

from app.core import (
    Cause,
    DeviceChanged,
    DeviceState,
    Failed,
    Lost,
    Problem,
    Queued,
    RunFinished,
    RunOutcome,
    RunStarted,
    StepStarted,
    Stopped,
)
from app.core.reasons import Reason, Why
from app.devices.device import Device, ShellResult
from app.provisioning import headless, steps
from app.provisioning.context import ArtifactCache, DeviceFacts, StepContext, StepFailed
from app.provisioning.station import Station
from app.templates import SecretStore, load_template
from app.templates.model import Shell

SECRET = "hunter2-warehouse"
MASKED = "••••"
WAIT_S = 30


def write(directory: Path, steps_yaml: str, requires: str = "") -> object:
    path = directory / "review.yaml"
    path.write_text(f"kitbench: 1\nname: review\nversion: 1\n{requires}steps:\n{steps_yaml}")
    return load_template(path)


SETTING = "  - setting: {namespace: global, key: stay_on_while_plugged_in, value: 7}\n"


@pytest.fixture
def make_station(kitbench_home):
    SecretStore(kitbench_home).set("warehouse_wifi", SECRET)
    stations: list[Station] = []

    def make(events: StationEvents, **options) -> Station:
        options.setdefault("auth_timeout_s", 10)
        created = Station(on_event=events, station_name="bench-1", **options)
        stations.append(created)
        return created

    yield make
    for created in stations:
        created.close()


def test_stopping_a_device_that_waits_for_a_job_slot_makes_it_ready_again(
    start_fleet, make_station, tmp_path
):
    fleet = start_fleet(2, auth="none", profile="pixel8")
    specs = [e.spec for e in fleet.endpoints]
    events = StationEvents()
    holder: list[str] = []
    holding, release = threading.Event(), threading.Event()

    def hold_the_only_slot(event) -> None:
        events(event)
        if isinstance(event, StepStarted) and not holding.is_set():
            holder.append(event.endpoint)
            holding.set()
            release.wait(WAIT_S)  # the runner keeps its job slot until the test lets go

    station = make_station(hold_the_only_slot, jobs=1)
    station.set_template(write(tmp_path, SETTING))
    try:
        station.start(specs)
        assert holding.wait(WAIT_S)
        waiter = next(spec for spec in specs if spec != holder[0])
        waiting = events.wait_for(
            lambda e: (
                changed_to(waiter, DeviceState.PROVISIONING)(e)
                and e.device.status == Queued("review")
            )
        )
        assert waiting is not None

        mark = len(events)
        station.stop([waiter])
        stopped = events.wait_for(finished(waiter), after=mark)
        assert stopped is not None and stopped.result.error == "stopped before it started"
        ready = events.wait_for(changed_to(waiter, DeviceState.READY), after=mark)
        assert ready is not None, "the stopped device's tile stayed 'Waiting to start'"
        assert ready.device.status == Stopped()
    finally:
        release.set()
    assert station.wait_idle(WAIT_S)

    station.start()  # every idle device: the stopped one is one of them again
    assert station.wait_idle(WAIT_S)
    assert events.of(RunFinished, waiter)[-1].result.outcome is RunOutcome.DONE


class _ShellOnly:
    """A device whose shell always answers `output`, and remembers what it ran."""

    def __init__(self, output: str) -> None:
        self.output, self.commands = output, []

    def shell(self, command: str, timeout: float) -> ShellResult:
        self.commands.append(command)
        return ShellResult(0, self.output)


def test_an_invalid_expect_regex_fails_the_step_with_the_reason():
    device = _ShellOnly("hi(\n")
    context = StepContext(
        device=device,  # type: ignore[arg-type]
        facts=DeviceFacts("SER1", "Pixel 8", "Google", "14", 34),
        timeout=5,
        artifacts=ArtifactCache(),
        resolve_path=Path,
        cancel=threading.Event(),
        report=lambda _fraction, _detail: None,
    )
    params = Shell.model_construct(command="echo 'hi('", expect="hi(")  # as if unvalidated
    with pytest.raises(StepFailed) as failure:
        steps.shell(params, context)
    assert str(failure.value) == (
        "expect 'hi(' is not a valid regular expression: "
        "missing ), unterminated subpattern at position 2"
    )
    assert device.commands == []  # the command is not run for nothing


def test_an_unexpected_error_in_a_step_fails_the_run_once_masked_keeping_its_steps(
    start_fleet, make_station, tmp_path, monkeypatch
):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    spec = fleet.endpoints[0].spec

    def broken_shell(params, _ctx):
        raise RuntimeError(f"boom: {params.command}")

    monkeypatch.setitem(steps.EXECUTORS, "shell", broken_shell)
    template = write(
        tmp_path,
        SETTING + "  - shell: {command: 'echo {secret:warehouse_wifi}'}\n"
        "  - timezone: Europe/Berlin\n",
    )
    events = StationEvents()
    station = make_station(events)
    station.set_template(template)
    station.auto_provision = True  # a lost device would come back and run again, forever
    station.add_endpoint(spec)

    done = events.wait_for(finished(spec))
    assert done is not None
    mark = events.events.index(done)
    after = events.wait_for(lambda e: isinstance(e, DeviceChanged), after=mark)
    assert after is not None
    assert after.device.state is DeviceState.FAILED
    boom = Reason.of(Why.INTERNAL, detail=f"boom: echo {MASKED}")  # typed, and masked too
    assert after.device.status == Failed(
        Cause.INTERNAL,
        1,
        f"step 2 (shell echo) failed: internal error: boom: echo {MASKED}",
        Reason.of(Why.STEP_FAILED, boom, step=2, name="shell echo"),
    )
    result = done.result
    assert result.outcome is RunOutcome.FAILED
    assert result.error == f"step 2 (shell echo) failed: internal error: boom: echo {MASKED}"
    assert [str(s.status) for s in result.steps] == ["changed", "failed"]
    assert station.wait_idle(WAIT_S)
    assert len(events.of(RunStarted, spec)) == 1
    assert len(events.of(RunFinished, spec)) == 1
    assert not [e for e in events.of(DeviceChanged, spec) if e.device.state is DeviceState.DETACHED]
    assert not [e for e in events.events if SECRET in repr(e)]


def test_an_unexpected_error_outside_the_steps_fails_the_run_once_masked(
    start_fleet, make_station, tmp_path
):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    spec = fleet.endpoints[0].spec
    events = StationEvents()
    station = make_station(events)

    def broken_ledger(serial: str, series: str | None = None) -> int:
        raise RuntimeError(f"ledger broke near {SECRET}")

    station.ledger.seq_for = broken_ledger  # type: ignore[method-assign]
    station.set_template(write(tmp_path, SETTING))
    station.start([spec])
    assert station.wait_idle(WAIT_S)

    (run,) = events.of(RunFinished, spec)
    assert run.result.outcome is RunOutcome.FAILED
    assert run.result.error == f"internal error: ledger broke near {MASKED}"
    assert len(events.of(RunStarted, spec)) == 1
    assert station.devices()[0].state is DeviceState.FAILED
    assert not [e for e in events.events if SECRET in repr(e)]


def test_a_run_queued_when_stop_and_shutdown_meet_is_still_finished(
    start_fleet, make_station, tmp_path
):
    """Stop used to take queued runs out of the worker's queue and put them back; a worker
    ending in between found nothing to finish, and `wait_idle` waited forever."""
    fleet = start_fleet(1, auth="none", profile="pixel8")
    spec = fleet.endpoints[0].spec
    events = StationEvents()
    holding, release = threading.Event(), threading.Event()

    def hold_first_step(event) -> None:
        events(event)
        if isinstance(event, StepStarted) and not holding.is_set():
            holding.set()
            release.wait(WAIT_S)

    station = make_station(hold_first_step)
    station.set_template(write(tmp_path, SETTING))
    station.start([spec])
    assert holding.wait(WAIT_S)
    worker = station._workers[spec]

    class EndsTheWorkerOnForeignTake(queue.Queue):
        """Whoever but the worker takes a request: the worker ends right then."""

        fired = False

        def get_nowait(self):
            item = super().get_nowait()
            if threading.current_thread() is not worker.thread and not self.fired:
                self.fired = True
                release.set()
                station.close()
            return item

    worker._requests = EndsTheWorkerOnForeignTake()  # the worker is busy in its run
    station.start([spec], force=True)  # queued behind the running one
    station.stop()
    release.set()
    station.close()

    assert station.wait_idle(10), "a queued run was lost"
    first, second = events.of(RunFinished, spec)
    assert first.result.error == "stopped during step 1 (setting global/stay_on_while_plugged_in)"
    assert second.result.error in ("stopped before it started", "the station is shutting down")


def test_runs_asked_of_a_closed_station_end_at_once_as_shutting_down(
    start_fleet, tmp_path, monkeypatch
):
    """No run can be left for nobody to finish: a station closed under `provision` (as at
    Ctrl-C) still settles every run asked of it, and the command ends."""
    fleet = start_fleet(1, auth="none", profile="pixel8")
    spec = fleet.endpoints[0].spec
    start = Station.start

    def close_first(station, endpoints=None, *, force=False):
        station.close()
        start(station, endpoints, force=force)

    monkeypatch.setattr(Station, "start", close_first)
    out = io.StringIO()
    codes: list[int] = []
    thread = threading.Thread(
        target=lambda: codes.append(
            headless.provision(
                write(tmp_path, SETTING), [spec], stream=out, live=False, as_json=True
            )
        ),
        daemon=True,
    )
    thread.start()
    thread.join(WAIT_S)
    assert not thread.is_alive(), "kitbench provision waited forever"
    assert codes == [1]
    (line,) = [json.loads(text) for text in out.getvalue().splitlines()]
    assert (line["result"], line["cause"]) == ("failed", "shutting-down")


def test_stop_ends_a_reboot_step_waiting_for_the_device(start_fleet, make_station, tmp_path):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    spec = fleet.endpoints[0].spec
    victim = fleet.devices[0]
    fleet.call(  # the device goes down and stays down for ten minutes
        lambda: setattr(victim.behaviour, "latency", replace(victim.behaviour.latency, reboot=600))
    )
    reconnecting = threading.Event()

    def open_device(*args, **kwargs) -> Device:
        device = Device.open(*args, **kwargs)
        original = device.reconnect

        @functools.wraps(original)
        def reconnect(*a, **k):
            reconnecting.set()
            return original(*a, **k)

        device.reconnect = reconnect  # type: ignore[method-assign]
        return device

    events = StationEvents()
    station = make_station(events, open_device=open_device)
    station.set_template(write(tmp_path, "  - reboot: {wait: true}\n"))
    station.start([spec])
    assert reconnecting.wait(WAIT_S)
    station.stop([spec])
    assert station.wait_idle(10), "Stop was ignored while the reboot step waited"
    (run,) = events.of(RunFinished, spec)
    assert run.result.outcome is RunOutcome.FAILED
    assert run.result.error == "stopped during step 1 (reboot)"


def test_losing_the_device_while_reading_its_battery_is_a_disconnect(
    start_fleet, make_station, tmp_path
):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    spec = fleet.endpoints[0].spec
    victim = fleet.devices[0]
    events = StationEvents()

    def pull_cable_when_the_run_starts(event) -> None:
        events(event)
        if isinstance(event, RunStarted) and event.endpoint == spec:
            fleet.call(lambda: setattr(victim.behaviour, "faults", {"disconnect": 1.0}))

    station = make_station(pull_cable_when_the_run_starts)
    station.set_template(write(tmp_path, SETTING, requires="requires: {battery_min: 30}\n"))
    station.start([spec])
    assert station.wait_idle(WAIT_S)

    (run,) = events.of(RunFinished, spec)
    assert run.result.outcome is RunOutcome.FAILED
    assert run.result.error == "disconnected during the battery check"
    assert run.result.steps == ()
    mark = events.events.index(run)
    dropped = events.wait_for(changed_to(spec, DeviceState.DETACHED), after=mark)
    assert dropped is not None
    assert dropped.device.status == Lost(Problem.DISCONNECTED, run.result.error)
