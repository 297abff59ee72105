"""The selected device: its info, every step with status and duration, its live log, actions,
a look at its screen, and what the device logged when a step failed."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QLocale, QSize, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QFont, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGridLayout,
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

from app.core import (
    Blocked,
    DeviceState,
    Failed,
    LogLine,
    NoNumbers,
    NotOnOrder,
    Refused,
    RunOutcome,
    RunResult,
    WaitingForAllow,
)
from app.core.evidence import ScreenMissed, ScreenProblem, ScreenShot
from app.core.identity import IdentityGap
from app.ui.language import QT_TRANSLATE_NOOP
from app.ui.taskman import TaskManager
from app.ui.tile_view import STYLES, Tile, log_words, step_status_words
from app.ui.tiles import format_elapsed

SCREEN_BOX = QSize(180, 320)  # the screen preview's room; the picture keeps its proportions
SCREEN_REFRESH_MS = 4000  # how often the screen is looked at while the device waits on a person
# Statuses in which the device waits for someone at the bench: its screen may show why.
WAITS_ON_A_PERSON = (WaitingForAllow, Failed, Refused, NotOnOrder, Blocked, NoNumbers)
SCREEN_MISSED_WORDS = {
    ScreenProblem.NOT_CONNECTED: QT_TRANSLATE_NOOP(
        "DetailsPanel", "No picture: the station has no connection to the device now"
    ),
    ScreenProblem.REFUSED: QT_TRANSLATE_NOOP("DetailsPanel", "The device gave no picture"),
    ScreenProblem.NOT_WATCHED: QT_TRANSLATE_NOOP("DetailsPanel", "The device is not on the bench"),
}
# No session yet: the station is let in (and can look) once someone taps Allow
NO_PICTURE_BEFORE_ALLOW = QT_TRANSLATE_NOOP(
    "DetailsPanel", "No picture until Allow is tapped on the device"
)

# (row label, field of DeviceIdentity); the label is shown translated (`field_label`)
IDENTITY_FIELDS = (
    (QT_TRANSLATE_NOOP("DetailsPanel", "IMEI"), "imei"),
    (QT_TRANSLATE_NOOP("DetailsPanel", "MEID"), "meid"),
    (QT_TRANSLATE_NOOP("DetailsPanel", "Wi-Fi MAC"), "wifi_mac"),
    (QT_TRANSLATE_NOOP("DetailsPanel", "Bluetooth MAC"), "bluetooth_mac"),
    (QT_TRANSLATE_NOOP("DetailsPanel", "Fingerprint"), "build_fingerprint"),
    (QT_TRANSLATE_NOOP("DetailsPanel", "Security patch"), "security_patch"),
)
DEVICE_FIELDS = (
    QT_TRANSLATE_NOOP("DetailsPanel", "Model"),
    QT_TRANSLATE_NOOP("DetailsPanel", "Serial"),
    QT_TRANSLATE_NOOP("DetailsPanel", "Android"),
    QT_TRANSLATE_NOOP("DetailsPanel", "Battery"),
    QT_TRANSLATE_NOOP("DetailsPanel", "Endpoint"),
    QT_TRANSLATE_NOOP("DetailsPanel", "Asset tag"),
    QT_TRANSLATE_NOOP("DetailsPanel", "Elapsed"),
)
GAP_WORDS = {
    IdentityGap.REFUSED: QT_TRANSLATE_NOOP("DetailsPanel", "refused to the shell"),
    IdentityGap.NO_RADIO: QT_TRANSLATE_NOOP("DetailsPanel", "the device has no such radio"),
    IdentityGap.RANDOMIZED: QT_TRANSLATE_NOOP("DetailsPanel", "only a randomized MAC is visible"),
    IdentityGap.UNREADABLE: QT_TRANSLATE_NOOP("DetailsPanel", "the answer could not be read"),
}


def field_label(label: str) -> str:
    """A row label of `IDENTITY_FIELDS` or `DEVICE_FIELDS` in the window's language."""
    return QCoreApplication.translate("DetailsPanel", label)


