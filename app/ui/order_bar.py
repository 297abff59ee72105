"""The bench's kitting order: the order picker, "PO 4711 · 87 / 150", and its manifest.

The window only shows the order; the engine makes runs for it, holds back devices it does
not expect and says how far it is (`OrderProgressed`) after each run it records.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from app.core.orders import Order, OrderProgress, OrderState
from app.storage import Store
from app.storage.manifest import manifest_of, write_csv
from app.ui.manifest import write_manifest_pdf
from app.ui.template_library import TemplateEntry

PROGRESS_STYLE = "font-size: 22px; font-weight: bold; padding: 2px 10px;"
COMPLETE_STYLE = PROGRESS_STYLE + "color: white; background: #009E73; border-radius: 4px;"


def progress_words(order: Order, progress: OrderProgress | None) -> str:
    """What the toolbar shows: "PO 4711 · 87 / 150", with a tick once it is complete."""
    done = progress.done if progress is not None else 0
    words = f"{order.number} · {done} / {order.target}"
    return f"✓ {words}" if order.state is OrderState.COMPLETE else words


def completion_words(order: Order, progress: OrderProgress | None) -> str:
    done = progress.done if progress is not None else order.target
    return QCoreApplication.translate(
        "OrderBar",
        "Order {number} is complete: {done} of {target} done. Devices run now still count "
        "for it; choose the next order when this one ships.",
    ).format(number=order.number, done=done, target=order.target)


def order_template_words(order: Order) -> str:
    version = f" v{order.template_version}" if order.template_version is not None else ""
    return f"{order.template_name}{version}"


def template_for(order: Order, entries: list[TemplateEntry]) -> TemplateEntry | None:
    """The library's template the order runs: its pinned version, else the newest valid one
    of its name (None when the station has no such template)."""
    fitting = [
        (entry.loaded.template.version, entry)
        for entry in entries
        if entry.loaded is not None
        and entry.loaded.template.name == order.template_name
        and order.template_version in (None, entry.loaded.template.version)
    ]
    return max(fitting, key=lambda found: found[0])[1] if fitting else None


def write_manifest(store: Store, number: str, pdf: Path) -> tuple[Path, Path, int]:
    """The order's manifest as `pdf` and a CSV beside it (blocking: a background task);
    the two paths and how many devices they list."""
    order = store.order(number)
    progress = store.order_progress(number)
    if order is None or progress is None:
        raise ValueError(f"there is no order {number}")
    manifest = manifest_of(order, progress, store.order_devices(number))
    csv_path = pdf.with_suffix(".csv")
    try:
        with csv_path.open("w", newline="", encoding="utf-8") as out:
            write_csv(manifest, out)
    except OSError as exc:
        raise OSError(f"cannot write {csv_path}: {exc.strerror or exc}") from None
    write_manifest_pdf(manifest, pdf)
    return pdf, csv_path, len(manifest.rows)


class OrderPicker(QComboBox):
    """A combo box that asks for a fresh list of orders as it opens (the CLI may have made
    one since)."""

    opening = Signal()

    def showPopup(self) -> None:
        self.opening.emit()
        super().showPopup()


class OrderBar(QWidget):
    """The order picker, its progress and the Manifest… button, for the bench's toolbar."""

    order_chosen = Signal(object)  # Order | None
    manifest_requested = Signal(str)  # the order's number

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picker = OrderPicker()
        self.picker.setMinimumWidth(220)
        self.picker.setToolTip(
            self.tr("The kitting order runs are made for; it chooses its template")
        )
        self.progress = QLabel()
        self.progress.setStyleSheet(PROGRESS_STYLE)
        self.progress.hide()
        self.manifest_button = QPushButton(self.tr("Manifest…"))
        self.manifest_button.setToolTip(self.tr("Save the order's manifest as PDF and CSV"))
        self.manifest_button.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(self.tr("Order")))
        layout.addWidget(self.picker)
        layout.addWidget(self.progress)
        layout.addWidget(self.manifest_button)
        self._orders: dict[str, Order] = {}
        self.active: Order | None = None  # as the engine last said
        self.set_orders([])
        self.picker.currentIndexChanged.connect(self._picked)
        self.manifest_button.clicked.connect(self._manifest_clicked)

    def set_orders(self, orders: list[Order]) -> None:
        """The station's orders that take runs (open or complete); keeps the choice."""
        current = self.picker.currentData()
        self._orders = {order.number: order for order in orders if order.state != "closed"}
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItem(self.tr("No order"), "")
        for order in self._orders.values():
            customer = f" · {order.customer}" if order.customer else ""
            self.picker.addItem(f"{order.number}{customer}", order.number)
        self.picker.setCurrentIndex(max(0, self.picker.findData(current or "")))
        self.picker.blockSignals(False)

    def choose(self, number: str | None) -> None:
        """Select an order (None: no order) as a person would."""
        self.picker.setCurrentIndex(max(0, self.picker.findData(number or "")))

    def show_progress(self, order: Order | None, progress: OrderProgress | None) -> None:
        """What the engine says of the active order."""
        self.active = order
        self.manifest_button.setEnabled(order is not None)
        if order is None:
            self.progress.hide()
            return
        self._orders[order.number] = order
        self.progress.setText(progress_words(order, progress))
        complete = order.state is OrderState.COMPLETE
        self.progress.setStyleSheet(COMPLETE_STYLE if complete else PROGRESS_STYLE)
        self.progress.show()

    def revert(self) -> None:
        """The engine refused the choice: show what it still runs."""
        self.picker.blockSignals(True)
        self.choose(self.active.number if self.active is not None else None)
        self.picker.blockSignals(False)

    def _picked(self) -> None:
        self.order_chosen.emit(self._orders.get(self.picker.currentData() or ""))

    def _manifest_clicked(self) -> None:
        if self.active is not None:
            self.manifest_requested.emit(self.active.number)
