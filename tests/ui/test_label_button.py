"""Print label from the details panel: a printer that is off is said on the tile and in the
status bar, the label stays queued, and it prints once the printer is on."""

from __future__ import annotations

import socket

from app.core import DeviceState
from app.labels.sim_printer import SimulatedLabelPrinter
from app.storage import Config
from app.ui.tile_view import instruction

TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_label_waits_for_a_printer_that_is_off_and_prints_when_it_is_on(
    open_bench, qtbot, kitbench_home
):
    port = free_port()
    Config(kitbench_home).set("label.printer", f"zpl://127.0.0.1:{port}")
    bench = open_bench(devices=1, profile="pixel8")
    tab = bench.window.bench
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=TIMEOUT_MS)
    tile = bench.model.tiles()[0]
    tab.select(tile.endpoint)
    assert not tab.details.label_button.isEnabled()  # nothing done yet to label
    tab.start()
    qtbot.waitUntil(lambda: tile.state is DeviceState.DONE, timeout=TIMEOUT_MS)
    qtbot.waitUntil(tab.details.label_button.isEnabled)

    tab.details.label_button.click()

    status = bench.window.statusBar()
    qtbot.waitUntil(lambda: "not printed" in status.currentMessage(), timeout=TIMEOUT_MS)
    assert f"127.0.0.1:{port}" in status.currentMessage()
    assert instruction(tile) == "Unplug · label waits"
    printer = SimulatedLabelPrinter(port=port)
    try:
        assert printer.wait_for(1, timeout=TIMEOUT_MS / 1000)
        assert tile.info.serial and tile.info.serial in printer.labels[0]
        qtbot.waitUntil(lambda: instruction(tile) == "Unplug", timeout=TIMEOUT_MS)
        assert "printed" in status.currentMessage()
    finally:
        printer.close()
