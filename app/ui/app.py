"""Starting the GUI: the QApplication, its theme, and the services the window drives.

`run_gui()` is what `kitbench gui` calls. It checks the display first, because when Qt
cannot load its platform plugin it aborts the process with a message few people can act
on; here the user is told which packages to install instead.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QSocketNotifier, QTimer
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app import __version__
from app.core.paths import resources_dir
from app.devices.device import Device
from app.devices.usb_hotplug import UsbWatcher
from app.engine.protocol import EngineOptions
from app.signals import StopSignals
from app.storage import Config, ConfigError, Store, StoreError
from app.sync import pulled_dir
from app.ui.bridge import EventBridge
from app.ui.device_model import DeviceModel
from app.ui.engine_link import EngineLink, EngineState
from app.ui.language import install_translators
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


def localize_and_theme() -> None:
    """What must come before the window: the language (Settings, or the system's: `LANG`)
    with its date and number formats, and the theme, from the station's window settings."""
    settings = Settings()
    install_translators(settings.language)
    apply_theme(settings.theme)


def build_services(
    data_dir: Path | None = None,
    *,
    sync: bool = True,
    open_device: Callable[..., Device] | None = None,
    usb_watcher: Callable[[], UsbWatcher] | None = None,
) -> Services:
    """The services one window drives, with its engine process starting.

    The engine (station, recorder, sync) starts at once, in its own process, while the window
    is built; the window's own store only reads (history). `open_device` and `usb_watcher`
    (module-level callables: they cross to the engine pickled) stand simulators in for
    hardware. Raises ConfigError or StoreError before starting anything when the settings or
    the database cannot be read.
    """
    settings = Settings(data_dir)
    config = Config(settings.directory)
    config.station_name  # noqa: B018 - a broken config.json raises ConfigError here, not later
    store = Store(settings.directory)
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
    options = EngineOptions(
        settings.directory,
        jobs=settings.jobs or None,
        bus_transfer_limit=settings.bus_transfer_limit,
        auto_provision=settings.auto_provision,
        sync=sync,
        open_device=open_device,
        usb_watcher=usb_watcher,
    )
    engine = EngineLink(options, bridge)
    engine.restarted.connect(model.clear)
    engine.start()
    library = TemplateLibrary(tasks)
    library.set_folders(
        [(settings.template_folder, "local"), (pulled_dir(settings.directory), "backend")]
    )
    services = Services(engine, store, config, settings, bridge, tasks, library, model)
    # Run in order on a worker thread when the window closes (see MainWindow.closeEvent);
    # the window shuts `tasks` down itself once they are done.
    services.on_close += [engine.stop, store.close]
    return services


def open_window(services: Services) -> MainWindow:
    window = MainWindow(services)
    selected = services.settings.selected_template

    def select_saved() -> None:
        services.library.changed.disconnect(select_saved)
        window.bench.toolbar.select_template(selected)

    services.library.changed.connect(select_saved)
    services.library.reload()
    return window


def watch_usb(services: Services, window: MainWindow) -> None:
    """Put USB devices on the bench as they are plugged in; if USB is unusable, say so once."""
    services.engine.usb_unwatched.connect(
        lambda reason: window.show_notice(
            QCoreApplication.translate("App", "USB devices not watched: {reason}").format(
                reason=reason
            )
        )
    )
    services.engine.watch_usb()


def close_on_stop_signals(window: QWidget, stop: StopSignals) -> None:
    """Ctrl-C in the terminal or a SIGTERM (a logout, `kill`) closes the window as a person
    would: runs stop and the store finishes its writes. The signal arrives as a byte on the
    wakeup socket of `stop` (app/signals.py), which the event loop watches: Python's own
    handler would run only when the main thread next runs Python code, and its default turns
    Ctrl-C into a KeyboardInterrupt traceback inside whichever slot happened to run."""
    notifier = QSocketNotifier(stop.fileno(), QSocketNotifier.Type.Read, window)

    def received() -> None:
        if stop.wait(0) is not None:
            window.close()

    notifier.activated.connect(received)


def run_gui(*, demo: int | None = None) -> int:
    """The `kitbench gui` command: exit code 0 when the window closes normally, 1 when it
    cannot open (settings or database unreadable, the station taken by another window)."""
    launched = time.monotonic()
    check_display()
    app = application()
    demo_bench = None
    if demo:
        from app.ui.demo import DemoBench

        demo_bench = DemoBench(demo)
        demo_bench.start()
    try:
        localize_and_theme()
        try:
            services = build_services()
        except StoreError as exc:
            QMessageBox.critical(
                None,
                "Kitbench",
                QCoreApplication.translate(
                    "App", "Cannot open the station's database:\n{problem}"
                ).format(problem=exc),
            )
            return 1
        except ConfigError as exc:
            QMessageBox.critical(
                None,
                "Kitbench",
                QCoreApplication.translate(
                    "App", "Cannot read the station's settings:\n{problem}"
                ).format(problem=exc),
            )
            return 1
        window = open_window(services)
        refuse_if_taken(services, window)
        if demo_bench is not None:
            demo_bench.attach(services, window)
        else:
            watch_usb(services, window)
        window.show()
        QTimer.singleShot(
            0,
            lambda: window.statusBar().showMessage(
                QCoreApplication.translate("App", "Ready in {seconds} s").format(
                    seconds=QLocale().toString(time.monotonic() - launched, "f", 1)
                ),
                5000,
            ),
        )
        with StopSignals() as stop:
            close_on_stop_signals(window, stop)
            return app.exec()
    finally:
        if demo_bench is not None:
            demo_bench.stop()


def refuse_if_taken(services: Services, window: MainWindow) -> None:
    """A second window on a station's data folder says which program holds it, and quits
    with exit code 1: one set of workers per bench of devices."""

    def taken(state: EngineState) -> None:
        if state is not EngineState.TAKEN:
            return
        QMessageBox.critical(
            window,
            "Kitbench",
            QCoreApplication.translate(
                "App",
                "Kitbench is already running on this station.\n\n{problem}.\n\nUse that "
                "window, or close it and start Kitbench again.",
            ).format(problem=services.engine.problem),
        )
        window.close()
        app = QApplication.instance()
        if app is not None:
            app.exit(1)

    services.engine.state_changed.connect(taken)
