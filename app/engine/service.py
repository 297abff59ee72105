"""The engine itself: store and recorder, Station, sync worker and USB watching, built from
one data folder and driven by commands. It runs wherever it is put; the GUI puts it in a
process of its own (`process.py`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.core import RunEvent
from app.devices.device import Device
from app.devices.endpoints import EndpointError
from app.devices.slots import PORT_MAP_FILE, PortMap, PortMapError
from app.devices.usb import UsbError
from app.engine.protocol import (
    Ack,
    AddEndpoint,
    Command,
    EngineOptions,
    Message,
    Refusal,
    ReleaseProgress,
    Retry,
    RunRecorded,
    SetAssetTag,
    SetAutoProvision,
    SetOperator,
    SetTemplate,
    Shutdown,
    Start,
    Stop,
    UsbUnwatched,
    WatchUsb,
)
from app.provisioning.station import Station
from app.storage import Config, Store
from app.sync import SyncWorker
from app.templates import TemplateError, load_template

log = logging.getLogger(__name__)

SYNC_STOP_S = 5.0


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
        self.notices: list[str] = []
        try:
            port_map = PortMap.load(folder / PORT_MAP_FILE)
        except PortMapError as exc:  # the bench still works, with generated labels
            port_map = PortMap()
            self.notices.append(f"Port map not used: {exc}")
        self.store = Store(folder, recording=True)
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
        )
        self.station.auto_provision = options.auto_provision
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
                station.set_template(load_template(path))
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

    def _watch_usb(self) -> None:
        """Enumerates first (every device already plugged in), so it runs on its own thread."""
        try:
            watcher = self._usb_watcher() if self._usb_watcher is not None else None
            self.station.watch_usb(watcher)
        except UsbError as exc:
            self._tell(UsbUnwatched(str(exc)))

    def _event(self, event: RunEvent) -> None:
        self._recorder.on_event(event)
        self._tell(event)

    def _recorded(self, _event: object) -> None:
        self._tell(RunRecorded())
        if self._sync is not None:
            self._sync.wake()
