"""The bench's tiles, grouped by hub, at the density that shows every device at once.

A hub is the label's prefix before its port number (A1..A10 are hub A, as the port map and
the generated labels name them). Each hub is a block: a header (its name and how many of its
devices are in each state) over its tiles in a grid. `plan_grid` picks the largest tiles at
which every block fits the visible area (large tiles with the run's details for a dozen
devices, compact ones with label, colour, icon and one word for 150); only when even the
smallest compact tiles do not fit does the grid scroll.

The view paints each tile through the delegate's cached picture and repaints only the tile
that changed and, when its state changed, its hub's header; layouts are computed once per
event-loop turn however many rows arrive.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QHelpEvent, QPainter, QRegion
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyleOptionViewItem, QToolTip, QWidget

from app.core import DeviceState
from app.ui.device_model import TileRole
from app.ui.tile_view import STYLES, Tile
from app.ui.tiles import (
    COMPACT_MAX_SCALE,
    COMPACT_MIN_SCALE,
    MAX_SCALE,
    MIN_SCALE,
    TileDelegate,
    tile_size,
)

TILE_GAP = 4
BLOCK_GAP_X = 8
BLOCK_GAP_Y = 8
HEADER_HEIGHT = 26
MARGIN = 4
SCALE_STEP = 0.02
BAR_WIDTH_PER_DEVICE = 36  # a header's bar of states: as wide as its block, up to this each
# A header's states, most wanted first: its counts read left to right in this order.
HEADER_ORDER = (
    DeviceState.DONE,
    DeviceState.PROVISIONING,
    DeviceState.READY,
    DeviceState.UNAUTHORIZED,
    DeviceState.NO_ADB,
    DeviceState.FAILED,
    DeviceState.REFUSED,
    DeviceState.ATTACHED,
    DeviceState.DETACHED,
)
_PORT_NUMBER = re.compile(r"^(.*?)[\s._-]*\d+$")


def hub_of(label: str) -> str:
    """The hub a bench label belongs to: its text before the port number ("B7" -> "B")."""
    match = _PORT_NUMBER.match(label.strip())
    return match.group(1) if match else label.strip()


@dataclass(frozen=True)
class Density:
    compact: bool
    scale: float

    @property
    def tile(self) -> QSize:
        return tile_size(self.scale, compact=self.compact)


def _densities() -> list[Density]:
    """Every tile size the grid may use, largest first."""

    def steps(high: float, low: float) -> list[float]:
        count = round((high - low) / SCALE_STEP)
        return [round(high - i * SCALE_STEP, 2) for i in range(count + 1)]

    large = [Density(False, s) for s in steps(MAX_SCALE, MIN_SCALE)]
    return large + [Density(True, s) for s in steps(COMPACT_MAX_SCALE, COMPACT_MIN_SCALE)]


DENSITIES = _densities()


@dataclass
class HubBlock:
    name: str
    rows: list[int]  # model rows shown in this block, in label order
    header: QRect = field(default_factory=QRect)
    counts: dict[DeviceState, int] = field(default_factory=dict)


@dataclass
class GridPlan:
    """Where everything goes, in content coordinates (before scrolling)."""

    density: Density
    columns: int  # tiles per row inside a hub's block
    blocks: list[HubBlock]
    cells: dict[int, QRect]  # model row -> its tile's rectangle
    height: int
    area: QSize  # what it was planned for

    @property
    def fits(self) -> bool:
        """Every tile is visible without scrolling."""
        return self.height <= self.area.height()


def _block_size(count: int, columns: int, tile: QSize) -> QSize:
    across = min(columns, count)
    down = math.ceil(count / across)
    return QSize(
        across * (tile.width() + TILE_GAP) - TILE_GAP,
        HEADER_HEIGHT + down * (tile.height() + TILE_GAP) - TILE_GAP,
    )


def _arrange(counts: list[int], columns: int, tile: QSize, width: int) -> list[QPoint] | None:
    """Top-left corner of each hub's block, flowing left to right; None if one is too wide."""
    corners: list[QPoint] = []
    x = y = row_height = 0
    for count in counts:
        size = _block_size(count, columns, tile)
        if size.width() > width:
            return None
        if x and x + size.width() > width:
            x, y, row_height = 0, y + row_height + BLOCK_GAP_Y, 0
        corners.append(QPoint(x, y))
        x += size.width() + BLOCK_GAP_X
        row_height = max(row_height, size.height())
    return corners


def _height(counts: list[int], columns: int, tile: QSize, corners: list[QPoint]) -> int:
    return max(
        (
            c.y() + _block_size(n, columns, tile).height()
            for c, n in zip(corners, counts, strict=True)
        ),
        default=0,
    )


