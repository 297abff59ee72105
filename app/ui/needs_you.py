"""The devices that wait for a person, and the one thing to do for each.

On a bench of 150 the tiles that need someone are few and scattered; the strip above the
tiles names each kind (Tap Allow, failed, refused, not on this order, unplug), how many, the
action and where (their labels), and a click shows only those tiles, large enough to read
their instructions. Which device needs what is decided from typed facts (its state, its
status, whether its label waits), never from the words on its tile.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from app.core import DeviceState, Lost, NotOnOrder, Problem
from app.ui.tile_view import STYLES, Tile

LABELS_LISTED = 6  # then "…": the tiles themselves are a click away
STRIP_HEIGHT = 50
SMALLEST_BUTTON = 120  # buttons shrink (their words clipped) rather than widen the window


class Need(Enum):
    """What a person has to do for a device, in the order the strip lists them."""

    ALLOW = "allow"
    USB_DEBUGGING = "usb-debugging"
    FAILED = "failed"
    REFUSED = "refused"
    NOT_ON_ORDER = "not-on-order"
    LABEL_WAITS = "label-waits"
    UNPLUG = "unplug"


NEED_STATES = {  # the colour of each need is its state's
    Need.ALLOW: DeviceState.UNAUTHORIZED,
    Need.USB_DEBUGGING: DeviceState.NO_ADB,
    Need.FAILED: DeviceState.FAILED,
    Need.REFUSED: DeviceState.REFUSED,
    Need.NOT_ON_ORDER: DeviceState.REFUSED,
    Need.LABEL_WAITS: DeviceState.DONE,
    Need.UNPLUG: DeviceState.DONE,
}


def need_of(tile: Tile) -> Need | None:
    """What `tile`'s device waits for a person to do, or None when it needs no one."""
    status = tile.info.status
    if isinstance(status, NotOnOrder):
        return Need.NOT_ON_ORDER
    state = tile.state
    if state == DeviceState.UNAUTHORIZED or (
        isinstance(status, Lost) and status.problem is Problem.UNAUTHORIZED
    ):
        return Need.ALLOW
    if state == DeviceState.NO_ADB:
        return Need.USB_DEBUGGING
    if state == DeviceState.FAILED:
        return Need.FAILED
    if state == DeviceState.REFUSED:
        return Need.REFUSED
    if state == DeviceState.DONE:
        return Need.LABEL_WAITS if tile.label_waiting else Need.UNPLUG
    return None


def needs_by_kind(tiles: Iterable[Tile]) -> dict[Need, list[str]]:
    """The labels of the devices waiting for each need, in bench order; needs in strip order."""
    found: dict[Need, list[str]] = {}
    for tile in tiles:
        need = need_of(tile)
        if need is not None:
            found.setdefault(need, []).append(tile.label or tile.endpoint)
    return {need: found[need] for need in Need if need in found}


def action_words(need: Need) -> str:
    """The one thing to do, as the strip says it."""
    translate = QCoreApplication.translate
    match need:
        case Need.ALLOW:
            return translate("NeedsYou", "Tap Allow on the device")
        case Need.USB_DEBUGGING:
            return translate("NeedsYou", "Turn on USB debugging")
        case Need.FAILED:
            return translate("NeedsYou", "Failed: select, read why, Retry (F8)")
        case Need.REFUSED:
            return translate("NeedsYou", "Refused: fix what the tile says, Start (F5)")
        case Need.NOT_ON_ORDER:
            return translate("NeedsYou", "Not on this order: set aside, ask an admin")
        case Need.LABEL_WAITS:
            return translate("NeedsYou", "Unplug: its label prints later")
        case Need.UNPLUG:
            return translate("NeedsYou", "Done: unplug")


def labels_text(labels: list[str]) -> str:
    shown = " ".join(labels[:LABELS_LISTED])
    return shown + (" …" if len(labels) > LABELS_LISTED else "")


