"""The selected device: its info, every step with status and duration, its live log, actions."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core import DeviceState, LogLine, RunOutcome, RunResult, StepStatus
from app.core.identity import IdentityGap
from app.ui.tile_view import STYLES, Tile
from app.ui.tiles import format_elapsed

STATUS_WORDS = {
    StepStatus.PENDING: "·",
    StepStatus.RUNNING: "▶ running",
    StepStatus.OK: "✓ ok",
    StepStatus.CHANGED: "✓ changed",
    StepStatus.SKIPPED: "– skipped",
    StepStatus.FAILED: "✗ failed",
}


IDENTITY_FIELDS = (  # (row label, field of DeviceIdentity)
    ("IMEI", "imei"),
    ("MEID", "meid"),
    ("Wi-Fi MAC", "wifi_mac"),
    ("Bluetooth MAC", "bluetooth_mac"),
    ("Fingerprint", "build_fingerprint"),
    ("Security patch", "security_patch"),
)
GAP_WORDS = {
    IdentityGap.REFUSED: "refused to the shell",
    IdentityGap.NO_RADIO: "the device has no such radio",
    IdentityGap.RANDOMIZED: "only a randomized MAC is visible",
    IdentityGap.UNREADABLE: "the answer could not be read",
}


def gap_text(gap: IdentityGap | str, android_release: str | None) -> str:
    """Why a field is empty, in words: e.g. "not given by Android 14 (refused to the shell)"."""
    gap = IdentityGap(gap)
    if gap is IdentityGap.NO_RADIO:
        return f"none ({GAP_WORDS[gap]})"
    android = f"Android {android_release}" if android_release else "Android"
    return f"not given by {android} ({GAP_WORDS[gap]})"


def identity_values(
    fields: dict[str, object], gaps: dict[str, str], android_release: str | None,
    scanned: tuple[str, ...] = (),
) -> dict[str, str]:  # fmt: skip
    """Row label -> text for a device's identity (a DeviceIdentity's or a history run's fields)."""
    values = {}
    for label, name in IDENTITY_FIELDS:
        value = fields.get(name)
        if isinstance(value, list | tuple):
            value = ", ".join(value)
        if value:
            text = str(value) + (" (scanned from the box label)" if name in scanned else "")
        elif name in gaps:
            text = gap_text(gaps[name], android_release)
        else:
            text = "—"
        values[label] = text
    return values


def _identity_of(result: RunResult | None, android_release: str | None) -> dict[str, str]:
    """The identity the last run read, with the Android release it ran on."""
    identity = result.identity if result else None
    if result is None or identity is None:
        return {label: "— (read when a run starts)" for label, _ in IDENTITY_FIELDS}
    fields = {name: getattr(identity, name) for _, name in IDENTITY_FIELDS}
    android = result.android_release or android_release
    return identity_values(fields, dict(identity.gaps), android, identity.scanned)


