"""label.auto_print in the engine: a done device's label reaches the printer with the IMEI the
run read off the device; a printer that is off is told as waiting, the runs finish anyway,
and the labels arrive once the printer is switched on."""

from __future__ import annotations

import queue
import socket

from app.core import DeviceChanged, DeviceState, RunFinished, RunOutcome
from app.engine.protocol import AddEndpoint, EngineOptions, SetTemplate, Start
from app.engine.service import Engine
from app.labels.printer import PrinterProblem
from app.labels.queue import LabelPrinted, LabelWaiting
from app.labels.sim_printer import SimulatedLabelPrinter
from app.storage import Config

WAIT_S = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_done_devices_labels_wait_for_a_printer_that_is_off_and_print_when_it_is_on(
    start_fleet, kitbench_home, tmp_path
):
    fleet = start_fleet(2, auth="none", profile="pixel8")
    port = free_port()
    config = Config(kitbench_home)
    config.set("label.printer", f"zpl://127.0.0.1:{port}")
    config.set("label.auto_print", "true")
    template = tmp_path / "t.yaml"
    template.write_text(
        "kitbench: 1\nname: t\nversion: 1\nsteps:\n"
        "  - setting: {namespace: global, key: stay_on_while_plugged_in, value: 7}\n"
    )
    told: queue.Queue[object] = queue.Queue()
    engine = Engine(EngineOptions(data_dir=kitbench_home, sync=False), told.put)
    printer = None
    try:
        engine.handle(1, SetTemplate(template))
        for number, endpoint in enumerate(fleet.endpoints, start=2):
            engine.handle(number, AddEndpoint(endpoint.spec))
        finished: dict[str, RunFinished] = {}
        waiting: list[LabelWaiting] = []
        ready: set[str] = set()
        started = False
        while len(finished) < 2 or not waiting:
            item = told.get(timeout=WAIT_S)
            if isinstance(item, RunFinished):
                finished[item.result.endpoint] = item
            elif isinstance(item, LabelWaiting):
                waiting.append(item)
            elif isinstance(item, DeviceChanged) and item.device.state is DeviceState.READY:
                ready.add(item.device.endpoint)
            if not started and len(ready) == 2:
                engine.handle(9, Start())
                started = True
        assert all(f.result.outcome is RunOutcome.DONE for f in finished.values())
        assert waiting[0].problem is PrinterProblem.UNREACHABLE
        printer = SimulatedLabelPrinter(port=port)  # switched on
        assert printer.wait_for(2, timeout=WAIT_S)
        for run in finished.values():
            identity = run.result.identity
            assert identity is not None and identity.imei
            assert any(f"^FD{identity.imei[0]}^FS" in label for label in printer.labels)
            assert any(f"^FD{run.result.serial}^FS" in label for label in printer.labels)
        while not isinstance(item := told.get(timeout=WAIT_S), LabelPrinted):
            pass
    finally:
        engine.close()
        if printer is not None:
            printer.close()


def test_a_done_devices_label_takes_its_templates_layout_over_the_stations(
    start_fleet, kitbench_home, tmp_path
):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    printer = SimulatedLabelPrinter()
    config = Config(kitbench_home)
    config.set("label.printer", printer.url)
    config.set("label.auto_print", "true")
    template = tmp_path / "t.yaml"
    template.write_text(
        "kitbench: 1\nname: t\nversion: 1\nsteps:\n  - device_name: 'TILL-{serial}'\n"
        "label:\n  width_mm: 80\n  height_mm: 30\n  elements:\n"
        "    - {kind: text, field: device_name, x_mm: 2, y_mm: 2, height_mm: 3}\n"
        "    - {kind: code128, field: serial, x_mm: 2, y_mm: 9, height_mm: 10}\n"
    )
    told: queue.Queue[object] = queue.Queue()
    engine = Engine(EngineOptions(data_dir=kitbench_home, sync=False), told.put)
    try:
        engine.handle(1, SetTemplate(template))
        engine.handle(2, AddEndpoint(fleet.endpoints[0].spec))
        while not isinstance(item := told.get(timeout=WAIT_S), DeviceChanged) or (
            item.device.state is not DeviceState.READY
        ):
            pass
        engine.handle(3, Start())
        assert printer.wait_for(1, timeout=WAIT_S)
        (label,) = printer.labels
        serial = fleet.endpoints[0].serial
        assert "^PW640" in label and "^LL240" in label  # the template's 80 x 30 mm
        assert f"^FDTILL-{serial}^FS" in label and f"^FD{serial}^FS" in label
    finally:
        engine.close()
        printer.close()
