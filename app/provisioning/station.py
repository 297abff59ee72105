"""The station: every watched device, its worker, and the runs the CLI and the GUI ask for.

One worker thread per device owns that device's ADB session; no other thread touches it.
Workers connect (and wait for "Allow"), read the device, keep an eye on it while idle,
and run templates when asked. Parallel runs are bounded by `jobs`, large transfers by the
transfer scheduler, which keeps each bus full and no fuller (`scheduler.py`), and
everything is reported through `on_event` from the worker threads.

Each port gets its bench label from the port map once (`SlotLabeller`); that label is the
`slot` of the device's DeviceInfo and of every run, so the tile and the record agree. With
`watch_usb()` the station follows USB plug-ins and unplugs: a device with ADB gets a worker,
one with debugging off a DeviceChanged saying so, and an unplugged device's worker ends
unless the device comes back on its slot (as it does when it reboots).

Each device's status follows `lifecycle.advance`; DeviceChanged carries it typed, and the
tiles and the terminal report choose the words.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from app.core import (
    Cause,
    Connecting,
    Detached,
    DeviceChanged,
    DeviceInfo,
    DeviceState,
    DeviceStatus,
    Problem,
    RunEvent,
    RunFinished,
    RunOutcome,
    RunResult,
    RunStarted,
    StationProblem,
    StepStarted,
)
from app.core.buses import push_compression
from app.core.paths import data_dir as default_data_dir
from app.devices.device import Device, DeviceError
from app.devices.endpoints import EndpointError, TcpEndpoint, parse_endpoint
from app.devices.keys import station_key
from app.devices.slots import PORT_MAP_FILE, PortMap, SlotLabeller, bus_of
from app.devices.usb import UsbError
from app.devices.usb_hotplug import UsbChange, UsbEvent, UsbWatcher
from app.devices.usb_session import UsbAuthError, UsbEndpoint
from app.provisioning.context import DeviceFacts
from app.provisioning.ledger import Ledger
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
from app.provisioning.marker import read_marker
from app.provisioning.runner import (
    Batch,
    DeviceRun,
    Runner,
    run_result,
    run_started,
    step_count,
)
from app.provisioning.scheduler import TransferScheduler
from app.provisioning.seq_lease import NoNumbersLeftError, series_of
from app.storage import station_problem
from app.storage.config import shares_adb_key
from app.templates import LoadedTemplate, SecretStore, mask

log = logging.getLogger("kitbench.provisioning")

CLOSE_TIMEOUT_S = 10.0  # how long close() waits for workers to finish cancelling
HEARTBEAT_S = 3.0  # an idle device is checked this often, to notice it was unplugged
RECONNECT_S = 1.0
JOB_POLL_S = 0.2
_STOP = object()
_UNPLUGGED = object()  # wakes an idle worker whose device was unplugged

Endpoint = TcpEndpoint | UsbEndpoint
DeviceOpener = Callable[..., Device]  # Device.open's signature


class Station:
    """Watches devices and provisions them; what the CLI and the GUI both drive."""

    def __init__(
        self,
        *,
        on_event: Callable[[RunEvent], None],
        station_name: str = "",
        operator: str = "",
        jobs: int | None = None,
        bus_transfer_limit: int | None = None,
        transfer_order: str = "arrival",
        data_dir: Path | None = None,
        auth_timeout_s: float = 60.0,
        port_map: PortMap | None = None,
        open_device: DeviceOpener = Device.open,
        before_run: Callable[[RunStarted], StationProblem | None] | None = None,
        hold_back: Callable[[DeviceFacts], str | None] | None = None,
    ) -> None:
        """Large transfers cross each bus as the transfer scheduler admits them (by the bus's
        bandwidth; `bus_transfer_limit`, if set, also caps how many at once per bus;
        `transfer_order` is the scheduler's order, see `scheduler.ORDERS`).
        `port_map` defaults to the data directory's `ports.yaml` (PortMapError if broken);
        `open_device` is how sessions are opened (tests stand simulators in for USB);
        `before_run` records a run before it may touch its device (the store's recorder), and
        says why it could not; `hold_back` names the active order a device is not on (it
        is then held back, no run made)."""
        self.directory = data_dir or default_data_dir()
        if port_map is None:
            port_map = PortMap.load(self.directory / PORT_MAP_FILE)
        self.labeller = SlotLabeller(port_map)
        self._open_device = open_device
        self._before_run = before_run
        self._hold_back = hold_back
        self.station_name, self.operator = station_name, operator
        self.order = ""  # the kitting order runs are made for (set before set_template)
        self.auth_timeout_s = auth_timeout_s
        self.auto_provision = False
        self._listeners = [on_event]
        self._key = station_key(self.directory, share_adb_key=shares_adb_key(self.directory))
        self.ledger = Ledger(self.directory)
        self._secrets = SecretStore(self.directory)
        self._jobs = threading.BoundedSemaphore(jobs) if jobs else None
        self._port_map = port_map
        self._transfers = TransferScheduler(bus_transfer_limit or None, transfer_order)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0  # runs asked for and not settled
        self._workers: dict[str, _Worker] = {}
        self._without_adb: dict[str, DeviceInfo] = {}  # USB devices with debugging off
        self._usb_watcher: UsbWatcher | None = None
        self._closed = False
        self._batch: Batch | None = None

    # -- what the CLI and GUI call --------------------------------------------------------------

    def add_listener(self, callback: Callable[[RunEvent], None]) -> None:
        self._listeners.append(callback)

    def add_endpoint(self, endpoint: str) -> None:
        """Watch a device: connect, authorize and read it, reporting DeviceChanged events."""
        self._watch(parse_endpoint(endpoint).spec)

    def watch_usb(self, watcher: UsbWatcher | None = None) -> None:
        """Follow USB plug-ins and unplugs until `close()`; raises UsbError if USB is unusable.

        Enumerates once (reporting every device already plugged in), so call it off the GUI
        thread.
        """
        watcher = watcher or UsbWatcher()
        unsubscribe = watcher.subscribe(self.on_usb_event)
        try:
            watcher.start()
        except BaseException:
            unsubscribe()
            raise
        with self._lock:
            closed, self._usb_watcher = self._closed, watcher
        if closed:
            watcher.stop()

    def on_usb_event(self, event: UsbEvent) -> None:
        """What the USB watcher reports (from its thread): a device came or went."""
        device = event.device
        if event.change is UsbChange.ATTACHED and device.state is DeviceState.ATTACHED:
            self.add_endpoint(device.endpoint)
            return
        label = self.labeller.label(device.endpoint)
        if event.change is UsbChange.ATTACHED:  # debugging off: nothing to talk to yet
            info = device.device_info(label)
            with self._lock:
                self._without_adb[device.endpoint] = info
            self.emit(DeviceChanged(info))
            return
        with self._lock:
            worker = self._workers.get(device.endpoint)
            if worker is not None:
                worker.unplugged = True
            self._without_adb.pop(device.endpoint, None)
        if worker is not None:
            worker.unplug()
        else:
            gone = Detached(unplugged=True)
            info = replace(device.device_info(label), state=gone.state, message=None, status=gone)
            self.emit(DeviceChanged(info))

    def set_template(self, template: LoadedTemplate) -> None:
        """The template later runs use; its files are read once for all devices."""
        self._batch = Batch(template, secrets=self._secrets, station=self.station_name,
                            operator=self.operator, order=self.order)  # fmt: skip

    def start(self, endpoints: Iterable[str] | None = None, *, force: bool = False) -> None:
        """Provision these devices (default: every connected, idle one)."""
        for worker in self._select(endpoints, connected_only=endpoints is None):
            worker.request(self._require_batch(), force=force, start_index=0)

    def retry(self, endpoint: str, *, from_failed_step: bool = True) -> None:
        """Run again, by default from the step that failed last time."""
        worker = self._known(endpoint)
        last = worker.last_result
        start_index = 0
        if from_failed_step and last is not None and last.outcome is RunOutcome.FAILED:
            start_index = last.failed_step or 0
        worker.request(self._require_batch(), force=True, start_index=start_index)

    def stop(self, endpoints: Iterable[str] | None = None) -> None:
        """Cancel running and waiting runs, between steps and inside transfers."""
        for worker in self._select(endpoints, connected_only=False):
            worker.cancel_all()

    def last_result(self, endpoint: str) -> RunResult | None:
        """The device's last finished run; KeyError if it is not watched."""
        return self._known(endpoint).last_result

    def set_asset_tag(self, endpoint: str, tag: str) -> None:
        self._known(endpoint).asset_tag = tag or None

    def devices(self) -> list[DeviceInfo]:
        with self._lock:
            workers, without_adb = list(self._workers.values()), list(self._without_adb.values())
        return [worker.info for worker in workers] + without_adb

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no run is waiting or running; False if `timeout` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def close(self) -> None:
        with self._lock:
            self._closed, watcher = True, self._usb_watcher
        if watcher is not None:
            watcher.stop()
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
        for worker in workers:
            worker.shut_down(join=False)
        # One deadline for all: a worker blocked in a connect (a device nobody authorizes)
        # cannot be interrupted, and its daemon thread ends with the process anyway.
        deadline = time.monotonic() + CLOSE_TIMEOUT_S
        for worker in workers:
            worker.thread.join(timeout=max(0.0, deadline - time.monotonic()))

    # -- for workers ----------------------------------------------------------------------------

    def emit(self, event: RunEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # a broken listener must not take a device down with it
                log.exception("event listener failed on %s", type(event).__name__)

    def run_asked(self) -> None:
        with self._lock:
            self._busy += 1

    def run_ended(self) -> None:
        with self._idle:
            self._busy -= 1
            self._idle.notify_all()

    def held_back(self, facts: DeviceFacts) -> str | None:
        """The active order this device is not on, or None when it may run."""
        return self._hold_back(facts) if self._hold_back is not None else None

    def recordable(self, announcement: RunStarted) -> StationProblem | None:
        """Record the run before it starts; why it cannot be, if it cannot."""
        return self._before_run(announcement) if self._before_run is not None else None

    @contextmanager
    def job_slot(self, cancel: threading.Event) -> Iterator[bool]:
        """Hold one of the `jobs` slots; yields False if cancelled while waiting."""
        if self._jobs is None:
            yield True
            return
        while not self._jobs.acquire(timeout=JOB_POLL_S):
            if cancel.is_set():
                yield False
                return
        try:
            yield True
        finally:
            self._jobs.release()

    def transfer_slot(
        self, endpoint: Endpoint, cancel: threading.Event
    ) -> Callable[[int], AbstractContextManager[None]]:
        """For one run: a slot on the device's bus for each transfer of `size` bytes."""
        name, bytes_per_s = bus_of(endpoint.spec, self._port_map)
        schedule = self._transfers.bus(name, bytes_per_s)
        moved = 0

        @contextmanager
        def slot(size: int) -> Iterator[None]:
            nonlocal moved
            with schedule.transfer(endpoint.spec, size, cancel, moved):
                yield
            moved += size

        return slot

    def open_device(self, endpoint: Endpoint, on_prompt: Callable[[], None]) -> Device:
        device = self._open_device(
            endpoint.spec, self._key, auth_timeout_s=self.auth_timeout_s, on_auth_prompt=on_prompt
        )
        device.push_compression = push_compression(bus_of(endpoint.spec, self._port_map)[1])
        return device

    def retire(self, worker: _Worker) -> bool:
        """Forget a worker whose device was unplugged; False if the device came back."""
        with self._lock:
            if not worker.unplugged:
                return False
            if self._workers.get(worker.endpoint.spec) is worker:
                del self._workers[worker.endpoint.spec]
            return True

    def auto_start(self, worker: _Worker) -> None:
        if self.auto_provision and self._batch is not None:
            worker.request(self._batch, force=False, start_index=0)

    # -- helpers --------------------------------------------------------------------------------

    def _require_batch(self) -> Batch:
        if self._batch is None:
            raise ValueError("choose a template before starting")
        return self._batch

    def _select(self, endpoints: Iterable[str] | None, *, connected_only: bool) -> list[_Worker]:
        if endpoints is None:
            with self._lock:
                workers = list(self._workers.values())
            return [w for w in workers if not connected_only or w.idle_and_connected]
        selected = []
        for endpoint in endpoints:
            spec = parse_endpoint(endpoint).spec
            with self._lock:
                worker = self._workers.get(spec)
            selected.append(worker or self._watch(spec))
        return selected

    def _known(self, endpoint: str) -> _Worker:
        """The worker of a watched device; KeyError if it is not watched."""
        with self._lock:
            return self._workers[parse_endpoint(endpoint).spec]

    def _watch(self, spec: str) -> _Worker:
        """The device's worker, started if there is none yet."""
        with self._lock:
            worker = self._workers.get(spec)
            if worker is not None:
                worker.unplugged = False  # back on its slot, e.g. after a reboot
                return worker
            self._without_adb.pop(spec, None)
            worker = _Worker(self, parse_endpoint(spec), self.labeller.label(spec))
            if self._closed:  # nothing is watched any more: runs asked for now end at once
                worker.end_unstarted()
                return worker
            self._workers[spec] = worker
        worker.thread.start()
        return worker


@dataclass(frozen=True)
class _Request:
    batch: Batch
    run: DeviceRun
    force: bool


_Item = _Request | object  # or _STOP, _UNPLUGGED


class _Worker:
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
        if item is _STOP or item is _UNPLUGGED:
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
        """Runs asked for a device that cannot be reached fail with the reason."""
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
            detail = _masked(batch, f"internal error: {exc}")
            log.error("%s: run failed unexpectedly\n%s", self.endpoint.spec,
                      _masked(batch, "".join(traceback.format_exception(exc))))  # fmt: skip
            if self.last_result is None or self.last_result.run_id != run.run_id:  # report once
                self._finish(batch, run, self._result(batch, run, Cause.INTERNAL, detail))
            self._advance(Crashed(detail))  # no reconnect, no re-run
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
        order = self.station.held_back(facts)
        if order is not None:
            self._advance(HeldBack(order))
            return
        marker = None if request.force else read_marker(device)  # the device is the truth
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
                            self.station.transfer_slot(self.endpoint, run.cancel))  # fmt: skip
            result = runner.run(announcement.started_at)
        self._finish(batch, run, result)
        if result.cause is not None and result.cause.loses_session:
            self._drop_session(RunEnded(result))
        else:
            self._advance(RunEnded(result))

    def _refuse_unrecordable(self, batch: Batch, run: DeviceRun, problem: StationProblem) -> None:
        self._finish(batch, run, self._result(batch, run, Cause.STORAGE, _not_recordable(problem)))
        self._advance(NotRecordable(problem))

    def _on_run_event(self, event: RunEvent) -> None:
        """What the runner reports goes to everyone; a new step moves the status on."""
        self.station.emit(event)
        if isinstance(event, StepStarted):
            self._advance(StepBegan(event.index))

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
        detail = self._unreachable if cause is Cause.UNREACHABLE else NOT_STARTED[cause]
        if advance_status:  # first: whoever sees the run finish sees the device out of Queued
            self._advance(NotStarted(cause, detail))
        self._finish(batch, run, self._result(batch, run, cause, detail))

    def _result(self, batch: Batch, run: DeviceRun, cause: Cause, error: str) -> RunResult:
        return run_result(batch, run, self._facts, started_at=datetime.now(UTC),
                          outcome=RunOutcome.FAILED, cause=cause, error=error)  # fmt: skip

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
