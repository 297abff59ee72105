"""The main window: tabs, status bar, geometry. Thin: each tab is its own module.

It is also where failures of background work reach the user (`show_failure`, the task
manager's reporter): the status bar, or a dialog when what the user asked for was lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from app.core import RunFinished, RunOutcome
from app.provisioning.runner import step_name
from app.storage import Config, Store
from app.sync import SyncStatus, release_statuses
from app.ui.admin_guard import AdminGuard
from app.ui.bench_tab import BenchTab
from app.ui.bridge import EventBridge
from app.ui.device_model import DeviceModel
from app.ui.engine_link import EngineLink
from app.ui.enrollment_tab import EnrollmentTab
from app.ui.failure_sound import FailureSound, find_player
from app.ui.history_tab import HistoryTab
from app.ui.settings import Settings
from app.ui.settings_tab import CONFIG_WRITES, SettingsTab
from app.ui.taskman import Failure, TaskManager
from app.ui.template_library import TemplateEntry, TemplateLibrary
from app.ui.templates_tab import TemplatesTab

HISTORY_REFRESH_MS = 1500
SHUTDOWN_DEADLINE_S = 20.0  # for all of on_close together; then the window closes anyway
FAILURE_MESSAGE_MS = 60_000  # long enough to be read by someone busy at the bench
FAILURE_STYLE = (  # the bench's failure colour, big enough to read from a step back
    "QStatusBar { background: #D55E00; color: white; font-weight: bold; font-size: 15px; }"
)

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What the window drives; built by `app.ui.app` (or a test) and closed by it."""

    engine: EngineLink  # the station, in its own process
    store: Store
    config: Config
    settings: Settings
    bridge: EventBridge
    tasks: TaskManager
    library: TemplateLibrary
    model: DeviceModel
    on_close: list[Callable[[], None]] = field(default_factory=list)  # run on a worker thread


