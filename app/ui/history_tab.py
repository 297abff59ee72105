"""History: every run in the station's database, filtered, paged lazily, exported as CSV
or as a reseller portal's upload file (zero-touch, Knox, Esper: docs/exports.md).

The table model asks the store for one keyset page at a time through the task manager
(`canFetchMore`/`fetchMore`), so the first rows show at once even with 100,000 runs
and the GUI thread never waits on the disk. A page that cannot be read says so in the
tab; an export that fails says so in a dialog (the file asked for was not written).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QDateTime,
    QItemSelectionModel,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core import StepStatus
from app.storage import Cursor, RunFilter, Store, page_cursor
from app.storage.exports import ExportFormat, ExportProblem, ExportResult, ProblemKind
from app.ui.details_panel import IDENTITY_FIELDS, field_label, identity_values
from app.ui.language import QT_TRANSLATE_NOOP
from app.ui.reason_words import reason_words
from app.ui.taskman import TaskManager, describe
from app.ui.tile_view import step_status_words

PAGE_SIZE = 200
COLUMNS = (  # (key, header: translated where shown)
    ("started_at", QT_TRANSLATE_NOOP("HistoryModel", "Started")),
    ("slot", QT_TRANSLATE_NOOP("HistoryModel", "Slot")),
    ("serial", QT_TRANSLATE_NOOP("HistoryModel", "Serial")),
    ("model", QT_TRANSLATE_NOOP("HistoryModel", "Model")),
    ("device_name", QT_TRANSLATE_NOOP("HistoryModel", "Device name")),  # as the run gave it
    ("imei", QT_TRANSLATE_NOOP("HistoryModel", "IMEI")),
    ("wifi_mac", QT_TRANSLATE_NOOP("HistoryModel", "Wi-Fi MAC")),
    ("template", QT_TRANSLATE_NOOP("HistoryModel", "Template")),
    ("result", QT_TRANSLATE_NOOP("HistoryModel", "Result")),
    ("duration", QT_TRANSLATE_NOOP("HistoryModel", "Time")),
    ("operator", QT_TRANSLATE_NOOP("HistoryModel", "Operator")),
    ("asset_tag", QT_TRANSLATE_NOOP("HistoryModel", "Asset tag")),
    ("error", QT_TRANSLATE_NOOP("HistoryModel", "Error")),
)
EXPORTS = (  # (menu entry: translated where shown, format, suggested file name)
    (QT_TRANSLATE_NOOP("HistoryTab", "Zero-touch CSV (Google)…"), ExportFormat.ZERO_TOUCH,
     "zero-touch.csv"),
    (QT_TRANSLATE_NOOP("HistoryTab", "Knox Mobile Enrollment CSV (Samsung)…"), ExportFormat.KME,
     "knox.csv"),
    (QT_TRANSLATE_NOOP("HistoryTab", "Esper CSV…"), ExportFormat.ESPER, "esper.csv"),
    (QT_TRANSLATE_NOOP("HistoryTab", "Asset register CSV…"), ExportFormat.CSV, "devices.csv"),
    (QT_TRANSLATE_NOOP("HistoryTab", "Asset register JSON…"), ExportFormat.JSON, "devices.json"),
)  # fmt: skip
RESULT_COLOURS = {"done": "#0072B2", "failed": "#D55E00", "refused": "#CC79A7"}
RESULTS = ("", "done", "failed", "refused", "interrupted")
RUNNING = "running"  # a run recorded as started and not yet finished
RESULT_WORDS = {  # a run's result as the table and the filter show it
    "": QT_TRANSLATE_NOOP("HistoryModel", "any result"),
    "done": QT_TRANSLATE_NOOP("HistoryModel", "done"),
    "failed": QT_TRANSLATE_NOOP("HistoryModel", "failed"),
    "refused": QT_TRANSLATE_NOOP("HistoryModel", "refused"),
    "interrupted": QT_TRANSLATE_NOOP("HistoryModel", "interrupted"),
    RUNNING: QT_TRANSLATE_NOOP("HistoryModel", "running"),
}
Index = QModelIndex | QPersistentModelIndex


class HistoryModel(QAbstractTableModel):
    loading_changed = Signal(bool)
    load_failed = Signal(str)
    refreshed = Signal(list)  # ids of the runs `refresh()` inserted or updated

    def __init__(self, store: Store, tasks: TaskManager, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.tasks = tasks
        self.filter = RunFilter()
        self.runs: list[dict[str, Any]] = []
        self._cursor: Cursor | None = None
        self._exhausted = False
        self._loading = False
        self._generation = 0

    def set_filter(self, run_filter: RunFilter) -> None:
        """Start over with a new filter; pages already in flight are discarded."""
        self.beginResetModel()
        self.filter = run_filter
        self.runs, self._cursor, self._exhausted = [], None, False
        self._generation += 1
        self._loading = False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def refresh(self) -> None:
        """Show what was recorded since the rows were loaded, keeping the rows already shown.

        Runs that started since the newest row are inserted at the top and rows still
        running are updated in place, so selection and scroll stay where they were. When
        that cannot be done exactly (nothing loaded yet, a result filter a finished run may
        newly match, or more new runs than a page) the model starts over instead.
        """
        if not self.runs or self.filter.result:
            self.set_filter(self.filter)
            return
        generation, run_filter = self._generation, self.filter
        newest = datetime.fromisoformat(self.runs[0]["started_at"])
        since = newest if run_filter.since is None else max(newest, run_filter.since)
        running = [run["id"] for run in self.runs if run.get("result") == RUNNING]

        def load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            top = self.store.runs(replace(run_filter, since=since), limit=PAGE_SIZE)
            updated = [run for run in map(self.store.run, running) if run is not None]
            return with_reasons(self.store, top), with_reasons(self.store, updated)

        self.tasks.run_in_background(
            load,
            lambda loaded: self._refreshed(generation, *loaded),
            on_failure=lambda error: self._refresh_failed(generation, error),
            label=self.tr("Reading new runs"),
        )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.runs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role: int = 0) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("HistoryModel", COLUMNS[section][1])
        return None

    def data(self, index: Index, role: int = 0) -> object:
        if not index.isValid():
            return None
        run = self.runs[index.row()]
        key = COLUMNS[index.column()][0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return _cell(run, key)
        if role == Qt.ItemDataRole.ForegroundRole and key == "result":
            colour = RESULT_COLOURS.get(run.get("result") or "")
            return QColor(colour) if colour else None
        return None

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._exhausted or self._loading:
            return
        self._loading = True
        self.loading_changed.emit(True)
        generation, run_filter, before = self._generation, self.filter, self._cursor
        self.tasks.run_in_background(
            lambda: with_reasons(
                self.store, self.store.runs(run_filter, limit=PAGE_SIZE, before=before)
            ),
            lambda page: self._page_loaded(generation, page),
            on_failure=lambda error: self._page_failed(generation, error),
            label=self.tr("Reading the history"),
        )

    def run_id(self, row: int) -> str | None:
        return self.runs[row]["id"] if 0 <= row < len(self.runs) else None

    @property
    def loading(self) -> bool:
        return self._loading

    def _page_loaded(self, generation: int, page: list[dict[str, Any]]) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._exhausted = len(page) < PAGE_SIZE
        if page:
            self._cursor = page_cursor(page)
            first = len(self.runs)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self.runs.extend(page)
            self.endInsertRows()
        self.loading_changed.emit(False)

    def _refreshed(
        self, generation: int, top: list[dict[str, Any]], updated: list[dict[str, Any]]
    ) -> None:
        if generation != self._generation:
            return
        if len(top) >= PAGE_SIZE:  # there may be more between them and the rows shown
            self.set_filter(self.filter)
            return
        rows = {run["id"]: row for row, run in enumerate(self.runs)}
        changed: list[str] = []
        for run in [*updated, *top]:
            row = rows.get(run["id"])
            if row is None:
                continue
            fresh = {key: value for key, value in run.items() if key != "steps"}
            if fresh != self.runs[row]:
                self.runs[row] = fresh
                changed.append(run["id"])
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        new = [run for run in top if run["id"] not in rows]
        if new:
            self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
            self.runs[:0] = new
            self.endInsertRows()
        self.refreshed.emit([*changed, *(run["id"] for run in new)])

    def _refresh_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self.load_failed.emit(
                self.tr("Cannot read history: {problem}").format(problem=describe(error))
            )

    def _page_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._exhausted = True
        self.loading_changed.emit(False)
        self.load_failed.emit(
            self.tr("Cannot read history: {problem}").format(problem=describe(error))
        )


def with_reasons(store: Store, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The runs with why they (and their steps) failed or were refused, typed, as `why`:
    the window words it in the bench's language, where the record holds English. Runs on
    the task manager's thread."""
    reasons = store.reasons([run["id"] for run in runs])
    for run in runs:
        found = reasons.get(run["id"])
        if found is None:
            continue
        run["why"] = found.run
        for step in run.get("steps", []):
            step["why"] = found.steps.get(step["index"])
    return runs


