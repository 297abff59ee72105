"""Starting the GUI: the QApplication, its theme, and the services the window drives.

`run_gui()` is what `kitbench gui` calls. It checks the display first, because when Qt
cannot load its platform plugin it aborts the process with a message few people can act
on; here the user is told which packages to install instead.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app import __version__
from app.core import RunEvent
from app.core.paths import resources_dir
from app.devices.slots import PORT_MAP_FILE, PortMap, PortMapError
from app.provisioning.station import Station
from app.storage import Config, ConfigError, Store, StoreError
from app.sync import SyncWorker, pulled_dir
from app.ui.bridge import EventBridge
from app.ui.device_model import DeviceModel
from app.ui.main_window import MainWindow, Services
from app.ui.settings import Settings
from app.ui.taskman import TaskManager
from app.ui.template_library import TemplateLibrary

XCB_PACKAGES = "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0"


class DisplayError(RuntimeError):
    """No usable display; the message says what to install or set."""


def check_display() -> None:
    """Fail with a clear message where Qt would abort: no display, or xcb libraries missing."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if sys.platform != "linux" or platform.startswith(("offscreen", "minimal", "vnc", "wayland")):
        return
    if not os.environ.get("DISPLAY"):
        if os.environ.get("WAYLAND_DISPLAY"):
            return
        raise DisplayError(
            "no display: start Kitbench from a desktop session, or under a virtual display "
            "(xvfb-run kitbench gui), or set QT_QPA_PLATFORM=offscreen"
        )
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.exists():
        return
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        raise DisplayError(
            f"Qt cannot load its X11 (xcb) platform plugin: {exc}.\n"
            f"On Debian/Ubuntu install: sudo apt-get install {XCB_PACKAGES}"
        ) from None


