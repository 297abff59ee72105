"""The bench's devices as a Qt list model, one row per endpoint, updated row by row.

Each event touches one row and emits `dataChanged` for that row only; rows are inserted
in the order of their bench labels (A1, A2, ... A10, B1: the Station gives each port its
label from the port map) and never reset (but when a restarted engine reports every device
afresh), so a bench of 150 devices with a run flooding
events repaints only the tiles that changed.
"""

from __future__ import annotations

import bisect
import time
from collections import deque

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from app.core import (
    DeviceChanged,
    DeviceInfo,
    DeviceState,
    LogLine,
    RunFinished,
    RunOutcome,
    RunStarted,
    StepFinished,
    StepProgress,
    StepResult,
    StepStarted,
    StepStatus,
)
from app.devices.slots import label_order, port_key
from app.ui.language import QT_TRANSLATE_NOOP
from app.ui.reason_words import reason_words
from app.ui.tile_view import STYLES, StepView, Tile, log_words

TileRole = Qt.ItemDataRole.UserRole + 1
FLASH_SECONDS = 3.0
OUTCOME_WORDS = {  # the log's last line of a run, translated where written
    RunOutcome.RUNNING: QT_TRANSLATE_NOOP("DeviceModel", "— run still running"),
    RunOutcome.DONE: QT_TRANSLATE_NOOP("DeviceModel", "— run done"),
    RunOutcome.FAILED: QT_TRANSLATE_NOOP("DeviceModel", "— run failed"),
    RunOutcome.REFUSED: QT_TRANSLATE_NOOP("DeviceModel", "— run refused"),
    RunOutcome.INTERRUPTED: QT_TRANSLATE_NOOP("DeviceModel", "— run interrupted"),
}


class DeviceModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tiles: list[Tile] = []
        self._sort_keys: list[tuple] = []
        self._rows: dict[str, int] = {}
        self.finished_runs: deque[tuple[float, RunOutcome]] = deque(maxlen=100_000)
        self.first_start: float | None = None
        self._step_names: dict[tuple[str, int], list[str]] = {}

    # -- Qt model

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._tiles)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid() or index.row() >= len(self._tiles):
            return None
        tile = self._tiles[index.row()]
        if role == TileRole:
            return tile
        if role == Qt.ItemDataRole.DisplayRole:
            return tile.label
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{tile.label} · {tile.info.model or ''} · {tile.info.serial or tile.endpoint}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{tile.label} {STYLES[tile.state].word} {tile.reason}"
        return None

    # -- lookups

    def tiles(self) -> list[Tile]:
        return list(self._tiles)

    def tile(self, endpoint: str) -> Tile | None:
        row = self._rows.get(endpoint)
        return None if row is None else self._tiles[row]

    def tile_at(self, index: QModelIndex) -> Tile | None:
        return self._tiles[index.row()] if index.isValid() else None

    def index_of(self, endpoint: str) -> QModelIndex:
        row = self._rows.get(endpoint)
        return QModelIndex() if row is None else self.index(row)

    def counters(self) -> dict[str, int]:
        counts = {"done": 0, "failed": 0, "provisioning": 0, "refused": 0, "devices": 0}
        for tile in self._tiles:
            counts["devices"] += 1
            state = tile.state.value
            if state in counts:
                counts[state] += 1
        return counts

    def devices_per_hour(self, now: float | None = None) -> float:
        """Devices done in the last hour, extrapolated while the session is younger than that."""
        if self.first_start is None:
            return 0.0
        now = now or time.monotonic()
        window = min(3600.0, max(60.0, now - self.first_start))
        done = sum(
            1
            for at, outcome in self.finished_runs
            if outcome == RunOutcome.DONE and now - at <= window
        )
        return done * 3600.0 / window

    def set_step_names(self, template: str, version: int, names: list[str]) -> None:
        """Names for a template's steps, so a run lists every step before it reaches it."""
        self._step_names[(template, version)] = list(names)

    # -- events (GUI thread, from the bridge)

    def on_device_changed(self, event: DeviceChanged) -> None:
        info = event.device
        tile = self.tile(info.endpoint)
        if tile is None:
            self._insert(Tile(info))
            return
        if tile.result and info.serial and tile.result.serial not in (None, info.serial):
            tile.result = None  # another device in this port: the last outcome was not its
            tile.steps = []
            tile.started = tile.finished = None
        tile.info = info
        self._changed(tile)

    def on_run_started(self, event: RunStarted) -> None:
        tile = self._ensure(event.endpoint)
        now = time.monotonic()
        if self.first_start is None:
            self.first_start = now
        tile.run_id = event.run_id
        tile.running = True
        tile.total_steps = event.total_steps
        tile.step_index = -1
        tile.step_name = ""
        tile.fraction = 0.0
        names = self._step_names.get((event.template_name, event.template_version), [])
        tile.steps = [
            StepView(i, names[i] if i < len(names) else "") for i in range(event.total_steps)
        ]
        tile.started, tile.finished = now, None
        tile.result = None
        tile.flash_until = 0.0
        tile.log.append(
            self.tr("— run of {template} v{version} started").format(
                template=event.template_name, version=event.template_version
            )
        )
        self._changed(tile)

    def on_step_started(self, event: StepStarted) -> None:
        tile = self._ensure(event.endpoint)
        tile.step_index, tile.step_name, tile.fraction = event.index, event.name, 0.0
        tile.total_steps = event.total
        _grow(tile.steps, event.index)
        step = tile.steps[event.index]
        step.name, step.status = event.name, StepStatus.RUNNING
        self._changed(tile)

    def on_step_progress(self, event: StepProgress) -> None:
        tile = self._ensure(event.endpoint)
        if event.index == tile.step_index:
            tile.fraction = min(1.0, max(0.0, event.fraction))
            self._changed(tile)

    def on_step_finished(self, event: StepFinished) -> None:
        tile = self._ensure(event.endpoint)
        self._record_step(tile, event.result)
        tile.fraction = 1.0
        self._changed(tile)

    def on_log_line(self, event: LogLine) -> None:
        tile = self._ensure(event.endpoint)
        tile.log.append(f"{event.at:%H:%M:%S} {log_words(event)}")

    def on_run_finished(self, event: RunFinished) -> None:
        result = event.result
        tile = self._ensure(result.endpoint)
        now = time.monotonic()
        tile.running = False
        tile.result = result
        tile.finished = now
        tile.asset_tag = result.asset_tag or tile.asset_tag
        for step in result.steps:
            self._record_step(tile, step)
        if result.outcome == RunOutcome.FAILED:
            tile.flash_until = now + FLASH_SECONDS
        self.finished_runs.append((now, result.outcome))
        ended = QCoreApplication.translate("DeviceModel", OUTCOME_WORDS[result.outcome])
        said = reason_words(result.why) if result.why else result.error
        tile.log.append(f"{ended}: {said}" if said else ended)
        self._changed(tile)

    def clear(self) -> None:
        """Forget every tile: a restarted engine reports each device afresh."""
        self.beginResetModel()
        self._tiles.clear()
        self._sort_keys.clear()
        self._rows.clear()
        self.endResetModel()

    def set_label_waiting(self, serial: str, why: str | None) -> None:
        """A label of this device could not be printed yet (None: it was printed)."""
        for tile in self._tiles:
            if tile.info.serial == serial and tile.label_waiting != why:
                tile.label_waiting = why
                self._changed(tile)

    def set_asset_tag(self, endpoint: str, tag: str) -> None:
        tile = self.tile(endpoint)
        if tile is not None:
            tile.asset_tag = tag
            self._changed(tile)

    def refresh(self, endpoints: list[str]) -> None:
        """Repaint some tiles (elapsed time, flashing) without touching the others."""
        for endpoint in endpoints:
            tile = self.tile(endpoint)
            if tile is not None:
                self._changed(tile)

    # -- internals

    def _record_step(self, tile: Tile, result: StepResult) -> None:
        _grow(tile.steps, result.index)
        step = tile.steps[result.index]
        step.name = result.name or step.name
        step.status = result.status
        step.duration_ms = result.duration_ms
        step.message = result.message
        step.why = result.why

    def _ensure(self, endpoint: str) -> Tile:
        tile = self.tile(endpoint)
        if tile is None:
            info = DeviceInfo(endpoint, port_key(endpoint), DeviceState.ATTACHED)
            self.on_device_changed(DeviceChanged(info))
            tile = self.tile(endpoint)
            assert tile is not None
        return tile

    def _insert(self, tile: Tile) -> None:
        key = (label_order(tile.label), tile.endpoint)
        row = bisect.bisect(self._sort_keys, key)
        self.beginInsertRows(QModelIndex(), row, row)
        self._tiles.insert(row, tile)
        self._sort_keys.insert(row, key)
        self._rows = {t.endpoint: i for i, t in enumerate(self._tiles)}
        self.endInsertRows()

    def _changed(self, tile: Tile) -> None:
        index = self.index(self._rows[tile.endpoint])
        self.dataChanged.emit(index, index, [TileRole])


def _grow(steps: list[StepView], index: int) -> None:
    while len(steps) <= index:
        steps.append(StepView(len(steps), ""))
