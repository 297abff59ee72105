"""The bench's counters: devices done, failed, refused and at work, devices an hour, and
how the station's sync with the backend goes."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from app.sync import SyncState, SyncStatus


class BenchCounters(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.states = QLabel()
        self.rate = QLabel()
        self.sync = QLabel(self.tr("sync: —"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for label in (self.states, self.rate, self.sync):
            label.setStyleSheet("font-size: 15px; padding: 0 6px;")
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

    def show_sync(self, status: SyncStatus) -> None:
        self.sync.setText(sync_words(status))


def sync_words(status: SyncStatus) -> str:
    """The sync state for the toolbar: "sync: synced", "sync: offline since 14:02 · 3 waiting"."""
    if status.state is SyncState.SYNCED:
        words = QCoreApplication.translate("BenchCounters", "synced")
    elif status.state is SyncState.OFFLINE and status.offline_since:
        since = QDateTime.fromSecsSinceEpoch(int(status.offline_since.timestamp()))
        words = QCoreApplication.translate(
            "BenchCounters", "offline since {time} · {count} waiting to sync"
        ).format(
            time=QLocale().toString(since.time(), QLocale.FormatType.ShortFormat),
            count=QLocale().toString(status.waiting),
        )
    elif status.state is SyncState.WAITING:
        words = QCoreApplication.translate("BenchCounters", "{count} waiting to sync").format(
            count=QLocale().toString(status.waiting)
        )
    else:  # the backend's or the network's own words
        words = QCoreApplication.translate("BenchCounters", "sync error: {problem}").format(
            problem=status.message
        )
    return QCoreApplication.translate("BenchCounters", "sync: {status}").format(status=words)