def gap_text(gap: IdentityGap | str, android_release: str | None) -> str:
    """Why a field is empty, in words: e.g. "not given by Android 14 (refused to the shell)"."""
    gap = IdentityGap(gap)
    why = QCoreApplication.translate("DetailsPanel", GAP_WORDS[gap])
    if gap is IdentityGap.NO_RADIO:
        return QCoreApplication.translate("DetailsPanel", "none ({why})").format(why=why)
    if android_release:
        return QCoreApplication.translate(
            "DetailsPanel", "not given by Android {release} ({why})"
        ).format(release=android_release, why=why)
    return QCoreApplication.translate("DetailsPanel", "not given by Android ({why})").format(
        why=why
    )


def identity_values(
    fields: dict[str, object], gaps: dict[str, str], android_release: str | None,
    scanned: tuple[str, ...] = (),
) -> dict[str, str]:  # fmt: skip
    """Row label (as in `IDENTITY_FIELDS`, untranslated) -> text for a device's identity (a
    DeviceIdentity's or a history run's fields)."""
    values = {}
    for label, name in IDENTITY_FIELDS:
        value = fields.get(name)
        if isinstance(value, list | tuple):
            value = ", ".join(value)
        if value:
            scanned_words = QCoreApplication.translate(
                "DetailsPanel", " (scanned from the box label)"
            )
            text = str(value) + (scanned_words if name in scanned else "")
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
        unread = QCoreApplication.translate("DetailsPanel", "— (read when a run starts)")
        return {label: unread for label, _ in IDENTITY_FIELDS}
    fields = {name: getattr(identity, name) for _, name in IDENTITY_FIELDS}
    android = result.android_release or android_release
    return identity_values(fields, dict(identity.gaps), android, identity.scanned)