class MainWindow(QMainWindow):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Kitbench")
        self.bench = BenchTab(
            services.engine,
            services.model,
            services.bridge,
            services.library,
            store=services.store,
            tasks=services.tasks,
        )
        self.templates = TemplatesTab(services.library)
        self.history = HistoryTab(services.store, services.tasks)
        self.settings_tab = SettingsTab(services.settings, services.config, services.tasks)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.bench, self.tr("Bench"))
        self.tabs.addTab(self.templates, self.tr("Templates"))
        self.tabs.addTab(self.history, self.tr("History"))
        self.tabs.addTab(_enrollment_tab(services), self.tr("Enrollment"))
        self.tabs.addTab(self.settings_tab, self.tr("Settings"))
        self.setCentralWidget(self.tabs)
        self.data_label = QLabel(self.tr("Data: {folder}").format(folder=services.config.directory))
        self.statusBar().addPermanentWidget(self.data_label)
        self.notice = QLabel()  # stays under the passing status messages
        self.statusBar().addWidget(self.notice, 1)
        self.failure_box: QMessageBox | None = None  # the last failure shown in a dialog
        self._failure_text = ""
        self.statusBar().messageChanged.connect(self._status_message_changed)
        services.tasks.set_reporter(self.show_failure)

        self._history_timer = QTimer(self)
        self._history_timer.setSingleShot(True)
        self._history_timer.setInterval(HISTORY_REFRESH_MS)
        self._history_timer.timeout.connect(self._refresh_history_if_shown)
        self._history_stale = True
        self._shutdown = "running"  # then "stopping", then "stopped"

        self.bench.template_chosen.connect(self._template_chosen)
        self.bench.operator_changed.connect(self._operator_changed)
        self.bench.asset_tag_scanned.connect(self._asset_tag_scanned)
        self.bench.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.templates.use_requested.connect(self._use_template)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.failure_sound = FailureSound()
        directory = services.settings.directory
        services.tasks.run_in_background(
            lambda: find_player(directory),
            self.failure_sound.use,
            label=self.tr("Preparing the failure sound"),
        )
        services.bridge.run_finished.connect(self._run_finished)
        services.engine.notice.connect(self.show_notice)
        services.engine.run_recorded.connect(self._run_recorded)
        services.engine.sync_status.connect(self._show_sync_status)
        services.engine.releases.connect(self.templates.show_releases)
        services.tasks.run_in_background(  # what the last pull found, until the next one
            lambda: release_statuses(services.settings.directory),
            self.templates.show_releases,
            label=self.tr("Reading the backend's releases"),
        )
        self.settings_tab.theme_changed.connect(self._theme_changed)
        self.settings_tab.saved.connect(self._settings_saved)
        services.model.rowsInserted.connect(self._devices_changed)
        self.bench.toolbar.auto_provision.setChecked(services.settings.auto_provision)
        self.bench.toolbar.auto_provision.toggled.connect(self._auto_provision_saved)
        services.tasks.run_in_background(
            lambda: services.config.operator,
            self.bench.toolbar.operator.setText,
            label=self.tr("Reading the operator name"),
        )
        self.admin = AdminGuard(services.settings.directory, services.tasks, parent=self)
        self.admin.install(self)
        self._restore_geometry()

    def show_notice(self, text: str) -> None:
        """Trouble the bench works around (no USB, a broken port map), shown until closed."""
        shown = self.notice.text()
        self.notice.setText(f"{shown} · {text}" if shown else text)
        self.notice.setToolTip(self.notice.text())

    def show_failure(self, failure: Failure) -> None:
        """Background work failed: say so in the status bar, in the failure colour; when it
        lost what the user entered or asked for, in a dialog too, which waits to be read."""
        self._failure_text = failure.text
        self.statusBar().showMessage(failure.text, FAILURE_MESSAGE_MS)
        if failure.lost_input:
            box = QMessageBox(QMessageBox.Icon.Warning, "Kitbench", failure.text, parent=self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()  # window-modal, without a nested event loop
            self.failure_box = box

    # -- internals

    def _template_chosen(self, entry: TemplateEntry) -> None:
        self.services.settings.selected_template = entry.key
        if entry.loaded is not None:
            template = entry.loaded.template
            names = [step_name(step) for step in template.steps]
            self.services.model.set_step_names(template.name, template.version, names)
            self.services.engine.set_template(entry.loaded)

    def _use_template(self, key: str) -> None:
        def use() -> None:
            self.bench.toolbar.select_template(key)
            self.tabs.setCurrentWidget(self.bench)

        self.admin.guard(use, self.tr("Use on bench"))

    def _operator_changed(self, name: str) -> None:
        """The bench's operator field was edited: use the name and keep it in the config."""
        self._use_operator(name)
        config = self.services.config
        self.services.tasks.run_in_background(
            lambda: config.set("station.operator", name),
            label=self.tr("Saving the operator name"),
            serial=CONFIG_WRITES,
        )

    def _use_operator(self, name: str) -> None:
        """Runs started from now on record `name` as their operator."""
        self.services.engine.operator = name
        entry = self.bench.current_entry()
        if entry is not None and entry.loaded is not None:
            self.services.engine.set_template(entry.loaded)  # runs from now carry the name

    def _asset_tag_scanned(self, endpoint: str, tag: str) -> None:
        """Said at once; a device gone meanwhile is said over it (the engine's refusal)."""
        self.services.engine.set_asset_tag(endpoint, tag)
        self.statusBar().showMessage(self.tr("Asset tag {tag} assigned").format(tag=tag), 5000)

    def _run_finished(self, event: RunFinished) -> None:
        if event.result.outcome is RunOutcome.FAILED and self.services.settings.failure_sound:
            self.failure_sound.ring()

    def _auto_provision_saved(self, enabled: bool) -> None:
        self.services.settings.auto_provision = enabled

    def _show_sync_status(self, status: SyncStatus) -> None:
        self.bench.sync.show_sync(status)
        if status.library_changed:  # a release became ready, or was withdrawn
            self.services.library.reload()

    def _run_recorded(self) -> None:
        self._history_stale = True
        self._history_timer.start()

    def _refresh_history_if_shown(self) -> None:
        if self.tabs.currentWidget() is self.history and self._history_stale:
            self._history_stale = False
            self.history.refresh()

    def _tab_changed(self, _index: int) -> None:
        self._refresh_history_if_shown()
        if self.tabs.currentWidget() is self.settings_tab:
            self.settings_tab.current_endpoints = [t.endpoint for t in self.services.model.tiles()]

    def _devices_changed(self, *_args) -> None:
        self.settings_tab.current_endpoints = [t.endpoint for t in self.services.model.tiles()]

    def _theme_changed(self, theme: str) -> None:
        from app.ui.app import apply_theme

        apply_theme(theme)

    def _settings_saved(self, values: dict[str, str]) -> None:
        """Settings wrote the config: the operator applies to new runs at once."""
        name = values["station.operator"]
        self.bench.toolbar.operator.setText(name)
        if name != self.services.engine.operator:
            self._use_operator(name)  # already saved: only the station needs it

    def _status_message_changed(self, text: str) -> None:
        """The failure colour lasts as long as the failure's message."""
        failing = bool(text) and text == self._failure_text
        self.statusBar().setStyleSheet(FAILURE_STYLE if failing else "")

    def _restore_geometry(self) -> None:
        geometry, state = self.services.settings.window_state()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 860)  # what "restore" gives back
            # First launch: the whole screen, so a bench of 150 shows every tile at once.
            self.setWindowState(Qt.WindowState.WindowMaximized)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Close only once the station, sync and store have stopped, without the GUI waiting.

        The first close is refused: the shutdown runs on a worker thread (stopping devices
        can take seconds) while the window says "Stopping…"; when it is done, or after
        `SHUTDOWN_DEADLINE_S`, the window closes itself, which quits the application.
        """
        if self._shutdown == "stopped":
            super().closeEvent(event)
            return
        event.ignore()
        if self._shutdown == "stopping":
            return
        self._shutdown = "stopping"
        self.services.settings.save_window_state(self.saveGeometry(), self.saveState())
        self.bench.timer.stop()
        self._history_timer.stop()
        self.tabs.setEnabled(False)  # nothing new starts while the station stops
        self.statusBar().showMessage(self.tr("Stopping…"))
        closers = [self.services.settings.sync, *self.services.on_close]
        self.services.on_close.clear()
        self.services.tasks.run_in_background(
            lambda: _run_closers(closers, SHUTDOWN_DEADLINE_S),
            self._stopped,
            on_failure=lambda error: self._stopped([repr(error)]),
            label=self.tr("Stopping the station"),
        )
        # In case the job cannot even start (both workers busy): close anyway.
        QTimer.singleShot(int(SHUTDOWN_DEADLINE_S * 1000) + 2000, self, lambda: self._stopped([]))

    @property
    def stopped(self) -> bool:
        """The shutdown has finished and the window is closed."""
        return self._shutdown == "stopped"

    def _stopped(self, problems: list[str]) -> None:
        if self._shutdown == "stopped":
            return
        for problem in problems:
            log.warning("shutdown: %s", problem)
        self._shutdown = "stopped"
        self.services.tasks.shutdown()
        if shiboken6.isValid(self):  # deleted meanwhile (a test's teardown): nothing to close
            self.close()


def _run_closers(closers: list[Callable[[], None]], deadline_s: float) -> list[str]:
    """Run each closer in turn, all within one deadline; what did not finish in time.

    Each runs on its own daemon thread, so one that hangs (a device that will not let go)
    neither delays the window past the deadline nor keeps the process from exiting. These
    are watchdogs to abandon, not work with a result, so they are not the task manager's:
    its pool threads are joined at exit and cannot be abandoned.
    """
    deadline = time.monotonic() + deadline_s
    late: list[str] = []
    for close in closers:
        name = getattr(close, "__qualname__", repr(close))
        thread = threading.Thread(target=_logged(close), name=f"close {name}", daemon=True)
        thread.start()
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            late.append(f"{name} did not finish within {deadline_s:.0f} s")
    return late


def _logged(close: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        try:
            close()
        except Exception:
            log.exception("closing failed")

    return run


def _enrollment_tab(services: Services) -> EnrollmentTab:
    tab = EnrollmentTab(config=services.config, tasks=services.tasks)
    library = services.library

    def offer_templates() -> None:
        tab.set_templates([entry.loaded for entry in library.entries if entry.loaded is not None])

    library.changed.connect(offer_templates)
    return tab
