"""An order's manifest as a vector PDF: a table of devices under the order's header, with a
footer and page numbers on every page; the same QPainter/QPdfWriter machinery as the
enrollment sheets, so its text is real text (pdftotext finds every serial)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter

from app.storage.manifest import COLUMNS, Manifest
from app.ui.sheet import MARGIN_MM, PDF_DPI, _font, ensure_gui_application

ROW_MM = 5.2
HEADER_MM = 24.0
FOOTER_MM = 7.0
# Relative column widths (landscape A4), in the order of COLUMNS.
WEIGHTS = (10, 16, 27, 14, 12, 15, 12, 7, 17, 9)
# Columns an asset register is matched on: a value too wide for its column is drawn smaller,
# whole, never elided (a long serial of wide letters would lose its end, also to pdftotext).
IDENTIFIERS = frozenset({"serial", "imeis", "wifi_mac", "asset_tag"})


class ManifestError(Exception):
    """The manifest PDF could not be written: says which file and why."""


def write_manifest_pdf(manifest: Manifest, path: Path) -> int:
    """Write the manifest to `path` (landscape A4) and return its page count."""
    ensure_gui_application()
    try:
        with path.open("wb"):
            pass  # QPdfWriter reports no errors: find an unwritable path here
    except OSError as exc:
        raise ManifestError(f"cannot write {path}: {exc.strerror or exc}") from None
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    writer.setTitle(f"Manifest of order {manifest.order.number}")
    writer.setCreator("Kitbench")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(*[MARGIN_MM] * 4),
            QPageLayout.Unit.Millimeter,
        )
    )
    painter = QPainter()
    if not painter.begin(writer):
        raise ManifestError(f"cannot start painting {path}")
    try:
        mm = writer.logicalDpiX() / 25.4
        width, height = writer.width() / mm, writer.height() / mm
        per_page = max(1, int((height - HEADER_MM - FOOTER_MM) / ROW_MM) - 1)
        rows = list(manifest.rows)
        pages = [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [[]]
        for number, page in enumerate(pages, start=1):
            if number > 1:
                writer.newPage()
            _paint_page(painter, writer, manifest, page, (number, len(pages)), (width, height))
    finally:
        painter.end()
    return len(pages)


def _paint_page(painter, device, manifest, rows, page, size) -> None:
    mm = device.logicalDpiX() / 25.4
    width, height = size

    def rect(x: float, y: float, w: float, h: float) -> QRectF:
        return QRectF(x * mm, y * mm, w * mm, h * mm)

    painter.setPen(QColor("black"))
    painter.setFont(_font(13, bold=True))
    lines = manifest.header_lines
    painter.drawText(rect(0, 0, width, 8), Qt.AlignmentFlag.AlignLeft, lines[0])
    painter.setFont(_font(9))
    for index, line in enumerate(lines[1:]):
        painter.drawText(rect(0, 8 + index * 5, width, 5), Qt.AlignmentFlag.AlignLeft, line)

    lefts, x = [], 0.0
    widths = [width * weight / sum(WEIGHTS) for weight in WEIGHTS]
    for column_width in widths:
        lefts.append(x)
        x += column_width
    top = HEADER_MM - ROW_MM
    painter.setFont(_font(7.5, bold=True))
    for (_key, title), left, column_width in zip(COLUMNS, lefts, widths, strict=True):
        painter.drawText(rect(left, top, column_width, ROW_MM), Qt.AlignmentFlag.AlignLeft, title)
    painter.drawLine(rect(0, top + ROW_MM - 0.8, width, 0).topLeft(),
                     rect(width, top + ROW_MM - 0.8, 0, 0).topLeft())  # fmt: skip
    painter.setFont(_font(7.5))
    metrics = QFontMetricsF(painter.font(), device)
    for row_index, row in enumerate(rows):
        y = HEADER_MM + row_index * ROW_MM
        if row_index % 2:
            painter.fillRect(rect(0, y - 0.6, width, ROW_MM), QColor(242, 242, 242))
        for (key, _title), left, column_width in zip(COLUMNS, lefts, widths, strict=True):
            room = (column_width - 1) * mm
            cell = rect(left, y, column_width - 1, ROW_MM)
            if key in IDENTIFIERS and metrics.horizontalAdvance(row[key]) > room:
                _draw_shrunk(painter, device, cell, row[key], room)
                continue
            text = metrics.elidedText(row[key], Qt.TextElideMode.ElideRight, room)
            painter.drawText(cell, Qt.AlignmentFlag.AlignLeft, text)

    painter.setPen(QColor(90, 90, 90))
    painter.setFont(_font(8))
    footer = rect(0, height - FOOTER_MM + 2, width, FOOTER_MM - 2)
    painter.drawText(footer, Qt.AlignmentFlag.AlignLeft,
                     f"Order {manifest.order.number} · {len(manifest.rows)} devices · "
                     f"printed {date.today().isoformat()} by Kitbench")  # fmt: skip
    painter.drawText(footer, Qt.AlignmentFlag.AlignRight, f"Page {page[0]} of {page[1]}")


def _draw_shrunk(painter: QPainter, device, cell: QRectF, text: str, room: float) -> None:
    """Draw `text` whole, in a font made small enough for `room`, on the row's baseline."""
    font = painter.font()
    metrics = QFontMetricsF(font, device)
    smaller = QFont(font)
    smaller.setPointSizeF(font.pointSizeF() * 0.98 * room / metrics.horizontalAdvance(text))
    drop = metrics.ascent() - QFontMetricsF(smaller, device).ascent()
    painter.setFont(smaller)
    painter.drawText(cell.translated(0, drop), Qt.AlignmentFlag.AlignLeft, text)
    painter.setFont(font)
