"""The engine itself: store and recorder, Station, sync worker and USB watching, built from
one data folder and driven by commands. It runs wherever it is put; the GUI puts it in a
process of its own (`process.py`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from app.core import RunEvent, RunFinished
from app.core.orders import Order, OrderState
from app.core.reasons import Notice, Trouble
from app.devices.device import Device
from app.devices.endpoints import EndpointError
from app.devices.slots import PORT_MAP_FILE, PortMap, PortMapError
from app.devices.usb import UsbError
from app.engine.protocol import (
    Ack,
    AddEndpoint,
    Admit,
    CaptureScreen,
    Command,
    EngineOptions,
    Message,
    OrderProgressed,
    PrintLabel,
    Refusal,
    ReleaseProgress,
    Retry,
    RunRecorded,
    SetAssetTag,
    SetAutoProvision,
    SetOperator,
    SetOrder,
    SetTemplate,
    Shutdown,
    Start,
    Stop,
    UsbUnwatched,
    WatchUsb,
)
from app.labels.autoprint import AutoPrinter
from app.provisioning.order_gate import OrderGate
from app.provisioning.station import Station
from app.storage import Config, Store
from app.sync import SyncWorker
from app.sync.leases import seq_leasing
from app.templates import LoadedTemplate, TemplateError, load_template

log = logging.getLogger(__name__)

SYNC_STOP_S = 5.0


class _Refused(Exception):
    """A command the engine will not carry out, typed for the window."""

    def __init__(self, refusal: Refusal, detail: str = "") -> None:
        super().__init__(refusal, detail)
        self.refusal, self.detail = refusal, detail


class Engine:
    """Everything that touches devices, the database and the network, for one station.

    `tell` receives every run event and every message, from whichever thread made it.
    Raises StoreError (or StationProblemError) when the store cannot open, ConfigError when
    the settings cannot be read.
    """

    def __init__(self, options: EngineOptions, tell: Callable[[RunEvent | Message], None]) -> None:
        self._tell = tell
        folder = options.data_dir
        config = Config(folder)
        station_name, operator = config.station_name, config.operator
        self.notices: list[Notice] = []
        try:
            port_map = PortMap.load(folder / PORT_MAP_FILE)
        except PortMapError as exc:  # the bench still works, with generated labels
            port_map = PortMap()
            self.notices.append(Notice(Trouble.PORT_MAP_UNUSED, str(exc)))
        self.store = Store(folder, recording=True)
        # label.auto_print: a done device's label, queued; a printer that is away never waits
        self._labels = AutoPrinter.from_config(folder, tell, self.notices)
        self._gate = OrderGate()  # holds back devices the active order does not expect
        self._order_lock = threading.Lock()  # commands and the store's writer both ask
        self._template: LoadedTemplate | None = None
        self._recorder = self.store.recorder(on_recorded=self._recorded)
        self.station = Station(
            port_map=port_map,
            on_event=self._event,
            station_name=station_name,
            operator=operator,
            jobs=options.jobs,
            bus_transfer_limit=options.bus_transfer_limit,
            data_dir=folder,
            before_run=self._recorder.record_start,  # a run nobody could find later never starts
            open_device=options.open_device or Device.open,
            hold_back=self._gate,
        )
        self.station.auto_provision = options.auto_provision
        self.station.on_screen = tell
        if options.sync:  # {seq} from the backend's blocks, unique across its stations
            self.station.ledger.lease_from(seq_leasing(config))
        self._usb_watcher = options.usb_watcher
        self._sync: SyncWorker | None = None
        if options.sync:
            self._sync = SyncWorker(
                self.store,
                on_status=tell,
                config=config,
                on_releases=lambda releases: tell(ReleaseProgress(releases)),
            )
            self._sync.start()

    def handle(self, number: int, command: Command) -> Ack:
        """Do what `command` asks (it only queues work: nothing here waits on a device)."""
        try:
            self._do(command)
        except _Refused as exc:
            return Ack(number, exc.refusal, exc.detail)
        except TemplateError as exc:
            return Ack(number, Refusal.BAD_TEMPLATE, str(exc))
        except ValueError as exc:
            if isinstance(exc, EndpointError):
                return Ack(number, Refusal.BAD_ENDPOINT, str(exc))
            return Ack(number, Refusal.NO_TEMPLATE)
        except KeyError as exc:
            return Ack(number, Refusal.NOT_WATCHED, str(exc.args[0]) if exc.args else "")
        return Ack(number)

    def close(self) -> None:
        """Stop every run (each is recorded), sync, then the store after its last write."""
        self.station.close()
        if self._sync is not None:
            self._sync.stop(timeout=SYNC_STOP_S)
        if self._labels is not None:
            self._labels.close()
        self.store.close()

    # -- internals

    def _do(self, command: Command) -> None:
        station = self.station
        match command:
            case AddEndpoint(spec):
                station.add_endpoint(spec)
            case WatchUsb():
                threading.Thread(target=self._watch_usb, name="engine-usb", daemon=True).start()
            case SetTemplate(path):
                self._use_template(load_template(path), self._gate.order)
            case SetOrder(order_number, template_path):
                self._set_order(order_number, template_path)
            case Admit(endpoint):
                self._admit(endpoint)
            case PrintLabel(endpoint):
                self._print_label(endpoint)
            case CaptureScreen(endpoint):
                station.capture_screen(endpoint)
            case SetOperator(name):
                station.operator = name
            case SetAutoProvision(enabled):
                station.auto_provision = enabled
            case SetAssetTag(endpoint, tag):
                station.set_asset_tag(endpoint, tag)
            case Start(endpoints, force):
                station.start(endpoints, force=force)
            case Stop(endpoints):
                station.stop(endpoints)
            case Retry(endpoint, from_failed_step):
                station.retry(endpoint, from_failed_step=from_failed_step)
            case Shutdown():
                pass  # the process ends the engine once this is acknowledged

    def _use_template(self, template: LoadedTemplate, order: Order | None) -> None:
        if order is not None and not _order_takes(order, template):
            raise _Refused(Refusal.ORDER_TEMPLATE, _template_of(order))
        self.station.set_template(template)  # its runs carry station.order
        self._template = template
        if self._labels is not None:
            self._labels.use_template(template)

    def _set_order(self, number: str | None, template_path: Path | None) -> None:
        """Runs from now are made for order `number`, with its template; then how far it is."""
        template = load_template(template_path) if template_path else self._template
        if number is None:
            with self._order_lock:
                self._gate.set_order(None)
                self.station.order = ""
                if template is not None:
                    self._use_template(template, None)
            self._tell(OrderProgressed(None))
            return
        order = self.store.order(number)
        if order is None:
            raise _Refused(Refusal.NO_ORDER, number)
        if order.state is OrderState.CLOSED:
            raise _Refused(Refusal.ORDER_CLOSED, number)
        if template is not None and not _order_takes(order, template):
            raise _Refused(Refusal.ORDER_TEMPLATE, _template_of(order))
        with self._order_lock:
            self._gate.set_order(order)
            self.station.order = order.number
            if template is not None:
                self._use_template(template, order)
        self._tell(OrderProgressed(order, self.store.order_progress(number)))

    def _admit(self, endpoint: str) -> None:
        """Let a held-back device in and start it (KeyError when it is not on the bench)."""
        serial = next((info.serial for info in self.station.devices()
                       if info.endpoint == endpoint), None)  # fmt: skip
        if serial is None:
            raise KeyError(endpoint)
        self._gate.admit(serial)
        self.station.start([endpoint])

    def _print_label(self, endpoint: str) -> None:
        """Queue the label of the device's last done run; the queue says how it went."""
        if self._labels is None:
            raise _Refused(Refusal.NO_PRINTER)
        result = self.station.last_result(endpoint)
        if result is None or not self._labels.print_result(result):
            raise _Refused(Refusal.NOT_DONE, endpoint)

    def _order_progressed(self, number: str) -> None:
        """After a run of the active order is committed: its counts, and whether that run
        completed it (on the store's writer thread, after the commit)."""
        with self._order_lock:
            before = self._gate.order
            if before is None or before.number != number:
                return
            order = self.store.order(number)
            if order is None:
                return
            self._gate.set_order(order)
        progress = self.store.order_progress(number)
        completed_now = before.state is OrderState.OPEN and order.state is OrderState.COMPLETE
        self._tell(OrderProgressed(order, progress, completed_now))

    def _watch_usb(self) -> None:
        """Enumerates first (every device already plugged in), so it runs on its own thread."""
        try:
            watcher = self._usb_watcher() if self._usb_watcher is not None else None
            self.station.watch_usb(watcher)
        except UsbError as exc:
            self._tell(UsbUnwatched(str(exc)))

    def _event(self, event: RunEvent) -> None:
        self._recorder.on_event(event)
        if self._labels is not None and isinstance(event, RunFinished):
            self._labels.run_finished(event.result)
        self._tell(event)

    def _recorded(self, event: object) -> None:
        self._tell(RunRecorded())
        if isinstance(event, RunFinished) and event.result.order:
            self._order_progressed(event.result.order)
        if self._sync is not None:
            self._sync.wake()


def _order_takes(order: Order, template: LoadedTemplate) -> bool:
    """Whether runs of `template` may be made for `order` (its name, and pinned version)."""
    if order.template_name and order.template_name != template.template.name:
        return False
    return order.template_version in (None, template.template.version)


def _template_of(order: Order) -> str:
    """The order and the template it takes, as the refusal's detail ("PO 4711: pos v3")."""
    version = f" v{order.template_version}" if order.template_version is not None else ""
    return f"{order.number}: {order.template_name}{version}"
