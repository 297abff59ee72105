"""The template library: every YAML template in the station's folders, loaded off the GUI thread.

Both the bench's template picker and the Templates tab read the same library, so an
invalid template shows the same errors everywhere and cannot be started anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal

from app.templates import LoadedTemplate, TemplateError, load_template
from app.ui.language import QT_TRANSLATE_NOOP
from app.ui.taskman import TaskManager

PATTERNS = ("*.yaml", "*.yml")
SCAN_LABEL = QT_TRANSLATE_NOOP("TemplateLibrary", "Reading the templates")


@dataclass(frozen=True)
class TemplateEntry:
    path: Path
    source: str  # "local" or "backend"
    text: str
    loaded: LoadedTemplate | None = None
    errors: str = ""  # one "FILE:LINE:COL: message" per line when invalid

    @property
    def valid(self) -> bool:
        return self.loaded is not None

    @property
    def title(self) -> str:
        if self.loaded is not None:
            template = self.loaded.template
            return f"{template.name} v{template.version}"
        return QCoreApplication.translate("TemplateLibrary", "{file} (invalid)").format(
            file=self.path.name
        )

    @property
    def key(self) -> str:
        return str(self.path)


def scan(folders: list[tuple[Path, str]]) -> list[TemplateEntry]:
    """Load every template in the folders (blocking: call it on a worker thread)."""
    entries: list[TemplateEntry] = []
    for folder, source in folders:
        if not folder.is_dir():
            continue
        paths = sorted({p for pattern in PATTERNS for p in folder.rglob(pattern) if p.is_file()})
        for path in paths:
            entries.append(load_entry(path, source))
    return entries


def load_entry(path: Path, source: str = "local") -> TemplateEntry:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return TemplateEntry(path, source, "", errors=f"{path}: cannot read: {exc.strerror}")
    try:
        return TemplateEntry(path, source, text, loaded=load_template(path))
    except TemplateError as exc:
        return TemplateEntry(path, source, text, errors=str(exc))


class TemplateLibrary(QObject):
    """Holds the last scan; `reload()` rescans in the background and emits `changed`.

    A scan that fails (a folder that cannot be listed) keeps the last entries, says so in
    the window, and leaves Reload usable.
    """

    changed = Signal()
    loading = Signal(bool)

    def __init__(self, tasks: TaskManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self.folders: list[tuple[Path, str]] = []
        self.entries: list[TemplateEntry] = []

    def set_folders(self, folders: list[tuple[Path, str]]) -> None:
        self.folders = list(folders)

    def reload(self) -> None:
        folders = list(self.folders)
        self.loading.emit(True)
        self._tasks.run_in_background(
            lambda: scan(folders),
            self._loaded,
            on_failure=self._failed,
            label=QCoreApplication.translate("TemplateLibrary", SCAN_LABEL),
        )

    def entry(self, key: str) -> TemplateEntry | None:
        return next((entry for entry in self.entries if entry.key == key), None)

    def _loaded(self, entries: list[TemplateEntry]) -> None:
        self.entries = entries
        self.loading.emit(False)
        self.changed.emit()

    def _failed(self, error: BaseException) -> None:
        self.loading.emit(False)
        self._tasks.report(QCoreApplication.translate("TemplateLibrary", SCAN_LABEL), error)