class DetailsPanel(QWidget):
    retry_requested = Signal(str)  # endpoint
    force_requested = Signal(str)
    stop_requested = Signal(str)
    print_label_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tile: Tile | None = None
        self._steps_signature: tuple = ()

        self.title = QLabel("Select a device")
        title_font = QFont()
        title_font.setPixelSize(22)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setMargin(6)

        self.info = QFormLayout()
        self._fields: dict[str, QLabel] = {}
        names = ("Model", "Serial", "Android", "Battery", "Endpoint", "Asset tag", "Elapsed")
        for name in (*names, *(label for label, _ in IDENTITY_FIELDS)):
            value = QLabel("—")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self._fields[name] = value
            self.info.addRow(name, value)

        self.steps = QTableWidget(0, 4)
        self.steps.setHorizontalHeaderLabels(["Step", "Status", "Time", "Message"])
        self.steps.verticalHeader().setVisible(False)
        self.steps.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.steps.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.steps.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        self.log.setFont(QFont("monospace"))

        self.retry_button = QPushButton("Retry from failed step")
        self.force_button = QPushButton("Force re-run")
        self.stop_button = QPushButton("Stop")
        self.label_button = QPushButton("Print label")
        self.retry_button.clicked.connect(lambda: self._request(self.retry_requested))
        self.label_button.clicked.connect(lambda: self._request(self.print_label_requested))
        self.force_button.clicked.connect(lambda: self._request(self.force_requested))
        self.stop_button.clicked.connect(lambda: self._request(self.stop_requested))
        buttons = QHBoxLayout()
        for button in (self.retry_button, self.force_button, self.stop_button, self.label_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.state)
        layout.addLayout(self.info)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Steps"))
        layout.addWidget(self.steps, 2)
        layout.addWidget(QLabel("Log"))
        layout.addWidget(self.log, 3)
        self.show_tile(None)

    def show_tile(self, tile: Tile | None) -> None:
        changed_device = tile is not self.tile
        self.tile = tile
        self._steps_signature = ()
        if changed_device:
            self.log.setPlainText("" if tile is None else "\n".join(tile.log))
            self.log.moveCursor(self.log.textCursor().MoveOperation.End)
        self.refresh()

    def refresh(self) -> None:
        tile = self.tile
        enabled = tile is not None
        for button in (self.retry_button, self.force_button, self.stop_button, self.label_button):
            button.setEnabled(enabled)
        if tile is None:
            self.title.setText("Select a device")
            self.state.setText("Click a tile to see its steps and log.")
            self.state.setStyleSheet("")
            for value in self._fields.values():
                value.setText("—")
            self.steps.setRowCount(0)
            return
        info = tile.info
        state = tile.state
        style = STYLES[state]
        self.title.setText(f"{tile.label} · {info.model or 'unknown model'}")
        self.state.setText(f"{style.word}: {tile.reason}" if tile.reason else style.word)
        self.state.setStyleSheet(
            f"background: {style.colour}; color: {style.text}; font-weight: bold;"
            " font-size: 16px; border-radius: 4px;"
        )
        android = f"{info.android_release} (SDK {info.sdk})" if info.android_release else "—"
        values = {
            "Model": " ".join(x for x in (info.manufacturer, info.model) if x) or "—",
            "Serial": info.serial or "—",
            "Android": android,
            "Battery": f"{info.battery}%" if info.battery is not None else "—",
            "Endpoint": info.endpoint,
            "Asset tag": tile.asset_tag or "— (scan a barcode)",
            "Elapsed": format_elapsed(tile.elapsed()) or "—",
            **_identity_of(tile.result, info.android_release),
        }
        for name, text in values.items():
            self._fields[name].setText(text)
        self.retry_button.setEnabled(state == DeviceState.FAILED)
        self.force_button.setEnabled(state not in (DeviceState.PROVISIONING, DeviceState.DETACHED))
        self.stop_button.setEnabled(state == DeviceState.PROVISIONING)
        done = tile.result is not None and tile.result.outcome is RunOutcome.DONE
        self.label_button.setEnabled(done and not tile.running)
        self._refresh_steps(tile)

    def append_log(self, event: LogLine) -> None:
        if self.tile is not None and event.endpoint == self.tile.endpoint:
            self.log.appendPlainText(f"{event.at:%H:%M:%S} {event.text}")

    def _refresh_steps(self, tile: Tile) -> None:
        signature = tuple((s.name, s.status, s.duration_ms, s.message) for s in tile.steps)
        if signature == self._steps_signature:
            return
        self._steps_signature = signature
        self.steps.setRowCount(len(tile.steps))
        for row, step in enumerate(tile.steps):
            duration = f"{step.duration_ms / 1000:.1f} s" if step.duration_ms else ""
            cells = (
                f"{step.index + 1}. {step.name}",
                STATUS_WORDS[step.status],
                duration,
                step.message,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.steps.setItem(row, column, item)

    def _request(self, signal) -> None:
        if self.tile is not None:
            signal.emit(self.tile.endpoint)
