"""A device's worker: the one thread that owns its ADB session and its lifecycle status.

The station (`station.py`) starts one per watched device and hands it requests; the worker
connects, keeps an eye on the idle device, runs templates, and reports every change through
the station. Split from the station so each file holds one responsibility.
"""

from __future__ import annotations

import logging
import queue
import threading
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.core import (
    Cause,
    Connecting,
    DeviceChanged,
    DeviceInfo,
    DeviceState,
    DeviceStatus,
    Problem,
    Provisioning,
    Queued,
    RunEvent,
    RunFinished,
    RunOutcome,
    RunResult,
    RunStarted,
    StationProblem,
    StepStarted,
)
from app.core.evidence import ScreenMissed, ScreenProblem, ScreenShot, png_size
from app.core.reasons import Reason, Why
from app.devices.device import Device, DeviceError
from app.devices.endpoints import EndpointError, TcpEndpoint
from app.devices.usb import UsbError
from app.devices.usb_session import UsbAuthError
from app.provisioning.context import DeviceFacts
from app.provisioning.lifecycle import (
    IDLE,
    AllowPrompted,
    Crashed,
    HeldBack,
    LifecycleEvent,
    NothingToDo,
    NotRecordable,
    NotStarted,
    NumbersRanOut,
    RunAsked,
    RunBegan,
    RunEnded,
    SessionFailed,
    SessionOpened,
    ShutDown,
    StepBegan,
    Unplugged,
    advance,
)
from app.provisioning.marker import read_marker, read_start_of_run
from app.provisioning.reason_text import english
from app.provisioning.runner import (
    Batch,
    DeviceRun,
    Runner,
    run_identity,
    run_result,
    run_started,
    step_count,
)
from app.provisioning.seq_lease import NoNumbersLeftError, series_of
from app.storage import station_problem
from app.templates import mask

if TYPE_CHECKING:
    from app.provisioning.station import Endpoint, Station

log = logging.getLogger("kitbench.provisioning")

HEARTBEAT_S = 3.0  # an idle device is checked this often, to notice it was unplugged
RECONNECT_S = 1.0
_STOP = object()
_UNPLUGGED = object()  # wakes an idle worker whose device was unplugged
_LOOK = object()  # wakes an idle worker to take a screenshot


@dataclass(frozen=True)
class _Request:
    batch: Batch
    run: DeviceRun
    force: bool


_Item = _Request | object  # or _STOP, _UNPLUGGED, _LOOK