class NeedButton(QPushButton):
    """A need's button: its lines elided to the width the strip gives it (a narrow window
    never clips them mid-letter nor grows to fit them); every label in its tool tip."""

    PADDING = 28  # the style's padding and border, left and right

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def set_lines(self, lines: list[str], whole: str) -> None:
        """Show `lines`; `whole` (every label, unelided) is the tool tip."""
        self.lines = lines
        self.setToolTip(whole)
        self.updateGeometry()
        self._elide()

    def sizeHint(self) -> QSize:
        """As wide as the whole words, whatever is shown now: eliding never shrinks it."""
        widest = max((self.fontMetrics().horizontalAdvance(line) for line in self.lines), default=0)
        return QSize(widest + self.PADDING, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(SMALLEST_BUTTON, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = max(1, self.width() - self.PADDING)
        elide = self.fontMetrics().elidedText
        text = "\n".join(elide(line, Qt.TextElideMode.ElideRight, room) for line in self.lines)
        if text != self.text():
            self.setText(text)


class NeedsYouStrip(QWidget):
    """One button per kind of need (count, action, where); a click shows only those tiles,
    "Needs you" shows every tile that needs someone, a second click shows all again."""

    filter_changed = Signal(object)  # frozenset[Need] to show only those, or None for all

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.all_button = QPushButton()
        self.all_button.setCheckable(True)
        self.all_button.setToolTip(self.tr("Show only the devices that need someone (F6)"))
        self.all_button.setFixedHeight(STRIP_HEIGHT - 4)
        self.all_button.setStyleSheet(
            "QPushButton { font-size: 16px; font-weight: bold; padding: 2px 12px; }"
        )
        self.all_button.clicked.connect(lambda: self._clicked(None))
        self.buttons: dict[Need, NeedButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.all_button)
        for need in Need:
            button = NeedButton()
            button.setCheckable(True)
            button.setFixedHeight(STRIP_HEIGHT - 4)
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            style = STYLES[NEED_STATES[need]]
            button.setStyleSheet(
                f"QPushButton {{ background: {style.colour}; color: {style.text}; "
                "font-size: 14px; text-align: left; padding: 2px 10px; border-radius: 4px; "
                "border: 2px solid transparent; }"
                f"QPushButton:checked {{ border: 3px solid palette(text); }}"
            )
            button.clicked.connect(lambda _checked=False, need=need: self._clicked(need))
            button.hide()
            self.buttons[need] = button
            layout.addWidget(button)
        self.nothing = QLabel(self.tr("Nothing waits for anyone"))
        self.nothing.setStyleSheet("font-size: 15px; color: gray; padding: 0 8px;")
        layout.addWidget(self.nothing)
        layout.addStretch(1)
        self.shown: frozenset[Need] | None = None
        self.needs: dict[Need, list[str]] = {}
        self.show_needs({})
        # One height whatever it lists: the tiles below never move or resize as needs come.
        self.setFixedHeight(STRIP_HEIGHT)

    def show_needs(self, needs: dict[Need, list[str]]) -> None:
        """Show how many devices wait for each need, what to do, and where."""
        if needs == self.needs and self.all_button.text():
            return
        self.needs = needs
        total = sum(len(labels) for labels in needs.values())
        self.all_button.setText(self.tr("Needs you: %n", "", total))
        for need, button in self.buttons.items():
            labels = needs.get(need, [])
            button.setVisible(bool(labels))
            if labels:
                action = f"{len(labels)} · {action_words(need)}"
                button.set_lines([action, labels_text(labels)], f"{action}\n{' '.join(labels)}")
        self.nothing.setVisible(not needs)
        self._show_checked()

    def toggle(self) -> None:
        """Every need, or all tiles again (the F6 key)."""
        self._clicked(None)

    def _clicked(self, need: Need | None) -> None:
        wanted = frozenset(Need) if need is None else frozenset({need})
        self.shown = None if self.shown == wanted else wanted
        self._show_checked()
        self.filter_changed.emit(self.shown)

    def _show_checked(self) -> None:
        self.all_button.setChecked(self.shown == frozenset(Need))
        for need, button in self.buttons.items():
            button.setChecked(self.shown == frozenset({need}))