def _best_columns(counts: list[int], tile: QSize, width: int) -> tuple[int, int] | None:
    """The block width (tiles across) that makes the grid shortest, and that height."""
    best: tuple[int, int] | None = None
    for columns in range(1, max(counts, default=1) + 1):
        corners = _arrange(counts, columns, tile, width)
        if corners is None:
            break  # wider blocks are wider still
        height = _height(counts, columns, tile, corners)
        if best is None or height <= best[1]:
            best = (columns, height)
    return best


def plan_grid(hubs: list[tuple[str, list[int]]], area: QSize) -> GridPlan:
    """The largest tiles at which every hub's block fits `area`; the smallest compact ones
    (and a scroll bar) when none do."""
    width = max(1, area.width() - 2 * MARGIN)
    height = max(1, area.height() - 2 * MARGIN)
    counts = [len(rows) for _name, rows in hubs]

    def fitting(density: Density) -> tuple[int, int] | None:
        best = _best_columns(counts, density.tile, width)
        return best if best is not None and best[1] <= height else None

    # Fitting is monotone in tile size: the first fitting density, by bisection.
    low, high = 0, len(DENSITIES)  # DENSITIES[high:] all fit, DENSITIES[:low] do not
    while low < high:
        middle = (low + high) // 2
        if fitting(DENSITIES[middle]) is not None:
            high = middle
        else:
            low = middle + 1
    density = DENSITIES[min(low, len(DENSITIES) - 1)]
    best = _best_columns(counts, density.tile, width)
    columns = best[0] if best else 1
    tile = density.tile
    corners = _arrange(counts, columns, tile, width) or [
        QPoint(0, i * 10_000) for i in range(len(counts))
    ]
    blocks: list[HubBlock] = []
    cells: dict[int, QRect] = {}
    for (name, rows), corner in zip(hubs, corners, strict=True):
        origin = corner + QPoint(MARGIN, MARGIN)
        across = min(columns, len(rows))
        header = QRect(origin, QSize(_block_size(len(rows), columns, tile).width(), HEADER_HEIGHT))
        blocks.append(HubBlock(name, rows, header))
        for i, row in enumerate(rows):
            x = origin.x() + (i % across) * (tile.width() + TILE_GAP)
            y = origin.y() + HEADER_HEIGHT + (i // across) * (tile.height() + TILE_GAP)
            cells[row] = QRect(QPoint(x, y), tile)
    total = _height(counts, columns, tile, corners) + 2 * MARGIN
    return GridPlan(density, columns, blocks, cells, total, QSize(area))


class TileGrid(QAbstractItemView):
    """One block per hub, each a header over its tiles; every tile visible when they fit."""

    def __init__(self, delegate: TileDelegate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.delegate = delegate
        self.setItemDelegate(delegate)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setMouseTracking(False)
        self.plan = plan_grid([], QSize(1, 1))
        self._shown_filter: Callable[[Tile], bool] | None = None
        self._states: dict[int, DeviceState] = {}  # model row -> the state its tile showed
        self._block_of: dict[int, HubBlock] = {}
        self._positions: list[int] = []  # rows in reading order, for the arrow keys

    # -- what is shown

    def set_filter(self, shown: Callable[[Tile], bool] | None) -> None:
        """Show only the tiles `shown` accepts (None: all); hidden tiles are deselected."""
        self._shown_filter = shown
        self.doItemsLayout()

    @property
    def filtered(self) -> bool:
        return self._shown_filter is not None

    def shown_rows(self) -> list[int]:
        return list(self._positions)

    def hub_blocks(self) -> list[HubBlock]:
        return list(self.plan.blocks)

    def setModel(self, model) -> None:
        super().setModel(model)
        model.rowsInserted.connect(self.scheduleDelayedItemsLayout)
        model.rowsRemoved.connect(self.scheduleDelayedItemsLayout)
        model.modelReset.connect(self.scheduleDelayedItemsLayout)
        self.scheduleDelayedItemsLayout()

    def doItemsLayout(self) -> None:
        model = self.model()
        hubs: list[tuple[str, list[int]]] = []
        self._states.clear()
        if model is not None:
            shown = self._shown_filter
            for row in range(model.rowCount()):
                tile: Tile | None = model.index(row, 0).data(TileRole)
                if tile is None:
                    continue
                self._states[row] = tile.state
                if shown is not None and not shown(tile):
                    continue
                name = hub_of(tile.label)
                if not hubs or hubs[-1][0] != name:
                    hubs.append((name, []))
                hubs[-1][1].append(row)
        self.plan = plan_grid(hubs, self.viewport().size())
        self.delegate.scale = self.plan.density.scale
        self.delegate.compact = self.plan.density.compact
        self._block_of = {row: block for block in self.plan.blocks for row in block.rows}
        self._positions = sorted(
            self.plan.cells, key=lambda r: (self.plan.cells[r].y(), self.plan.cells[r].x())
        )
        for block in self.plan.blocks:
            self._count(block)
        self._drop_hidden_selection()
        super().doItemsLayout()
        self.updateGeometries()
        self.viewport().update()

    def _drop_hidden_selection(self) -> None:
        selection = self.selectionModel()
        if selection is None:
            return
        hidden = [i for i in selection.selectedIndexes() if i.row() not in self.plan.cells]
        for index in hidden:
            selection.select(index, QItemSelectionModel.SelectionFlag.Deselect)

    def _count(self, block: HubBlock) -> None:
        block.counts = {}
        for row in block.rows:
            state = self._states[row]
            block.counts[state] = block.counts.get(state, 0) + 1

    def dataChanged(self, top_left, bottom_right, roles=()) -> None:
        """A tile changed: repaint it; if its state changed, its hub's header too (and the
        layout, when a filter decides by state)."""
        super().dataChanged(top_left, bottom_right, roles)
        model = self.model()
        for row in range(top_left.row(), bottom_right.row() + 1):
            tile: Tile | None = model.index(row, 0).data(TileRole)
            if tile is None:
                continue
            state = tile.state
            if self._shown_filter is not None and (row in self.plan.cells) != self._shown_filter(
                tile
            ):
                self.scheduleDelayedItemsLayout()
                continue
            was = self._states.get(row)
            if was is state:
                continue
            self._states[row] = state
            block = self._block_of.get(row)
            if block is not None and was is not None:
                block.counts[was] -= 1
                if not block.counts[was]:
                    del block.counts[was]
                block.counts[state] = block.counts.get(state, 0) + 1
                self.viewport().update(self._on_screen(block.header))

    def keyboardSearch(self, search: str) -> None:
        """Off: a barcode scan types letters, which must not move the selection."""

    # -- geometry

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.scheduleDelayedItemsLayout()

    def updateGeometries(self) -> None:
        bar = self.verticalScrollBar()
        page = self.viewport().height()
        bar.setRange(0, max(0, self.plan.height - page))
        bar.setPageStep(page)
        bar.setSingleStep(max(8, self.plan.density.tile.height() // 4))
        super().updateGeometries()

    def _on_screen(self, rect: QRect) -> QRect:
        return rect.translated(0, -self.verticalOffset())

    def visualRect(self, index: QModelIndex | QPersistentModelIndex) -> QRect:
        cell = self.plan.cells.get(index.row()) if index.isValid() else None
        return QRect() if cell is None else self._on_screen(cell)

    def isIndexHidden(self, index: QModelIndex | QPersistentModelIndex) -> bool:
        return index.row() not in self.plan.cells

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return self.verticalScrollBar().value()

    def indexAt(self, point: QPoint) -> QModelIndex:
        at = point + QPoint(0, self.verticalOffset())
        for row, cell in self.plan.cells.items():
            if cell.contains(at):
                return self.model().index(row, 0)
        return QModelIndex()

    def scrollTo(
        self,
        index: QModelIndex | QPersistentModelIndex,
        hint=QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        cell = self.plan.cells.get(index.row()) if index.isValid() else None
        if cell is None:
            return
        bar, page = self.verticalScrollBar(), self.viewport().height()
        if cell.top() < bar.value():
            bar.setValue(cell.top() - MARGIN)
        elif cell.bottom() > bar.value() + page:
            bar.setValue(cell.bottom() - page + MARGIN)

    def setSelection(self, rect: QRect, flags) -> None:
        area = rect.normalized().translated(0, self.verticalOffset())
        selection = QItemSelection()
        for row, cell in self.plan.cells.items():
            if cell.intersects(area):
                index = self.model().index(row, 0)
                selection.select(index, index)
        self.selectionModel().select(selection, flags)

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        region = QRegion()
        for index in selection.indexes():
            region += self.visualRect(index)
        return region

    def selectAll(self) -> None:
        """Every tile shown: a filtered bench selects only what it shows."""
        selection = QItemSelection()
        for row in self.plan.cells:
            index = self.model().index(row, 0)
            selection.select(index, index)
        self.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def moveCursor(self, action, modifiers) -> QModelIndex:
        """Arrow keys move to the next tile in that direction, across hubs."""
        if not self._positions:
            return QModelIndex()
        current = self.currentIndex()
        row = current.row() if current.isValid() and current.row() in self.plan.cells else None
        Action = QAbstractItemView.CursorAction
        if row is None or action in (Action.MoveHome, Action.MovePageUp):
            return self.model().index(self._positions[0], 0)
        if action in (Action.MoveEnd, Action.MovePageDown):
            return self.model().index(self._positions[-1], 0)
        here = self.plan.cells[row].center()
        if action in (Action.MoveLeft, Action.MovePrevious, Action.MoveRight, Action.MoveNext):
            sign = -1 if action in (Action.MoveLeft, Action.MovePrevious) else 1
            same_line = [r for r in self._positions if self.plan.cells[r].center().y() == here.y()]
            line = sorted(same_line, key=lambda r: self.plan.cells[r].x())
            at = line.index(row) + sign
            if 0 <= at < len(line):
                return self.model().index(line[at], 0)
            return current
        sign = -1 if action == Action.MoveUp else 1
        candidates = [
            r for r in self._positions if (self.plan.cells[r].center().y() - here.y()) * sign > 0
        ]
        if not candidates:
            return current

        def distance(r: int) -> tuple[int, int]:
            centre = self.plan.cells[r].center()
            return (abs(centre.y() - here.y()), abs(centre.x() - here.x()))

        return self.model().index(min(candidates, key=distance), 0)

    # -- painting

    def paintEvent(self, event) -> None:
        painter = QPainter(self.viewport())
        area = event.region()  # the changed tiles, not the rectangle around them all
        offset = self.verticalOffset()
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        selection = self.selectionModel()
        model = self.model()
        for block in self.plan.blocks:
            header = block.header.translated(0, -offset)
            if area.intersects(header):
                _paint_header(painter, header, block, option.palette.text().color())
        for row, cell in self.plan.cells.items():
            rect = cell.translated(0, -offset)
            if not area.intersects(rect):
                continue
            index = model.index(row, 0)
            item = QStyleOptionViewItem(option)
            item.rect = rect
            if selection is not None and selection.isSelected(index):
                item.state |= QStyle.StateFlag.State_Selected
            self.delegate.paint(painter, item, index)
        painter.end()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            at = event.pos() + QPoint(0, self.verticalOffset())
            for block in self.plan.blocks:
                if block.header.contains(at):
                    QToolTip.showText(event.globalPos(), header_words(block), self)
                    return True
        return super().viewportEvent(event)


def header_words(block: HubBlock) -> str:
    """A hub's counts in words, for its header's tool tip."""
    parts = [
        QCoreApplication.translate("TileGrid", "{count} {state}").format(
            count=block.counts[state], state=STYLES[state].word
        )
        for state in HEADER_ORDER
        if block.counts.get(state)
    ]
    hub = QCoreApplication.translate("TileGrid", "Hub {name}").format(name=block.name)
    return f"{hub}: " + ", ".join(parts)


def _paint_header(painter: QPainter, rect: QRect, block: HubBlock, ink: QColor) -> None:
    """The hub's name, then a bar of its states in their colours, each with its count."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    name_font = QFont()
    name_font.setPixelSize(17)
    name_font.setBold(True)
    painter.setFont(name_font)
    painter.setPen(ink)
    name_width = QFontMetrics(name_font).horizontalAdvance(block.name) + 6
    painter.drawText(
        QRect(rect.left(), rect.top(), name_width, rect.height() - 2),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        block.name,
    )
    total = sum(block.counts.values())
    width = min(rect.width() - name_width, BAR_WIDTH_PER_DEVICE * total)
    bar = QRectF(rect.left() + name_width, rect.top() + 3, width, 18)
    count_font = QFont()
    count_font.setPixelSize(14)
    count_font.setBold(True)
    painter.setFont(count_font)
    metrics = QFontMetrics(count_font)
    x = bar.left()
    for state in HEADER_ORDER:
        count = block.counts.get(state, 0)
        if not count or not total:
            continue
        share = bar.width() * count / total
        segment = QRectF(x, bar.top(), share, bar.height())
        style = STYLES[state]
        painter.fillRect(segment.adjusted(0, 0, -1, 0), QColor(style.colour))
        text = str(count)
        if metrics.horizontalAdvance(text) + 2 <= share:
            painter.setPen(QColor(style.text))
            painter.drawText(segment, Qt.AlignmentFlag.AlignCenter, text)
        x += share
    painter.restore()