class DetailsPanel(QWidget):
    retry_requested = Signal(str)  # endpoint
    force_requested = Signal(str)
    stop_requested = Signal(str)
    print_label_requested = Signal(str)
    screen_requested = Signal(str)  # endpoint: take a look at its screen

    def __init__(self, parent: QWidget | None = None, tasks: TaskManager | None = None) -> None:
        super().__init__(parent)
        self.tile: Tile | None = None
        self.tasks = tasks  # decodes screenshots off the GUI thread (inline without one)
        self._steps_signature: tuple = ()

        self.title = QLabel(self.tr("Select a device"))
        title_font = QFont()
        title_font.setPixelSize(22)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setMargin(6)

        self.info = QFormLayout()
        # A value too wide beside its name goes under it: a long fingerprint never widens the
        # panel (and narrows the tiles) beyond what the value needs.
        self.info.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._fields: dict[str, QLabel] = {}
        for name in (*DEVICE_FIELDS, *(label for label, _ in IDENTITY_FIELDS)):
            value = QLabel("—")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self._fields[name] = value
            self.info.addRow(field_label(name), value)

        self.steps = QTableWidget(0, 4)
        self.steps.setHorizontalHeaderLabels(
            [self.tr("Step"), self.tr("Status"), self.tr("Time"), self.tr("Message")]
        )
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

        self.retry_button = QPushButton(self.tr("Retry from failed step"))
        self.force_button = QPushButton(self.tr("Force re-run"))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.label_button = QPushButton(self.tr("Print label"))
        self.retry_button.clicked.connect(lambda: self._request(self.retry_requested))
        self.label_button.clicked.connect(lambda: self._request(self.print_label_requested))
        self.force_button.clicked.connect(lambda: self._request(self.force_requested))
        self.stop_button.clicked.connect(lambda: self._request(self.stop_requested))
        buttons = QGridLayout()  # two by two: the panel stays narrow in every language
        actions = (self.retry_button, self.force_button, self.stop_button, self.label_button)
        for place, button in enumerate(actions):
            buttons.addWidget(button, place // 2, place % 2)

        self.screen_view = QLabel()
        self.screen_view.setFixedSize(SCREEN_BOX)
        self.screen_view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.screen_view.setWordWrap(True)
        self.screen_view.setStyleSheet("background: #202124; color: #dfe8ee; border-radius: 6px;")
        self.screen_note = QLabel()
        self.screen_note.setWordWrap(True)
        self.screen_note.setMaximumWidth(SCREEN_BOX.width())
        self.screen_button = QPushButton(self.tr("Look at the screen"))
        self.screen_button.clicked.connect(self.look_at_screen)
        self._screen_timer = QTimer(self)
        self._screen_timer.setInterval(SCREEN_REFRESH_MS)
        self._screen_timer.timeout.connect(self.look_at_screen)
        screen_column = QVBoxLayout()
        screen_column.addWidget(self.screen_view)
        screen_column.addWidget(self.screen_button)
        screen_column.addWidget(self.screen_note)
        screen_column.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(self.info, 1)
        top.addLayout(screen_column)

        self.evidence_title = QLabel(self.tr("What the device logged when the step failed"))
        self.evidence = QPlainTextEdit()
        self.evidence.setReadOnly(True)
        self.evidence.setFont(QFont("monospace"))
        self.evidence.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.state)
        layout.addLayout(top)
        layout.addLayout(buttons)
        layout.addWidget(QLabel(self.tr("Steps")))
        layout.addWidget(self.steps, 2)
        layout.addWidget(self.evidence_title)
        layout.addWidget(self.evidence, 2)
        layout.addWidget(QLabel(self.tr("Log")))
        layout.addWidget(self.log, 3)
        self.show_tile(None)

    def show_tile(self, tile: Tile | None) -> None:
        changed_device = tile is not self.tile
        self.tile = tile
        self._steps_signature = ()
        if changed_device:
            self.log.setPlainText("" if tile is None else "\n".join(tile.log))
            self.log.moveCursor(self.log.textCursor().MoveOperation.End)
            self._clear_screen()
        self.refresh()
        if changed_device and self._screen_timer.isActive():
            self.look_at_screen()  # a device that waits on someone: its screen at once

    def refresh(self) -> None:
        tile = self.tile
        enabled = tile is not None
        for button in (self.retry_button, self.force_button, self.stop_button, self.label_button):
            button.setEnabled(enabled)
        if tile is None:
            self.title.setText(self.tr("Select a device"))
            self.state.setText(self.tr("Click a tile to see its steps and log."))
            self.state.setStyleSheet("")
            for value in self._fields.values():
                value.setText("—")
            self.steps.setRowCount(0)
            self.screen_button.setEnabled(False)
            self._screen_timer.stop()
            self._show_evidence("")
            return
        info = tile.info
        state = tile.state
        style = STYLES[state]
        self.title.setText(f"{tile.label} · {info.model or self.tr('unknown model')}")
        self.state.setText(f"{style.word}: {tile.reason}" if tile.reason else style.word)
        self.state.setStyleSheet(
            f"background: {style.colour}; color: {style.text}; font-weight: bold;"
            " font-size: 16px; border-radius: 4px;"
        )
        android = (
            self.tr("{release} (SDK {sdk})").format(release=info.android_release, sdk=info.sdk)
            if info.android_release
            else "—"
        )
        values = {
            "Model": " ".join(x for x in (info.manufacturer, info.model) if x) or "—",
            "Serial": info.serial or "—",
            "Android": android,
            "Battery": f"{QLocale().toString(info.battery)}%" if info.battery is not None else "—",
            "Endpoint": info.endpoint,
            "Asset tag": tile.asset_tag or self.tr("— (scan a barcode)"),
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
        self.screen_button.setEnabled(state != DeviceState.DETACHED)
        self._follow_screen(tile)
        self._refresh_steps(tile)
        self._show_evidence(failure_evidence(tile))

    def append_log(self, event: LogLine) -> None:
        if self.tile is not None and event.endpoint == self.tile.endpoint:
            self.log.appendPlainText(f"{event.at:%H:%M:%S} {log_words(event)}")

    def _refresh_steps(self, tile: Tile) -> None:
        signature = tuple((s.name, s.status, s.duration_ms, s.words) for s in tile.steps)
        if signature == self._steps_signature:
            return
        self._steps_signature = signature
        self.steps.setRowCount(len(tile.steps))
        for row, step in enumerate(tile.steps):
            seconds = QLocale().toString(step.duration_ms / 1000, "f", 1)
            duration = self.tr("{seconds} s").format(seconds=seconds) if step.duration_ms else ""
            cells = (
                f"{step.index + 1}. {step.name}",
                step_status_words(step.status),
                duration,
                step.words,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.steps.setItem(row, column, item)

    def _request(self, signal) -> None:
        if self.tile is not None:
            signal.emit(self.tile.endpoint)

    # -- the device's screen and its failure log

    def look_at_screen(self) -> None:
        """Ask for the selected device's screen; it arrives through `show_screen`."""
        if self.tile is not None:
            self.screen_requested.emit(self.tile.endpoint)

    def show_screen(self, shot: ScreenShot | ScreenMissed) -> None:
        """A screenshot (or why there is none) of some device: shown if it is the selected
        one's. The PNG is decoded and scaled off the GUI thread."""
        if self.tile is None or shot.endpoint != self.tile.endpoint:
            return
        if isinstance(shot, ScreenMissed):
            missed = SCREEN_MISSED_WORDS[shot.problem]
            if isinstance(self.tile.info.status, WaitingForAllow):
                missed = NO_PICTURE_BEFORE_ALLOW
            self.screen_note.setText(QCoreApplication.translate("DetailsPanel", missed))
            self.screen_note.setToolTip(shot.detail)
            return
        box = self.screen_view.size()
        if self.tasks is None:
            self._show_picture(shot, scaled_screen(shot.png, box))
            return
        self.tasks.run_in_background(
            lambda: scaled_screen(shot.png, box),
            lambda image: self._show_picture(shot, image),
            label=self.tr("Showing the device's screen"),
        )

    def _show_picture(self, shot: ScreenShot, image: QImage) -> None:
        if self.tile is None or shot.endpoint != self.tile.endpoint:
            return  # another device was chosen meanwhile
        if image.isNull():
            self.screen_note.setText(self.tr("The device's picture could not be read"))
            return
        self.screen_view.setPixmap(QPixmap.fromImage(image))
        self.screen_note.setText(
            self.tr("Screen at {time}").format(time=QLocale().toString(_qtime(shot.at), "HH:mm:ss"))
        )
        self.screen_note.setToolTip(f"{shot.width} × {shot.height}")

    def _clear_screen(self) -> None:
        self.screen_view.clear()
        self.screen_view.setText(self.tr("No picture yet"))
        self.screen_note.setText("")
        self.screen_note.setToolTip("")

    def _follow_screen(self, tile: Tile) -> None:
        """Look again every few seconds while the device waits on someone at the bench."""
        waits = isinstance(tile.info.status, WAITS_ON_A_PERSON) and not tile.running
        if waits and not self._screen_timer.isActive():
            self._screen_timer.start()
            self.look_at_screen()
        elif not waits:
            self._screen_timer.stop()

    def _show_evidence(self, text: str) -> None:
        if text != self.evidence.toPlainText():
            self.evidence.setPlainText(text)
            self.evidence.moveCursor(self.evidence.textCursor().MoveOperation.End)
            self.evidence.horizontalScrollBar().setValue(0)  # the last lines tell, from the left
        self.evidence_title.setVisible(bool(text))
        self.evidence.setVisible(bool(text))


def failure_evidence(tile: Tile) -> str:
    """What the device logged when the selected device's last run failed a step ("" if not)."""
    result = tile.result
    if result is None or tile.running:
        return ""
    return next((step.evidence for step in result.steps if step.evidence), "")


def _qtime(at: datetime) -> QTime:
    return QTime(at.hour, at.minute, at.second)


def scaled_screen(png: bytes, box: QSize) -> QImage:
    """The PNG decoded and scaled to fit `box`, keeping its proportions (any thread)."""
    image = QImage.fromData(png)
    if image.isNull():
        return image
    return image.scaled(box, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)  # fmt: skip
