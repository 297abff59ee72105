"""Device tiles painted by a delegate: colour AND word AND icon for every state.

What a tile says comes from `tile_view.view_of` (words and colours, testable without Qt);
this module only paints it. Fonts are big enough to read from a metre at scale 1. The bench's
grid (`tile_grid.py`) scales tiles down as devices are added, to a floor; below it, it paints
compact tiles (label, colour, icon and one word, still read from a metre), which it scales
down to their own floor before it scrolls.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.core import DeviceState, NotOnOrder
from app.ui.device_model import TileRole
from app.ui.tile_view import StateStyle, Tile, TileView, view_of

BASE_SIZE = QSize(250, 190)
MIN_SCALE = 0.72
MAX_SCALE = 1.5
COMPACT_SIZE = QSize(110, 80)
COMPACT_MIN_SCALE = 0.7
COMPACT_MAX_SCALE = 1.2


@dataclass(frozen=True)
class CardShape:
    """A tile's card at scale 1: its margin in the cell, corner, and the flash and selection
    rings drawn on it."""

    margin: float
    corner: float
    flash_pen: float
    flash_inset: float
    flash_corner: float
    selected_corner: float


LARGE_CARD = CardShape(3, 10, 7, 3, 8, 11)
COMPACT_CARD = CardShape(2, 7, 5, 2.5, 5, 8)


def format_elapsed(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


class TileDelegate(QStyledItemDelegate):
    """Paints one tile; a click on a failed tile's Retry button emits `retry_clicked`."""

    retry_clicked = Signal(str)  # endpoint

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.scale = 1.0
        self.compact = False  # label, colour, icon and one word: a bench of a hundred and more
        # endpoint -> (what the tile showed, its picture): a view repaints every tile in the
        # rectangle around a change, and 256 tiles painted afresh stall the window.
        self._pictures: dict[str, tuple[tuple[object, ...], QPixmap]] = {}

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return tile_size(self.scale, compact=self.compact)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Draw the tile's picture, painted afresh only when what it shows has changed."""
        tile: Tile | None = index.data(TileRole)
        if tile is None:
            return
        view = view_of(tile)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        flash_on = tile.flash_until > time.monotonic() and int(time.monotonic() * 4) % 2 == 0
        shown = _shown(tile, view, self.scale, self.compact, selected, flash_on, option)
        cached = self._pictures.get(tile.endpoint)
        if cached is None or cached[0] != shown:
            ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
            picture = QPixmap(option.rect.size() * ratio)
            picture.setDevicePixelRatio(ratio)
            picture.fill(Qt.GlobalColor.transparent)
            local = QStyleOptionViewItem(option)
            local.rect = QRect(QPoint(0, 0), option.rect.size())
            canvas = QPainter(picture)
            try:
                paint = self._paint_compact if self.compact else self._paint_tile
                paint(canvas, local, tile, view, selected, flash_on)
            finally:
                canvas.end()
            cached = self._pictures[tile.endpoint] = (shown, picture)
        painter.drawPixmap(option.rect.topLeft(), cached[1])
        if self.compact and view.state == DeviceState.PROVISIONING:
            self._fill_compact_bar(painter, option.rect, tile, view)

    def _paint_tile(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        tile: Tile,
        view: TileView,
        selected: bool,
        flash_on: bool,
    ) -> None:
        s = self.scale
        style = view.style
        painter.save()
        rect, ink = _paint_card(painter, option, style, LARGE_CARD, s, selected, flash_on)
        pad = 10 * s
        inner = rect.adjusted(pad, 6 * s, -pad, -8 * s)

        # Row 1: slot label, battery.
        label_font = _font(28 * s, bold=True)
        painter.setFont(label_font)
        top = QRectF(inner.left(), inner.top(), inner.width(), 36 * s)
        painter.drawText(
            top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, tile.label
        )
        if tile.info.battery is not None:
            _draw_battery(painter, top, tile.info.battery, ink, s)

        # Row 2: model and short serial.
        small = _font(14 * s)
        painter.setFont(small)
        row2 = QRectF(inner.left(), top.bottom(), inner.width(), 20 * s)
        ident = " · ".join(x for x in (tile.info.model, _short_serial(tile.info.serial)) if x)
        if tile.asset_tag:
            ident = f"{ident} · #{tile.asset_tag}"
        painter.drawText(
            row2,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(small).elidedText(ident, Qt.TextElideMode.ElideRight, int(row2.width())),
        )

        # Row 3: icon and state word.
        row3 = QRectF(inner.left(), row2.bottom() + 4 * s, inner.width(), 34 * s)
        icon_box = QRectF(row3.left(), row3.top() + 2 * s, 30 * s, 30 * s)
        _draw_icon(painter, style.icon, icon_box, ink, s)
        word_font = _font(24 * s, bold=True)
        painter.setFont(word_font)
        word_rect = row3.adjusted(38 * s, 0, 0, 0)
        painter.drawText(
            word_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, style.word
        )

        # Row 4: the instruction or reason, up to two lines.
        detail_font = _font(15 * s)
        if view.state == DeviceState.DONE:
            detail_font = _font(22 * s, bold=True)
        painter.setFont(detail_font)
        row4 = QRectF(inner.left(), row3.bottom() + 2 * s, inner.width(), 42 * s)
        lines = _two_lines(QFontMetrics(detail_font), view.instruction, int(row4.width()))
        painter.drawText(row4, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, lines)

        # Bottom row: elapsed time; progress bar or Retry button.
        bottom = QRectF(inner.left(), inner.bottom() - 24 * s, inner.width(), 24 * s)
        painter.setFont(small)
        elapsed = format_elapsed(tile.elapsed())
        painter.drawText(
            bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elapsed
        )
        if view.state == DeviceState.PROVISIONING:
            done = max(0, tile.step_index) + tile.fraction
            overall = done / tile.total_steps if tile.total_steps else 0.0
            bar = QRectF(bottom.left() + 48 * s, bottom.center().y() - 6 * s, 0, 12 * s)
            bar.setRight(bottom.right())
            painter.setPen(QPen(ink, 1.5 * s))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(bar, 6 * s, 6 * s)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(ink)
            filled = QRectF(bar)
            filled.setWidth(max(bar.height(), bar.width() * min(1.0, overall)))
            painter.drawRoundedRect(filled, 6 * s, 6 * s)
        elif view.can_retry:
            button = QRectF(retry_rect(option.rect, s))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#FFFFFF"))
            painter.drawRoundedRect(button, 6 * s, 6 * s)
            painter.setPen(QColor(style.colour).darker(130))
            painter.setFont(_font(16 * s, bold=True))
            painter.drawText(button, Qt.AlignmentFlag.AlignCenter, self.tr("Retry"))
        painter.restore()

    def _paint_compact(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        tile: Tile,
        view: TileView,
        selected: bool,
        flash_on: bool,
    ) -> None:
        """Label, icon and one word in type as large as the tile allows; a running device's
        progress as a bar along the bottom. The details panel has the rest."""
        s = self.scale
        style = view.style
        painter.save()
        rect, ink = _paint_card(painter, option, style, COMPACT_CARD, s, selected, flash_on)
        inner = rect.adjusted(7 * s, 4 * s, -6 * s, -5 * s)
        icon = QRectF(inner.right() - 24 * s, inner.top() + 4 * s, 24 * s, 24 * s)
        _draw_icon(painter, style.icon, icon, ink, s)
        top = QRectF(inner.left(), inner.top(), icon.left() - inner.left() - 2 * s, 36 * s)
        label_font = _fitting_font(tile.label, 31 * s, 18 * s, int(top.width()))
        painter.setFont(label_font)
        label = QFontMetrics(label_font).elidedText(
            tile.label, Qt.TextElideMode.ElideRight, int(top.width())
        )
        painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
        bar_height = 6 * s if view.state == DeviceState.PROVISIONING else 0
        word_row = QRectF(inner.left(), top.bottom(), inner.width(), inner.bottom() - top.bottom())
        word_row.setBottom(word_row.bottom() - bar_height - (2 * s if bar_height else 0))
        word = compact_word(tile, view)
        word_font = _fitting_font(word, 20 * s, 13 * s, int(word_row.width()))
        painter.setFont(word_font)
        painter.drawText(
            word_row,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(word_font).elidedText(
                word, Qt.TextElideMode.ElideRight, int(word_row.width())
            ),
        )
        if bar_height:  # its outline; `paint` fills it as the run goes, over the picture
            painter.setPen(QPen(ink, 1.2 * s))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(_compact_bar(QRectF(option.rect), s), 3 * s, 3 * s)
        painter.restore()

    def _fill_compact_bar(self, painter: QPainter, rect: QRect, tile: Tile, view: TileView) -> None:
        """A running compact tile's progress, drawn over its picture at every paint: progress
        alone never paints the tile afresh."""
        done = max(0, tile.step_index) + tile.fraction
        overall = min(1.0, done / tile.total_steps) if tile.total_steps else 0.0
        bar = _compact_bar(QRectF(rect), self.scale)
        bar.setWidth(max(bar.height(), bar.width() * overall))
        painter.fillRect(bar, QColor(view.style.text))

    def editorEvent(self, event: QEvent, model, option: QStyleOptionViewItem, index) -> bool:
        if (
            not self.compact  # a compact tile has no Retry button: F8 or the details panel
            and event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
        ):
            tile: Tile | None = index.data(TileRole)
            if (
                tile is not None
                and view_of(tile).can_retry
                and retry_rect(option.rect, self.scale).contains(event.position().toPoint())
            ):
                self.retry_clicked.emit(tile.endpoint)
                return True
        return super().editorEvent(event, model, option, index)


