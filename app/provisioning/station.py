"""The station: every watched device, its worker, and the runs the CLI and the GUI ask for.

One worker thread per device (`worker.py`) owns that device's ADB session; no other thread
touches it. Workers connect (and wait for "Allow"), read the device, keep an eye on it while
idle, and run templates when asked. Parallel runs are bounded by `jobs`, large transfers by the
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
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path

from app.core import (
    Detached,
    DeviceChanged,
    DeviceInfo,
    DeviceState,
    RunEvent,
    RunOutcome,
    RunResult,
    RunStarted,
    StationProblem,
)
from app.core.buses import BUS_SPEEDS, DEFAULT_BUS_SPEED, packed_compressions, push_compression
from app.core.evidence import ScreenMissed, ScreenShot
from app.core.paths import data_dir as default_data_dir
from app.devices.device import Device
from app.devices.endpoints import TcpEndpoint, parse_endpoint
from app.devices.keys import station_key
from app.devices.slots import PORT_MAP_FILE, PortMap, SlotLabeller, bus_of
from app.devices.usb_hotplug import UsbChange, UsbEvent, UsbWatcher
from app.devices.usb_session import UsbEndpoint
from app.provisioning.context import DeviceFacts
from app.provisioning.ledger import Ledger
from app.provisioning.order_gate import ImeiReader
from app.provisioning.runner import (
    Batch,
)
from app.provisioning.scheduler import TransferScheduler
from app.provisioning.worker import Worker
from app.storage.config import shares_adb_key
from app.templates import LoadedTemplate, SecretStore
from app.templates.model import Install, Push

log = logging.getLogger("kitbench.provisioning")

CLOSE_TIMEOUT_S = 10.0  # how long close() waits for workers to finish cancelling
JOB_POLL_S = 0.2
SIDE_AUTH_S = 2.0  # a look at a running device's screen does not wait for an Allow prompt

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
        compressed_installs: bool = True,
        prefetch_next: bool = True,
        strongest_packing: bool = True,
        data_dir: Path | None = None,
        auth_timeout_s: float = 60.0,
        port_map: PortMap | None = None,
        open_device: DeviceOpener = Device.open,
        before_run: Callable[[RunStarted], StationProblem | None] | None = None,
        hold_back: Callable[[DeviceFacts, ImeiReader], str | None] | None = None,
    ) -> None:
        """Large transfers cross each bus as the transfer scheduler admits them (by the bus's
        bandwidth; `bus_transfer_limit`, if set, also caps how many at once per bus;
        `transfer_order` is the scheduler's order, see `scheduler.ORDERS`).
        `compressed_installs`: installs go as compressed pushes where a device's bus
        compresses pushes (False: streamed as `adb install` does, the bench's baseline).
        `prefetch_next`: an install's next install sends its APKs while the first installs
        on the device (False: one after the other, the bench's baseline).
        `strongest_packing`: files compressed once per batch take zstd where the device
        offers it (False: the bus's push compression, LZ4, another baseline).
        `port_map` defaults to the data directory's `ports.yaml` (PortMapError if broken);
        `open_device` is how sessions are opened (tests stand simulators in for USB);
        `before_run` records a run before it may touch its device (the store's recorder), and
        says why it could not; `hold_back` names the active order a device is not on (it
        is then held back, no run made), reading its IMEIs through the reader it is given
        only if it needs them."""
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
        self._compressed_installs = compressed_installs
        self.prefetch_next = prefetch_next
        self._strongest_packing = strongest_packing
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0  # runs asked for and not settled
        self._workers: dict[str, Worker] = {}
        self._without_adb: dict[str, DeviceInfo] = {}  # USB devices with debugging off
        self._usb_watcher: UsbWatcher | None = None
        self._closed = False
        self._batch: Batch | None = None
        # Where screenshots go (the engine sends them to the window); none are asked without
        self.on_screen: Callable[[ScreenShot | ScreenMissed], None] = lambda _shot: None

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
        """The template later runs use; its files are read once for all devices, and
        compressed ahead where devices are expected on a bus that compresses pushes."""
        self._batch = Batch(template, secrets=self._secrets, station=self.station_name,
                            operator=self.operator, order=self.order)  # fmt: skip
        compression = self._packing_ahead()
        if compression is not None:
            self._batch.artifacts.pack_ahead(files_sent(template), compression)

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

    def capture_screen(self, endpoint: str) -> None:
        """Ask the device's worker for a look at its screen; `on_screen` gets it, or why not
        (KeyError if the device is not watched). Never waits on the device."""
        self._known(endpoint).capture_screen()

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

    def screen_taken(self, shot: ScreenShot | ScreenMissed) -> None:
        try:
            self.on_screen(shot)
        except Exception:  # like a broken listener: never the worker's problem
            log.exception("screen listener failed")

    def run_asked(self) -> None:
        with self._lock:
            self._busy += 1

    def run_ended(self) -> None:
        with self._idle:
            self._busy -= 1
            self._idle.notify_all()

    def held_back(self, facts: DeviceFacts, imeis: ImeiReader) -> str | None:
        """The active order this device is not on, or None when it may run."""
        return self._hold_back(facts, imeis) if self._hold_back is not None else None

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

    def _packing_ahead(self) -> str | None:
        """What a new template's files are compressed with before any device asks for them:
        where devices are expected on a bus that compresses pushes (a usb2 bus in the port
        map, or USB watched), the first of `packed_compressions`, which today's devices
        (Android 12+) offer; None where nothing will compress."""
        with self._lock:
            watching_usb = self._usb_watcher is not None
        buses = [BUS_SPEEDS[bus.speed] for bus in self._port_map.buses.values()]
        live = push_compression(BUS_SPEEDS[DEFAULT_BUS_SPEED])
        if live is None or not (watching_usb or any(map(push_compression, buses))):
            return None
        return packed_compressions(live, strongest=self._strongest_packing)[0]

    def open_device(self, endpoint: Endpoint, on_prompt: Callable[[], None]) -> Device:
        device = self._open_device(
            endpoint.spec, self._key, auth_timeout_s=self.auth_timeout_s, on_auth_prompt=on_prompt
        )
        device.push_compression = push_compression(bus_of(endpoint.spec, self._port_map)[1])
        device.compressed_installs = self._compressed_installs
        device.strongest_packing = self._strongest_packing
        return device

    def screencap_aside(self, endpoint: Endpoint) -> bytes:
        """The device's screen over a short connection of its own (a network device takes
        several), for a look while its worker's session runs a template. The key must be
        trusted already: a device that asks for Allow is refused after SIDE_AUTH_S."""
        device = self._open_device(endpoint.spec, self._key, auth_timeout_s=SIDE_AUTH_S)
        try:
            return device.screencap()
        finally:
            device.close()

    def retire(self, worker: Worker) -> bool:
        """Forget a worker whose device was unplugged; False if the device came back."""
        with self._lock:
            if not worker.unplugged:
                return False
            if self._workers.get(worker.endpoint.spec) is worker:
                del self._workers[worker.endpoint.spec]
            return True

    def auto_start(self, worker: Worker) -> None:
        if self.auto_provision and self._batch is not None:
            worker.request(self._batch, force=False, start_index=0)

    # -- helpers --------------------------------------------------------------------------------

    def _require_batch(self) -> Batch:
        if self._batch is None:
            raise ValueError("choose a template before starting")
        return self._batch

    def _select(self, endpoints: Iterable[str] | None, *, connected_only: bool) -> list[Worker]:
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

    def _known(self, endpoint: str) -> Worker:
        """The worker of a watched device; KeyError if it is not watched."""
        with self._lock:
            return self._workers[parse_endpoint(endpoint).spec]

    def _watch(self, spec: str) -> Worker:
        """The device's worker, started if there is none yet."""
        with self._lock:
            worker = self._workers.get(spec)
            if worker is not None:
                worker.unplugged = False  # back on its slot, e.g. after a reboot
                return worker
            self._without_adb.pop(spec, None)
            worker = Worker(self, parse_endpoint(spec), self.labeller.label(spec))
            if self._closed:  # nothing is watched any more: runs asked for now end at once
                worker.end_unstarted()
                return worker
            self._workers[spec] = worker
        worker.thread.start()
        return worker


def files_sent(template: LoadedTemplate) -> list[Path]:
    """The local files a template's install and push steps send, in step order (an .apks
    archive's splits are read from it when its step runs)."""
    relatives: list[str] = []
    for step in template.template.steps:
        if isinstance(step.params, Install) and not step.params.apk.endswith(".apks"):
            relatives += [step.params.apk, *step.params.splits]
        elif isinstance(step.params, Push):
            relatives.append(step.params.src)
    return [template.resolve_path(relative) for relative in dict.fromkeys(relatives)]
