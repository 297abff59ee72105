"""`make screenshots`: a demo bench rendered offscreen, each tab saved as a PNG.

    QT_QPA_PLATFORM=offscreen python -m app.ui.screenshots docs/screenshots

Half the bench is provisioned first and the rest started just before the shot, so the
bench picture shows every state a worker meets: done, failed, refused, working, ready, and
the demo's order filling up with one device held back as not on it (also cut out of the
window as order-bar.png: the toolbar, the order row and the held-back strip).

`make bench-screenshots`: the bench alone as `kitbench gui --demo N` shows it on a whole
1920×1080 screen under Xvfb (150 devices in compact tiles, a dozen in large ones):

    xvfb-run -s "-screen 0 1920x1080x24" python -m app.ui.screenshots docs/screenshots \
        --bench 150

and a dozen on a 1366×768 laptop screen (bench-12-1366x768.png).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.core import DeviceState
from app.ui.app import application, apply_theme, build_services, open_window
from app.ui.demo import DemoBench
from app.ui.language import install_translators
from app.ui.main_window import MainWindow

DEVICES = 12
SIZE = (1500, 900)
FULL_HD = (1920, 1080)
WAITING = {DeviceState.ATTACHED, DeviceState.UNAUTHORIZED, DeviceState.PROVISIONING}


def pump(app: QApplication, until: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if until():
            return True
        time.sleep(0.02)
    return False


def main(out: Path) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out.mkdir(parents=True, exist_ok=True)
    app = application()
    install_translators("en")  # the guides are English, with its plural forms ("1 device is")
    demo = DemoBench(DEVICES, faults="install_fail=0.15,never_auth=0.1")
    demo.start()
    try:
        apply_theme("light")
        services = build_services()
        window = open_window(services)
        demo.attach(services, window)
        window.setWindowState(Qt.WindowState.WindowNoState)  # not maximised: this size
        window.resize(*SIZE)
        window.show()
        model = services.model
        pump(app, lambda: window.bench.current_entry() is not None, 20)
        pump(app, lambda: window.bench.orders.order_bar.active is not None, 20)  # the demo's order
        pump(app, lambda: sum(t.state == DeviceState.READY for t in model.tiles()) >= 6, 30)
        first = [t.endpoint for t in model.tiles() if t.state == DeviceState.READY][:5]
        services.engine.start_runs(first)
        started = [t for t in model.tiles() if t.endpoint in first]
        pump(app, lambda: all(t.result and not t.running for t in started) and bool(first), 90)
        rest = [t.endpoint for t in model.tiles() if t.state == DeviceState.READY]
        if rest:
            services.engine.start_runs(rest)
        pump(app, lambda: False, 6)
        failed = [t for t in model.tiles() if t.state == DeviceState.FAILED]
        shown = (failed or model.tiles())[0]
        window.bench.select(shown.endpoint)
        pump(app, lambda: False, 1)
        shots: dict[str, QWidget] = {
            "bench": window.bench,
            "templates": window.templates,
            "history": window.history,
            "settings": window.settings_tab,
        }
        for index in range(window.tabs.count()):
            enrollment = window.tabs.widget(index)
            if window.tabs.tabText(index) == "Enrollment" and enrollment is not None:
                shots["enrollment"] = enrollment
        for name, shown_tab in shots.items():
            window.tabs.setCurrentWidget(shown_tab)
            if shown_tab is window.history:
                window.history.refresh()
                pump(app, lambda: window.history.model.rowCount() > 0, 10)
                window.history.table.selectRow(0)
            pump(app, lambda: False, 1.5)
            window.grab().save(str(out / f"{name}.png"))
            print(out / f"{name}.png")
            if shown_tab is window.bench:
                window.grab(order_area(window)).save(str(out / "order-bar.png"))
                print(out / "order-bar.png")
        window.tabs.setCurrentWidget(window.bench)
        apply_theme("dark")
        pump(app, lambda: False, 1)
        window.grab().save(str(out / "bench-dark.png"))
        print(out / "bench-dark.png")
        window.close()  # stops the station off the GUI thread, then closes
        pump(app, lambda: window.stopped, 30)
    finally:
        demo.stop()
    return 0


def order_area(window: MainWindow) -> QRect:
    """The toolbar, the order row and the strip of devices held back: an order at work."""
    orders = window.bench.orders
    lowest = orders.held_back if orders.held_back.isVisible() else orders.order_bar
    bottom = lowest.mapTo(window, QPoint(0, lowest.height())).y() + 6
    return QRect(0, 0, window.width(), bottom)


def bench_on_screen(out: Path, devices: int, language: str = "en") -> Path:
    """The bench of a `devices`-device demo filling the screen, as bench staff see it: some
    done, some failed, some waiting for Allow, the rest at work; saved as bench-N.png (in
    English) or bench-N-LANGUAGE.png, with the screen's size after it when it is not
    1920×1080 (bench-12-1366x768.png)."""
    app = application()
    install_translators(language)
    demo = DemoBench(devices, faults="install_fail=0.08,never_auth=0.05")
    demo.start()
    try:
        apply_theme("light")
        services = build_services()
        window = open_window(services)
        demo.attach(services, window)
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMaximized)
        screen = app.primaryScreen()
        window.setGeometry(screen.availableGeometry())  # maximised: no window manager here
        window.show()
        model = services.model

        def count(state: DeviceState) -> int:
            return sum(t.state == state for t in model.tiles())

        pump(app, lambda: window.bench.current_entry() is not None, 20)
        pump(app, lambda: window.bench.orders.order_bar.active is not None, 20)  # the demo's order
        # Every device seen and most allowed (the demo's people tap Allow after a while).
        pump(app, lambda: count(DeviceState.READY) >= devices * 4 // 5, 180)
        ready = [t.endpoint for t in model.tiles() if t.state == DeviceState.READY]
        first = ready[: len(ready) * 2 // 3]
        services.engine.start_runs(first)
        started = [t for t in model.tiles() if t.endpoint in first]
        pump(
            app,
            lambda: sum(bool(t.result) and not t.running for t in started) >= len(first) * 3 // 4,
            300,
        )
        rest = [t.endpoint for t in model.tiles() if t.state == DeviceState.READY]
        services.engine.start_runs(rest[: len(rest) // 2])
        pump(app, lambda: False, 6)
        failed = [t for t in model.tiles() if t.state == DeviceState.FAILED]
        window.bench.select((failed or model.tiles())[0].endpoint)
        pump(app, lambda: False, 1.5)
        size = (screen.size().width(), screen.size().height())
        on = "" if size == FULL_HD else "-{}x{}".format(*size)
        in_language = "" if language == "en" else f"-{language}"
        path = out / f"bench-{devices}{in_language}{on}.png"
        screen.grabWindow(0).save(str(path))
        print(path)
        window.close()  # stops the station off the GUI thread, then closes
        pump(app, lambda: window.stopped, 60)
    finally:
        demo.stop()
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Screenshots of a demo bench")
    parser.add_argument("out", nargs="?", type=Path, default=Path("docs/screenshots"))
    parser.add_argument(
        "--bench",
        type=int,
        metavar="N",
        help="only the bench of N devices, "
        "on the whole screen (run it under Xvfb at the screen size wanted)",
    )
    parser.add_argument(
        "--language", default="en", help="the window's language for --bench (en, de, es)"
    )
    arguments = parser.parse_args()
    if arguments.bench:
        arguments.out.mkdir(parents=True, exist_ok=True)
        bench_on_screen(arguments.out, arguments.bench, arguments.language)
        sys.exit(0)
    sys.exit(main(arguments.out))