def apply_theme(theme: str) -> None:
    """Fusion with a light or dark palette: the same look on every platform."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    app.setStyle("Fusion")
    if theme != "dark":
        app.setPalette(app.style().standardPalette())
        return
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#202124",
        QPalette.ColorRole.WindowText: "#EEEEEE",
        QPalette.ColorRole.Base: "#17181A",
        QPalette.ColorRole.AlternateBase: "#26272B",
        QPalette.ColorRole.Text: "#EEEEEE",
        QPalette.ColorRole.Button: "#2D2E32",
        QPalette.ColorRole.ButtonText: "#EEEEEE",
        QPalette.ColorRole.Highlight: "#56B4E9",
        QPalette.ColorRole.HighlightedText: "#000000",
        QPalette.ColorRole.ToolTipBase: "#2D2E32",
        QPalette.ColorRole.ToolTipText: "#EEEEEE",
        QPalette.ColorRole.PlaceholderText: "#9A9A9A",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv or [sys.argv[0]])
    app.setApplicationName("Kitbench")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Kitbench")
    app.setDesktopFileName("kitbench")
    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "kitbench.svg")))
    return app


def build_services(
    data_dir: Path | None = None,
    *,
    station_factory: Callable[..., Station] | None = None,
) -> tuple[Services, Callable[[RunEvent], None]]:
    """The store, recorder, station, bridge and models one window drives.

    Returns the services and the event sink the station reports to (recorder + bridge).
    """
    settings = Settings(data_dir)
    config = Config(settings.directory)
    # Read before anything is opened: a broken config.json raises ConfigError with nothing
    # left to close.
    station_name, operator = config.station_name, config.operator
    store = Store(settings.directory, recording=True)
    tasks = TaskManager()
    bridge = EventBridge()
    model = DeviceModel()
    for event_signal, slot in (
        (bridge.device_changed, model.on_device_changed),
        (bridge.run_started, model.on_run_started),
        (bridge.step_started, model.on_step_started),
        (bridge.step_progress, model.on_step_progress),
        (bridge.step_finished, model.on_step_finished),
        (bridge.log_line, model.on_log_line),
        (bridge.run_finished, model.on_run_finished),
    ):
        event_signal.connect(slot)
    recorded: list[Callable[[object], None]] = []

    def tell_recorded(event: RunEvent) -> None:
        for hook in recorded:
            hook(event)

    recorder = store.recorder(on_recorded=tell_recorded)

    def on_event(event: RunEvent) -> None:
        recorder.on_event(event)
        bridge.post(event)

    if station_factory is None:
        station_factory = Station
    notices: list[str] = []
    try:
        port_map = PortMap.load(settings.directory / PORT_MAP_FILE)
    except PortMapError as exc:  # the bench still works, with generated labels
        port_map = PortMap()
        notices.append(f"Port map not used: {exc}")
    station = station_factory(
        port_map=port_map,
        on_event=on_event,
        station_name=station_name,
        operator=operator,
        jobs=settings.jobs or None,
        bus_transfer_limit=settings.bus_transfer_limit,
        data_dir=settings.directory,
        before_run=recorder.record_start,  # a run nobody could find later never starts
    )
    station.auto_provision = settings.auto_provision
    library = TemplateLibrary(tasks)
    library.set_folders(
        [(settings.template_folder, "local"), (pulled_dir(settings.directory), "backend")]
    )
    services = Services(station, store, config, settings, bridge, tasks, library, model)
    services.on_recorded = recorded
    services.notices = notices
    # Run in order on a worker thread when the window closes (see MainWindow.closeEvent);
    # the window shuts `tasks` down itself once they are done.
    services.on_close += [station.close, store.close]
    return services, on_event


def open_window(services: Services, *, sync: bool = True) -> MainWindow:
    window = MainWindow(services)
    for notice in services.notices:
        window.show_notice(notice)
    services.on_recorded.append(window.post_run_recorded)
    if sync:
        worker = SyncWorker(
            services.store, on_status=window.post_sync_status, config=services.config
        )
        services.on_recorded.append(lambda _event: worker.wake())
        worker.start()
        services.on_close.insert(0, lambda: worker.stop(timeout=5))
    selected = services.settings.selected_template

    def select_saved() -> None:
        services.library.changed.disconnect(select_saved)
        window.bench.select_template(selected)

    services.library.changed.connect(select_saved)
    services.library.reload()
    return window


def watch_usb(services: Services, window: MainWindow) -> None:
    """Put USB devices on the bench as they are plugged in; if USB is unusable, say so once."""
    services.tasks.run_in_background(
        services.station.watch_usb,
        on_failure=lambda error: window.show_notice(f"USB devices not watched: {error}"),
        label="Watching USB devices",
    )


def close_on_stop_signals(window: QWidget) -> None:
    """Ctrl-C in the terminal or a SIGTERM (a logout, `kill`) closes the window as a person
    would: runs stop and the store finishes its writes. Python's default turns them into a
    KeyboardInterrupt traceback inside whichever slot happened to run."""

    def close(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, window.close)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, close)


def run_gui(*, demo: int | None = None) -> int:
    """The `kitbench gui` command: exit code 0 when the window closes normally."""
    launched = time.monotonic()
    check_display()
    app = application()
    demo_bench = None
    if demo:
        from app.ui.demo import DemoBench

        demo_bench = DemoBench(demo)
        demo_bench.start()
    try:
        settings = Settings()
        apply_theme(settings.theme)
        try:
            services, _sink = build_services()
        except StoreError as exc:
            QMessageBox.critical(None, "Kitbench", f"Cannot open the station's database:\n{exc}")
            return 1
        except ConfigError as exc:
            QMessageBox.critical(None, "Kitbench", f"Cannot read the station's settings:\n{exc}")
            return 1
        window = open_window(services)
        if demo_bench is not None:
            demo_bench.attach(services, window)
        else:
            watch_usb(services, window)
        window.show()
        QTimer.singleShot(
            0,
            lambda: window.statusBar().showMessage(
                f"Ready in {time.monotonic() - launched:.1f} s", 5000
            ),
        )
        close_on_stop_signals(window)
        return app.exec()
    finally:
        if demo_bench is not None:
            demo_bench.stop()