def error_words(run: dict[str, Any]) -> str:
    """Why the run failed or was refused: its typed reason worded, else the record's text."""
    why = run.get("why")
    return reason_words(why) if why is not None else run.get("error") or ""


def _status_words(step: dict[str, Any]) -> str:
    """A recorded step's status in the bench's words (a status this version does not know,
    as recorded)."""
    try:
        return step_status_words(StepStatus(step["status"]))
    except ValueError:
        return str(step["status"])


def _step_words(step: dict[str, Any]) -> str:
    why = step.get("why")
    return reason_words(why) if why is not None else step["message"] or ""


def _cell(run: dict[str, Any], key: str) -> str:
    if key == "error":
        return error_words(run)
    if key == "started_at":
        return _local_time(run.get("started_at"))
    if key == "result" and run.get("result") in RESULT_WORDS:
        return QCoreApplication.translate("HistoryModel", RESULT_WORDS[run["result"]])
    if key == "template":
        return f"{run.get('template') or ''} v{run.get('template_version')}"
    if key == "duration":
        if not run.get("finished_at") or not run.get("started_at"):
            return ""
        seconds = (
            datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"])
        ).total_seconds()
        return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"
    value = run.get(key)
    if isinstance(value, list):
        return ", ".join(value)
    return "" if value is None else str(value)


