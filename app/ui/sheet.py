"""The printed sheet of enrollment codes: one QPainter layout for PDF, print preview and printer.

Codes are drawn as filled rectangles straight from the QR matrix, so they stay sharp at any
printer resolution. Everything is measured in millimetres and converted with the paint
device's resolution; fonts are in points, which Qt maps to each device itself. The sheet is
for the bench, so its words are the window's language (English from `kitbench sheet`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
)

from app.enrollment.payload import EnrollmentError
from app.enrollment.qr import QUIET_ZONE
from app.enrollment.sheet import NOTICE, Sheet

PAPERS = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}
PER_PAGE_CHOICES = (12, 9, 6, 4, 2, 1)  # tried in order when the caller leaves it to us
MARGIN_MM = 12.0
HEADER_MM = 27.0
FOOTER_MM = 7.0
LABEL_MM = 18.0  # up to four label lines under each code
CELL_PAD_MM = 3.0
# Below this a module is too small for many phone cameras at arm's length.
SMALLEST_MODULE_MM = 0.4
COMFORTABLE_MODULE_MM = 0.42
PDF_DPI = 1200


@dataclass(frozen=True)
class Grid:
    """How codes sit on a page: columns × rows of equal cells, in millimetres."""

    columns: int
    rows: int
    cell_width: float
    cell_height: float

    @property
    def code_size(self) -> float:
        """The side of a code including its quiet zone."""
        return max(
            0.0,
            min(self.cell_width - 2 * CELL_PAD_MM, self.cell_height - LABEL_MM - 2 * CELL_PAD_MM),
        )


def grid_for(per_page: int, width_mm: float, height_mm: float) -> Grid:
    """The columns × rows arrangement of `per_page` cells that prints the largest codes.

    Cells are no taller than their code and label, so each cuts out as a compact card.
    """
    grid_height = height_mm - HEADER_MM - FOOTER_MM
    candidates = []
    for columns in range(1, per_page + 1):
        rows = math.ceil(per_page / columns)
        candidates.append(Grid(columns, rows, width_mm / columns, grid_height / rows))
    best = max(candidates, key=lambda grid: (grid.code_size, -grid.columns * grid.rows))
    compact = best.code_size + LABEL_MM + 2 * CELL_PAD_MM
    return replace(best, cell_height=min(best.cell_height, compact))


def module_size_mm(sheet: Sheet, paper: str, per_page: int) -> float:
    """How large the densest code's modules print."""
    width, height = page_size_mm(paper)
    grid = grid_for(per_page, width - 2 * MARGIN_MM, height - 2 * MARGIN_MM)
    modules = max(len(code.matrix) for code in sheet.codes) + 2 * QUIET_ZONE
    return grid.code_size / modules


def auto_per_page(sheet: Sheet, paper: str) -> int:
    """The most codes a page that still print comfortably large for phone cameras."""
    for per_page in PER_PAGE_CHOICES:
        if module_size_mm(sheet, paper, per_page) >= COMFORTABLE_MODULE_MM:
            return per_page
    return 1


def page_size_mm(paper: str) -> tuple[float, float]:
    size = QPageSize(PAPERS[paper]).size(QPageSize.Unit.Millimeter)
    return size.width(), size.height()


def layout_warnings(sheet: Sheet, paper: str, per_page: int) -> list[str]:
    """Say when the codes would print too small to scan reliably."""
    if not sheet.codes:
        return []
    module_mm = module_size_mm(sheet, paper, per_page)
    if module_mm >= SMALLEST_MODULE_MM:
        return []
    return [
        QCoreApplication.translate(
            "Sheet",
            "codes print at {size} mm a module (under {smallest} mm): fewer codes a page "
            "(--per-page) scan more reliably",
        ).format(size=f"{module_mm:.2f}", smallest=SMALLEST_MODULE_MM)
    ]


def ensure_gui_application() -> QGuiApplication:
    """QPdfWriter and fonts need a QGuiApplication; from the CLI, one without a screen."""
    app = QGuiApplication.instance()
    if app is None:
        app = QGuiApplication(["kitbench", "-platform", "offscreen"])
    return app  # type: ignore[return-value]


def write_pdf(sheet: Sheet, path: Path, *, paper: str = "a4", per_page: int | None = None) -> int:
    """Write the sheet as a vector PDF and return its page count; per_page None = automatic.

    EnrollmentError when the file cannot be written.
    """
    ensure_gui_application()
    try:
        with path.open("wb"):
            pass  # QPdfWriter reports no errors: find an unwritable path here
    except OSError as exc:
        raise EnrollmentError(f"cannot write {path}: {exc.strerror or exc}") from None
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    writer.setTitle(sheet.title)
    writer.setCreator("Kitbench")
    writer.setPageSize(QPageSize(PAPERS[paper]))
    writer.setPageMargins(QMarginsF(*[MARGIN_MM] * 4), QPageLayout.Unit.Millimeter)
    return paint_sheet(writer, sheet, per_page=per_page or auto_per_page(sheet, paper))


def print_sheet(printer: QPagedPaintDevice, sheet: Sheet, *, per_page: int) -> int:
    """Paint onto a printer or print preview: the printer's paper, our margins where it can."""
    printer.setPageMargins(QMarginsF(*[MARGIN_MM] * 4), QPageLayout.Unit.Millimeter)
    return paint_sheet(printer, sheet, per_page=per_page)


