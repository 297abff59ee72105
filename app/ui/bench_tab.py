"""The bench: a toolbar, one tile per device, and the selected device's details.

Every action is a command to the station engine (the same Station the CLI drives, in its
own process); the tab only turns clicks, keys and scans into those commands and shows what
the engine reports. When the engine is not running, a cover greys out every tile and says
what to do. Its parts are their own widgets: the toolbar (`bench_toolbar`), the counters
(`bench_counters`), the kitting order (`bench_orders`), what needs someone (`needs_you`),
the tiles (`tile_grid`) and the details (`details_panel`); this module puts them together.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from app.core import Blocked, DeviceChanged, DeviceState, StationProblem
from app.engine.protocol import Ack
from app.labels.queue import LabelPrinted, LabelWaiting
from app.storage import Store
from app.ui.admin_lock import Guard, run_now
from app.ui.barcode import BarcodeWedge
from app.ui.bench_counters import BenchCounters, SyncLabel
from app.ui.bench_orders import BenchOrders
from app.ui.bench_toolbar import BenchToolbar
from app.ui.bench_words import label_words, refusal_words
from app.ui.bridge import EventBridge
from app.ui.details_panel import DetailsPanel
from app.ui.device_model import DeviceModel
from app.ui.engine_cover import EngineCover
from app.ui.engine_link import EngineLink, EngineState
from app.ui.needs_you import NeedsYouStrip, need_of, needs_by_kind
from app.ui.scrolling import VerticalScroll
from app.ui.taskman import TaskManager
from app.ui.template_library import TemplateEntry, TemplateLibrary
from app.ui.tile_grid import TileGrid
from app.ui.tile_view import Tile, station_problem_words
from app.ui.tiles import TileDelegate

TICK_MS = 250
COUNT_EVERY_MS = 250  # the counters and "needs you" after a batch: people read no faster


class BenchTab(QWidget):
    template_chosen = Signal(object)  # TemplateEntry
    operator_changed = Signal(str)
    asset_tag_scanned = Signal(str, str)  # endpoint, tag
    message = Signal(str)  # for the status bar

    def __init__(
        self,
        engine: EngineLink,
        model: DeviceModel,
        bridge: EventBridge,
        library: TemplateLibrary,
        parent: QWidget | None = None,
        *,
        store: Store | None = None,
        tasks: TaskManager | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.admin_guard: Guard = run_now  # the window's admin lock, once installed
        self._station_problem: StationProblem | None = None  # the last one shown
        self.model = model
        self.library = library
        self._ticks = 0
        self._counting = QTimer(self)  # at most one count per COUNT_EVERY_MS, not per batch
        self._counting.setSingleShot(True)
        self._counting.setInterval(COUNT_EVERY_MS)
        self._counting.timeout.connect(self.update_counters)

        self.toolbar = BenchToolbar()
        self.counters = BenchCounters()
        self.sync = SyncLabel()
        self.orders = BenchOrders(
            engine, model, library, self.toolbar, self.selected_endpoints, self,
            store=store, tasks=tasks,
        )  # fmt: skip
        # Two rows, each narrower than a 1366-pixel laptop screen in every language: the
        # toolbar with the sync state (elided), the order (its own row: its progress is read
        # from afar) with the counters.
        toolbar_row = QHBoxLayout()
        toolbar_row.addWidget(self.toolbar)
        toolbar_row.addStretch(1)
        toolbar_row.addWidget(self.sync)
        order_row = QHBoxLayout()
        order_row.addWidget(self.orders.order_bar)
        order_row.addStretch(1)
        order_row.addWidget(self.counters)

        self.template_errors = QLabel()
        self.template_errors.setWordWrap(True)
        self.template_errors.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.template_errors.setStyleSheet(
            "background: #D55E00; color: white; font-size: 14px; padding: 6px; border-radius: 4px;"
        )
        self.template_errors.hide()

        self.delegate = TileDelegate(self)
        self.view = TileGrid(self.delegate)
        self.view.setModel(model)
        self.needs_you = NeedsYouStrip()  # the tiles that wait for a person, and what to do
        self.empty_hint = QLabel(self.tr("Plug in a device: its tile appears here."))
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setStyleSheet("font-size: 22px; color: gray;")
        self.details = DetailsPanel(tasks=tasks)
        self.splitter = QSplitter()
        tiles_area = QWidget()
        tiles_layout = QVBoxLayout(tiles_area)
        tiles_layout.setContentsMargins(0, 0, 0, 0)
        tiles_layout.addWidget(self.empty_hint)
        tiles_layout.addWidget(self.view, 1)
        self.engine_cover = EngineCover(tiles_area)
        self.splitter.addWidget(tiles_area)
        self.splitter.addWidget(VerticalScroll(self.details))  # a laptop's height is enough
        self.splitter.setStretchFactor(0, 1)  # a wider window widens the tiles, not the details
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([900, 360])

        layout = QVBoxLayout(self)
        layout.addLayout(toolbar_row)
        layout.addLayout(order_row)
        layout.addWidget(self.template_errors)
        layout.addWidget(self.orders.notice)
        layout.addWidget(self.orders.held_back)
        layout.addWidget(self.needs_you)
        layout.addWidget(self.splitter, 1)

        self.wedge = BarcodeWedge(self._scanned, self)
        self.view.installEventFilter(self.wedge)

        toolbar = self.toolbar
        toolbar.template_picker.currentIndexChanged.connect(self._template_picked)
        toolbar.start_button.clicked.connect(self.start)
        toolbar.stop_button.clicked.connect(self.stop)
        toolbar.auto_provision.toggled.connect(self._auto_provision_toggled)
        toolbar.operator.editingFinished.connect(
            lambda: self.operator_changed.emit(toolbar.operator.text().strip())
        )
        self.delegate.retry_clicked.connect(self.retry)
        self.details.retry_requested.connect(self.retry)
        self.details.force_requested.connect(self.force)
        self.details.stop_requested.connect(lambda endpoint: self.engine.stop_runs([endpoint]))
        self.details.print_label_requested.connect(self.engine.print_label)
        self.details.screen_requested.connect(self.engine.capture_screen)
        engine.screen.connect(self.details.show_screen)
        engine.label_event.connect(self._label_event)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        model.dataChanged.connect(self._tile_changed)
        model.rowsInserted.connect(self._rows_changed)
        model.modelReset.connect(self._model_reset)
        bridge.log_line.connect(self.details.append_log)
        bridge.batch_done.connect(self._count_soon)
        bridge.device_changed.connect(self._device_changed)
        library.changed.connect(self._library_changed)
        engine.refused.connect(self._refused)
        engine.state_changed.connect(self._engine_state_changed)
        self.engine_cover.restart_requested.connect(engine.restart)
        self.orders.message.connect(self.message)
        self.orders.admit_button.clicked.connect(self._ask_admit)

        self._add_action(self.tr("Start"), "F5", self.start)
        self._add_action(self.tr("Start (alt)"), "Ctrl+Return", self.start)
        self._add_action(self.tr("Stop"), "Shift+F5", self.stop)
        self._add_action(self.tr("Retry selected"), "F8", self._retry_selected)
        self._add_action(self.tr("Force re-run selected"), "Ctrl+Shift+F5", self._force_selected)
        self._add_action(self.tr("Provision on plug-in"), "F9", toolbar.auto_provision.toggle)
        self._add_action(self.tr("Pick template"), "Ctrl+T", self._pick_template)
        self._add_action(self.tr("Show what needs you"), "F6", self.needs_you.toggle)
        self.needs_you.filter_changed.connect(self._needs_filter_changed)

        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self._rows_changed()
        self.update_counters()
        self._library_changed()
        self._engine_state_changed(engine.state)
        self.orders.reload()

    # -- actions

    def start(self) -> None:
        entry = self.current_entry()
        if entry is None or not entry.valid:
            return
        selected = self.selected_endpoints()
        self.engine.start_runs(selected or None)

    def stop(self) -> None:
        self.engine.stop_runs(self.selected_endpoints() or None)

    def retry(self, endpoint: str) -> None:
        self.engine.retry(endpoint, from_failed_step=True)

    def force(self, endpoint: str) -> None:
        self._force([endpoint])

    def _force(self, endpoints: list[str]) -> None:
        """Run again even where the device says it is done: an admin's decision."""

        def run() -> None:
            for endpoint in endpoints:
                self.engine.start_runs([endpoint], force=True)

        self.admin_guard(run, self.tr("Force re-run"))

    def _ask_admit(self) -> None:
        self.admin_guard(self.orders.confirm_admit, self.tr("Let selected in (admin)…"))

    def _device_changed(self, event: DeviceChanged) -> None:
        """A problem of the station itself (it cannot record runs) goes to the status bar too:
        it concerns every device, not the one tile it stopped."""
        status = event.device.status
        if isinstance(status, Blocked) and status.problem != self._station_problem:
            self._station_problem = status.problem
            self.message.emit(station_problem_words(status.problem))
        elif event.device.state is DeviceState.PROVISIONING:
            self._station_problem = None  # runs start again: say it again when it comes back

    def _label_event(self, event: LabelPrinted | LabelWaiting) -> None:
        waiting = isinstance(event, LabelWaiting)
        self.model.set_label_waiting(event.serial, label_words(event) if waiting else None)
        self.message.emit(label_words(event))

    def _refused(self, ack: Ack) -> None:
        """Commands only queue work; one the engine refuses (no template, a device gone)."""
        self.message.emit(refusal_words(ack))
        self.orders.refused(ack)

    def _engine_state_changed(self, state: EngineState) -> None:
        self.engine_cover.show_state(state, self.engine.problem)
        running = self.engine.running
        self.toolbar.stop_button.setEnabled(running)
        self.toolbar.start_button.setEnabled(running and self._template_valid())

    def selected_endpoints(self) -> list[str]:
        tiles = (
            self.model.tile_at(index) for index in self.view.selectionModel().selectedIndexes()
        )
        return [tile.endpoint for tile in tiles if tile is not None]

    def select(self, endpoint: str) -> None:
        index = self.model.index_of(endpoint)
        self.view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.setCurrentIndex(index)

    def current_entry(self) -> TemplateEntry | None:
        return self.library.entry(self.toolbar.template_key())

    def update_counters(self) -> None:
        self.counters.show_counts(self.model.counters(), self.model.devices_per_hour())
        self.needs_you.show_needs(needs_by_kind(self.model.tiles()))
        self.orders.update_held_back()

    def _count_soon(self) -> None:
        """A batch of events arrived (60 a second with 256 devices at work): count them all,
        and what needs someone, once the next COUNT_EVERY_MS has passed."""
        if not self._counting.isActive():
            self._counting.start()

    def _needs_filter_changed(self, needs) -> None:
        """Show only the tiles waiting for one of `needs` (None: every tile)."""
        self.view.set_filter(None if needs is None else lambda tile: need_of(tile) in needs)

    # -- internals

    def _add_action(self, text: str, keys: str, slot) -> None:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)

    def _library_changed(self) -> None:
        self.toolbar.show_templates(self.library.entries)
        self._template_picked()
        self.orders.choose_pending()

    def _template_valid(self) -> bool:
        entry = self.current_entry()
        return entry is not None and entry.valid

    def _template_picked(self) -> None:
        entry = self.current_entry()
        valid = entry is not None and entry.valid
        self.toolbar.start_button.setEnabled(valid and self.engine.running)
        if entry is None:
            self.template_errors.setText(self.tr("No template: add one on the Templates tab."))
            self.template_errors.setVisible(not self.library.entries)
        elif not entry.valid:
            self.template_errors.setText(
                self.tr("This template is invalid and cannot be started:\n{errors}").format(
                    errors=entry.errors
                )
            )
            self.template_errors.show()
        else:
            self.template_errors.hide()
        if entry is not None:
            self.template_chosen.emit(entry)

    def _auto_provision_toggled(self, enabled: bool) -> None:
        self.engine.auto_provision = enabled

    def _selection_changed(self) -> None:
        self.orders.update_held_back()
        index = self.view.currentIndex()
        selected = self.view.selectionModel().selectedIndexes()
        tile = self.model.tile_at(index) if index.isValid() and index in selected else None
        if tile is None and selected:
            tile = self.model.tile_at(selected[0])
        self.details.show_tile(tile)

    def _tile_changed(self, top: QModelIndex, _bottom: QModelIndex, _roles=()) -> None:
        tile = self.model.tile_at(top)
        if tile is not None and tile is self.details.tile:
            self.details.refresh()

    def _model_reset(self) -> None:
        self.details.show_tile(None)
        self._rows_changed()

    def _rows_changed(self, *_args) -> None:
        empty = self.model.rowCount() == 0
        self.empty_hint.setVisible(empty)
        self.view.setVisible(not empty)
        self.update_counters()

    def _tick(self) -> None:
        """Flash failed tiles; once a second, advance elapsed times on running tiles."""
        self._ticks += 1
        now = time.monotonic()
        every_second = self._ticks % (1000 // TICK_MS) == 0
        due: list[str] = []
        for tile in self.model.tiles():
            if tile.flash_until > now - TICK_MS / 1000 or (every_second and tile.running):
                due.append(tile.endpoint)
        self.model.refresh(due)
        if every_second:
            self.update_counters()
            if self.details.tile is not None:
                self.details.refresh()

    def _scanned(self, code: str) -> None:
        endpoints = self.selected_endpoints()
        if len(endpoints) != 1:
            return
        endpoint = endpoints[0]
        self.model.set_asset_tag(endpoint, code)
        self.asset_tag_scanned.emit(endpoint, code)

    def _retry_selected(self) -> None:
        for endpoint in self.selected_endpoints():
            tile: Tile | None = self.model.tile(endpoint)
            if tile is not None and tile.state == DeviceState.FAILED:
                self.retry(endpoint)

    def _force_selected(self) -> None:
        endpoints = self.selected_endpoints()
        if endpoints:
            self._force(endpoints)

    def _pick_template(self) -> None:
        self.admin_guard(self.toolbar.template_picker.showPopup, self.tr("Choose the template"))
