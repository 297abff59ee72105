"""`kitbench gui --demo N`: the whole product with no hardware.

N simulated devices (mixed profiles, realistic latency, a few faults, the Allow prompt),
a local fleet backend on a free loopback port with a token for this station, and an
example template copied into a demo folder with generated APKs for its install steps.
Everything lives under a temporary `$KITBENCH_HOME` unless one is set, so the demo never
touches a station's real data.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from app.core.paths import data_dir, resources_dir
from app.devices.slots import PORT_MAP_FILE, PORTS_PER_HUB, BusInfo, PortMap
from app.labels.sim_printer import SimulatedLabelPrinter
from app.sim.apk import build_apk
from app.sim.fleet import SimFleet
from app.templates import SecretStore
from app.templates.model import Template

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger(__name__)

RESOURCES = resources_dir() / "templates"
DEMO_TEMPLATE = "demo-bench.yaml"
# The examples' device_owner steps need a real MDM app; the demo's own template shows the
# bench working end to end on the simulator (one real install, transfer and reboot).
DEMO_TEMPLATE_TEXT = """\
kitbench: 1
name: demo-bench
version: 1
description: The demo bench's template (kitbench gui --demo)
requires:
  sdk_min: 29
  battery_min: 15
variables:
  site: DEMO
steps:
  - install: {apk: apps/pos.apk, package: com.example.pos, grant_permissions: true}
    name: install POS app
  - uninstall: {package: com.example.bloat}
  - disable: {packages: [com.android.chrome]}
  - setting: {namespace: global, key: stay_on_while_plugged_in, value: "7"}
  - push: {src: files/config.json, dest: /sdcard/Download/config.json}
  - wifi: {ssid: Warehouse, security: wpa2, password: "{secret:warehouse_wifi}"}
  - timezone: Europe/Berlin
  - device_name: "POS-{site}-{seq:04d}"
  - reboot: {wait: true}
  - verify: {package_installed: com.example.pos}
    name: POS app present
"""
DEMO_FAULTS = "install_fail=0.05,disconnect=0.01"
DEMO_SECRETS = {"warehouse_wifi": "demo-wifi-passphrase", "amapi_token": "demo-enrollment-token"}
DEMO_STATION = "demo-bench"
DEMO_ORDER = "PO 4711"


def prepare_templates(folder: Path, source: Path = RESOURCES) -> list[Path]:
    """Copy the example templates (and their files) to `folder`, with stand-in APKs."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    copied: list[Path] = []
    for item in source.iterdir():
        target = folder / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        elif item.suffix in (".yaml", ".yml"):
            shutil.copy2(item, target)
            copied.append(target)
    demo = folder / DEMO_TEMPLATE
    demo.write_text(DEMO_TEMPLATE_TEXT, encoding="utf-8")
    copied.append(demo)
    for path in copied:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        template = Template.model_validate(raw)
        for number, step in enumerate(template.steps, start=1):
            if step.action == "install":
                apk = path.parent / step.params.apk
                apk.parent.mkdir(parents=True, exist_ok=True)
                package = step.params.package or f"com.example.demo{number}"
                apk.write_bytes(build_apk(package, 1, payload_size=2_000_000, seed=number))
    return copied


class DemoBackend:
    """The reference fleet backend under uvicorn on a thread, on a free loopback port."""

    def __init__(self, directory: Path) -> None:
        from app.fleet import FleetDatabase, bind, url_of

        self.database = FleetDatabase.open(f"sqlite:///{directory / 'fleet-backend.db'}")
        self.socket = bind("127.0.0.1", 0)
        self.url = url_of(self.socket)
        self.token = self.database.create_token(DEMO_STATION)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        import uvicorn

        from app.fleet import create_app

        config = uvicorn.Config(
            create_app(self.database), log_level="warning", access_log=False, lifespan="off"
        )
        server = self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [self.socket]},
            daemon=True,
            name="demo-backend",
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.socket.close()
        self.database.close()


