"""The GUI's own persisted settings: one INI file in the station's data directory.

Station name, operator and backend live in `app.storage.Config` (shared with `kitbench
config`); this file holds what only the window needs: language, theme, sound, limits,
geometry. The port map is the station's `ports.yaml` (`app.devices.slots.PortMap`), shared
with the CLI.

Keeping it under `data_dir()` (not the platform's registry) means `$KITBENCH_HOME` isolates
the GUI too: tests, the demo and several stations on one machine never share settings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from app.core.paths import data_dir
from app.ui.language import LANGUAGES, SYSTEM

FILE_NAME = "gui.ini"
THEMES = ("light", "dark")


class Settings:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or data_dir()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._q = QSettings(str(self.directory / FILE_NAME), QSettings.Format.IniFormat)

    def _text(self, key: str, default: str = "") -> str:
        value = self._q.value(key, default)
        return default if value is None else str(value)

    def _int(self, key: str, default: int) -> int:
        try:
            return int(str(self._q.value(key, default)))
        except (TypeError, ValueError):
            return default

    @property
    def jobs(self) -> int:
        """Devices provisioned at once; 0 lets the station decide."""
        return max(0, self._int("bench/jobs", 0))

    @jobs.setter
    def jobs(self, value: int) -> None:
        self._q.setValue("bench/jobs", int(value))

    @property
    def bus_transfer_limit(self) -> int:
        return max(0, self._int("bench/bus_transfer_limit", 0))  # 0: as the bus's bandwidth allows

    @bus_transfer_limit.setter
    def bus_transfer_limit(self, value: int) -> None:
        self._q.setValue("bench/bus_transfer_limit", int(value))

    @property
    def auto_provision(self) -> bool:
        return self._text("bench/auto_provision", "false") == "true"

    @auto_provision.setter
    def auto_provision(self, value: bool) -> None:
        self._q.setValue("bench/auto_provision", "true" if value else "false")

    @property
    def failure_sound(self) -> bool:
        """Whether a failed run rings (the tile flashes either way)."""
        return self._text("ui/failure_sound", "true") == "true"

    @failure_sound.setter
    def failure_sound(self, value: bool) -> None:
        self._q.setValue("ui/failure_sound", "true" if value else "false")

    @property
    def theme(self) -> str:
        theme = self._text("ui/theme", "light")
        return theme if theme in THEMES else "light"

    @theme.setter
    def theme(self, value: str) -> None:
        self._q.setValue("ui/theme", value if value in THEMES else "light")

    @property
    def language(self) -> str:
        """The window's language ("system", or a code of `LANGUAGES`); read at start."""
        language = self._text("ui/language", SYSTEM)
        return language if language in LANGUAGES else SYSTEM

    @language.setter
    def language(self, value: str) -> None:
        self._q.setValue("ui/language", value if value in LANGUAGES else SYSTEM)

    @property
    def template_folder(self) -> Path:
        return Path(self._text("templates/folder", str(self.directory / "templates")))

    @template_folder.setter
    def template_folder(self, value: Path) -> None:
        self._q.setValue("templates/folder", str(value))

    @property
    def selected_template(self) -> str:
        return self._text("templates/selected")

    @selected_template.setter
    def selected_template(self, value: str) -> None:
        self._q.setValue("templates/selected", value)

    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        return self._q.value("window/geometry"), self._q.value("window/state")

    def save_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self._q.setValue("window/geometry", geometry)
        self._q.setValue("window/state", state)

    def sync(self) -> None:
        self._q.sync()
