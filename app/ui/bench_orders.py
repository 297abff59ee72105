"""The bench's kitting order: the order bar, the notice that the order is complete, and the
strip of devices it does not expect (which an admin may let in).

The order decides the template (its pinned version, else its newest), so choosing an order
shuts the toolbar's template picker; the engine makes runs for the order and says how far it
is (`OrderProgressed`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from app.core import NotOnOrder
from app.core.orders import Order, OrderState
from app.engine.protocol import Ack, OrderProgressed, Refusal
from app.storage import Store
from app.ui.bench_toolbar import BenchToolbar
from app.ui.device_model import DeviceModel
from app.ui.engine_link import EngineLink
from app.ui.order_bar import (
    OrderBar,
    completion_words,
    order_template_words,
    template_for,
    write_manifest,
)
from app.ui.taskman import TaskManager
from app.ui.template_library import TemplateLibrary

NOTICE_STYLE = "font-size: 16px; padding: 8px; border-radius: 4px; color: white; background: {};"
COMPLETE_COLOUR = "#009E73"
HELD_BACK_COLOUR = "#CC79A7"


class BenchOrders(QObject):
    """The order's widgets (the bench places them) and what choosing and following an order
    does."""

    message = Signal(str)  # for the status bar

    def __init__(
        self,
        engine: EngineLink,
        model: DeviceModel,
        library: TemplateLibrary,
        toolbar: BenchToolbar,
        selected: Callable[[], list[str]],
        parent: QObject | None = None,
        *,
        store: Store | None = None,
        tasks: TaskManager | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine, self.model, self.library, self.toolbar = engine, model, library, toolbar
        self.selected = selected  # the endpoints of the tiles selected now
        self.store, self.tasks = store, tasks  # the orders and manifests read from it
        self._pending: str | None = None  # to choose once the templates are read

        self.order_bar = OrderBar()
        self.notice = QLabel()  # the active order is complete
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(NOTICE_STYLE.format(COMPLETE_COLOUR))
        self.notice.hide()
        self.held_back = QWidget()  # devices the order does not expect, and the admin's way in
        self.held_back_words = QLabel()
        self.held_back_words.setWordWrap(True)
        self.admit_button = QPushButton(self.tr("Let selected in (admin)…"))
        self.admit_button.setToolTip(self.tr("Run the selected held-back devices under this order"))
        self.held_back.setStyleSheet(f"QWidget {{ background: {HELD_BACK_COLOUR}; }}")
        self.held_back_words.setStyleSheet("color: white; font-size: 16px; padding: 6px;")
        self.admit_button.setStyleSheet("background: white; font-size: 14px; padding: 4px 10px;")
        held_back_layout = QHBoxLayout(self.held_back)
        held_back_layout.setContentsMargins(4, 2, 4, 2)
        held_back_layout.addWidget(self.held_back_words, 1)
        held_back_layout.addWidget(self.admit_button)
        self.held_back.hide()

        engine.order_progressed.connect(self._progressed)
        self.order_bar.order_chosen.connect(self._chosen)
        self.order_bar.manifest_requested.connect(self._ask_manifest)
        self.order_bar.picker.opening.connect(lambda: self.reload())

    def reload(self, then_choose: str | None = None) -> None:
        """Read the station's orders again (off the GUI thread) into the order picker; then
        choose order `then_choose`, once the template library has its templates."""
        if self.store is None or self.tasks is None:
            return

        def read(orders: list[Order]) -> None:
            self.order_bar.set_orders(orders)
            self._pending = then_choose
            self.choose_pending()

        self.tasks.run_in_background(self.store.orders, read, label=self.tr("Reading the orders"))

    def choose_pending(self) -> None:
        if self._pending is not None and self.library.entries:
            self.order_bar.choose(self._pending)
            self._pending = None

    def held_back_endpoints(self, selected_only: bool = True) -> list[str]:
        endpoints = self.selected() if selected_only else None
        return [
            tile.endpoint
            for tile in self.model.tiles()
            if isinstance(tile.info.status, NotOnOrder)
            and (endpoints is None or tile.endpoint in endpoints)
        ]

    def admit(self, endpoints: list[str]) -> None:
        """Let these held-back devices run under the active order (an admin's decision)."""
        for endpoint in endpoints:
            self.engine.admit(endpoint)

    def confirm_admit(self) -> None:
        """Ask, then let the selected held-back devices in (behind the admin lock)."""
        endpoints = self.held_back_endpoints()
        order = self.order_bar.active
        if not endpoints or order is None:
            return
        labels = ", ".join(
            tile.label or tile.endpoint for tile in self.model.tiles() if tile.endpoint in endpoints
        )
        answer = QMessageBox.question(
            self.held_back,
            self.tr("Let devices in"),
            self.tr(
                "{devices}: not on order {order}'s expected list.\n\n"
                "Provision under order {order} anyway? This is an admin's decision."
            ).format(devices=labels, order=order.number),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.admit(endpoints)

    def write_manifest(self, number: str, pdf: Path) -> None:
        """The order's manifest as `pdf` and a CSV beside it, written off the GUI thread."""
        if self.store is None or self.tasks is None:
            return
        store, tasks = self.store, self.tasks
        label = self.tr("Writing the manifest of order {number}").format(number=number)

        def done(written: tuple[Path, Path, int]) -> None:
            pdf_path, csv_path, count = written
            self.message.emit(
                self.tr("Manifest of {number}: %n device(s) in {pdf} and {csv}", "", count).format(
                    number=number, pdf=pdf_path.name, csv=csv_path.name
                )
            )

        tasks.run_in_background(
            lambda: write_manifest(store, number, pdf),
            done,
            on_failure=lambda error: tasks.report(label, error, lost_input=True),
            label=label,
        )

    def update_held_back(self) -> None:
        held = self.held_back_endpoints(selected_only=False)
        order = self.order_bar.active
        if not held or order is None:
            self.held_back.hide()
            return
        self.held_back_words.setText(
            self.tr(
                "⚠ %n device(s) not on order {order} and will not be provisioned. "
                "An admin may let a selected one in.",
                "",
                len(held),
            ).format(order=order.number)
        )
        self.admit_button.setEnabled(bool(self.held_back_endpoints()))
        self.held_back.show()

    def refused(self, ack: Ack) -> None:
        """The engine would not take the order chosen: the bar shows the one it runs."""
        if ack.refusal in (Refusal.NO_ORDER, Refusal.ORDER_CLOSED, Refusal.ORDER_TEMPLATE):
            self.order_bar.revert()
            if self.order_bar.active is None:
                self.toolbar.template_picker.setEnabled(True)

    def _chosen(self, order: Order | None) -> None:
        """The order decides the template (its pinned version, else its newest); the engine
        gets both at once, so it never sees the new template under the old order."""
        if order is None:
            self.engine.set_order(None)
            self.toolbar.follow_order(None)
            return
        if not order.template_name:
            self.engine.set_order(order.number)
            self.toolbar.template_picker.setEnabled(True)
            return
        entry = template_for(order, self.library.entries)
        if entry is None:
            self.message.emit(
                self.tr(
                    "Order {number} runs {template}, which is not in the template folder"
                ).format(number=order.number, template=order_template_words(order))
            )
            self.order_bar.revert()
            return
        self.engine.set_order(order.number, entry.loaded)
        self.toolbar.select_template(entry.key)
        self.toolbar.follow_order(order)

    def _progressed(self, said: OrderProgressed) -> None:
        order, progress = said.order, said.progress
        self.order_bar.show_progress(order, progress)
        complete = order is not None and order.state is OrderState.COMPLETE
        if order is not None and complete:
            self.notice.setText(completion_words(order, progress))
        self.notice.setVisible(complete)
        if order is not None and said.completed_now:
            self.message.emit(self.tr("Order {number} is complete").format(number=order.number))
        if order is None:
            self.toolbar.template_picker.setEnabled(True)
        self.update_held_back()

    def _ask_manifest(self, number: str) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self.order_bar,
            self.tr("Manifest of order {number}").format(number=number),
            f"manifest-{number}.pdf",
            "PDF (*.pdf)",
        )
        if path:
            pdf = Path(path)
            self.write_manifest(number, pdf if pdf.suffix else pdf.with_suffix(".pdf"))
