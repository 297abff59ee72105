"""The window's engine: commands out, the station's events in, and whether it is running.

`EngineLink` starts the engine process (`app.engine.client`) and offers the window what the
Station offered it in-process: start, stop, retry, set_template, the operator, provision on
plug-in. Calls only queue a command; what the engine refuses comes back as `refused`.
Each batch the engine sends (at most one a frame) arrives on the GUI thread as one queued
signal: run events go to the event bridge, the rest to this link's signals.

If the engine dies, `state` becomes DIED at once (the bench greys out and offers a restart);
`restart()` starts a new engine and replays what the window had told the old one (template,
active order, operator, provision on plug-in, USB watching, devices added by spec).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.core import RunEvent
from app.core.evidence import ScreenMissed, ScreenShot
from app.engine.client import EngineClient
from app.engine.outbox import RUN_EVENTS
from app.engine.protocol import (
    Ack,
    AddEndpoint,
    Admit,
    Batch,
    CannotOpen,
    CaptureScreen,
    Closed,
    Command,
    EngineOptions,
    OrderProgressed,
    PrintLabel,
    Ready,
    ReleaseProgress,
    Retry,
    RunRecorded,
    SetAssetTag,
    SetAutoProvision,
    SetOperator,
    SetOrder,
    SetTemplate,
    Start,
    Stop,
    Taken,
    UsbUnwatched,
    WatchUsb,
)
from app.labels.queue import LabelPrinted, LabelWaiting
from app.sync import SyncStatus
from app.templates import LoadedTemplate
from app.ui.bridge import EventBridge
from app.ui.reason_words import notice_words
from app.ui.tile_view import station_problem_words

log = logging.getLogger(__name__)


class EngineState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"  # the window closes
    STOPPED = "stopped"
    DIED = "died"  # ended without being asked to
    TAKEN = "taken"  # another engine holds the data folder
    CANNOT_OPEN = "cannot-open"  # the store could not be opened


class EngineLink(QObject):
    state_changed = Signal(object)  # EngineState
    refused = Signal(object)  # Ack with its refusal
    label_event = Signal(object)  # LabelPrinted or LabelWaiting: how a label's printing went
    acknowledged = Signal(int, float)  # command number, seconds from send to acknowledgement
    usb_unwatched = Signal(str)
    notice = Signal(str)
    sync_status = Signal(object)  # SyncStatus
    releases = Signal(object)  # tuple[ReleaseStatus, ...]: as a sync cycle or a download says
    run_recorded = Signal()
    order_progressed = Signal(object)  # OrderProgressed: the active order and how far it is
    screen = Signal(object)  # ScreenShot or ScreenMissed: the answer to capture_screen
    restarted = Signal()  # a new engine: the bench starts over from what it reports

    _arrived = Signal(object, object)  # client, Batch (from the reader thread)
    _gone = Signal(object)  # client

    def __init__(
        self, options: EngineOptions, bridge: EventBridge, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.options = options
        self.bridge = bridge
        self.state = EngineState.STOPPED
        self.problem = ""  # why the engine could not run: the holder, or the store's message
        self.pid: int | None = None
        self._client: EngineClient | None = None
        self._sent_at: dict[int, float] = {}
        # What the window told the engine, replayed to a restarted one.
        self._operator: str | None = None
        self._auto_provision = options.auto_provision
        self._template: Path | None = None
        self._order: str | None = None
        self._usb = False
        self._endpoints: dict[str, None] = {}
        self._arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._gone.connect(self._ended, Qt.ConnectionType.QueuedConnection)

    # -- lifecycle

    def start(self) -> None:
        """Start the engine process; `state_changed` says how it went."""
        client = EngineClient(
            replace(self.options, auto_provision=self._auto_provision),
            on_batch=lambda batch: self._arrived.emit(client, batch),
            on_gone=lambda: self._gone.emit(client),
        )
        self._client = client
        self.pid = None
        self._set_state(EngineState.STARTING)
        client.start()
        self.pid = client.pid
        if self._operator is not None:
            self._send(SetOperator(self._operator))
        if self._template is not None:
            self._send(SetTemplate(self._template))
        if self._order is not None:
            self._send(SetOrder(self._order, self._template))
        if self._usb:
            self._send(WatchUsb())
        for spec in self._endpoints:
            self._send(AddEndpoint(spec))

    def restart(self) -> None:
        """After the engine died (or could not start): a new one, the bench starting over."""
        self.restarted.emit()
        self.start()

    def stop(self) -> None:
        """Stop the engine, its runs recorded; blocks, so call it off the GUI thread."""
        client = self._client
        if client is None or self.state in (EngineState.STOPPED, EngineState.DIED):
            return
        self.state = EngineState.STOPPING  # shown by the window as "Stopping…"
        client.stop()

    @property
    def running(self) -> bool:
        return self.state in (EngineState.STARTING, EngineState.RUNNING)

    # -- what the window asks of the station

    @property
    def operator(self) -> str | None:
        return self._operator

    @operator.setter
    def operator(self, name: str) -> None:
        self._operator = name
        self._send(SetOperator(name))

    @property
    def auto_provision(self) -> bool:
        return self._auto_provision

    @auto_provision.setter
    def auto_provision(self, enabled: bool) -> None:
        self._auto_provision = enabled
        self._send(SetAutoProvision(enabled))

    def set_template(self, template: LoadedTemplate) -> None:
        self._template = template.path
        self._send(SetTemplate(template.path))

    def set_order(self, number: str | None, template: LoadedTemplate | None = None) -> int | None:
        """Make runs for order `number` (None: no order) with `template` (None: the one set)."""
        self._order = number
        if template is not None:
            self._template = template.path
        return self._send(SetOrder(number, template.path if template is not None else None))

    def print_label(self, endpoint: str) -> int | None:
        """Queue the label of the device's last done run for the station's label printer."""
        return self._send(PrintLabel(endpoint))

    def capture_screen(self, endpoint: str) -> int | None:
        """Ask for a look at the device's screen; `screen` brings it, or why there is none."""
        return self._send(CaptureScreen(endpoint))

    def admit(self, endpoint: str) -> int | None:
        """An admin lets this held-back device in: it runs under the active order."""
        return self._send(Admit(endpoint))

    def watch_usb(self) -> None:
        self._usb = True
        self._send(WatchUsb())

    def add_endpoint(self, spec: str) -> None:
        self._endpoints[spec] = None
        self._send(AddEndpoint(spec))

    def set_asset_tag(self, endpoint: str, tag: str) -> int | None:
        return self._send(SetAssetTag(endpoint, tag))

    def start_runs(self, endpoints: list[str] | None = None, *, force: bool = False) -> int | None:
        return self._send(Start(tuple(endpoints) if endpoints else None, force))

    def stop_runs(self, endpoints: list[str] | None = None) -> int | None:
        return self._send(Stop(tuple(endpoints) if endpoints else None))

    def retry(self, endpoint: str, *, from_failed_step: bool = True) -> int | None:
        return self._send(Retry(endpoint, from_failed_step))

    # -- internals

    def _send(self, command: Command) -> int | None:
        """The command's number, or None when no engine runs to take it."""
        if self._client is None or not self.running:
            return None
        number = self._client.send(command)
        self._sent_at[number] = time.perf_counter()
        return number

    def _set_state(self, state: EngineState) -> None:
        self.state = state
        self.state_changed.emit(state)

    @Slot(object, object)
    def _deliver(self, client: EngineClient, batch: Batch) -> None:
        if client is not self._client:
            return  # a late word from an engine already replaced
        events: list[RunEvent] = []
        for item in batch.items:
            if isinstance(item, RUN_EVENTS):
                events.append(item)
            else:
                self._handle(item)
        if events:
            self.bridge.deliver(events)

    def _handle(self, item: object) -> None:
        match item:
            case Ack(number, refusal):
                sent = self._sent_at.pop(number, None)
                if sent is not None:
                    self.acknowledged.emit(number, time.perf_counter() - sent)
                if refusal is not None:
                    self.refused.emit(item)
            case Ready(pid, _recovered, notices):
                self.pid = pid
                if self.state is EngineState.STARTING:
                    self._set_state(EngineState.RUNNING)
                for notice in notices:
                    self.notice.emit(notice_words(notice))
            case Taken(folder, holder):
                self.problem = self.tr("{folder} is in use by {holder}").format(
                    folder=folder, holder=holder
                )
                self._set_state(EngineState.TAKEN)
            case CannotOpen(message, problem):  # the station's storage, worded here; else
                self.problem = station_problem_words(problem) if problem else message  # as said
                self._set_state(EngineState.CANNOT_OPEN)
            case UsbUnwatched(reason):
                self.usb_unwatched.emit(reason)
            case RunRecorded():
                self.run_recorded.emit()
            case OrderProgressed():
                self.order_progressed.emit(item)
            case SyncStatus():
                self.sync_status.emit(item)
                if item.releases:
                    self.releases.emit(item.releases)
            case ReleaseProgress(releases):
                self.releases.emit(releases)
            case LabelPrinted() | LabelWaiting():
                self.label_event.emit(item)
            case ScreenShot() | ScreenMissed():
                self.screen.emit(item)
            case Closed():
                pass  # the end of the connection follows

    @Slot(object)
    def _ended(self, client: EngineClient) -> None:
        if client is not self._client:
            return
        self._sent_at.clear()
        if self.state is EngineState.STOPPING:
            self._set_state(EngineState.STOPPED)
        elif self.state in (EngineState.STARTING, EngineState.RUNNING):
            log.error("the station engine (pid %s) ended unexpectedly", self.pid)
            self._set_state(EngineState.DIED)
