"""What the bench shows over its tiles when the station engine is not running: every tile
greyed out under one message, and the one action to take.

Bench staff see it from a metre away: a grey veil over all tiles (so none looks live), and
on it a dark card with a large title, a sentence about their devices, and a big button when
a restart can help.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.engine_link import EngineState
from app.ui.language import QT_TRANSLATE_NOOP

TEXT_WIDTH = 560
WORDS = {  # (title, sentence, button), translated where shown
    EngineState.DIED: (
        QT_TRANSLATE_NOOP("EngineCover", "The station stopped"),
        QT_TRANSLATE_NOOP(
            "EngineCover",
            "Devices that were being provisioned were interrupted; they are recorded as "
            "interrupted. Everything already recorded is kept.",
        ),
        QT_TRANSLATE_NOOP("EngineCover", "Restart the station"),
    ),
    EngineState.CANNOT_OPEN: (
        QT_TRANSLATE_NOOP("EngineCover", "The station cannot start"),
        QT_TRANSLATE_NOOP("EngineCover", "Cannot open the station's database: {problem}"),
        QT_TRANSLATE_NOOP("EngineCover", "Try again"),
    ),
    EngineState.TAKEN: (
        QT_TRANSLATE_NOOP("EngineCover", "This station is already open"),
        QT_TRANSLATE_NOOP("EngineCover", "{problem}. Use that window, or close it first."),
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
            "#engineCover { background: rgba(70, 70, 70, 220); }"
            "#engineCard { background: #202124; border-radius: 12px; }"
            "#engineCard QLabel { color: white; background: transparent; }"
        )
        card = QFrame(self)
        card.setObjectName("engineCard")
        self.title = QLabel()
        self.title.setFont(_font(32, bold=True))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setFixedWidth(TEXT_WIDTH)
        self.text.setFont(_font(20))
        self.button = QPushButton()
        self.button.setMinimumSize(300, 56)
        self.button.setFont(_font(20, bold=True))
        self.button.clicked.connect(self.restart_requested)
        inside = QVBoxLayout(card)
        inside.setContentsMargins(36, 28, 36, 32)
        inside.setSpacing(18)
        for widget in (self.title, self.text, self.button):
            inside.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self._covered = parent
        parent.installEventFilter(self)
        self.hide()

    def show_state(self, state: EngineState, problem: str = "") -> None:
        words = WORDS.get(state)
        if words is None:
            self.hide()
            return
        title, text, action = (
            QCoreApplication.translate("EngineCover", word) if word else "" for word in words
        )
        self.title.setText(title)
        self.text.setText(text.format(problem=problem))
        # A wrapped label in a centring layout gets no height for its width by itself.
        self.text.setMinimumHeight(self.text.heightForWidth(TEXT_WIDTH))
        self.button.setText(action)
        self.button.setVisible(bool(action))
        self.setGeometry(self._covered.rect())
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._covered and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._covered.rect())
        return False


def _font(pixels: int, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font