class DemoBench:
    def __init__(self, count: int, *, latency: str = "realistic", faults: str = DEMO_FAULTS):
        self.count = count
        self.latency = latency
        self.faults = faults
        self._temp: str | None = None
        if not os.environ.get("KITBENCH_HOME"):
            self._temp = tempfile.mkdtemp(prefix="kitbench-demo-")
            os.environ["KITBENCH_HOME"] = self._temp
        self.home = data_dir()
        self.fleet: SimFleet | None = None
        self.backend: DemoBackend | None = None
        self.printer: SimulatedLabelPrinter | None = None

    def start(self) -> None:
        """Devices, backend, templates and secrets; call before the window is built."""
        from app.storage import Config

        self.home.mkdir(parents=True, exist_ok=True)
        templates = self.home / "templates"
        prepare_templates(templates)
        secrets = SecretStore(self.home)
        for name, value in DEMO_SECRETS.items():
            secrets.set(name, value)
        self.fleet = SimFleet(
            self.count,
            base_port=0,
            profile="mixed",
            auth="prompt",
            latency=self.latency,
            faults=self.faults,
            state_dir=self.home / "sim",
            buses=-(-self.count // PORTS_PER_HUB),  # a USB 2.0 bus per ten-port hub
        )
        self.fleet.start()
        bench = [(f"{e.host}:{e.port}", BusInfo(str(e.bus))) for e in self.fleet.endpoints]
        PortMap.for_bench(bench).save(self.home / PORT_MAP_FILE)  # the station's buses
        config = Config(self.home)
        config.set("station.name", DEMO_STATION)
        try:
            self.backend = DemoBackend(self.home)
            self.backend.start()
            config.set("backend.url", self.backend.url)
            config.set("backend.token", self.backend.token)
            config.set("sync.interval", "10")
        except (ImportError, OSError) as exc:
            log.warning("demo: no local fleet backend (%s); the bench works offline", exc)
        # A simulated Zebra printer on a TCP raw port: each done device's label arrives in
        # <data folder>/labels as the ZPL a real printer would get.
        self.printer = SimulatedLabelPrinter(folder=self.home / "labels")
        config.set("label.printer", self.printer.url)
        config.set("label.auto_print", "true")
        self._create_order()
        from app.ui.settings import Settings

        settings = Settings(self.home)
        settings.selected_template = str(templates / DEMO_TEMPLATE)
        settings.template_folder = templates
        settings.sync()

    def _create_order(self) -> None:
        """An order for the whole bench whose supplier's list misses the last device, so
        the demo shows an order filling up and a device held back for an admin."""
        from app.core.orders import ExpectedDevice, Order
        from app.storage import Store

        assert self.fleet is not None
        listed = [ExpectedDevice(serial=e.serial) for e in self.fleet.endpoints[:-1]]
        order = Order(DEMO_ORDER, target=len(listed), customer="Demo Retail",
                      template_name="demo-bench", expected=tuple(listed))  # fmt: skip
        with Store(self.home) as store:
            if store.order(DEMO_ORDER) is None:
                store.create_order(order)

    def attach(self, services, window) -> None:
        """Plug the simulated devices into the station, as a bench of hubs would, and make
        the runs for the demo's order."""
        assert self.fleet is not None
        for endpoint in self.fleet.endpoints:
            services.engine.add_endpoint(endpoint.spec)
        window.bench.orders.reload(then_choose=DEMO_ORDER)
        window.setWindowTitle(
            QCoreApplication.translate(
                "Demo", "Kitbench — demo bench (simulated devices: {count})"
            ).format(count=self.count)
        )

    def stop(self) -> None:
        if self.fleet is not None:
            self.fleet.stop()
        if self.backend is not None:
            self.backend.stop()
        if self.printer is not None:
            self.printer.close()
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
