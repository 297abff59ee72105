"""The Enrollment tab: pick a template, see its QR code live, print sheets or save images.

Building a payload reads the secret store and may hash a DPC APK, and saving writes files, so
all of it goes through the task manager, in order (one serial key): a save always uses the
code shown when it was asked for. A save or print that fails says so in the tab and, as the
file or sheet asked for is lost, in the window's dialog. Labels and messages on screen are
masked: the code itself carries the secrets, the text never.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import segno
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QCloseEvent, QPainter, QPaintEvent
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.enrollment import (
    ERROR_LEVELS,
    EnrollmentError,
    PayloadBuilder,
    Sheet,
    make_qr,
    payload_text,
    plan_sheet,
    save_qr,
    size_warnings,
)
from app.enrollment.qr import QUIET_ZONE
from app.storage.config import Config, station_name_or_empty
from app.templates import LoadedTemplate, SecretStore, SecretStoreError, mask
from app.ui.sheet import PAPERS, auto_per_page, draw_qr, layout_warnings, print_sheet, write_pdf
from app.ui.taskman import TaskManager

FAILURES = (EnrollmentError, SecretStoreError, OSError)
T = TypeVar("T")
SERIAL = "enrollment"  # the task manager's key: this tab's jobs run one at a time, in order


@dataclass(frozen=True)
class Preview:
    code: segno.QRCode
    matrix: tuple[bytes, ...]
    label: tuple[str, ...]
    warnings: tuple[str, ...]
    generation: int


class QrView(QWidget):
    """Draws the current code with the same routine as the printed sheet."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrix: tuple[bytes, ...] = ()
        self.setMinimumSize(QSize(240, 240))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_matrix(self, matrix: tuple[bytes, ...]) -> None:
        self.matrix = matrix
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.matrix:
            return
        # Whole pixels a module on screen, or modules come out unevenly wide.
        modules = len(self.matrix) + 2 * QUIET_ZONE
        side = max(1, min(self.width(), self.height()) // modules) * modules
        target = QRectF((self.width() - side) // 2, (self.height() - side) // 2, side, side)
        painter = QPainter(self)
        draw_qr(painter, target, self.matrix)
        painter.end()


class EnrollmentTab(QWidget):
    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        config: Config | None = None,
        secrets: SecretStore | None = None,
        tasks: TaskManager | None = None,
    ):
        """`config` is the station's (default: the data dir's); secrets default to beside it;
        `tasks` is the window's (default: the tab's own, for the tab on its own)."""
        super().__init__(parent)
        self._config = config or Config()
        self._secrets = secrets or SecretStore(self._config.directory)
        self._owns_tasks = tasks is None
        self._tasks = tasks or TaskManager(self)
        self._templates: list[LoadedTemplate] = []
        self._generation = 0
        self.preview: Preview | None = None
        self._printer: QPrinter | None = None

        self.template_box = QComboBox()
        self.ecc_box = QComboBox()
        self.ecc_box.addItems(list(ERROR_LEVELS))
        self.ecc_box.setCurrentText("M")
        self.seq_box = QSpinBox(minimum=0, maximum=999_999, value=1)
        self.count_box = QSpinBox(minimum=1, maximum=10_000, value=12)
        self.paper_box = QComboBox()
        self.paper_box.addItems(list(PAPERS))
        self.per_page_box = QSpinBox(minimum=0, maximum=48, value=0)
        self.per_page_box.setSpecialValueText(self.tr("auto"))
        form = QFormLayout()
        form.addRow(self.tr("Template"), self.template_box)
        form.addRow(self.tr("Error correction"), self.ecc_box)
        form.addRow(self.tr("First number {seq}"), self.seq_box)
        form.addRow(self.tr("Codes to print"), self.count_box)
        form.addRow(self.tr("Paper"), self.paper_box)
        form.addRow(self.tr("Codes a page"), self.per_page_box)

        self.qr_view = QrView()
        self.label_text = QLabel(alignment=Qt.AlignmentFlag.AlignHCenter)
        self.status = QLabel(wordWrap=True)
        self.print_button = QPushButton(self.tr("Print…"))
        self.preview_button = QPushButton(self.tr("Print preview…"))
        self.pdf_button = QPushButton(self.tr("Save PDF…"))
        self.png_button = QPushButton(self.tr("Save PNG…"))
        self.svg_button = QPushButton(self.tr("Save SVG…"))
        self.output_buttons = (self.print_button, self.preview_button, self.pdf_button,
                               self.png_button, self.svg_button)  # fmt: skip
        buttons = QHBoxLayout()
        for button in self.output_buttons:
            buttons.addWidget(button)

        side = QVBoxLayout()
        side.addLayout(form)
        side.addStretch()
        code = QVBoxLayout()
        code.addWidget(self.qr_view, 1)
        code.addWidget(self.label_text)
        top = QHBoxLayout()
        top.addLayout(side)
        top.addLayout(code, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        self.template_box.currentIndexChanged.connect(self.refresh)
        self.ecc_box.currentIndexChanged.connect(self.refresh)
        self.seq_box.valueChanged.connect(self.refresh)
        self.print_button.clicked.connect(self._ask_print)
        self.preview_button.clicked.connect(self._ask_preview)
        self.pdf_button.clicked.connect(
            lambda: self._ask_save(self.tr("PDF sheet (*.pdf)"), ".pdf")
        )
        self.png_button.clicked.connect(
            lambda: self._ask_save(self.tr("PNG image (*.png)"), ".png")
        )
        self.svg_button.clicked.connect(
            lambda: self._ask_save(self.tr("SVG image (*.svg)"), ".svg")
        )
        self.set_templates([])

    # -- what the main window calls

    def set_templates(self, templates: list[LoadedTemplate]) -> None:
        """Offer the templates that have an enrollment: section."""
        chosen = self.template_box.currentText()
        self._templates = [t for t in templates if t.template.enrollment is not None]
        self.template_box.blockSignals(True)
        self.template_box.clear()
        for loaded in self._templates:
            self.template_box.addItem(f"{loaded.template.name} v{loaded.template.version}")
        if chosen:
            self.template_box.setCurrentText(chosen)
        self.template_box.blockSignals(False)
        if not self._templates:
            self.preview = None
            self.qr_view.show_matrix(())
            self.label_text.clear()
            self.status.setText(
                self.tr("No template has an enrollment: section to make a QR code from.")
            )
        self._set_enabled(False)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the code shown for the current choices, off the GUI thread."""
        loaded = self._current()
        if loaded is None:
            return
        self._generation += 1
        generation, seq, ecc = self._generation, self.seq_box.value(), self.ecc_box.currentText()
        self._submit(
            lambda: self._build_preview(loaded, seq, ecc, generation),
            self._show_preview,
            self._preview_failed,
            label=self.tr("Making the QR code"),
        )

    def save_image(self, path: Path) -> Future[str]:
        """Save the code shown as PNG or SVG (by the file name)."""
        preview = self.preview

        def save() -> str:
            if preview is None:
                raise EnrollmentError(self.tr("no code to save yet"))
            save_qr(preview.code, path)
            return self.tr("Saved {file}").format(file=path)

        return self._submit_output(save, self.tr("Saving {file}").format(file=path.name))

    def save_pdf(self, path: Path) -> Future[str]:
        """Save a sheet of `Codes to print` codes as PDF."""
        job = self._sheet_job()
        paper = self.paper_box.currentText()

        def save() -> str:
            sheet, per_page = job()
            pages = write_pdf(sheet, path, paper=paper, per_page=per_page)
            done = self.tr("Saved {file}: %n code(s) on {pages}", "", len(sheet.codes)).format(
                file=path, pages=self.tr("%n page(s)", "", pages)
            )
            return _notes(done, sheet, paper, per_page)

        return self._submit_output(save, self.tr("Saving {file}").format(file=path.name))

    def print_to(self, printer: QPrinter) -> Future[str]:
        """Print a sheet on `printer` (already set up through the print dialog)."""
        self._printer = printer  # painted from the worker; kept alive until done
        job = self._sheet_job()
        paper = self.paper_box.currentText()

        def run() -> str:
            sheet, per_page = job()
            pages = print_sheet(printer, sheet, per_page=per_page)
            done = self.tr("Sent %n page(s) to {printer}", "", pages).format(
                printer=printer.printerName() or self.tr("the printer")
            )
            return _notes(done, sheet, paper, per_page)

        return self._submit_output(run, self.tr("Printing the sheet"))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._owns_tasks:  # the window's manager is the window's to shut down
            self._tasks.shutdown()
        super().closeEvent(event)

    # -- internals

    def _current(self) -> LoadedTemplate | None:
        index = self.template_box.currentIndex()
        return self._templates[index] if 0 <= index < len(self._templates) else None

    def _build_preview(
        self, loaded: LoadedTemplate, seq: int, ecc: str, generation: int
    ) -> Preview:
        builder = PayloadBuilder(loaded, self._secrets)
        variables = builder.variables(seq=seq, station=station_name_or_empty(self._config))
        text = payload_text(builder.build(variables))
        code = make_qr(text, ecc)
        return Preview(
            code=code,
            matrix=tuple(bytes(row) for row in code.matrix),
            label=tuple(builder.label(variables)),
            warnings=tuple(size_warnings(text)),
            generation=generation,
        )

    def _sheet_job(self) -> Callable[[], tuple[Sheet, int]]:
        loaded = self._current()
        count, seq = self.count_box.value(), self.seq_box.value()
        ecc, paper = self.ecc_box.currentText(), self.paper_box.currentText()
        per_page = self.per_page_box.value()

        def plan() -> tuple[Sheet, int]:
            if loaded is None:
                raise EnrollmentError(
                    self.tr("choose a template with an enrollment: section first")
                )
            builder = PayloadBuilder(loaded, self._secrets)
            sheet = plan_sheet(
                builder,
                count=count,
                first_seq=seq,
                station=station_name_or_empty(self._config),
                error=ecc,
            )
            return sheet, per_page or auto_per_page(sheet, paper)

        return plan

    def _submit(
        self,
        job: Callable[[], T],
        on_done: Callable[[T], None],
        on_failure: Callable[[str], None],
        *,
        label: str,
    ) -> Future[T]:
        """Run `job` after this tab's earlier jobs; `on_failure` gets a masked reason."""
        return self._tasks.run_in_background(
            job,
            on_done,
            on_failure=lambda error: on_failure(self._reason(error)),
            label=label,
            serial=SERIAL,
        )

    def _submit_output(self, job: Callable[[], str], label: str) -> Future[str]:
        """A save or print: its outcome in the status line; a failure in a dialog as well,
        since the file or sheet the user asked for was not made."""

        def failed(reason: str) -> None:
            self.status.setText(
                self.tr("{task} failed: {reason}").format(task=label, reason=reason)
            )
            self._tasks.report(label, reason, lost_input=True)

        return self._submit(job, self.status.setText, failed, label=label)

    def _reason(self, error: BaseException) -> str:
        """What went wrong, with every secret masked; nothing of an unexpected error's text."""
        if isinstance(error, FAILURES):
            return mask(str(error), self._secret_values())
        return self.tr("Unexpected error: {error}").format(error=type(error).__name__)

    def _secret_values(self) -> list[str]:
        try:
            return self._secrets.values()
        except SecretStoreError:
            return []

    def _show_preview(self, result: Preview) -> None:
        if result.generation != self._generation:
            return  # the choices changed since this one was asked for
        self.preview = result
        self.qr_view.show_matrix(result.matrix)
        self.label_text.setText("\n".join(result.label))
        self.status.setText(
            "\n".join(self.tr("Warning: {warning}").format(warning=w) for w in result.warnings)
            or self.tr("QR code version {version}: ready to print or save.").format(
                version=result.code.version
            )
        )
        self._set_enabled(True)

    def _preview_failed(self, reason: str) -> None:
        self.preview = None
        self.qr_view.show_matrix(())
        self.label_text.clear()
        self.status.setText(self.tr("Cannot make the code: {reason}").format(reason=reason))
        self._set_enabled(False)

    def _set_enabled(self, enabled: bool) -> None:
        for button in self.output_buttons:
            button.setEnabled(enabled)

    def _ask_save(self, file_filter: str, suffix: str) -> None:
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Save"), "", file_filter)
        if not name:
            return
        path = Path(name) if name.lower().endswith(suffix) else Path(name + suffix)
        self.save_pdf(path) if suffix == ".pdf" else self.save_image(path)

    def _ask_print(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if QPrintDialog(printer, self).exec() == QPrintDialog.DialogCode.Accepted:
            self.print_to(printer)

    def _ask_preview(self) -> None:
        """Plan the sheet on the worker, then show Qt's preview, painted by the same layout."""
        self._submit(
            self._sheet_job(),
            self._open_preview,
            lambda reason: self.status.setText(
                self.tr("Cannot make the sheet: {reason}").format(reason=reason)
            ),
            label=self.tr("Planning the sheet"),
        )

    def _open_preview(self, planned: tuple[Sheet, int]) -> None:
        sheet, per_page = planned
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintPreviewDialog(printer, self)
        dialog.paintRequested.connect(lambda target: print_sheet(target, sheet, per_page=per_page))
        dialog.exec()


def _notes(message: str, sheet: Sheet, paper: str, per_page: int) -> str:
    """The outcome, with anything the admin should know about scanning these codes."""
    return "\n".join([message, *sheet.warnings, *layout_warnings(sheet, paper, per_page)])