def paint_sheet(device: QPagedPaintDevice, sheet: Sheet, *, per_page: int) -> int:
    """Paint every page onto a PDF writer or a printer (its page layout sets the margins).

    Returns the number of pages.
    """
    pages = [sheet.codes[i : i + per_page] for i in range(0, len(sheet.codes), per_page)]
    painter = QPainter()
    if not painter.begin(device):
        raise EnrollmentError("cannot start painting the sheet (the printer or file refused)")
    try:
        for number, codes in enumerate(pages, start=1):
            if number > 1:
                device.newPage()
            _paint_page(painter, device, sheet, codes, per_page, number, len(pages))
    finally:
        painter.end()
    return len(pages)


def draw_qr(painter: QPainter, target: QRectF, matrix: tuple[bytes, ...]) -> None:
    """A code with its quiet zone filling the square `target`: one path of dark modules.

    Runs of dark modules in a row become one rectangle and the whole code is filled as a
    single path, so no hairline seams appear between modules in any renderer.
    """
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.fillRect(target, Qt.GlobalColor.white)
    module = target.width() / (len(matrix) + 2 * QUIET_ZONE)
    origin = target.topLeft() + QPointF(QUIET_ZONE * module, QUIET_ZONE * module)
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    for y, line in enumerate(matrix):
        x = 0
        while x < len(line):
            if not line[x]:
                x += 1
                continue
            start = x
            while x < len(line) and line[x]:
                x += 1
            path.addRect(
                QRectF(
                    origin.x() + start * module,
                    origin.y() + y * module,
                    (x - start) * module,
                    module,
                )
            )
    painter.fillPath(path, Qt.GlobalColor.black)
    painter.restore()


def _paint_page(
    painter: QPainter,
    device: QPagedPaintDevice,
    sheet: Sheet,
    codes,
    per_page: int,
    number: int,
    total: int,
) -> None:
    mm = device.logicalDpiX() / 25.4
    width, height = device.width() / mm, device.height() / mm

    def rect(x: float, y: float, w: float, h: float) -> QRectF:
        return QRectF(x * mm, y * mm, w * mm, h * mm)

    painter.setPen(QColor("black"))
    painter.setFont(_font(13, bold=True))
    painter.drawText(rect(0, 0, width, 8), Qt.AlignmentFlag.AlignLeft, sheet.title)
    painter.setFont(_font(8))
    painter.setPen(QColor(150, 0, 0))
    painter.drawText(rect(0, 1, width, 8), Qt.AlignmentFlag.AlignRight, NOTICE)
    painter.setPen(QColor("black"))
    painter.setFont(_font(9))
    for index, line in enumerate(sheet.instructions):
        painter.drawText(rect(0, 9 + index * 5, width, 5), Qt.AlignmentFlag.AlignLeft, line)

    grid = grid_for(per_page, width, height)
    top = HEADER_MM
    cut = QPen(QColor(150, 150, 150), 0.2 * mm, Qt.PenStyle.DashLine)
    painter.setPen(cut)
    used_rows = math.ceil(len(codes) / grid.columns)
    for column in range(grid.columns + 1):
        x = column * grid.cell_width * mm
        painter.drawLine(
            QPointF(x, top * mm), QPointF(x, (top + used_rows * grid.cell_height) * mm)
        )
    for row in range(used_rows + 1):
        y = (top + row * grid.cell_height) * mm
        painter.drawLine(QPointF(0, y), QPointF(width * mm, y))

    size = grid.code_size
    for index, code in enumerate(codes):
        row, column = divmod(index, grid.columns)
        cell_x = column * grid.cell_width
        cell_y = top + row * grid.cell_height
        draw_qr(
            painter,
            rect(cell_x + (grid.cell_width - size) / 2, cell_y + CELL_PAD_MM, size, size),
            code.matrix,
        )
        label_y = cell_y + CELL_PAD_MM + size
        painter.setPen(QColor("black"))
        for line_index, line in enumerate(code.label):
            # The device line (seq or asset tag) is what the bench matches a device by.
            painter.setFont(_font(11 if line_index == 1 else 9, bold=line_index == 1))
            metrics = QFontMetricsF(painter.font(), device)
            text = metrics.elidedText(line, Qt.TextElideMode.ElideRight, (grid.cell_width - 4) * mm)
            painter.drawText(
                rect(cell_x + 2, label_y + line_index * 4.3, grid.cell_width - 4, 4.3),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                text,
            )

    painter.setPen(QColor(90, 90, 90))
    painter.setFont(_font(8))
    footer = rect(0, height - FOOTER_MM + 2, width, FOOTER_MM - 2)
    printed = QCoreApplication.translate("Sheet", "Printed {date} by Kitbench")
    painter.drawText(
        footer, Qt.AlignmentFlag.AlignLeft, printed.format(date=date.today().isoformat())
    )
    page = QCoreApplication.translate("Sheet", "Page {number} of {total}")
    painter.drawText(footer, Qt.AlignmentFlag.AlignRight, page.format(number=number, total=total))


def _font(points: float, *, bold: bool = False) -> QFont:
    font = QFont("DejaVu Sans")
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(points)
    font.setBold(bold)
    return font
