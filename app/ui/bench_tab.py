"""The bench: a toolbar, one tile per device, and the selected device's details.

Every action is a command to the station engine (the same Station the CLI drives, in its
own process); the tab only turns clicks, keys and scans into those commands and shows what
the engine reports. When the engine is not running, a cover greys out every tile and says
what to do.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QDateTime,
    QItemSelectionModel,
    QLocale,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core import Blocked, DeviceChanged, DeviceState, NotOnOrder, StationProblem
from app.core.orders import Order, OrderState
from app.engine.protocol import Ack, OrderProgressed, Refusal
from app.labels.printer import PrinterError, problem_words
from app.labels.queue import LabelPrinted, LabelWaiting
from app.storage import Store
from app.sync import SyncState, SyncStatus
from app.ui.admin_lock import Guard, run_now
from app.ui.barcode import BarcodeWedge
from app.ui.bridge import EventBridge
from app.ui.details_panel import DetailsPanel
from app.ui.device_model import DeviceModel
from app.ui.engine_cover import EngineCover
from app.ui.engine_link import EngineLink, EngineState
from app.ui.needs_you import NeedsYouStrip, need_of, needs_by_kind
from app.ui.order_bar import (
    OrderBar,
    completion_words,
    order_template_words,
    template_for,
    write_manifest,
)
from app.ui.taskman import TaskManager
from app.ui.template_library import TemplateEntry, TemplateLibrary
from app.ui.tile_grid import TileGrid
from app.ui.tile_view import Tile, station_problem_words
from app.ui.tiles import TileDelegate

TICK_MS = 250
COUNT_EVERY_MS = 250  # the counters and "needs you" after a batch: people read no faster
NOTICE_STYLE = "font-size: 16px; padding: 8px; border-radius: 4px; color: white; background: {};"
COMPLETE_COLOUR = "#009E73"
HELD_BACK_COLOUR = "#CC79A7"


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
        self.store, self.tasks = store, tasks  # the orders and manifests read from it
        self._pending_order: str | None = None  # to choose once the templates are read
        self._station_problem: StationProblem | None = None  # the last one shown
        self.model = model
        self.library = library
        self._ticks = 0
        self._counting = QTimer(self)  # at most one count per COUNT_EVERY_MS, not per batch
        self._counting.setSingleShot(True)
        self._counting.setInterval(COUNT_EVERY_MS)
        self._counting.timeout.connect(self.update_counters)

        self.template_picker = QComboBox()
        self.template_picker.setMinimumWidth(220)
        self.template_picker.setToolTip(self.tr("Template to apply (Ctrl+T)"))
        self.start_button = QPushButton(self.tr("▶ Start"))
        self.start_button.setToolTip(self.tr("Start the selected devices, or all ready ones (F5)"))
        self.stop_button = QPushButton(self.tr("■ Stop"))
        self.stop_button.setToolTip(self.tr("Stop the selected devices, or all (Shift+F5)"))
        self.auto_provision = QCheckBox(self.tr("Provision on plug-in"))
        self.auto_provision.setToolTip(self.tr("Start each device as soon as it is ready (F9)"))
        self.operator = QLineEdit()
        self.operator.setPlaceholderText(self.tr("Operator"))
        self.operator.setMaximumWidth(160)
        self.sync_label = QLabel(self.tr("sync: —"))
        self.counters = QLabel()
        self.rate = QLabel()
        for widget in (self.start_button, self.stop_button):
            widget.setMinimumHeight(36)
            font = widget.font()
            font.setPixelSize(16)
            font.setBold(True)
            widget.setFont(font)
        self.order_bar = OrderBar()
        order_row = QHBoxLayout()  # its own row: the order's progress is read from afar
        order_row.addWidget(self.order_bar)
        order_row.addStretch(1)
        toolbar = QHBoxLayout()
        toolbar.addWidget(QLabel(self.tr("Template")))
        toolbar.addWidget(self.template_picker)
        toolbar.addWidget(self.start_button)
        toolbar.addWidget(self.stop_button)
        toolbar.addWidget(self.auto_provision)
        toolbar.addWidget(self.operator)
        toolbar.addStretch(1)
        for label in (self.counters, self.rate, self.sync_label):
            label.setStyleSheet("font-size: 15px; padding: 0 6px;")
            toolbar.addWidget(label)

        self.template_errors = QLabel()
        self.template_errors.setWordWrap(True)
        self.template_errors.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.template_errors.setStyleSheet(
            "background: #D55E00; color: white; font-size: 14px; padding: 6px; border-radius: 4px;"
        )
        self.template_errors.hide()
        self.order_notice = QLabel()  # the active order is complete
        self.order_notice.setWordWrap(True)
        self.order_notice.setStyleSheet(NOTICE_STYLE.format(COMPLETE_COLOUR))
        self.order_notice.hide()
        self.held_back = QWidget()  # devices the order does not expect, and the admin's way in
        self.held_back_words = QLabel()
        self.held_back_words.setWordWrap(True)
        self.admit_button = QPushButton(self.tr("Let selected in (admin)…"))
        self.admit_button.setToolTip(self.tr("Run the selected held-back devices under this order"))
        self.held_back.setStyleSheet(f"QWidget {{ background: {HELD_BACK_COLOUR}; }}")
        self.held_back_words.setStyleSheet("color: white; font-size: 16px; padding: 6px;")
        self.admit_button.setStyleSheet("background: white; font-size: 14px; padding: 4px 10px;")
        held_back_layout = QHBoxLayout(self.held_back)
        held_back_layout.setContentsMargins(4, 2, 4, 2)
        held_back_layout.addWidget(self.held_back_words, 1)
        held_back_layout.addWidget(self.admit_button)
        self.held_back.hide()

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
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 1)  # a wider window widens the tiles, not the details
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([900, 360])

        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addLayout(order_row)
        layout.addWidget(self.template_errors)
        layout.addWidget(self.order_notice)
        layout.addWidget(self.held_back)
        layout.addWidget(self.needs_you)
        layout.addWidget(self.splitter, 1)

        self.wedge = BarcodeWedge(self._scanned, self)
        self.view.installEventFilter(self.wedge)

        self.template_picker.currentIndexChanged.connect(self._template_picked)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.auto_provision.toggled.connect(self._auto_provision_toggled)
        self.operator.editingFinished.connect(
            lambda: self.operator_changed.emit(self.operator.text().strip())
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
        engine.order_progressed.connect(self._order_progressed)
        self.order_bar.order_chosen.connect(self._order_chosen)
        self.order_bar.manifest_requested.connect(self._ask_manifest)
        self.order_bar.picker.opening.connect(lambda: self.reload_orders())
        self.admit_button.clicked.connect(self._ask_admit)

        self._add_action(self.tr("Start"), "F5", self.start)
        self._add_action(self.tr("Start (alt)"), "Ctrl+Return", self.start)
        self._add_action(self.tr("Stop"), "Shift+F5", self.stop)
        self._add_action(self.tr("Retry selected"), "F8", self._retry_selected)
        self._add_action(self.tr("Force re-run selected"), "Ctrl+Shift+F5", self._force_selected)
        self._add_action(self.tr("Provision on plug-in"), "F9", self.auto_provision.toggle)
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
        self.reload_orders()

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

    # -- kitting orders

    def reload_orders(self, then_choose: str | None = None) -> None:
        """Read the station's orders again (off the GUI thread) into the order picker; then
        choose order `then_choose`, once the template library has its templates."""
        if self.store is None or self.tasks is None:
            return

        def read(orders: list[Order]) -> None:
            self.order_bar.set_orders(orders)
            self._pending_order = then_choose
            self._choose_pending_order()

        self.tasks.run_in_background(self.store.orders, read, label=self.tr("Reading the orders"))

    def _choose_pending_order(self) -> None:
        if self._pending_order is not None and self.library.entries:
            self.order_bar.choose(self._pending_order)
            self._pending_order = None

    def held_back_endpoints(self, selected_only: bool = True) -> list[str]:
        endpoints = self.selected_endpoints() if selected_only else None
        return [
            tile.endpoint
            for tile in self.model.tiles()
            if isinstance(tile.info.status, NotOnOrder)
            and (endpoints is None or tile.endpoint in endpoints)
        ]

    def admit(self, endpoints: list[str]) -> None:
        """Let these held-back devices run under the active order (an admin's decision)."""
        for endpoint in endpoints:
            self.engine.admit(endpoint)

    def write_manifest(self, number: str, pdf: Path) -> None:
        """The order's manifest as `pdf` and a CSV beside it, written off the GUI thread."""
        if self.store is None or self.tasks is None:
            return
        store, tasks = self.store, self.tasks
        label = self.tr("Writing the manifest of order {number}").format(number=number)

        def done(written: tuple[Path, Path, int]) -> None:
            pdf_path, csv_path, count = written
            self.message.emit(
                self.tr("Manifest of {number}: %n device(s) in {pdf} and {csv}", "", count).format(
                    number=number, pdf=pdf_path.name, csv=csv_path.name
                )
            )

        tasks.run_in_background(
            lambda: write_manifest(store, number, pdf),
            done,
            on_failure=lambda error: tasks.report(label, error, lost_input=True),
            label=label,
        )

    def _order_chosen(self, order: Order | None) -> None:
        """The order decides the template (its pinned version, else its newest); the engine
        gets both at once, so it never sees the new template under the old order."""
        if order is None:
            self.engine.set_order(None)
            self.template_picker.setEnabled(True)
            self.template_picker.setToolTip(self.tr("Template to apply (Ctrl+T)"))
            return
        if not order.template_name:
            self.engine.set_order(order.number)
            self.template_picker.setEnabled(True)
            return
        entry = template_for(order, self.library.entries)
        if entry is None:
            self.message.emit(
                self.tr(
                    "Order {number} runs {template}, which is not in the template folder"
                ).format(number=order.number, template=order_template_words(order))
            )
            self.order_bar.revert()
            return
        self.engine.set_order(order.number, entry.loaded)
        self.select_template(entry.key)
        self.template_picker.setEnabled(False)
        self.template_picker.setToolTip(
            self.tr(
                "Order {number} runs {template}; choose “No order” to pick another template"
            ).format(number=order.number, template=order_template_words(order))
        )

    def _order_progressed(self, said: OrderProgressed) -> None:
        order, progress = said.order, said.progress
        self.order_bar.show_progress(order, progress)
        complete = order is not None and order.state is OrderState.COMPLETE
        if order is not None and complete:
            self.order_notice.setText(completion_words(order, progress))
        self.order_notice.setVisible(complete)
        if order is not None and said.completed_now:
            self.message.emit(self.tr("Order {number} is complete").format(number=order.number))
        if order is None:
            self.template_picker.setEnabled(True)
        self._update_held_back()

    def _update_held_back(self) -> None:
        held = self.held_back_endpoints(selected_only=False)
        order = self.order_bar.active
        if not held or order is None:
            self.held_back.hide()
            return
        self.held_back_words.setText(
            self.tr(
                "⚠ %n device(s) not on order {order} and will not be provisioned. "
                "An admin may let a selected one in.",
                "",
                len(held),
            ).format(order=order.number)
        )
        self.admit_button.setEnabled(bool(self.held_back_endpoints()))
        self.held_back.show()

    def _ask_admit(self) -> None:
        self.admin_guard(self._confirm_admit, self.tr("Let selected in (admin)…"))

    def _confirm_admit(self) -> None:
        endpoints = self.held_back_endpoints()
        order = self.order_bar.active
        if not endpoints or order is None:
            return
        labels = ", ".join(
            tile.label or tile.endpoint for tile in self.model.tiles() if tile.endpoint in endpoints
        )
        answer = QMessageBox.question(
            self,
            self.tr("Let devices in"),
            self.tr(
                "{devices}: not on order {order}'s expected list.\n\n"
                "Provision under order {order} anyway? This is an admin's decision."
            ).format(devices=labels, order=order.number),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.admit(endpoints)

    def _ask_manifest(self, number: str) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Manifest of order {number}").format(number=number),
            f"manifest-{number}.pdf",
            "PDF (*.pdf)",
        )
        if path:
            pdf = Path(path)
            self.write_manifest(number, pdf if pdf.suffix else pdf.with_suffix(".pdf"))

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
        if ack.refusal in (Refusal.NO_ORDER, Refusal.ORDER_CLOSED, Refusal.ORDER_TEMPLATE):
            self.order_bar.revert()
            if self.order_bar.active is None:
                self.template_picker.setEnabled(True)

    def _engine_state_changed(self, state: EngineState) -> None:
        self.engine_cover.show_state(state, self.engine.problem)
        running = self.engine.running
        self.stop_button.setEnabled(running)
        self.start_button.setEnabled(running and self._template_valid())

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
        return self.library.entry(self.template_picker.currentData() or "")

    def select_template(self, key: str) -> None:
        index = self.template_picker.findData(key)
        if index >= 0:
            self.template_picker.setCurrentIndex(index)

    def set_sync_status(self, text: str) -> None:
        self.sync_label.setText(text)

    def update_counters(self) -> None:
        counts = self.model.counters()
        number = QLocale().toString
        self.counters.setText(
            self.tr(
                "✓ {done} done   ✗ {failed} failed   ⊘ {refused} refused   ▶ {working} in progress"
            ).format(
                done=number(counts["done"]),
                failed=number(counts["failed"]),
                refused=number(counts["refused"]),
                working=number(counts["provisioning"]),
            )
        )
        rate = round(self.model.devices_per_hour())
        self.rate.setText(self.tr("{rate} / hour").format(rate=number(rate)))
        self.needs_you.show_needs(needs_by_kind(self.model.tiles()))
        self._update_held_back()

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
        current = self.template_picker.currentData()
        self.template_picker.blockSignals(True)
        self.template_picker.clear()
        for entry in self.library.entries:
            prefix = "" if entry.valid else "⚠ "
            suffix = self.tr("  (backend)") if entry.source == "backend" else ""
            self.template_picker.addItem(prefix + entry.title + suffix, entry.key)
        self.template_picker.blockSignals(False)
        if current is not None and self.template_picker.findData(current) >= 0:
            self.select_template(current)
        self._template_picked()
        self._choose_pending_order()

    def _template_valid(self) -> bool:
        entry = self.current_entry()
        return entry is not None and entry.valid

    def _template_picked(self) -> None:
        entry = self.current_entry()
        valid = entry is not None and entry.valid
        self.start_button.setEnabled(valid and self.engine.running)
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
        self._update_held_back()
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
        self.admin_guard(self.template_picker.showPopup, self.tr("Choose the template"))


def sync_words(status: SyncStatus) -> str:
    """The sync state for the toolbar: "sync: synced", "sync: offline since 14:02 · 3 waiting"."""
    if status.state is SyncState.SYNCED:
        words = QCoreApplication.translate("BenchTab", "synced")
    elif status.state is SyncState.OFFLINE and status.offline_since:
        since = QDateTime.fromSecsSinceEpoch(int(status.offline_since.timestamp()))
        words = QCoreApplication.translate(
            "BenchTab", "offline since {time} · {count} waiting to sync"
        ).format(
            time=QLocale().toString(since.time(), QLocale.FormatType.ShortFormat),
            count=QLocale().toString(status.waiting),
        )
    elif status.state is SyncState.WAITING:
        words = QCoreApplication.translate("BenchTab", "{count} waiting to sync").format(
            count=QLocale().toString(status.waiting)
        )
    else:  # the backend's or the network's own words
        words = QCoreApplication.translate("BenchTab", "sync error: {problem}").format(
            problem=status.message
        )
    return QCoreApplication.translate("BenchTab", "sync: {status}").format(status=words)


def label_words(event: LabelPrinted | LabelWaiting) -> str:
    """How a label's printing went, for the status bar."""
    if isinstance(event, LabelPrinted):
        return QCoreApplication.translate(
            "BenchTab", "Label for {serial} printed on {printer}"
        ).format(serial=event.serial, printer=event.target)
    printer = problem_words(PrinterError(event.problem, event.target, event.detail))
    return QCoreApplication.translate(
        "BenchTab",
        "Label for {serial} not printed: {problem}. It stays queued (labels waiting: {queued}) "
        "and is tried again in {seconds} s",
    ).format(
        serial=event.serial,
        problem=printer,
        queued=QLocale().toString(event.queued),
        seconds=QLocale().toString(round(event.retry_in_s)),
    )


def refusal_words(ack: Ack) -> str:
    """What the status bar says when the engine would not do what was asked."""
    if ack.refusal is Refusal.NO_TEMPLATE:
        return QCoreApplication.translate("BenchTab", "choose a template before starting")
    if ack.refusal is Refusal.NO_PRINTER:
        return QCoreApplication.translate(
            "BenchTab",
            "no label printer is set: kitbench config set label.printer zpl://HOST:9100",
        )
    if ack.refusal is Refusal.NOT_DONE:
        return QCoreApplication.translate(
            "BenchTab", "{device} has no done run to print a label for"
        ).format(device=ack.detail)
    if ack.refusal is Refusal.NOT_WATCHED:
        return QCoreApplication.translate("BenchTab", "{device} is no longer connected").format(
            device=ack.detail
        )
    if ack.refusal is Refusal.BAD_TEMPLATE:
        return QCoreApplication.translate(
            "BenchTab", "the template cannot be used: {problem}"
        ).format(problem=ack.detail)
    if ack.refusal is Refusal.NO_ORDER:
        return QCoreApplication.translate(
            "BenchTab", "there is no order {order} on this station"
        ).format(order=ack.detail)
    if ack.refusal is Refusal.ORDER_CLOSED:
        return QCoreApplication.translate(
            "BenchTab", "order {order} is closed: it takes no more devices"
        ).format(order=ack.detail)
    if ack.refusal is Refusal.ORDER_TEMPLATE:
        return QCoreApplication.translate(
            "BenchTab", "the order runs another template (order {order})"
        ).format(order=ack.detail)
    return ack.detail
