"""A real bench for GUI tests: the window, its engine process (the real Station and store),
simulated devices."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.core import DeviceState
from app.sim.fleet import SimFleet
from app.templates import SecretStore
from app.ui.app import build_services, open_window
from app.ui.demo import DEMO_SECRETS, prepare_templates
from app.ui.language import install_translators
from app.ui.main_window import MainWindow, Services
from app.ui.settings import Settings
from tests.catalogues import build_catalogues


@dataclass
class Bench:
    window: MainWindow
    services: Services
    fleet: SimFleet | None
    templates: Path

    @property
    def model(self):
        return self.services.model

    def states(self) -> dict[str, DeviceState]:
        return {tile.endpoint: tile.state for tile in self.model.tiles()}

    def finished_runs(self, qtbot, count: int) -> list[dict]:
        """The recorded runs once `count` of them are finished: the engine records them in
        its own process, so the window's store sees them when they are committed."""

        def finished() -> bool:
            runs = self.services.store.runs()
            return len(runs) == count and all(run["result"] != "running" for run in runs)

        qtbot.waitUntil(finished, timeout=10_000)
        return self.services.store.runs()

    def all_in(self, state: DeviceState) -> bool:
        """Every simulated device has its tile, and every tile is in `state`."""
        states = self.states()
        plugged = {endpoint.spec for endpoint in self.fleet.endpoints} if self.fleet else set()
        return set(states) >= plugged and set(states.values()) == {state}


TEST_TEMPLATE = "bench-test.yaml"
TEST_TEMPLATE_TEXT = """\
kitbench: 1
name: bench-test
version: 2
steps:
  - install: {apk: apps/pos.apk, package: com.example.pos}
    name: install POS app
  - setting: {namespace: global, key: stay_on_while_plugged_in, value: "7"}
  - push: {src: files/config.json, dest: /sdcard/Download/config.json}
  - wifi: {ssid: Warehouse, security: wpa2, password: "{secret:warehouse_wifi}"}
  - verify: {package_installed: com.example.pos}
"""


@pytest.fixture(scope="session", autouse=True)
def english_words(qapp):
    """The window's English as `kitbench gui` loads it in an English locale: its plural forms
    ("1 device is", "2 devices are") come from the English catalogue."""
    install_translators("en", build_catalogues())


@pytest.fixture
def template_folder(kitbench_home) -> Path:
    """The example templates, the demo's, and a quick one without a reboot (selected)."""
    folder = kitbench_home / "templates"
    prepare_templates(folder)
    (folder / TEST_TEMPLATE).write_text(TEST_TEMPLATE_TEXT, encoding="utf-8")
    secrets = SecretStore(kitbench_home)
    for name, value in DEMO_SECRETS.items():
        secrets.set(name, value)
    settings = Settings(kitbench_home)
    settings.template_folder = folder
    settings.selected_template = str(folder / TEST_TEMPLATE)
    settings.sync()
    return folder


@pytest.fixture
def open_bench(qtbot, start_fleet, template_folder):
    """Open the window over a real engine process; `devices` simulated devices are plugged in."""

    def stop(window: MainWindow) -> None:
        """Close as a person does, and wait until the engine and store have stopped."""
        window.close()
        qtbot.waitUntil(lambda: window.stopped, timeout=30_000)

    def open_(
        devices: int = 0, window_size=(1400, 860), usb_watcher=None, sync=False, **fleet_options
    ) -> Bench:
        fleet = None
        if devices:
            fleet_options.setdefault("auth", "none")
            fleet = start_fleet(devices, **fleet_options)
        services = build_services(sync=sync, usb_watcher=usb_watcher)
        window = open_window(services)
        qtbot.addWidget(window, before_close_func=stop)
        if window_size:  # None: keep the geometry the window restored (maximised at first)
            window.setWindowState(Qt.WindowState.WindowNoState)
            window.resize(*window_size)
        window.show()
        bench = Bench(window, services, fleet, template_folder)
        qtbot.waitUntil(lambda: window.bench.current_entry() is not None, timeout=10_000)
        if fleet is not None:
            for endpoint in fleet.endpoints:
                services.engine.add_endpoint(endpoint.spec)
        return bench

    return open_
