"""The bench's toolbar: the template to apply, Start and Stop, provision on plug-in, and who
works at the station. Its buttons are big: they are pressed from a step back."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.core.orders import Order
from app.ui.order_bar import order_template_words
from app.ui.template_library import TemplateEntry


class BenchToolbar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.template_picker = QComboBox()
        self.template_picker.setMinimumWidth(220)
        self.template_picker.setToolTip(self.tr("Template to apply (Ctrl+T)"))
        self.start_button = QPushButton(self.tr("▶ Start"))
        self.start_button.setToolTip(self.tr("Start the selected devices, or all ready ones (F5)"))
        self.stop_button = QPushButton(self.tr("■ Stop"))
        self.stop_button.setToolTip(self.tr("Stop the selected devices, or all (Shift+F5)"))
        self.auto_provision = QCheckBox(self.tr("Provision on plug-in"))
        self.auto_provision.setToolTip(self.tr("Start each device as soon as it is ready (F9)"))
        self.operator = QLineEdit()
        self.operator.setPlaceholderText(self.tr("Operator"))
        self.operator.setMaximumWidth(160)
        for widget in (self.start_button, self.stop_button):
            widget.setMinimumHeight(36)
            font = widget.font()
            font.setPixelSize(16)
            font.setBold(True)
            widget.setFont(font)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(self.tr("Template")))
        layout.addWidget(self.template_picker)
        layout.addWidget(self.start_button)
        layout.addWidget(self.stop_button)
        layout.addWidget(self.auto_provision)
        layout.addWidget(self.operator)

    def show_templates(self, entries: list[TemplateEntry]) -> None:
        """List `entries` (an invalid one marked ⚠), choosing again the one chosen before
        where it remains."""
        picker = self.template_picker
        current = picker.currentData()
        picker.blockSignals(True)
        picker.clear()
        for entry in entries:
            prefix = "" if entry.valid else "⚠ "
            suffix = self.tr("  (backend)") if entry.source == "backend" else ""
            picker.addItem(prefix + entry.title + suffix, entry.key)
        picker.blockSignals(False)
        if current is not None and picker.findData(current) >= 0:
            self.select_template(current)

    def select_template(self, key: str) -> None:
        index = self.template_picker.findData(key)
        if index >= 0:
            self.template_picker.setCurrentIndex(index)

    def template_key(self) -> str:
        return self.template_picker.currentData() or ""

    def follow_order(self, order: Order | None) -> None:
        """An order with a template decides it: the picker is shut and says why; no order
        opens it again."""
        if order is None:
            self.template_picker.setEnabled(True)
            self.template_picker.setToolTip(self.tr("Template to apply (Ctrl+T)"))
            return
        self.template_picker.setEnabled(False)
        self.template_picker.setToolTip(
            self.tr(
                "Order {number} runs {template}; choose “No order” to pick another template"
            ).format(number=order.number, template=order_template_words(order))
        )