def compact_word(tile: Tile, view: TileView) -> str:
    """The one word of a compact tile: its state's, or the thing to do where that is shorter
    and says more (a done device is unplugged; a device not on the order is held back)."""
    if view.state == DeviceState.DONE:
        return QCoreApplication.translate("TileDelegate", "Unplug")
    if isinstance(tile.info.status, NotOnOrder):
        return QCoreApplication.translate("TileDelegate", "Held back")
    if view.state == DeviceState.NO_ADB:
        return QCoreApplication.translate("TileDelegate", "USB debug")
    return view.style.word


def _shown(
    tile: Tile,
    view: TileView,
    scale: float,
    compact: bool,
    selected: bool,
    flash_on: bool,
    option: QStyleOptionViewItem,
) -> tuple[object, ...]:
    """Everything a tile's picture depends on: when this is unchanged, so is the picture. A
    compact tile shows no time, serial or battery, and its progress is drawn over the picture:
    a bench of 256 running devices repaints a tile only when its state or word changes."""
    shown = (
        scale, compact, selected, flash_on, option.rect.size().toTuple(),
        option.palette.text().color().rgba(), tile.label,
    )  # fmt: skip
    if compact:
        return (*shown, view.state, compact_word(tile, view))
    info = tile.info
    progress = round((max(0, tile.step_index) + tile.fraction) * 100) if tile.running else -1
    return (
        *shown, view, info.model, info.serial, info.battery, tile.asset_tag,
        format_elapsed(tile.elapsed()), progress, tile.total_steps,
    )  # fmt: skip


