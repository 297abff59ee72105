"""Hands the station's events to the window as Qt signals, on the GUI thread.

The engine runs in its own process and sends its events in batches, at most one a frame,
with progress already coalesced per device (`app.engine.outbox`); `EngineLink` receives each
batch and calls `deliver` on the GUI thread. Each event goes out on its own signal, then
`batch_done` once, the cue to refresh counters once per batch rather than per event.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

from app.core import (
    DeviceChanged,
    LogLine,
    RunEvent,
    RunFinished,
    RunStarted,
    StepFinished,
    StepProgress,
    StepStarted,
)


class EventBridge(QObject):
    device_changed = Signal(object)  # DeviceChanged
    run_started = Signal(object)  # RunStarted
    step_started = Signal(object)  # StepStarted
    step_progress = Signal(object)  # StepProgress
    step_finished = Signal(object)  # StepFinished
    log_line = Signal(object)  # LogLine
    run_finished = Signal(object)  # RunFinished
    batch_done = Signal()  # after each delivered batch: a cue to refresh counters once

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._signals = {
            DeviceChanged: self.device_changed,
            RunStarted: self.run_started,
            StepStarted: self.step_started,
            StepProgress: self.step_progress,
            StepFinished: self.step_finished,
            LogLine: self.log_line,
            RunFinished: self.run_finished,
        }

    def deliver(self, events: Iterable[RunEvent]) -> None:
        """On the GUI thread: each event's signal, in order, then `batch_done`."""
        for event in events:
            signal = self._signals.get(type(event))
            if signal is not None:
                signal.emit(event)
        self.batch_done.emit()