def problem_text(problem: ExportProblem) -> str:
    """A row an export cannot write, in words: its device, its run, why."""

    device = problem.serial or QCoreApplication.translate("HistoryTab", "a device with no serial")
    where = QCoreApplication.translate("HistoryTab", "{device} (run {run})").format(
        device=device, run=problem.run_id[:8]
    )
    if problem.kind is ProblemKind.BAD_IMEI:
        why = QCoreApplication.translate(
            "HistoryTab", "IMEI {imei} is not 15 digits with a correct check digit"
        ).format(imei=problem.value)
    elif problem.kind is ProblemKind.DUPLICATE_IMEI:
        other = problem.other_serial or QCoreApplication.translate("HistoryTab", "another device")
        why = QCoreApplication.translate("HistoryTab", "IMEI {imei} is also on {other}").format(
            imei=problem.value, other=other
        )
    elif problem.kind is ProblemKind.MANUFACTURER:
        maker = (
            repr(problem.value)
            if problem.value
            else repr(QCoreApplication.translate("HistoryTab", "no manufacturer"))
        )
        why = QCoreApplication.translate(
            "HistoryTab", "{manufacturer} is not a manufacturer this portal takes"
        ).format(manufacturer=maker)
    else:
        why = QCoreApplication.translate(
            "HistoryTab", "no IMEI or MEID, and not serial + model + manufacturer"
        )
    return f"{where}: {why}"


