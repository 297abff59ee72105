"""Labels as PDF pages at the label's own size, for any printer through the system's print
dialog: the same layout as the ZPL, drawn with the QPainter machinery of the enrollment
sheets (vector bars and modules, real text)."""

from __future__ import annotations

from pathlib import Path

import barcode
from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)

from app.enrollment.qr import QUIET_ZONE, make_qr
from app.labels.layout import Element, Kind, LabelData, LabelLayout
from app.ui.sheet import PDF_DPI, draw_qr, ensure_gui_application

MODULE_MM = 0.25  # Code 128's narrowest bar, as the ZPL's ^BY2 at 8 dots/mm


class LabelPdfError(Exception):
    """The label PDF could not be written: says which file and why."""


def page_layout(layout: LabelLayout) -> QPageLayout:
    size = QPageSize(QSizeF(layout.width_mm, layout.height_mm), QPageSize.Unit.Millimeter,
                     "Label", QPageSize.SizeMatchPolicy.ExactMatch)  # fmt: skip
    return QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0),
                       QPageLayout.Unit.Millimeter)  # fmt: skip


def write_label_pdf(layout: LabelLayout, labels: list[LabelData], path: Path) -> int:
    """One page per label at the label's size; returns the page count."""
    ensure_gui_application()
    try:
        with path.open("wb"):
            pass  # QPdfWriter reports no errors: find an unwritable path here
    except OSError as exc:
        raise LabelPdfError(f"cannot write {path}: {exc.strerror or exc}") from None
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    writer.setTitle("Device labels")
    writer.setCreator("Kitbench")
    writer.setPageLayout(page_layout(layout))
    return paint_labels(writer, layout, labels)


def paint_labels(device: QPagedPaintDevice, layout: LabelLayout, labels: list[LabelData]) -> int:
    """Paint each label on its own page of a PDF writer or a printer set to the label's size."""
    painter = QPainter()
    if not painter.begin(device):
        raise LabelPdfError("cannot start painting the labels (the printer or file refused)")
    try:
        for number, data in enumerate(labels):
            if number:
                device.newPage()
            _paint_label(painter, device.logicalDpiX() / 25.4, layout, data)
    finally:
        painter.end()
    return len(labels)


def _paint_label(painter: QPainter, mm: float, layout: LabelLayout, data: LabelData) -> None:
    for element in layout.elements:
        value = data.field(element.field)
        if not value:
            continue
        if element.kind is Kind.TEXT:
            _text(painter, mm, element, element.caption + value)
        elif element.kind is Kind.CODE128:
            _code128(painter, mm, element, value)
        else:
            _qr(painter, mm, element, value)


def _text(painter: QPainter, mm: float, element: Element, text: str) -> None:
    font = QFont("DejaVu Sans Condensed")
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setBold(True)
    font.setPixelSize(100)
    cap = QFontMetricsF(font).capHeight()  # the layout gives the height of a capital
    font.setPixelSize(max(1, round(100 * element.height_mm * mm / cap)))
    painter.setFont(font)
    painter.setPen(Qt.GlobalColor.black)
    ascent = QFontMetricsF(font).ascent()
    top = element.y_mm * mm - (ascent - element.height_mm * mm)  # capitals start at y
    painter.drawText(QRectF(element.x_mm * mm, top, 1e6, ascent * 2),
                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, text)  # fmt: skip


def _code128(painter: QPainter, mm: float, element: Element, value: str) -> None:
    """Bars straight from python-barcode's modules; each run of dark modules one rectangle."""
    modules = barcode.Code128(value).build()[0]
    x, y, height = element.x_mm * mm, element.y_mm * mm, element.height_mm * mm
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    start = None
    for index, module in enumerate(modules + "0"):
        if module == "1" and start is None:
            start = index
        elif module != "1" and start is not None:
            bar = QRectF(x + start * MODULE_MM * mm, y, (index - start) * MODULE_MM * mm, height)
            painter.fillRect(bar, Qt.GlobalColor.black)
            start = None
    painter.restore()


def _qr(painter: QPainter, mm: float, element: Element, value: str) -> None:
    """The code's modules span `height_mm`; its quiet zone lies outside, as with ^BQ."""
    matrix = tuple(bytes(row) for row in make_qr(value).matrix)
    module = element.height_mm * mm / len(matrix)
    margin = QUIET_ZONE * module
    side = element.height_mm * mm + 2 * margin
    draw_qr(painter, QRectF(element.x_mm * mm - margin, element.y_mm * mm - margin, side, side),
            matrix)  # fmt: skip
