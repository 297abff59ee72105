"""A barcode scanner in keyboard-wedge mode: it "types" a code fast and ends with Enter.

The filter tells a scan from a person typing by speed: every key of a scan follows the
previous one within `max_gap_s`. Keys typed slower reset the buffer and pass through.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent

MIN_LENGTH = 3
MAX_GAP_S = 0.08


class BarcodeWedge(QObject):
    def __init__(
        self,
        on_scan: Callable[[str], None],
        parent: QObject | None = None,
        max_gap_s: float = MAX_GAP_S,
    ) -> None:
        super().__init__(parent)
        self._on_scan = on_scan
        self._max_gap_s = max_gap_s
        self._buffer = ""
        self._last = 0.0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        now = time.monotonic()
        if now - self._last > self._max_gap_s:
            self._buffer = ""
        self._last = now
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            code, self._buffer = self._buffer.strip(), ""
            if len(code) >= MIN_LENGTH:
                self._on_scan(code)
                return True
            return False
        text = event.text()
        if (
            text
            and text.isprintable()
            and not event.modifiers()
            & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        ):
            self._buffer += text
        return False
