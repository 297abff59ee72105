"""What the bench shows over its tiles when the station engine is not running: every tile
greyed out under one message, and the one action to take.

Bench staff see it from a metre away: a dark veil over all tiles (so none looks live), a
large title, a sentence about their devices, and a big button when a restart can help.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.engine_link import EngineState

WORDS = {
    EngineState.DIED: (
        "The station stopped",
        "Devices that were being provisioned were interrupted; they are recorded as "
        "interrupted. Everything already recorded is kept.",
        "Restart the station",
    ),
    EngineState.CANNOT_OPEN: (
        "The station cannot start",
        "Cannot open the station's database: {problem}",
        "Try again",
    ),
    EngineState.TAKEN: (
        "This station is already open",
        "{problem}. Use that window, or close it first.",
        "",
    ),
}


class EngineCover(QFrame):
    """Covers its parent whenever the engine is in a state of `WORDS`."""

    restart_requested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("engineCover")
        self.setStyleSheet(
            "#engineCover { background: rgba(45, 45, 45, 215); }"
            "QLabel { color: white; background: transparent; }"
        )
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 30px; font-weight: bold;")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setMaximumWidth(720)
        self.text.setStyleSheet("font-size: 19px;")
        self.button = QPushButton()
        self.button.setMinimumSize(280, 56)
        self.button.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.button.clicked.connect(self.restart_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (self.title, self.text, self.button):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.setSpacing(18)
        layout.addStretch(1)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._covered = parent
        parent.installEventFilter(self)
        self.hide()

    def show_state(self, state: EngineState, problem: str = "") -> None:
        words = WORDS.get(state)
        if words is None:
            self.hide()
            return
        title, text, action = words
        self.title.setText(title)
        self.text.setText(text.format(problem=problem))
        self.button.setText(action)
        self.button.setVisible(bool(action))
        self.setGeometry(self._covered.rect())
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._covered and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._covered.rect())
        return False
