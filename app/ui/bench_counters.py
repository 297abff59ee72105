"""The bench's counters: devices done, failed, refused and at work, devices an hour, and
how the station's sync with the backend goes."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QLocale, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from app.sync import SyncState, SyncStatus

STYLE = "font-size: 15px; padding: 0 6px;"
SMALLEST_SYNC = 90  # px: "sync: …" still says there is something to point at


class BenchCounters(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.states = QLabel()
        self.rate = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for label in (self.states, self.rate):
            label.setStyleSheet(STYLE)
            layout.addWidget(label)

    def show_counts(self, counts: dict[str, int], per_hour: float) -> None:
        """`counts` by state name, as `DeviceModel.counters` gives them."""
        number = QLocale().toString
        self.states.setText(
            self.tr(
                "✓ {done} done   ✗ {failed} failed   ⊘ {refused} refused   ▶ {working} in progress"
            ).format(
                done=number(counts["done"]),
                failed=number(counts["failed"]),
                refused=number(counts["refused"]),
                working=number(counts["provisioning"]),
            )
        )
        self.rate.setText(self.tr("{rate} / hour").format(rate=number(round(per_hour))))


class SyncLabel(QLabel):
    """The sync state, elided to the room the toolbar leaves it (a long backend error never
    widens the window); the whole of it in its tool tip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(STYLE)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.words = self.tr("sync: —")
        self.setText(self.words)

    def show_sync(self, status: SyncStatus) -> None:
        self.words = self.sync_words(status)
        self.setToolTip(self.words)
        self.updateGeometry()
        self._elide()

    def sync_words(self, status: SyncStatus) -> str:
        """The sync state for the toolbar: "sync: synced", "sync: offline since 14:02 · 3
        waiting to sync"; a count in the language's plural forms and number format."""
        if status.state is SyncState.SYNCED:
            words = self.tr("synced")
        elif status.state is SyncState.OFFLINE and status.offline_since:
            since = QDateTime.fromSecsSinceEpoch(int(status.offline_since.timestamp()))
            time = QLocale().toString(since.time(), QLocale.FormatType.ShortFormat)
            waiting = self.tr("offline since {time} · %Ln waiting to sync", "", status.waiting)
            words = waiting.format(time=time)
        elif status.state is SyncState.WAITING:
            words = self.tr("%Ln waiting to sync", "", status.waiting)
        else:  # the backend's or the network's own words
            words = self.tr("sync error: {problem}").format(problem=status.message)
        return self.tr("sync: {status}").format(status=words)

    def sizeHint(self) -> QSize:
        """As wide as the whole words, whatever is shown now."""
        width = self.fontMetrics().horizontalAdvance(self.words) + self._padding()
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(SMALLEST_SYNC, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _padding(self) -> int:
        """What the label adds around its text (style sheet padding, margins)."""
        return super().sizeHint().width() - self.fontMetrics().horizontalAdvance(self.text())

    def _elide(self) -> None:
        room = max(1, self.width() - self._padding())
        metrics = self.fontMetrics()
        text = self.words
        if metrics.horizontalAdvance(text) > room:
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
        if text != self.text():
            self.setText(text)
