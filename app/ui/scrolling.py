"""A panel taller than the room a small screen leaves it scrolls, instead of making the
window taller than the screen."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


class VerticalScroll(QScrollArea):
    """Shows `widget` at the width of the room, at least its own minimum, never scrolled
    sideways; up and down when the room is lower than the widget's minimum height. Where there
    is room the widget grows as its layout says (tables and logs take the height)."""

    def __init__(self, widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inner = widget
        self.setWidget(widget)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The widget's own minimum changed (a longer value, another language): so does ours,
        or the splitter holding us would cut the widget off at the right."""
        if watched is self.inner and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def minimumSizeHint(self) -> QSize:
        inner = self.inner.minimumSizeHint().width()
        scroll_bar = self.verticalScrollBar().sizeHint().width()
        return QSize(inner + scroll_bar, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return self.inner.sizeHint().expandedTo(self.minimumSizeHint())
