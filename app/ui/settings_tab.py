"""Settings: station, backend, port map, limits, language, theme. Saved on "Save", kept across
launches.

Station and backend settings are the same `kitbench config` keys the CLI uses, and the port
map is the station's `ports.yaml` (both read and written through the task manager, writes in
order with the bench's operator field); window-only settings go to the GUI's own settings
file. A failure shows beside the Save button, where the values still are.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.devices.slots import PORT_MAP_FILE, PortMap, PortMapError, generated_label, port_key
from app.storage import Config, ConfigError
from app.storage.config import KEYS
from app.sync import TrustState, trust_status
from app.templates.release import DEFAULT_CHANNEL
from app.ui.admin_lock import Guard, run_now
from app.ui.language import LANGUAGES, SYSTEM
from app.ui.scrolling import VerticalScroll
from app.ui.settings import Settings
from app.ui.taskman import TaskManager, describe

URL_KEY = "backend.url"
KEYS_KEY = "release.trusted_keys"
CONFIG_WRITES = "config"  # the serial key of every write to config.json, so none overtakes
TOKEN_KEY = "backend.token"


class SettingsTab(QWidget):
    theme_changed = Signal(str)
    saved = Signal(dict)  # the config values written ("station.operator", …; never the token)

    def __init__(
        self,
        settings: Settings,
        config: Config,
        tasks: TaskManager,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.config = config
        self.tasks = tasks
        self.current_endpoints: list[str] = []
        self.admin_guard: Guard = run_now  # the window's admin lock, once installed

        self.station_name = QLineEdit()
        self.operator = QLineEdit()
        self.data_dir = QLabel(str(config.directory))
        self.open_data_dir = QPushButton(self.tr("Open"))
        self.backend_url = QLineEdit()
        self.backend_url.setPlaceholderText("https://fleet.example.com")
        self.backend_token = QLineEdit()
        self.backend_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.channel = QLineEdit()
        self.channel.setPlaceholderText("production")
        self.trusted_keys = QPlainTextEdit()
        self.trusted_keys.setMaximumHeight(70)
        self.trusted_keys.setPlaceholderText(self.tr("ed25519:… (one publisher key per line)"))
        self.allow_unsigned = QCheckBox(self.tr("Install releases nobody signed (not recommended)"))
        self.trust = QLabel()  # whether releases from the backend are installed, and why
        self.trust.setWordWrap(True)
        self.port_map = QPlainTextEdit()
        self.port_map.setMaximumHeight(150)
        self.port_map.setPlaceholderText("1-1.1: A1\n1-1.2: A2\n127.0.0.1:7400: N1")
        self.map_current = QPushButton(self.tr("Map plugged-in devices in order"))
        self.jobs = QSpinBox()
        self.jobs.setRange(0, 256)
        self.jobs.setSpecialValueText(self.tr("automatic"))
        self.bus_limit = QSpinBox()
        self.bus_limit.setRange(0, 64)
        self.bus_limit.setSpecialValueText(self.tr("as the bus allows"))
        self.theme = QComboBox()
        self.theme.addItem(self.tr("light"), "light")
        self.theme.addItem(self.tr("dark"), "dark")
        self.language = QComboBox()  # each language in its own words, so anyone finds theirs
        self.language.addItem(self.tr("System"), SYSTEM)
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.failure_sound = QCheckBox(self.tr("Sound when a device fails"))
        self.save_button = QPushButton(self.tr("Save"))
        self.status = QLabel()
        self.status.setWordWrap(True)

        station = QGroupBox(self.tr("Station"))
        station_form = QFormLayout(station)
        station_form.addRow(self.tr("Station name"), self.station_name)
        station_form.addRow(self.tr("Operator"), self.operator)
        data_row = QHBoxLayout()
        data_row.addWidget(self.data_dir, 1)
        data_row.addWidget(self.open_data_dir)
        station_form.addRow(self.tr("Data directory"), data_row)
        station_form.addRow("", QLabel(self.tr("Station name applies at the next launch.")))
        backend = QGroupBox(self.tr("Fleet backend"))
        backend_form = QFormLayout(backend)
        backend_form.addRow(self.tr("URL"), self.backend_url)
        backend_form.addRow(self.tr("Token"), self.backend_token)
        backend_form.addRow(self.tr("Release channel"), self.channel)
        backend_form.addRow(self.tr("Trusted publisher keys"), self.trusted_keys)
        backend_form.addRow("", self.allow_unsigned)
        backend_form.addRow("", self.trust)
        bench = QGroupBox(self.tr("Bench"))
        bench_form = QFormLayout(bench)
        bench_form.addRow(self.tr("Port map (PORT: LABEL per line)"), self.port_map)
        bench_form.addRow("", self.map_current)
        bench_form.addRow(self.tr("Devices at once"), self.jobs)
        bench_form.addRow(self.tr("Transfers per USB bus"), self.bus_limit)
        bench_form.addRow(self.tr("Language"), self.language)
        bench_form.addRow(self.tr("Theme"), self.theme)
        bench_form.addRow("", self.failure_sound)
        bench_form.addRow(
            "", QLabel(self.tr("Port map, limits and language apply at the next launch."))
        )

        form = QWidget()
        form.setMaximumWidth(960)
        outer = QHBoxLayout(self)
        outer.addWidget(VerticalScroll(form), 1)  # a laptop screen's height is enough
        layout = QVBoxLayout(form)
        for group in (station, backend, bench):
            layout.addWidget(group)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._sections = layout  # the admin lock adds its bar and PIN group here
        self._lockable: list[QWidget] = [station, backend, bench, self.save_button]

        self.save_button.clicked.connect(self.save)
        self.open_data_dir.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(config.directory)))
        )
        self.map_current.clicked.connect(self._map_current)
        self.theme.currentIndexChanged.connect(
            lambda: self.theme_changed.emit(self.theme.currentData())
        )
        self.load()

    def add_admin_lock(self, bar: QWidget, group: QWidget) -> None:
        """The admin lock's bar above the settings (locked, Unlock…) and its PIN group below."""
        self._sections.insertWidget(0, bar)
        self._sections.insertWidget(self._sections.indexOf(self._lockable[2]) + 1, group)  # bench
        self._lockable.append(group)

    def set_locked(self, locked: bool) -> None:
        """While the admin lock is on, the settings are shown and nothing can be changed."""
        for widget in self._lockable:
            widget.setEnabled(not locked)

    def load(self) -> None:
        """Fill the form (config is read on a worker thread)."""
        self.tasks.run_in_background(
            self._read_port_map,
            self._show_port_map,
            on_failure=self._show_read_error,
            label=self.tr("Reading the port map"),
        )
        self.jobs.setValue(self.settings.jobs)
        self.bus_limit.setValue(self.settings.bus_transfer_limit)
        self.theme.setCurrentIndex(max(0, self.theme.findData(self.settings.theme)))
        self.language.setCurrentIndex(max(0, self.language.findData(self.settings.language)))
        self.failure_sound.setChecked(self.settings.failure_sound)
        self._read_settings()

    def save(self) -> None:
        """Save the form, once an admin has unlocked Settings (where a PIN is set)."""
        self.admin_guard(self._save, self.tr("Save the settings"))

    def _save(self) -> None:
        """Check every value first; only when all are valid is anything written."""
        try:
            port_map = PortMap.parse(self.port_map.toPlainText(), "port map")
        except PortMapError as exc:
            self.status.setText(str(exc))
            return
        entered = {
            "station.name": self.station_name.text().strip(),
            "station.operator": self.operator.text().strip(),
            "backend.url": self.backend_url.text().strip(),
            "backend.token": self.backend_token.text().strip(),
            "station.channel": self.channel.text().strip() or DEFAULT_CHANNEL,
            "release.trusted_keys": " ".join(self.trusted_keys.toPlainText().split()),
            "release.allow_unsigned": "true" if self.allow_unsigned.isChecked() else "false",
        }
        values: dict[str, str] = {}
        try:
            for key, value in entered.items():
                if value or key not in (URL_KEY, TOKEN_KEY, KEYS_KEY):  # empty: left as it is
                    values[key] = KEYS[key].check(value)
        except ConfigError as exc:
            self.status.setText(self.tr("Not saved: {problem}").format(problem=exc))
            return
        local = (self.jobs.value(), self.bus_limit.value(), self.theme.currentData(),
                 self.failure_sound.isChecked(), self.language.currentData())  # fmt: skip
        self.status.setText(self.tr("Saving…"))
        self.tasks.run_in_background(
            lambda: self._write_config(values, port_map),
            lambda _result: self._saved(values, local),
            on_failure=self._save_failed,
            label=self.tr("Saving the settings"),
            serial=CONFIG_WRITES,
        )

    @property
    def port_map_path(self) -> Path:
        return self.settings.directory / PORT_MAP_FILE

    def _read_port_map(self) -> tuple[str, str]:
        """The map as saved, or a broken file's own text and what is wrong with it."""
        try:
            return PortMap.load(self.port_map_path).text(), ""
        except PortMapError as exc:
            return self.port_map_path.read_text(encoding="utf-8", errors="replace"), str(exc)

    def _show_port_map(self, loaded: tuple[str, str]) -> None:
        text, problem = loaded
        self.port_map.setPlainText(text)
        if problem:
            self.status.setText(
                self.tr("Port map not used until fixed: {problem}").format(problem=problem)
            )

    def _show_read_error(self, error: BaseException) -> None:
        self.status.setText(
            self.tr("Cannot read the port map: {problem}").format(problem=describe(error))
        )

    def _read_settings(self) -> None:
        self.tasks.run_in_background(
            self._read_config,
            self._show_config,
            on_failure=lambda error: self.status.setText(
                self.tr("Cannot read the settings: {problem}").format(problem=describe(error))
            ),
            label=self.tr("Reading the settings"),
        )

    def _read_config(self) -> dict[str, str]:
        return {
            "station.name": self.config.station_name,
            "station.operator": self.config.operator,
            "backend.url": self.config.backend_url or "",
            "token_set": "yes" if self.config.backend_token else "",
            "station.channel": self.config.channel,
            "release.trusted_keys": "\n".join(self.config.trusted_keys),
            "release.allow_unsigned": "true" if self.config.allow_unsigned else "",
            "trust": trust_words(trust_status(self.config).state),
        }

    def _show_config(self, values: dict[str, str]) -> None:
        self.station_name.setText(values["station.name"])
        self.operator.setText(values["station.operator"])
        self.backend_url.setText(values["backend.url"])
        self.backend_token.clear()
        self.backend_token.setPlaceholderText(
            self.tr("•••• (set; type to replace)") if values["token_set"] else self.tr("not set")
        )
        self.channel.setText(values["station.channel"])
        self.trusted_keys.setPlainText(values["release.trusted_keys"])
        self.allow_unsigned.setChecked(bool(values["release.allow_unsigned"]))
        self.trust.setText(values["trust"])

    def _write_config(self, values: dict[str, str], port_map: PortMap) -> None:
        self.config.get(URL_KEY)  # a broken config.json stops the save here, before any write
        port_map.save(self.port_map_path)
        for key, value in values.items():
            self.config.set(key, value)
        if URL_KEY not in values:  # an emptied URL: this station no longer syncs
            self.config.unset(URL_KEY)
        if KEYS_KEY not in values:  # no key trusted any more
            self.config.unset(KEYS_KEY)

    def _saved(self, values: dict[str, str], local: tuple[int, int, str, bool, str]) -> None:
        settings = self.settings
        (settings.jobs, settings.bus_transfer_limit, settings.theme, settings.failure_sound,
         settings.language) = local  # fmt: skip
        self.settings.sync()
        self.status.setText(self.tr("Saved."))
        self.backend_token.clear()
        self._read_settings()
        self.saved.emit({key: value for key, value in values.items() if key != TOKEN_KEY})

    def _save_failed(self, error: BaseException) -> None:
        message = describe(error) if isinstance(error, ConfigError | OSError) else repr(error)
        self.status.setText(self.tr("Not saved: {problem}").format(problem=message))

    def _map_current(self) -> None:
        labels = {
            port_key(endpoint): generated_label(i)
            for i, endpoint in enumerate(self.current_endpoints)
        }
        self.port_map.setPlainText(PortMap(labels).text())


def trust_words(state: TrustState) -> str:
    """Whether releases from the backend are installed on this station, in one line."""
    if state is TrustState.KEYS:
        return QCoreApplication.translate(
            "SettingsTab", "Releases are installed only when a trusted key signed them."
        )
    if state is TrustState.UNSIGNED_ALLOWED:
        return QCoreApplication.translate(
            "SettingsTab",
            "Releases are installed unchecked: no key is trusted and unsigned releases are "
            "allowed.",
        )
    return QCoreApplication.translate(
        "SettingsTab",
        "No trusted publisher key: releases from the backend are not installed. Add the key "
        "your CI signs with.",
    )
