"""The admin lock in the window: the PIN dialog, the lock button, the PIN settings, and the
one place that says which actions it guards (`AdminGuard.install`).

The rules are `admin_lock.AdminLock`'s; this module only asks for the PIN, checks it off the
GUI thread (Argon2id is slow on purpose), re-reads the PIN file every few seconds (so a PIN
set or cleared with `kitbench admin-pin` reaches the window), and notices use of the window
while it is open, so it locks again only after idle minutes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRegularExpression, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.paths import resources_dir
from app.storage.admin_pin import MAX_PIN_DIGITS, AdminPin, PinError, check_pin, pin_matches
from app.storage.config import Config, ConfigError
from app.ui.admin_lock import DEFAULT_IDLE_S, UNREADABLE, Action, AdminLock
from app.ui.taskman import TaskManager, describe

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

CHECK_MS = 1000  # how often the window looks whether the lock has gone idle
RELOAD_MS = 5000  # how often it re-reads the PIN file
PIN_WRITES = "admin-pin"  # the serial key of writes to the PIN file
ACTIVITY = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel)
# Keys that change no choice: moving the focus on, leaving, the first key of a shortcut.
PASSING_KEYS = (
    Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Escape, Qt.Key.Key_Shift,
    Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_AltGr, Qt.Key.Key_Meta,
)  # fmt: skip
SHORTCUT_MODIFIER = Qt.KeyboardModifier.ControlModifier  # Alt+Down opens a picker: asks
LOCK_STYLE = "QToolButton { font-size: 14px; padding: 2px 8px; }"
ICONS = resources_dir() / "icons"


def lock_icon(locked: bool) -> QIcon:
    return QIcon(str(ICONS / ("lock-closed.svg" if locked else "lock-open.svg")))


def pin_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setValidator(
        QRegularExpressionValidator(QRegularExpression(rf"\d{{0,{MAX_PIN_DIGITS}}}"))
    )
    field.setMaxLength(MAX_PIN_DIGITS)
    return field


class PinDialog(QDialog):
    """Asks for the admin PIN for one action; stays open, saying why, on a wrong PIN."""

    entered = Signal(str)

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Admin PIN"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        question = QLabel(
            self.tr("“{what}” is for an admin.\nEnter the admin PIN:").format(what=what)
            if what
            else self.tr("Enter the admin PIN:")
        )
        question.setWordWrap(True)
        question.setStyleSheet("font-size: 15px;")
        self.setMinimumWidth(420)
        self.pin = pin_field()
        self.pin.setStyleSheet("font-size: 22px; padding: 4px;")
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #D55E00; font-weight: bold; font-size: 15px;")
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        layout = QVBoxLayout(self)
        layout.addWidget(question)
        layout.addWidget(self.pin)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

    def submit(self, pin: str) -> None:
        """Type `pin` and press OK, as a person does."""
        self.pin.setText(pin)
        self._submit()

    def checking(self) -> None:
        self.problem.hide()
        self.buttons.setEnabled(False)

    def refused(self, reason: str) -> None:
        self.problem.setText(reason)
        self.problem.show()
        self.buttons.setEnabled(True)
        self.pin.clear()
        self.pin.setFocus()

    def _submit(self) -> None:
        if self.pin.text():
            self.entered.emit(self.pin.text())


class AdminGuard(QObject):
    """Runs admin actions at once when the lock is open, else after the right PIN."""

    changed = Signal(bool)  # locked

    def __init__(
        self,
        directory: Path,
        tasks: TaskManager,
        lock: AdminLock | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.pins = AdminPin(directory)
        self.config = Config(directory)
        self.tasks = tasks
        self.lock = lock or AdminLock()
        self.dialog: PinDialog | None = None
        self._pending: list[tuple[Action, str]] = []  # asked before the PIN file was read
        self._action: Action | None = None  # what the open dialog unlocks
        self._shown: tuple[bool, bool] | None = None  # (locked, a PIN is set) as last shown
        self._protected: dict[QObject, str] = {}  # picker -> what changing it is, in words
        self._watching_use = False
        self.button = QToolButton()
        self.button.setStyleSheet(LOCK_STYLE)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.clicked.connect(self._button_clicked)
        self.button.hide()
        self._check_timer = QTimer(self)
        self._check_timer.setInterval(CHECK_MS)
        self._check_timer.timeout.connect(self.refresh)
        self._check_timer.start()
        self._reload_timer = QTimer(self)
        self._reload_timer.setInterval(RELOAD_MS)
        self._reload_timer.timeout.connect(self.reload)
        self._reload_timer.start()
        self.reload()

    # -- the guard

    def guard(self, action: Action, what: str = "") -> None:
        """Run `action` now if the lock is open (or no PIN is set), else once the PIN is given."""
        if not self.lock.locked:
            self.lock.touch()
            action()
        elif not self.lock.known:
            self._pending.append((action, what))
        else:
            self._ask(action, what)

    def protect(self, widget: QWidget, what: str) -> None:
        """Keep a person from changing `widget` (a picker) while locked: a click or key on it
        asks for the PIN, then opens its list (a wheel turn is ignored)."""
        self._protected[widget] = what
        widget.installEventFilter(self)

    def lock_now(self) -> None:
        self.lock.lock_now()
        self.refresh()

    def reload(self) -> None:
        """Read the PIN file again (off the GUI thread) and the re-lock minutes."""
        self.tasks.run_in_background(
            self._read,
            self._read_done,
            on_failure=self._read_failed,
            label=self.tr("Reading the admin PIN"),
        )

    def pin_changed(self, pin_hash: str | None) -> None:
        """This window set or removed the PIN: whoever did it stays in for now."""
        self.lock.set_pin_hash(pin_hash)
        if pin_hash is not None:
            self.lock.unlock()
        self.refresh()

    def refresh(self) -> None:
        """Say the lock's state where it changed (it goes idle with no event of its own)."""
        locked = self.lock.locked
        pin_set = self.lock.known and self.lock.pin_hash is not None
        self._watch_use(pin_set and not locked)
        if (locked, pin_set) == self._shown:
            return
        self._shown = (locked, pin_set)
        self.button.setVisible(pin_set)
        self.button.setIcon(lock_icon(locked))
        if locked:
            self.button.setText(self.tr("Admin locked"))
            self.button.setToolTip(self.tr("Admin actions ask for the PIN. Click to unlock."))
        else:
            self.button.setText(self.tr("Admin unlocked · Lock now"))
            self.button.setToolTip(self.tr("Admin actions are open until the window is idle"))
        self.changed.emit(locked)

    # -- the window

    def install(self, window: MainWindow) -> None:
        """Guard exactly the admin actions of `window`: the template and order pickers (and
        "Use on bench", in the window), Force re-run, letting a device not on the order in,
        and every change in Settings. Start, Stop, Retry, asset tags and labels stay open."""
        bench = window.bench
        bench.admin_guard = self.guard
        self.protect(bench.toolbar.template_picker, self.tr("Choose the template"))
        self.protect(bench.orders.order_bar.picker, self.tr("Choose the order"))
        settings = window.settings_tab
        settings.admin_guard = self.guard
        section = PinSettings(self)
        settings.add_admin_lock(section.bar, section)
        self.changed.connect(settings.set_locked)
        window.statusBar().addPermanentWidget(self.button)
        self._shown = None
        self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY and self._watching_use:
            self.lock.touch()  # someone uses the window: stay open
        what = self._protected.get(watched)
        if what is None or not self.lock.locked:
            return False
        if event.type() == QEvent.Type.Wheel:
            return True
        pressed = event.type() == QEvent.Type.MouseButtonPress
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            shortcut = bool(event.modifiers() & SHORTCUT_MODIFIER)
            pressed = event.key() not in PASSING_KEYS and not shortcut
        if pressed:
            popup = getattr(watched, "showPopup", None)
            self.guard(popup if callable(popup) else (lambda: None), what)
        return pressed

    # -- internals

    def _read(self) -> tuple[str | None, float]:
        pin_hash = self.pins.pin_hash()
        try:
            idle_s = self.config.admin_relock_s
        except ConfigError:
            idle_s = DEFAULT_IDLE_S
        return pin_hash, idle_s

    def _read_done(self, read: tuple[str | None, float]) -> None:
        pin_hash, self.lock.idle_s = read
        self.lock.set_pin_hash(pin_hash)
        self.refresh()
        pending, self._pending = self._pending, []
        for action, what in pending:
            self.guard(action, what)

    def _read_failed(self, error: BaseException) -> None:
        """An unreadable PIN file keeps the lock on (and says why once); fixed or cleared, the
        next read opens it."""
        if self.lock.known and self.lock.pin_hash == UNREADABLE:
            return
        self.lock.set_pin_hash(UNREADABLE)
        self.refresh()
        self.tasks.report(self.tr("Reading the admin PIN"), error)

    def _ask(self, action: Action, what: str) -> None:
        self._action = action
        if self.dialog is not None:
            self.dialog.raise_()
            return
        parent = QApplication.activeWindow()
        self.dialog = PinDialog(what, parent)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.entered.connect(self._check)
        self.dialog.finished.connect(self._dialog_closed)
        self.dialog.open()

    def _check(self, pin: str) -> None:
        dialog = self.dialog
        pin_hash = self.lock.pin_hash
        if dialog is None:
            return
        wait = self.lock.wait_s()
        if wait > 0:
            dialog.refused(self.tr("Too many wrong PINs: try again in {s} s").format(s=round(wait)))
            return
        if pin_hash is None:  # removed meanwhile (the CLI): nothing is locked
            self._unlocked(dialog)
            return
        dialog.checking()
        self.tasks.run_in_background(
            lambda: pin_matches(pin_hash, pin),
            lambda right: self._checked(dialog, right),
            label=self.tr("Checking the admin PIN"),
        )

    def _checked(self, dialog: PinDialog, right: bool) -> None:
        if dialog is not self.dialog:
            return  # closed meanwhile
        if right:
            self.lock.unlock()
            self._unlocked(dialog)
        else:
            self.lock.refuse()
            dialog.refused(self.tr("Wrong PIN"))

    def _unlocked(self, dialog: PinDialog) -> None:
        action, self._action = self._action, None
        dialog.accept()
        self.refresh()
        if action is not None:
            action()

    def _dialog_closed(self) -> None:
        self.dialog = None
        self._action = None

    def _button_clicked(self) -> None:
        if self.lock.locked:
            self.guard(lambda: None, self.tr("Unlock"))
        else:
            self.lock_now()

    def _watch_use(self, watch: bool) -> None:
        """Notice use of the window only while the lock is open: the filter sees every event
        of the application, which is not worth its cost the rest of the time."""
        app = QApplication.instance()
        if watch == self._watching_use or app is None:
            return
        self._watching_use = watch
        if watch:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)


