"""The station: every watched device, its worker, and the runs the CLI and the GUI ask for.

One worker thread per device owns that device's ADB session; no other thread touches it.
Workers connect (and wait for "Allow"), read the device, keep an eye on it while idle,
and run templates when asked. Parallel runs are bounded by `jobs`, large transfers by a
per-bus limit, and everything is reported through `on_event` from the worker threads.

Each port gets its bench label from the port map once (`SlotLabeller`); that label is the
`slot` of the device's DeviceInfo and of every run, so the tile and the record agree. With
`watch_usb()` the station follows USB plug-ins and unplugs: a device with ADB gets a worker,
one with debugging off a DeviceChanged saying so, and an unplugged device's worker ends
unless the device comes back on its slot (as it does when it reboots).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from app.core import (
    DeviceChanged,
    DeviceInfo,
    DeviceState,
    RunEvent,
    RunFinished,
    RunOutcome,
    RunResult,
    RunStarted,
)
from app.core.paths import data_dir as default_data_dir
from app.devices.device import Device, DeviceError, Problem
from app.devices.endpoints import EndpointError, TcpEndpoint, parse_endpoint
from app.devices.keys import station_key
from app.devices.slots import PORT_MAP_FILE, PortMap, SlotLabeller
from app.devices.usb import UsbError
from app.devices.usb_hotplug import UsbChange, UsbEvent, UsbWatcher
from app.devices.usb_session import UsbAuthError, UsbEndpoint
from app.provisioning.context import DeviceFacts
from app.provisioning.ledger import Ledger
from app.provisioning.runner import Batch, DeviceRun, Runner
from app.storage.config import shares_adb_key
from app.templates import LoadedTemplate, SecretStore, mask

log = logging.getLogger("kitbench.provisioning")

LARGE_TRANSFER_BYTES = 1024 * 1024  # smaller files never wait for a bus slot
CLOSE_TIMEOUT_S = 10.0  # how long close() waits for workers to finish cancelling
HEARTBEAT_S = 3.0  # an idle device is checked this often, to notice it was unplugged
RECONNECT_S = 1.0
JOB_POLL_S = 0.2
UNPLUGGED = "Unplugged"
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
        bus_transfer_limit: int = 4,
        bus_limits: Mapping[str, int] | None = None,
        data_dir: Path | None = None,
        auth_timeout_s: float = 60.0,
        port_map: PortMap | None = None,
        open_device: DeviceOpener = Device.open,
    ) -> None:
        """`bus_transfer_limit` caps concurrent large transfers per bus (0: no cap);
        `bus_limits` overrides it per bus name, e.g. {"tcp": 0} for network devices.
        `port_map` defaults to the data directory's `ports.yaml` (PortMapError if broken);
        `open_device` is how sessions are opened (tests stand simulators in for USB)."""
        self.directory = data_dir or default_data_dir()
        if port_map is None:
            port_map = PortMap.load(self.directory / PORT_MAP_FILE)
        self.labeller = SlotLabeller(port_map)
        self._open_device = open_device
        self.station_name, self.operator = station_name, operator
        self.auth_timeout_s = auth_timeout_s
        self.auto_provision = False
        self._listeners = [on_event]
        self._key = station_key(self.directory, share_adb_key=shares_adb_key(self.directory))
        self.ledger = Ledger(self.directory)
        self._secrets = SecretStore(self.directory)
        self._jobs = threading.BoundedSemaphore(jobs) if jobs else None
        self._bus_default, self._bus_limits = bus_transfer_limit, dict(bus_limits or {})
        self._bus_slots: dict[str, threading.Semaphore | None] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0  # runs asked for and not finished
        self._alive = 0  # worker threads not yet ended (retired ones included)
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
            worker.wake()
        else:
            info = device.device_info(label)
            self.emit(DeviceChanged(replace(info, state=DeviceState.DETACHED, message=UNPLUGGED)))

    def set_template(self, template: LoadedTemplate) -> None:
        """The template later runs use; its files are read once for all devices."""
        self._batch = Batch(template, secrets=self._secrets, station=self.station_name,
                            operator=self.operator)  # fmt: skip

    def start(self, endpoints: Iterable[str] | None = None, *, force: bool = False) -> None:
        """Provision these devices (default: every connected, idle one)."""
        for worker in self._select(endpoints, connected_only=endpoints is None):
            worker.request(self._require_batch(), force=force, start_index=0)

    def retry(self, endpoint: str, *, from_failed_step: bool = True) -> None:
        """Run again, by default from the step that failed last time."""
        worker = self._known(endpoint)
        start_index = 0
        last = worker.last_result
        if from_failed_step and last is not None and last.outcome is RunOutcome.FAILED:
            failed = [step.index for step in last.steps if step.status == "failed"]
            start_index = failed[0] if failed else 0
        worker.request(self._require_batch(), force=True, start_index=start_index)

    def stop(self, endpoints: Iterable[str] | None = None) -> None:
        """Cancel running and waiting runs, between steps and inside transfers."""
        for worker in self._select(endpoints, connected_only=False):
            worker.cancel_all()

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

    def stalled(self) -> bool:
        """Runs are unfinished yet no worker is left that could finish them (a bug)."""
        with self._lock:
            return self._busy > 0 and self._alive == 0

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

    def worker_ended(self) -> None:
        with self._idle:
            self._alive -= 1
            self._idle.notify_all()

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

    def transfer_slot(self, bus: str) -> Callable[[int], AbstractContextManager]:
        with self._lock:
            if bus not in self._bus_slots:
                limit = self._bus_limits.get(bus, self._bus_default)
                self._bus_slots[bus] = threading.Semaphore(limit) if limit else None
            slots = self._bus_slots[bus]

        def slot(size: int) -> AbstractContextManager:
            if slots is None or size < LARGE_TRANSFER_BYTES:
                return nullcontext()
            return _held(slots)

        return slot

    def open_device(self, endpoint: Endpoint, on_prompt: Callable[[], None]) -> Device:
        return self._open_device(
            endpoint.spec, self._key, auth_timeout_s=self.auth_timeout_s, on_auth_prompt=on_prompt
        )

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
            self._workers[spec] = worker
            self._alive += 1
        worker.thread.start()
        return worker


@contextmanager
def _held(semaphore: threading.Semaphore) -> Iterator[None]:
    with semaphore:
        yield


class _Worker:
    """Owns one device's session in its own thread; others only queue requests."""

    def __init__(self, station: Station, endpoint: Endpoint, label: str) -> None:
        self.station, self.endpoint, self.label = station, endpoint, label
        self.info = DeviceInfo(endpoint.spec, label, DeviceState.ATTACHED)
        self.unplugged = False  # set and cleared by the station, under its lock
        self.asset_tag: str | None = None
        self.last_result: RunResult | None = None
        self._requests: queue.Queue = queue.Queue()
        self._lock = threading.Lock()  # guards _pending and _gone
        self._pending: dict[str, DeviceRun] = {}  # asked for and not finished, by run id
        self._gone = False  # the worker thread has ended: nobody takes requests any more
        self._device: Device | None = None
        self._facts: DeviceFacts | None = None
        self._last_error = "not connected"
        self._closing = threading.Event()
        self._farewell = "no longer watched"
        self.thread = threading.Thread(
            target=self._main, name=f"device {endpoint.spec}", daemon=True
        )

    @property
    def idle_and_connected(self) -> bool:
        return self.info.state in (
            DeviceState.READY, DeviceState.DONE, DeviceState.FAILED, DeviceState.REFUSED
        )  # fmt: skip

    # -- called from other threads --------------------------------------------------------------

    def request(self, batch: Batch, *, force: bool, start_index: int) -> None:
        run = DeviceRun(self.endpoint.spec, self.label, start_index=start_index,
                        asset_tag=self.asset_tag)  # fmt: skip
        self.station.run_asked()
        with self._lock:
            gone = self._gone
            if not gone:
                self._pending[run.run_id] = run
                self._requests.put((batch, run, force))
        if gone:  # too late: the worker ended; its device is no longer watched
            self._finish_without_run(batch, run, self._farewell_reason())

    def cancel_all(self) -> None:
        """Stop the running run and every queued one; each stays queued and ends as stopped.

        Requests are cancelled where they are, never taken out of the queue: the worker may
        end at any moment and must still find, and finish, every one of them."""
        with self._lock:
            for run in self._pending.values():
                run.cancel.set()

    def wake(self) -> None:
        """Have the worker look at its device now (it was unplugged)."""
        self._requests.put(_UNPLUGGED)

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
                    self._farewell = UNPLUGGED
                    return
                if self._device is None and not self._connect():
                    self._fail_queued()
                    self._wait_for_request(RECONNECT_S)
                    continue
                item = self._wait_for_request(HEARTBEAT_S)
                if item is None:
                    self._heartbeat()
                elif isinstance(item, tuple):
                    self._execute(*item)
        finally:
            reason = self._farewell_reason()
            with self._lock:  # from here on `request` finishes runs itself
                self._gone = True
                left = self._drain()
            for batch, run, _force in left:
                self._finish_without_run(batch, run, reason)
            if self._device is not None:
                self._device.close()
            self._publish(DeviceState.DETACHED, self._farewell)
            self.station.worker_ended()

    def _farewell_reason(self) -> str:
        return "unplugged" if self._farewell == UNPLUGGED else "the station is shutting down"

    def _wait_for_request(self, timeout: float):
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

    def _drain(self) -> list:
        items = []
        while True:
            try:
                item = self._requests.get_nowait()
            except queue.Empty:
                return items
            if item is _STOP:
                self._requests.put(_STOP)
                return items
            if item is not _UNPLUGGED:
                items.append(item)

    def _connect(self) -> bool:
        def prompt() -> None:
            self._publish(DeviceState.UNAUTHORIZED, "Tap Allow on the device")

        try:
            device = self.station.open_device(self.endpoint, prompt)
        except (DeviceError, UsbError, EndpointError) as exc:
            unauthorized = isinstance(exc, UsbAuthError) or (
                isinstance(exc, DeviceError) and exc.problem is Problem.UNAUTHORIZED
            )
            self._publish(DeviceState.UNAUTHORIZED if unauthorized else DeviceState.DETACHED,
                          str(exc))  # fmt: skip
            self._last_error = str(exc)
            return False
        try:
            self._facts = read_facts(device)
            battery = device.battery()
        except DeviceError as exc:
            device.close()
            self._publish(DeviceState.DETACHED, str(exc))
            self._last_error = str(exc)
            return False
        self._device = device
        self._publish(DeviceState.READY, "Ready", battery=battery)
        self.station.auto_start(self)
        return True

    def _fail_queued(self) -> None:
        """Runs asked for a device that cannot be reached fail with the reason."""
        for batch, run, _force in self._drain():
            reason = "stopped before it started" if run.cancel.is_set() else self._last_error
            self._finish_without_run(batch, run, reason)

    def _responds(self) -> bool:
        """Whether the session still answers; a dead one is dropped."""
        if self._device is None:
            return False
        self._heartbeat()
        return self._device is not None

    def _heartbeat(self) -> None:
        try:
            self._device.shell("true", timeout=5)  # type: ignore[union-attr]
        except DeviceError as exc:
            self._lose_device(str(exc))

    def _lose_device(self, reason: str) -> None:
        if self._device is not None:
            self._device.close()
        self._device = None
        self._publish(DeviceState.DETACHED, reason)

    def _execute(self, batch: Batch, run: DeviceRun, force: bool) -> None:
        try:
            self._provision(batch, run, force)
        except Exception as exc:  # a bug must fail this one run, never hang the station
            reason = _masked(batch, f"internal error: {exc}")
            log.error("%s: run failed unexpectedly\n%s", self.endpoint.spec,
                      _masked(batch, "".join(traceback.format_exception(exc))))  # fmt: skip
            if not run.finished:  # the run is reported once, with the steps it recorded
                self._finish_without_run(batch, run, reason, counted=False,
                                         announce=not run.started)  # fmt: skip
            self._publish(DeviceState.FAILED, f"{reason} — Retry")  # no reconnect, no re-run
        finally:
            self._forget(run)
            self.station.run_ended()

    def _forget(self, run: DeviceRun) -> None:
        with self._lock:
            self._pending.pop(run.run_id, None)

    def _provision(self, batch: Batch, run: DeviceRun, force: bool) -> None:
        facts, template = self._facts, batch.template.template
        assert facts is not None and self._device is not None
        if run.cancel.is_set():
            self._finish_without_run(batch, run, "stopped before it started", counted=False)
            return
        done = self.station.ledger.provisioned_version(facts.serial, template.name)
        if not force and done == template.version:
            self._publish(
                DeviceState.DONE, f"Already provisioned with {template.name} v{done} — unplug me"
            )
            return
        run.seq = self.station.ledger.seq_for(facts.serial)
        self._publish(DeviceState.PROVISIONING, f"Waiting to start {template.name}")
        with self.station.job_slot(run.cancel) as started:
            if not started:
                self._finish_without_run(batch, run, "stopped before it started", counted=False)
                self._publish(DeviceState.READY, "Stopped")  # startable again
                return
            self._publish(DeviceState.PROVISIONING, f"Provisioning with {template.name}")
            runner = Runner(self._device, facts, batch, run, self.station.emit,
                            self.station.transfer_slot(self.endpoint.bus))  # fmt: skip
            result = runner.run()
        self.last_result = result
        if result.outcome is RunOutcome.DONE:
            self.station.ledger.record_done(facts.serial, template.name, template.version)
            self._publish(DeviceState.DONE, "Done — unplug me")
        elif result.outcome is RunOutcome.REFUSED:
            self._publish(DeviceState.REFUSED, result.error)
        elif result.error and result.error.startswith(("disconnected", "device answered")):
            self._lose_device(result.error)
        else:
            self._publish(DeviceState.FAILED, f"{result.error} — Retry")

    def _finish_without_run(
        self,
        batch: Batch,
        run: DeviceRun,
        reason: str,
        *,
        counted: bool = True,
        announce: bool = True,
    ) -> None:
        """Report a run that never reached the device as failed, so nobody waits for it.

        `announce`: send its RunStarted too (False when the runner already sent it)."""
        self._forget(run)
        template, now = batch.template.template, datetime.now(UTC)
        facts = self._facts
        if announce:
            run.started = True
            self.station.emit(RunStarted(run.run_id, run.endpoint, template.name,
                                         template.version, len(template.steps), now,
                                         batch.template.sha256, operator=batch.operator,
                                         station=batch.station))  # fmt: skip
        result = RunResult(
            run_id=run.run_id, endpoint=run.endpoint, slot=run.slot,
            serial=facts.serial if facts else None, model=facts.model if facts else None,
            android_release=facts.android_release if facts else None,
            template_name=template.name, template_version=template.version,
            template_hash=batch.template.sha256, started_at=now, finished_at=now,
            outcome=RunOutcome.FAILED, error=reason, operator=batch.operator,
            station=batch.station, asset_tag=run.asset_tag,
        )  # fmt: skip
        self.last_result = result
        run.finished = True
        self.station.emit(RunFinished(result))
        if counted:
            self.station.run_ended()

    def _publish(self, state: DeviceState | None, message: str | None, **extra) -> None:
        facts = self._facts
        info = DeviceInfo(
            endpoint=self.endpoint.spec,
            slot=self.label,
            state=state or self.info.state,
            serial=facts.serial if facts else None,
            model=facts.model if facts else None,
            manufacturer=facts.manufacturer if facts else None,
            android_release=facts.android_release if facts else None,
            sdk=facts.sdk if facts else None,
            battery=extra.get("battery", self.info.battery),
            message=message,
        )
        if info != self.info:
            self.info = info
            self.station.emit(DeviceChanged(info))


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
        serial=identity.serial or device.endpoint.slot,
        model=identity.model or "unknown",
        manufacturer=identity.manufacturer or "unknown",
        android_release=identity.android_release or "?",
        sdk=identity.sdk or 0,
    )
