"""Carries the core's events from worker threads to the GUI thread as Qt signals.

Workers call `post(event)`; it only appends to a queue under a lock, so it is cheap and
never blocks a device worker on the GUI. The first post of a batch wakes the GUI thread
through a queued signal; the GUI thread then drains everything that arrived meanwhile.
Progress events are coalesced: while a batch waits, a newer StepProgress for a device
replaces the older one, so a 100-device transfer flood costs one update per device per
batch instead of thousands.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.core import (
    DeviceChanged,
    LogLine,
    RunEvent,
    RunFinished,
    RunStarted,
    StepFinished,
    StepProgress,
    StepStarted,
    endpoint_of,
)


class EventBridge(QObject):
    device_changed = Signal(object)  # DeviceChanged
    run_started = Signal(object)  # RunStarted
    step_started = Signal(object)  # StepStarted
    step_progress = Signal(object)  # StepProgress
    step_finished = Signal(object)  # StepFinished
    log_line = Signal(object)  # LogLine
    run_finished = Signal(object)  # RunFinished
    batch_done = Signal()  # after each drained batch: a cue to refresh counters once

    _wake = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending: list[RunEvent] = []
        self._progress_slot: dict[str, int] = {}  # endpoint -> index of its queued progress
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)
        self._signals = {
            DeviceChanged: self.device_changed,
            RunStarted: self.run_started,
            StepStarted: self.step_started,
            StepProgress: self.step_progress,
            StepFinished: self.step_finished,
            LogLine: self.log_line,
            RunFinished: self.run_finished,
        }

    def post(self, event: RunEvent) -> None:
        """Queue an event from any thread; cheap and non-blocking."""
        with self._lock:
            wake = not self._pending
            endpoint = endpoint_of(event)
            if isinstance(event, StepProgress):
                slot = self._progress_slot.get(endpoint)
                if slot is not None:
                    self._pending[slot] = event
                    return
                self._progress_slot[endpoint] = len(self._pending)
            else:
                # Later progress must queue after this event, not replace an earlier one.
                self._progress_slot.pop(endpoint, None)
            self._pending.append(event)
        if wake:
            self._wake.emit()

    @Slot()
    def _drain(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            self._progress_slot.clear()
        for event in batch:
            signal = self._signals.get(type(event))
            if signal is not None:
                signal.emit(event)
        if batch:
            self.batch_done.emit()
