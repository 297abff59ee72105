"""The template library: every template with its validation errors and its YAML, read-only."""

from __future__ import annotations

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.ui.template_library import TemplateEntry, TemplateLibrary

INVALID = QColor("#D55E00")


class TemplatesTab(QWidget):
    use_requested = Signal(str)  # entry key

    def __init__(self, library: TemplateLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.list = QListWidget()
        self.list.setMinimumWidth(260)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 15px;")
        self.errors = QPlainTextEdit()
        self.errors.setReadOnly(True)
        self.errors.setMaximumHeight(140)
        self.errors.setStyleSheet("color: #D55E00;")
        self.yaml = QPlainTextEdit()
        self.yaml.setReadOnly(True)
        self.yaml.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.yaml.setFont(mono)
        self.errors.setFont(mono)
        self.folder_label = QLabel()
        self.folder_label.setWordWrap(True)
        self.open_button = QPushButton("Open folder")
        self.reload_button = QPushButton("Reload")
        self.use_button = QPushButton("Use on bench")

        buttons = QHBoxLayout()
        buttons.addWidget(self.folder_label, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.reload_button)
        buttons.addWidget(self.use_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.summary)
        right_layout.addWidget(self.errors)
        right_layout.addWidget(self.yaml, 1)
        splitter = QSplitter()
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)

        self.list.currentItemChanged.connect(self._show_current)
        self.open_button.clicked.connect(self._open_folder)
        self.reload_button.clicked.connect(library.reload)
        self.use_button.clicked.connect(self._use)
        library.changed.connect(self._refresh)
        library.loading.connect(lambda busy: self.reload_button.setEnabled(not busy))
        self._refresh()

    def _refresh(self) -> None:
        current = self.list.currentItem()
        key = current.data(0x0100) if current else None
        self.list.clear()
        folders = ", ".join(
            str(folder) for folder, source in self.library.folders if source == "local"
        )
        self.folder_label.setText(f"Folder: {folders or '—'}")
        for entry in self.library.entries:
            item = QListWidgetItem(("" if entry.valid else "⚠ ") + entry.title)
            item.setData(0x0100, entry.key)
            item.setToolTip(str(entry.path))
            if not entry.valid:
                item.setForeground(INVALID)
            self.list.addItem(item)
            if entry.key == key:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        if not self.library.entries:
            self.summary.setText(
                "No templates yet. Put YAML templates in the folder above, then Reload."
            )
            self.errors.hide()
            self.yaml.clear()

    def _show_current(self, item: QListWidgetItem | None, _previous=None) -> None:
        entry = self.library.entry(item.data(0x0100)) if item else None
        self.use_button.setEnabled(entry is not None and entry.valid)
        if entry is None:
            return
        self.summary.setText(_summary(entry))
        self.errors.setVisible(not entry.valid)
        self.errors.setPlainText(entry.errors)
        self.yaml.setPlainText(entry.text)

    def _open_folder(self) -> None:
        for folder, source in self.library.folders:
            if source == "local":
                folder.mkdir(parents=True, exist_ok=True)
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
                return

    def _use(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.use_requested.emit(item.data(0x0100))


def _summary(entry: TemplateEntry) -> str:
    origin = "from the fleet backend" if entry.source == "backend" else "local"
    if entry.loaded is None:
        count = len(entry.errors.splitlines())
        return f"<b>{entry.path.name}</b> ({origin}) is invalid: {count} error(s)."
    template = entry.loaded.template
    text = (
        f"<b>{template.name}</b> version {template.version} ({origin}) — "
        f"{len(template.steps)} steps"
    )
    if template.description:
        text += f"<br>{template.description}"
    return text