def _compact_bar(tile: QRectF, s: float) -> QRectF:
    """Where a compact tile's progress bar goes, along its bottom."""
    inner = tile.adjusted(9 * s, 6 * s, -8 * s, -7 * s)
    return QRectF(inner.left(), inner.bottom() - 6 * s, inner.width(), 6 * s)


def tile_size(scale: float, compact: bool = False) -> QSize:
    base = COMPACT_SIZE if compact else BASE_SIZE
    return QSize(round(base.width() * scale), round(base.height() * scale))


def retry_rect(rect: QRect, s: float) -> QRect:
    width, height = round(86 * s), round(30 * s)
    return QRect(
        rect.right() - round(13 * s) - width, rect.bottom() - round(11 * s) - height, width, height
    )


def _font(pixels: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(max(8, round(pixels)))
    font.setBold(bold)
    return font


@functools.lru_cache(maxsize=4096)  # the same few words and labels at the same sizes
def _fitting_font(text: str, largest: float, smallest: float, width: int) -> QFont:
    """Bold type as large as fits `width`, down to `smallest` (then the text is elided)."""
    width -= 2  # rounding: what fits by a hair is elided when drawn
    font = _font(largest, bold=True)
    advance = QFontMetrics(font).horizontalAdvance(text)
    if advance > width > 0:  # narrower letters first, then smaller ones
        font.setStretch(QFont.Stretch.Condensed)
        advance = QFontMetrics(font).horizontalAdvance(text)
    if advance > width > 0:
        font = _font(max(smallest, math.floor(largest * width / advance)), bold=True)
        while font.pixelSize() > smallest and QFontMetrics(font).horizontalAdvance(text) > width:
            font.setPixelSize(font.pixelSize() - 1)
    return font


def _short_serial(serial: str | None) -> str:
    if not serial:
        return ""
    return serial if len(serial) <= 8 else "…" + serial[-6:]


def _two_lines(metrics: QFontMetrics, text: str, width: int) -> str:
    if metrics.horizontalAdvance(text) <= width:
        return text
    words = text.split()
    first = ""
    while words and metrics.horizontalAdvance((first + " " + words[0]).strip()) <= width:
        first = (first + " " + words.pop(0)).strip()
    if not first:  # one long word: cut it
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
    rest = metrics.elidedText(" ".join(words), Qt.TextElideMode.ElideRight, width)
    return f"{first}\n{rest}"


def _paint_card(
    painter: QPainter,
    option: QStyleOptionViewItem,
    style: StateStyle,
    shape: CardShape,
    s: float,
    selected: bool,
    flash_on: bool,
) -> tuple[QRectF, QColor]:
    """The state-coloured card with its flash and selection rings; returns the card's rect and
    the ink for what goes on it (the pen is set to that ink)."""
    m = shape.margin * s
    rect = QRectF(option.rect).adjusted(m, m, -m, -m)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    ink = QColor(style.text)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(style.colour))
    painter.drawRoundedRect(rect, shape.corner * s, shape.corner * s)
    if flash_on:
        inset = shape.flash_inset * s
        painter.setPen(QPen(QColor("#F0E442"), shape.flash_pen * s))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(
            rect.adjusted(inset, inset, -inset, -inset),
            shape.flash_corner * s,
            shape.flash_corner * s,
        )
    if selected:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(option.palette.text().color(), 4 * s))
        corner = shape.selected_corner * s
        painter.drawRoundedRect(rect.adjusted(-1, -1, 1, 1), corner, corner)
    painter.setPen(ink)
    return rect, ink