def _local_time(iso: str | None) -> str:
    """A recorded time in local time, written as the window's locale writes dates and times
    (to the second)."""
    if not iso:
        return ""
    moment = QDateTime.fromMSecsSinceEpoch(round(datetime.fromisoformat(iso).timestamp() * 1000))
    locale = QLocale()
    if locale.language() == QLocale.Language.C:  # no locale set: ISO 8601
        return moment.toString("yyyy-MM-dd HH:mm:ss")
    clock = locale.timeFormat(QLocale.FormatType.ShortFormat).replace("mm", "mm:ss", 1)
    return locale.toString(moment, f"{locale.dateFormat(QLocale.FormatType.ShortFormat)} {clock}")


class HistoryTab(QWidget):
    def __init__(self, store: Store, tasks: TaskManager, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.tasks = tasks
        self.model = HistoryModel(store, tasks, self)
        self._reselect: str | None = None  # the run to select again once rows are reloaded
        self._top_run: str | None = None  # the run at the top of the view while rows go in

        self.serial = QLineEdit()
        self.serial.setPlaceholderText(self.tr("Serial"))
        self.template = QLineEdit()
        self.template.setPlaceholderText(self.tr("Template name"))
        self.result = QComboBox()
        for result in RESULTS:
            self.result.addItem(
                QCoreApplication.translate("HistoryModel", RESULT_WORDS[result]), result
            )
        self.since_enabled = QCheckBox(self.tr("Since"))
        self.since = QDateEdit(QDate.currentDate().addDays(-7))
        self.since.setCalendarPopup(True)
        self.since.setEnabled(False)
        self.apply_button = QPushButton(self.tr("Filter"))
        self.export_button = QPushButton(self.tr("Export…"))
        self.export_menu = QMenu(self.export_button)
        self.export_menu.addAction(self.tr("History CSV (every run)…"), self._export)
        for entry, export_format, file_name in EXPORTS:
            self.export_menu.addAction(
                QCoreApplication.translate("HistoryTab", entry),
                partial(self._export_register, export_format, file_name),
            )
        self.export_button.setMenu(self.export_menu)
        self.status = QLabel()
        filters = QHBoxLayout()
        for widget in (self.serial, self.template, self.result, self.since_enabled, self.since):
            filters.addWidget(widget)
        filters.addWidget(self.apply_button)
        filters.addStretch(1)
        filters.addWidget(self.status)
        filters.addWidget(self.export_button)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 160)
        keys = [key for key, _ in COLUMNS]
        self.table.setColumnWidth(keys.index("imei"), 135)  # 15 digits whole
        self.table.setColumnWidth(keys.index("wifi_mac"), 135)  # aa:bb:cc:dd:ee:ff whole
        self.steps = QPlainTextEdit()
        self.steps.setReadOnly(True)
        self.steps.setPlaceholderText(self.tr("Select a run to see its steps."))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.steps)
        splitter.setStretchFactor(0, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

        self.apply_button.clicked.connect(self.apply_filter)
        for line in (self.serial, self.template):
            line.returnPressed.connect(self.apply_filter)
        self.result.currentIndexChanged.connect(self.apply_filter)
        self.since_enabled.toggled.connect(self.since.setEnabled)
        self.since_enabled.toggled.connect(self.apply_filter)
        self.since.dateChanged.connect(self.apply_filter)
        self.table.selectionModel().currentRowChanged.connect(self._show_run)
        self.model.loading_changed.connect(self._loading_changed)
        self.model.load_failed.connect(self.status.setText)
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.rowsAboutToBeInserted.connect(self._remember_top)
        self.model.rowsInserted.connect(self._keep_top)
        self.model.refreshed.connect(self._runs_refreshed)

    def current_filter(self) -> RunFilter:
        since = None
        if self.since_enabled.isChecked():
            day: date = self.since.date().toPython()  # type: ignore[assignment]
            since = datetime.combine(day, time()).astimezone(UTC)
        return RunFilter(
            serial=self.serial.text().strip() or None,
            template=self.template.text().strip() or None,
            result=self.result.currentData() or None,
            since=since,
        )

    def apply_filter(self) -> None:
        self.steps.clear()
        self.model.set_filter(self.current_filter())

    def refresh(self) -> None:
        """New runs were recorded: show them, keeping the selected run and the scroll."""
        self.model.refresh()

    def selected_run_id(self) -> str | None:
        return self.model.run_id(self.table.currentIndex().row())

    def export_to(self, path: Path) -> None:
        run_filter = self.current_filter()
        self.status.setText(self.tr("Exporting…"))

        def export() -> int:
            with path.open("w", newline="", encoding="utf-8") as out:
                return self.store.export_csv(out, run_filter)

        label = self.tr("Exporting the history to {file}").format(file=path.name)

        def failed(error: BaseException) -> None:
            self.status.setText(self.tr("Export failed"))
            self.tasks.report(label, error, lost_input=True)

        self.tasks.run_in_background(
            export,
            lambda count: self.status.setText(
                self.tr("Exported %n run(s) to {file}", "", count).format(file=path.name)
            ),
            on_failure=failed,
            label=label,
        )

    def export_register_to(self, path: Path, export_format: ExportFormat) -> None:
        """The devices of the filtered runs in a portal's format; a row that cannot be valid
        is named in a dialog and nothing is written."""
        run_filter = self.current_filter()
        self.status.setText(self.tr("Exporting…"))
        unfinished = path.with_name(path.name + ".partial")

        def export() -> ExportResult:
            checked = self.store.export(None, export_format, run_filter)
            if checked.problems:
                return checked
            with unfinished.open("w", newline="", encoding="utf-8") as out:
                made = self.store.export(out, export_format, run_filter)
            unfinished.replace(path)
            return made

        label = self.tr("Exporting {format} to {file}").format(
            format=export_format.value, file=path.name
        )

        def failed(error: BaseException) -> None:
            unfinished.unlink(missing_ok=True)
            self.status.setText(self.tr("Export failed"))
            self.tasks.report(label, error, lost_input=True)

        self.tasks.run_in_background(
            export,
            lambda result: self._register_exported(result, path),
            on_failure=failed,
            label=label,
        )

    def _register_exported(self, result: ExportResult, path: Path) -> None:
        if not result.problems:
            self.status.setText(
                self.tr("Exported %n device(s) to {file}", "", result.written).format(
                    file=path.name
                )
            )
            return
        problems = len(result.problems)
        self.status.setText(self.tr("Nothing exported: %n row(s) cannot be valid", "", problems))
        self.export_problems = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Nothing exported"),
            self.tr(
                "{file} was not written: %n device(s) cannot be valid for this portal. Fix "
                "them, or narrow the filter, then export again.",
                "",
                problems,
            ).format(file=path.name),
            QMessageBox.StandardButton.Ok,
            self,
        )
        self.export_problems.setDetailedText("\n".join(map(problem_text, result.problems)))
        self.export_problems.open()

    def _export_register(self, export_format: ExportFormat, file_name: str) -> None:
        kind = "JSON (*.json)" if export_format is ExportFormat.JSON else "CSV (*.csv)"
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Export devices"), file_name, kind)
        if name:
            self.export_register_to(Path(name), export_format)

    def _export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export history"), "history.csv", "CSV (*.csv)"
        )
        if name:
            self.export_to(Path(name))

    def _loading_changed(self, busy: bool) -> None:
        count = self.model.rowCount()
        more = "+" if self.model.canFetchMore(QModelIndex()) else ""
        if busy:
            self.status.setText(self.tr("Loading…"))
        elif more:
            self.status.setText(self.tr("{count}+ runs").format(count=QLocale().toString(count)))
        else:
            self.status.setText(self.tr("%n run(s)", "", count))
        if not busy:
            self._restore_selection()

    def _remember_selection(self) -> None:
        self._reselect = self.selected_run_id() or self._reselect

    def _restore_selection(self) -> None:
        """After a reload, select the run that was selected, if the first page has it."""
        run_id, self._reselect = self._reselect, None
        rows = [row for row, run in enumerate(self.model.runs) if run["id"] == run_id]
        if run_id is None or not rows:
            return
        index = self.model.index(rows[0], 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def _remember_top(self, _parent: QModelIndex, first: int, _last: int) -> None:
        scrolled = first == 0 and self.table.verticalScrollBar().value() > 0
        self._top_run = self.model.run_id(self.table.rowAt(0)) if scrolled else None

    def _keep_top(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        """Rows went in above the view: scroll so the same runs stay in sight."""
        top, self._top_run = self._top_run, None
        rows = [row for row, run in enumerate(self.model.runs) if run["id"] == top]
        if top is not None and rows:
            self.table.scrollTo(
                self.model.index(rows[0], 0), QAbstractItemView.ScrollHint.PositionAtTop
            )

    def _runs_refreshed(self, run_ids: list[str]) -> None:
        """The selected run changed (it finished): show its steps as recorded now."""
        current = self.table.currentIndex()
        if self.model.run_id(current.row()) in run_ids:
            self._show_run(current, current)

    def _show_run(self, current: QModelIndex, _previous: QModelIndex) -> None:
        run_id = self.model.run_id(current.row())
        if run_id is None:
            return

        def read() -> dict[str, Any] | None:
            run = self.store.run(run_id)
            return with_reasons(self.store, [run])[0] if run is not None else None

        self.tasks.run_in_background(
            read,
            self._show_steps,
            label=self.tr("Reading the run's steps"),
        )

    def _show_steps(self, run: dict[str, Any] | None) -> None:
        if run is None:
            self.steps.setPlainText(self.tr("This run is no longer in the database."))
            return
        result = run["result"]
        lines = [
            self.tr("{template} v{version} on {serial} ({model}): {result}").format(
                template=run["template"],
                version=run["template_version"],
                serial=run.get("serial") or "?",
                model=run.get("model") or "?",
                result=QCoreApplication.translate("HistoryModel", RESULT_WORDS.get(result, result)),
            )
        ]
        if run.get("error"):
            lines.append(self.tr("error: {error}").format(error=error_words(run)))
        if run["result"] == RUNNING:
            lines.append(self.tr("identity: recorded when the run ends"))
        else:
            gaps = run.get("identity_gaps") or {}
            identity = identity_values(run, gaps, run.get("android_release"))
            maker = run.get("manufacturer") or "?"
            hardware = run.get("hardware_serial") or "—"
            lines.append(
                self.tr("identity ({manufacturer}, hardware serial {serial}):").format(
                    manufacturer=maker, serial=hardware
                )
            )
            lines.extend(
                f"     {field_label(label) + ':':<16}{identity[label]}"
                for label, _ in IDENTITY_FIELDS
            )
        for step in run.get("steps", []):
            lines.append(
                f"{step['index'] + 1:>3}. {step['name']:<32} {_status_words(step):<16} "
                f"{(step['duration_ms'] or 0) / 1000:6.1f} s  {_step_words(step)}"
            )
        for step in run.get("steps", []):
            if step.get("evidence"):  # what the device logged when the step failed
                lines.append("")
                lines.append(
                    self.tr("What the device logged when step {number} failed:").format(
                        number=step["index"] + 1
                    )
                )
                lines.append(step["evidence"])
        self.steps.setPlainText("\n".join(lines))
