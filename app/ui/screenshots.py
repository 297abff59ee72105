"""`make screenshots`: a demo bench rendered offscreen, each tab saved as a PNG.

    QT_QPA_PLATFORM=offscreen python -m app.ui.screenshots docs/screenshots

Half the bench is provisioned first and the rest started just before the shot, so the
bench picture shows every state a worker meets: done, failed, refused, working, ready, and
the demo's order filling up with one device held back as not on it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from app.core import DeviceState
from app.ui.app import application, apply_theme, build_services, open_window
from app.ui.demo import DemoBench

DEVICES = 12
SIZE = (1500, 900)
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
    demo = DemoBench(DEVICES, faults="install_fail=0.15,never_auth=0.1")
    demo.start()
    try:
        apply_theme("light")
        services = build_services()
        window = open_window(services)
        demo.attach(services, window)
        window.resize(*SIZE)
        window.show()
        model = services.model
        pump(app, lambda: window.bench.current_entry() is not None, 20)
        pump(app, lambda: window.bench.order_bar.active is not None, 20)  # the demo's order
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


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