def _draw_battery(painter: QPainter, row: QRectF, percent: int, ink: QColor, s: float) -> None:
    painter.save()
    font = _font(16 * s, bold=percent < 20)
    painter.setFont(font)
    text = f"{percent}%"
    text_width = QFontMetrics(font).horizontalAdvance(text)
    painter.drawText(row, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
    body = QRectF(0, 0, 26 * s, 13 * s)
    body.moveCenter(QPointF(row.right() - text_width - 8 * s - 13 * s, row.center().y()))
    painter.setPen(QPen(ink, 1.6 * s))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(body, 2 * s, 2 * s)
    painter.setBrush(ink)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRect(QRectF(body.right(), body.center().y() - 3 * s, 3 * s, 6 * s))
    level = body.adjusted(2.5 * s, 2.5 * s, -2.5 * s, -2.5 * s)
    level.setWidth(level.width() * max(0, min(100, percent)) / 100)
    painter.drawRect(level)
    painter.restore()


def _draw_icon(painter: QPainter, name: str, box: QRectF, ink: QColor, s: float) -> None:
    """Distinct shapes per state, so the state reads without colour."""
    painter.save()
    pen = QPen(ink, 3.4 * s, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    c, r = box.center(), box.width() / 2 - 2 * s
    if name == "check":
        path = QPainterPath(QPointF(c.x() - r * 0.8, c.y()))
        path.lineTo(c.x() - r * 0.2, c.y() + r * 0.6)
        path.lineTo(c.x() + r * 0.9, c.y() - r * 0.7)
        painter.drawPath(path)
    elif name == "cross":
        painter.drawLine(
            QPointF(c.x() - r * 0.7, c.y() - r * 0.7), QPointF(c.x() + r * 0.7, c.y() + r * 0.7)
        )
        painter.drawLine(
            QPointF(c.x() + r * 0.7, c.y() - r * 0.7), QPointF(c.x() - r * 0.7, c.y() + r * 0.7)
        )
    elif name == "forbidden":
        painter.drawEllipse(c, r, r)
        d = r * math.sqrt(0.5)
        painter.drawLine(QPointF(c.x() - d, c.y() - d), QPointF(c.x() + d, c.y() + d))
    elif name == "spinner":
        arc = QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r)
        start = int((time.monotonic() * 360) % 360) * 16
        painter.drawArc(arc, start, 270 * 16)
    elif name == "dot":
        painter.setBrush(ink)
        path = QPainterPath(QPointF(c.x() - r * 0.6, c.y() - r * 0.8))
        path.lineTo(c.x() + r * 0.9, c.y())
        path.lineTo(c.x() - r * 0.6, c.y() + r * 0.8)
        path.closeSubpath()
        painter.drawPath(path)
    elif name in ("alert", "hand"):
        path = QPainterPath(QPointF(c.x(), c.y() - r))
        path.lineTo(c.x() + r, c.y() + r * 0.85)
        path.lineTo(c.x() - r, c.y() + r * 0.85)
        path.closeSubpath()
        painter.drawPath(path)
        painter.drawLine(QPointF(c.x(), c.y() - r * 0.35), QPointF(c.x(), c.y() + r * 0.25))
        painter.drawPoint(QPointF(c.x(), c.y() + r * 0.58))
    elif name == "plug":
        for dx in (-0.6, 0.0, 0.6):
            painter.drawPoint(QPointF(c.x() + r * dx, c.y()))
    else:  # dashed outline: nothing in this port
        dashed = QPen(pen)
        dashed.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(dashed)
        painter.drawRoundedRect(QRectF(c.x() - r * 0.6, c.y() - r, r * 1.2, r * 2), 3 * s, 3 * s)
    painter.restore()
