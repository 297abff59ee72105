"""The template library: every template with its validation errors and its YAML, read-only."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QUrl, Signal
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

from app.sync import ReleaseState, ReleaseStatus
from app.sync.releases import Refusal
from app.ui.language import QT_TRANSLATE_NOOP
from app.ui.template_library import TemplateEntry, TemplateLibrary

INVALID = QColor("#D55E00")
REFUSALS = {  # translated where shown
    Refusal.NO_TRUSTED_KEY: QT_TRANSLATE_NOOP(
        "TemplatesTab", "not installed: this station trusts no publisher key (Settings)"
    ),
    Refusal.UNSIGNED: QT_TRANSLATE_NOOP(
        "TemplatesTab", "refused: not signed, and this station needs a signature"
    ),
    Refusal.UNTRUSTED_KEY: QT_TRANSLATE_NOOP(
        "TemplatesTab", "refused: signed by a key this station does not trust"
    ),
    Refusal.BAD_SIGNATURE: QT_TRANSLATE_NOOP(
        "TemplatesTab", "refused: its signature does not match"
    ),
    Refusal.BAD_MANIFEST: QT_TRANSLATE_NOOP("TemplatesTab", "refused: its manifest is damaged"),
    Refusal.FILE_MISMATCH: QT_TRANSLATE_NOOP(
        "TemplatesTab", "refused: {file} does not match its published hash"
    ),
    Refusal.FILE_UNAVAILABLE: QT_TRANSLATE_NOOP(
        "TemplatesTab", "refused: the backend does not have {file}"
    ),
}


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
        self.open_button = QPushButton(self.tr("Open folder"))
        self.reload_button = QPushButton(self.tr("Reload"))
        self.use_button = QPushButton(self.tr("Use on bench"))
        self.releases = QLabel()  # the channel's releases: ready, downloading, refused
        self.releases.setWordWrap(True)
        self.releases.setStyleSheet("font-size: 14px;")
        self.releases.hide()

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
        layout.addWidget(self.releases)
        layout.addWidget(splitter, 1)

        self.list.currentItemChanged.connect(self._show_current)
        self.open_button.clicked.connect(self._open_folder)
        self.reload_button.clicked.connect(library.reload)
        self.use_button.clicked.connect(self._use)
        library.changed.connect(self._refresh)
        library.loading.connect(lambda busy: self.reload_button.setEnabled(not busy))
        self._refresh()

    def show_releases(self, releases: tuple[ReleaseStatus, ...]) -> None:
        """The backend channel's releases; one that is still downloading or was refused is
        not in the list above, so it cannot be started."""
        lines = [release_line(release) for release in releases]
        self.releases.setText(self.tr("Releases from the backend:") + "\n" + "\n".join(lines))
        self.releases.setVisible(bool(lines))

    def _refresh(self) -> None:
        current = self.list.currentItem()
        key = current.data(0x0100) if current else None
        self.list.clear()
        folders = ", ".join(
            str(folder) for folder, source in self.library.folders if source == "local"
        )
        self.folder_label.setText(self.tr("Folder: {folders}").format(folders=folders or "—"))
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
                self.tr("No templates yet. Put YAML templates in the folder above, then Reload.")
            )
            self.errors.hide()
            self.yaml.clear()

    def _show_current(self, item: QListWidgetItem | None, _previous=None) -> None:
        entry = self.library.entry(item.data(0x0100)) if item else None
        self.use_button.setEnabled(entry is not None and entry.valid)
        if entry is None:
            return
        self.summary.setText(self.summary_words(entry))
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

    def summary_words(self, entry: TemplateEntry) -> str:
        """The template's name, version, origin and step count, or why it is invalid."""
        if entry.source == "backend":
            origin = self.tr("from the fleet backend")
        else:
            origin = self.tr("local")
        if entry.loaded is None:
            count = len(entry.errors.splitlines())
            return self.tr("<b>{file}</b> ({origin}) is invalid: %n error(s).", "", count).format(
                file=entry.path.name, origin=origin
            )
        template = entry.loaded.template
        text = self.tr(
            "<b>{name}</b> version {version} ({origin}) — %n step(s)", "", len(template.steps)
        ).format(name=template.name, version=template.version, origin=origin)
        if template.description:
            text += f"<br>{template.description}"
        return text


def release_line(release: ReleaseStatus) -> str:
    """One release in words: "retail-pos v3 (canary): downloading 3/5 files, 48 MB"."""
    name = f"{release.name} v{release.version} ({release.channel})"
    if release.state is ReleaseState.READY:
        if release.signed_by:
            return QCoreApplication.translate("TemplatesTab", "✓ {release}: ready").format(
                release=name
            )
        return QCoreApplication.translate("TemplatesTab", "✓ {release}: ready, unsigned").format(
            release=name
        )
    if release.state is ReleaseState.DOWNLOADING:
        return QCoreApplication.translate(
            "TemplatesTab", "↓ {release}: downloading {done}/{total} files, {bytes} of {size}"
        ).format(
            release=name,
            done=release.files_done,
            total=release.files_total,
            bytes=_megabytes(release.bytes_done),
            size=_megabytes(release.bytes_total),
        )
    if release.refusal:
        words = QCoreApplication.translate("TemplatesTab", REFUSALS[release.refusal])
    else:
        words = QCoreApplication.translate("TemplatesTab", "refused")
    file = release.refused_file or QCoreApplication.translate("TemplatesTab", "a file")
    return f"⚠ {name}: {words.format(file=file)}"


def _megabytes(count: int) -> str:
    """A size in MB (or kB under one), its number in the locale's format."""
    if count >= 1e6:
        return QCoreApplication.translate("TemplatesTab", "{number} MB").format(
            number=QLocale().toString(round(count / 1e6))
        )
    return QCoreApplication.translate("TemplatesTab", "{number} kB").format(
        number=QLocale().toString(round(count / 1e3))
    )