class PinSettings(QGroupBox):
    """Settings' "Admin lock": set, change or remove the PIN; and the bar above the settings
    that says they are locked, with the way in."""

    def __init__(self, guard: AdminGuard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Admin lock"))
        self.guard = guard
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.new_pin = pin_field()
        self.repeat_pin = pin_field()
        self.set_button = QPushButton(self.tr("Set PIN"))
        self.remove_button = QPushButton(self.tr("Remove PIN"))
        self.status = QLabel()  # how setting or removing the PIN went
        self.status.setWordWrap(True)
        self.status.hide()
        self.new_pin.setPlaceholderText(self.tr("new PIN, 4-12 digits"))
        self.repeat_pin.setPlaceholderText(self.tr("the PIN again"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        row = QHBoxLayout()  # one row: Settings is a long form already
        for widget in (self.new_pin, self.repeat_pin, self.set_button, self.remove_button):
            row.addWidget(widget)
        layout.addLayout(row)
        layout.addWidget(self.status)

        self.bar = QWidget()
        icon = QLabel()
        icon.setPixmap(lock_icon(True).pixmap(22, 22))
        self.bar_words = QLabel(self.tr("Settings are locked: an admin unlocks them."))
        self.bar_words.setStyleSheet("font-size: 15px;")
        self.unlock_button = QPushButton(self.tr("Unlock…"))
        bar_layout = QHBoxLayout(self.bar)
        bar_layout.setContentsMargins(0, 0, 0, 0)
        bar_layout.addWidget(icon)
        bar_layout.addWidget(self.bar_words, 1)
        bar_layout.addWidget(self.unlock_button)
        self.bar.hide()

        self.set_button.clicked.connect(
            lambda: guard.guard(self._set_pin, self.tr("Set the admin PIN"))
        )
        self.remove_button.clicked.connect(
            lambda: guard.guard(self._remove_pin, self.tr("Remove the admin PIN"))
        )
        self.unlock_button.clicked.connect(
            lambda: guard.guard(lambda: None, self.tr("Change settings"))
        )
        guard.changed.connect(self._show_state)
        self._show_state(guard.lock.locked)

    def _show_state(self, locked: bool) -> None:
        lock = self.guard.lock
        self.bar.setVisible(locked and lock.known)
        self.remove_button.setEnabled(lock.pin_hash is not None)
        minutes = max(1, round(lock.idle_s / 60))
        if lock.pin_hash is None:
            self.state.setText(self.tr("No admin PIN: nothing is locked."))
        else:
            self.state.setText(
                self.tr(
                    "A PIN guards the template and order, Settings, Force re-run and letting in"
                    " devices not on the order. It locks again after %n idle minute(s).",
                    "",
                    minutes,
                )
            )

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.show()

    def _set_pin(self) -> None:
        pin = self.new_pin.text()
        try:
            check_pin(pin)
        except PinError as exc:
            self._say(self.tr("Not set: {reason}").format(reason=str(exc)))
            return
        if self.repeat_pin.text() != pin:
            self._say(self.tr("Not set: the two PINs differ"))
            return
        self._say(self.tr("Setting the PIN…"))
        pins = self.guard.pins
        self.guard.tasks.run_in_background(
            lambda: pins.set(pin),
            self._pin_set,
            on_failure=lambda error: self._say(
                self.tr("Not set: {reason}").format(reason=describe(error))
            ),
            label=self.tr("Setting the admin PIN"),
            serial=PIN_WRITES,
        )

    def _pin_set(self, pin_hash: str) -> None:
        self.new_pin.clear()
        self.repeat_pin.clear()
        self._say(self.tr("PIN set. Admin actions ask for it once the window locks."))
        self.guard.pin_changed(pin_hash)

    def _remove_pin(self) -> None:
        pins = self.guard.pins
        self.guard.tasks.run_in_background(
            pins.clear,
            lambda _had: self._pin_removed(),
            on_failure=lambda error: self._say(
                self.tr("Not removed: {reason}").format(reason=describe(error))
            ),
            label=self.tr("Removing the admin PIN"),
            serial=PIN_WRITES,
        )

    def _pin_removed(self) -> None:
        self._say(self.tr("PIN removed: nothing is locked."))
        self.guard.pin_changed(None)