class Worker:
    """Owns one device's session and its lifecycle status in its own thread; other threads
    only queue requests, cancel them, or say the device was unplugged.

    Every run asked for is settled exactly once (`_settle`): by this thread, or by `request`
    itself once this thread has ended. Only this thread changes `status`, and only through
    `lifecycle.advance`."""

    def __init__(self, station: Station, endpoint: Endpoint, label: str) -> None:
        self.station, self.endpoint, self.label = station, endpoint, label
        self.status: DeviceStatus = Connecting()
        self.info = DeviceInfo(endpoint.spec, label, DeviceState.ATTACHED, status=self.status)
        self.unplugged = False  # set and cleared by the station, under its lock
        self.asset_tag: str | None = None
        self.last_result: RunResult | None = None
        self._requests: queue.Queue[_Item] = queue.Queue()
        self._lock = threading.Lock()  # guards _pending and _gone
        self._pending: dict[str, DeviceRun] = {}  # asked for and not settled, by run id
        self._gone = False  # the worker thread has ended: nobody takes requests any more
        self._device: Device | None = None
        self._facts: DeviceFacts | None = None
        self._battery: int | None = None
        self._unreachable = "not connected"  # why the device cannot be reached, for the record
        self._retired = False  # ended because the device was unplugged for good
        self._closing = threading.Event()
        self._look_wanted = threading.Event()  # a screenshot was asked for and not yet taken
        self._looking_aside = threading.Lock()  # held while a look on its own connection runs
        self.thread = threading.Thread(
            target=self._main, name=f"device {endpoint.spec}", daemon=True
        )

    @property
    def idle_and_connected(self) -> bool:
        return isinstance(self.status, IDLE) and self._device is not None

    # -- called from other threads --------------------------------------------------------------

    def request(self, batch: Batch, *, force: bool, start_index: int) -> None:
        run = DeviceRun(self.endpoint.spec, self.label, start_index=start_index,
                        asset_tag=self.asset_tag)  # fmt: skip
        self.station.run_asked()
        with self._lock:
            gone = self._gone
            if not gone:
                self._pending[run.run_id] = run
                self._requests.put(_Request(batch, run, force))
        if gone:  # too late: the worker ended; its device is no longer watched
            self._end_unstarted(batch, run, self._farewell_cause(), advance_status=False)
            self._settle(run)

    def cancel_all(self, cause: Cause = Cause.STOPPED) -> None:
        """Stop the running run and every queued one; each stays queued and ends as stopped.

        Requests are cancelled where they are, never taken out of the queue: the worker may
        end at any moment and must still find, and settle, every one of them."""
        with self._lock:
            for run in self._pending.values():
                run.cancel_for(cause)

    def unplug(self) -> None:
        """The device left its port: runs that have not reached it yet will not, and the worker
        looks at its device now (a running run goes on: a reboot unplugs too)."""
        with self._lock:
            for run in self._pending.values():
                if not run.announced:
                    run.cancel_for(Cause.UNPLUGGED)
        self._requests.put(_UNPLUGGED)

    def capture_screen(self) -> None:
        """Take a look at the device's screen without holding up a run: on this worker's
        session when idle; while a run is on, on a connection of its own (a network device,
        which takes several) or before the run's next step (USB: one session per device).
        Without a session (waiting for Allow, reconnecting) there is nothing to look
        through, and the answer says so at once."""
        if self._device is None or self._gone:
            self._screen_missed(ScreenProblem.NOT_CONNECTED, self._unreachable)
            return
        if isinstance(self.status, Provisioning | Queued) and isinstance(
            self.endpoint, TcpEndpoint
        ):
            if self._looking_aside.acquire(blocking=False):  # one look at a time
                threading.Thread(target=self._look_aside, name=f"screen {self.endpoint.spec}",
                                 daemon=True).start()  # fmt: skip
            return
        self._look_wanted.set()
        self._requests.put(_LOOK)

    def end_unstarted(self) -> None:
        """For a closed station: this worker never runs, so `request` settles every run."""
        with self._lock:
            self._gone = True

    def shut_down(self, join: bool = True) -> None:
        self._closing.set()
        self.cancel_all()
        self._requests.put(_STOP)
        if join:
            self.thread.join(timeout=30)

    # -- the worker thread ----------------------------------------------------------------------

    def _main(self) -> None:
        try:
            while not self._closing.is_set():
                if self.unplugged and not self._responds() and self.station.retire(self):
                    self._retired = True
                    return
                if self._device is None and not self._connect():
                    self._fail_queued()
                    self._wait_for_request(RECONNECT_S)
                    continue
                item = self._wait_for_request(HEARTBEAT_S)
                if item is None:
                    self._heartbeat()
                elif item is _LOOK:
                    self._look()
                elif isinstance(item, _Request):
                    self._execute(item)
        finally:
            cause = self._farewell_cause()
            with self._lock:  # from here on `request` settles runs itself
                self._gone = True
                left = self._drain()
            for request in left:
                self._end_unstarted(request.batch, request.run, cause, advance_status=False)
                self._settle(request.run)
            if self._look_wanted.is_set():
                self._screen_missed(ScreenProblem.NOT_CONNECTED, "no longer watched")
            if self._device is not None:
                self._device.close()
            self._advance(Unplugged() if self._retired else ShutDown())

    def _farewell_cause(self) -> Cause:
        return Cause.UNPLUGGED if self._retired else Cause.SHUTTING_DOWN

    def _wait_for_request(self, timeout: float) -> _Item | None:
        try:
            item = self._requests.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _STOP or item is _UNPLUGGED or item is _LOOK:
            return item
        if self._device is None:  # not connected: try at once, then this request fails or runs
            self._requests.put(item)
            return None
        return item

    def _drain(self) -> list[_Request]:
        items: list[_Request] = []
        while True:
            try:
                item = self._requests.get_nowait()
            except queue.Empty:
                return items
            if item is _STOP:
                self._requests.put(_STOP)
                return items
            if isinstance(item, _Request):
                items.append(item)

    def _connect(self) -> bool:
        def prompt() -> None:
            self._advance(AllowPrompted())

        try:
            device = self.station.open_device(self.endpoint, prompt)
        except (DeviceError, UsbError, EndpointError) as exc:
            if isinstance(exc, UsbAuthError):
                problem = Problem.UNAUTHORIZED
            else:
                problem = exc.problem if isinstance(exc, DeviceError) else Problem.DISCONNECTED
            self._unreachable = str(exc)
            self._advance(SessionFailed(problem, str(exc)))
            return False
        try:
            self._facts = read_facts(device)
            self._battery = device.battery()
        except DeviceError as exc:
            device.close()
            self._unreachable = str(exc)
            self._advance(SessionFailed(exc.problem, str(exc)))
            return False
        self._device = device
        self._advance(SessionOpened())
        self.station.auto_start(self)
        return True

    def _fail_queued(self) -> None:
        """Runs asked for a device that cannot be reached fail with the reason (and so does
        a look at its screen)."""
        if self._look_wanted.is_set():
            self._screen_missed(ScreenProblem.NOT_CONNECTED, self._unreachable)
        for request in self._drain():
            cause = request.run.cancel_cause if request.run.cancel.is_set() else None
            self._end_unstarted(request.batch, request.run, cause or Cause.UNREACHABLE,
                                advance_status=False)  # fmt: skip
            self._settle(request.run)

    def _responds(self) -> bool:
        """Whether the session still answers; a dead one is dropped."""
        if self._device is None:
            return False
        self._heartbeat()
        return self._device is not None

    def _heartbeat(self) -> None:
        assert self._device is not None
        try:
            self._device.shell("true", timeout=5)
        except DeviceError as exc:
            self._drop_session(SessionFailed(exc.problem, str(exc)))

    def _drop_session(self, event: LifecycleEvent) -> None:
        if self._device is not None:
            self._device.close()
        self._device = None
        self._advance(event)

    def _execute(self, request: _Request) -> None:
        batch, run = request.batch, request.run
        try:
            self._provision(request)
        except Exception as exc:  # a bug must fail this one run, never hang the station
            why = Reason.of(Why.INTERNAL, detail=_masked(batch, str(exc)))
            detail = english(why)
            log.error("%s: run failed unexpectedly\n%s", self.endpoint.spec,
                      _masked(batch, "".join(traceback.format_exception(exc))))  # fmt: skip
            if self.last_result is None or self.last_result.run_id != run.run_id:  # report once
                self._finish(batch, run, self._result(batch, run, Cause.INTERNAL, detail, why))
            self._advance(Crashed(detail, why))  # no reconnect, no re-run
        finally:
            self._settle(run)

    def _provision(self, request: _Request) -> None:
        batch, run = request.batch, request.run
        template = batch.template.template
        facts, device = self._facts, self._device
        assert facts is not None and device is not None
        if run.cancel.is_set():
            self._end_unstarted(batch, run, run.cancel_cause)
            return
        start = read_start_of_run(device) if facts.android else None  # one round trip
        run.props = start.props if start else None
        order = self.station.held_back(facts, lambda: self._imeis_for_order(device, facts, run))
        if order is not None:
            self._advance(HeldBack(order))
            return
        if request.force:
            marker = None
        elif start is not None:  # the device is the truth
            marker = start.marker
        else:
            marker = read_marker(device)
        if marker is not None and (marker.template, marker.version) == (
            template.name,
            template.version,
        ):
            self._advance(NothingToDo(template.name, marker.version))
            return
        self._advance(RunAsked(template.name))
        try:
            run.seq = self.station.ledger.seq_for(facts.serial, series_of(template))
        except NoNumbersLeftError as exc:  # offline with its blocks used up: no run, a status
            self._advance(NumbersRanOut(exc.series, exc.reason))
            return
        except OSError as exc:  # the numbers it hands out must be kept, or none handed out
            self._refuse_unrecordable(batch, run, station_problem(exc, self.station.directory))
            return
        with self.station.job_slot(run.cancel) as started:
            if not started:
                self._end_unstarted(batch, run, run.cancel_cause)
                return
            announcement = run_started(batch, run, datetime.now(UTC))
            problem = self.station.recordable(announcement)
            if problem is not None:  # a run nobody could find later must not change a device
                self._refuse_unrecordable(batch, run, problem)
                return
            self._announce(run, announcement)
            self._advance(RunBegan(template.name, step_count(batch.template)))
            runner = Runner(device, facts, batch, run, self._on_run_event,
                            self.station.transfer_slot(self.endpoint, run.cancel),
                            prefetch_next=self.station.prefetch_next)  # fmt: skip
            result = runner.run(announcement.started_at)
        self._finish(batch, run, result)
        if result.cause is not None and result.cause.loses_session:
            self._drop_session(RunEnded(result))
        else:
            self._advance(RunEnded(result))

    def _imeis_for_order(
        self, device: Device, facts: DeviceFacts, run: DeviceRun
    ) -> tuple[str, ...]:
        """The device's IMEIs for an order's expected list: its identity, read for the run now
        (the run keeps it); none when the device will not say."""
        try:
            run.identity = run_identity(device, facts, run.asset_tag, run.props)
        except DeviceError as exc:  # no IMEIs: held back, the admin may let it in
            log.warning("%s: IMEIs not read for the order: %s", self.endpoint.spec, exc)
            return ()
        return run.identity.imei if run.identity is not None else ()

    def _refuse_unrecordable(self, batch: Batch, run: DeviceRun, problem: StationProblem) -> None:
        self._finish(batch, run, self._result(batch, run, Cause.STORAGE, _not_recordable(problem)))
        self._advance(NotRecordable(problem))

    def _on_run_event(self, event: RunEvent) -> None:
        """What the runner reports goes to everyone; a new step moves the status on. Between
        steps (as the next begins, the session alive) is when a run takes a screenshot."""
        self.station.emit(event)
        if isinstance(event, StepStarted):
            self._advance(StepBegan(event.index))
            if self._look_wanted.is_set():
                self._look()

    # -- a look at the screen --------------------------------------------------------------------

    def _look(self) -> None:
        """Take the screenshot asked for, on this thread's session."""
        if not self._look_wanted.is_set():
            return  # an earlier wake-up already took it
        self._look_wanted.clear()
        if self._device is None:
            self._screen_missed(ScreenProblem.NOT_CONNECTED, self._unreachable)
            return
        try:
            png = self._device.screencap()
        except DeviceError as exc:
            self._screen_missed(ScreenProblem.REFUSED, str(exc))
            if exc.lost_session and isinstance(self.status, IDLE):
                self._drop_session(SessionFailed(exc.problem, str(exc)))
            return
        self._screen_taken(png)

    def _look_aside(self) -> None:
        """A look on a short connection of its own (its own thread), so a run's session
        and its steps never wait for it. The station's key is trusted (the worker's session
        got in with it), so no Allow prompt; a device that asks anyway is not looked at."""
        try:
            png = self.station.screencap_aside(self.endpoint)
        except (DeviceError, EndpointError) as exc:
            problem = getattr(exc, "problem", Problem.DISCONNECTED)
            missed = (
                ScreenProblem.REFUSED if problem is Problem.FAILED else ScreenProblem.NOT_CONNECTED
            )
            self._screen_missed(missed, str(exc))
            return
        finally:
            self._looking_aside.release()
        self._screen_taken(png)

    def _screen_taken(self, png: bytes) -> None:
        size = png_size(png)
        if size is None:  # screencap() only returns a PNG: a header that lies
            self._screen_missed(ScreenProblem.REFUSED, "not a PNG image")
            return
        self.station.screen_taken(ScreenShot(self.endpoint.spec, png, *size))

    def _screen_missed(self, problem: ScreenProblem, detail: str) -> None:
        self._look_wanted.clear()
        self.station.screen_taken(ScreenMissed(self.endpoint.spec, problem, detail))

    # -- the one place runs are announced, finished and settled ---------------------------------

    def _announce(self, run: DeviceRun, announcement: RunStarted) -> None:
        run.announced = True
        self.station.emit(announcement)

    def _finish(self, batch: Batch, run: DeviceRun, result: RunResult) -> None:
        """Send the run's RunFinished (and its RunStarted, if it never reached the device)."""
        if not run.announced:
            self._announce(run, run_started(batch, run, result.started_at))
        self.last_result = result
        self.station.emit(RunFinished(result))

    def _settle(self, run: DeviceRun) -> None:
        """The run is over: nobody waits for it any more."""
        with self._lock:
            self._pending.pop(run.run_id, None)
        self.station.run_ended()

    def _end_unstarted(
        self, batch: Batch, run: DeviceRun, cause: Cause, *, advance_status: bool = True
    ) -> None:
        """A run that never reached the device: failed, with why. `advance_status` is False
        for runs the worker never took up (the device was not reachable, or it is gone)."""
        why = None  # the cause says it, but for an unreachable device: the session's words
        if cause is Cause.UNREACHABLE:
            why = Reason.of(Why.UNREACHABLE, device=self._unreachable)
        detail = english(why) if why else NOT_STARTED[cause]
        if advance_status:  # first: whoever sees the run finish sees the device out of Queued
            self._advance(NotStarted(cause, detail, why))
        self._finish(batch, run, self._result(batch, run, cause, detail, why))

    def _result(
        self, batch: Batch, run: DeviceRun, cause: Cause, error: str, why: Reason | None = None
    ) -> RunResult:
        return run_result(batch, run, self._facts, started_at=datetime.now(UTC),
                          outcome=RunOutcome.FAILED, cause=cause, error=error,
                          why=why)  # fmt: skip

    # -- the status ------------------------------------------------------------------------------

    def _advance(self, event: LifecycleEvent) -> None:
        """Move the status on (only this thread does) and tell everyone if it changed."""
        self.status = advance(self.status, event)
        facts = self._facts
        info = DeviceInfo(
            endpoint=self.endpoint.spec,
            slot=self.label,
            state=self.status.state,
            serial=facts.serial if facts else None,
            model=facts.model if facts else None,
            manufacturer=facts.manufacturer if facts else None,
            android_release=facts.android_release if facts else None,
            sdk=facts.sdk if facts else None,
            battery=self._battery,
            status=self.status,
        )
        if info != self.info:
            self.info = info
            self.station.emit(DeviceChanged(info))


# Why a run did not reach its device, for the record (UNREACHABLE says the connect error).
NOT_STARTED = {
    Cause.STOPPED: "stopped before it started",
    Cause.UNPLUGGED: "unplugged",
    Cause.SHUTTING_DOWN: "the station is shutting down",
}


def _not_recordable(problem: StationProblem) -> str:
    return f"not started: the station cannot record runs in {problem.folder} ({problem.kind})"


def _masked(batch: Batch, text: str) -> str:
    """`text` with the secrets masked; a placeholder if the secrets cannot even be read."""
    try:
        return mask(text, batch.secrets.values())
    except Exception:
        log.exception("cannot read the secrets to mask a message")
        return "internal error (see the log)"


def read_facts(device: Device) -> DeviceFacts:
    """Serial, model, manufacturer and Android version of a connected device, from getprop;
    a device that does not say its serial is known by its slot."""
    identity = device.identity()
    return DeviceFacts(
        serial=identity.serial or device.endpoint.slot or device.endpoint.spec,
        model=identity.model or "unknown",
        manufacturer=identity.manufacturer or "unknown",
        android_release=identity.android_release or "?",
        sdk=identity.sdk or 0,
        android=identity.android,
    )
