"""The bench tab over a real Station provisioning simulated devices."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core import DeviceState
from app.ui.settings import Settings
from app.ui.tile_view import instruction
from app.ui.tiles import retry_rect

TIMEOUT_MS = 60_000


def test_tiles_appear_for_simulated_devices(open_bench, qtbot):
    bench = open_bench(devices=3)

    qtbot.waitUntil(
        lambda: (
            len(bench.model.tiles()) == 3
            and all(state == DeviceState.READY for state in bench.states().values())
        ),
        timeout=TIMEOUT_MS,
    )
    tiles = bench.model.tiles()
    assert [tile.label for tile in tiles] == ["A1", "A2", "A3"]
    by_port = {e.spec: e for e in bench.fleet.endpoints}
    for tile in tiles:
        assert tile.info.serial == by_port[tile.endpoint].serial
        assert tile.info.model == by_port[tile.endpoint].model
        assert tile.info.battery is not None
    assert not bench.window.bench.empty_hint.isVisible()


def test_full_provision_moves_tiles_through_their_states_to_done(open_bench, qtbot):
    bench = open_bench(devices=2, profile="pixel8")
    seen: dict[str, list[DeviceState]] = {}

    def record(top, _bottom, _roles=()):
        tile = bench.model.tile_at(top)
        states = seen.setdefault(tile.endpoint, [])
        if not states or states[-1] != tile.state:
            states.append(tile.state)

    bench.model.dataChanged.connect(record)
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=TIMEOUT_MS)
    first = bench.model.tiles()[0]
    bench.window.bench.select(first.endpoint)
    qtbot.keyClicks(bench.window.bench.view, "AT-0042")
    qtbot.keyClick(bench.window.bench.view, Qt.Key.Key_Return)
    assert first.asset_tag == "AT-0042"

    bench.window.bench.view.clearSelection()
    bench.window.bench.toolbar.start_button.click()  # nothing selected: every ready device

    qtbot.waitUntil(lambda: bench.all_in(DeviceState.DONE), timeout=TIMEOUT_MS)
    for states in seen.values():
        assert DeviceState.PROVISIONING in states
        assert states[-1] == DeviceState.DONE
    for tile in bench.model.tiles():
        assert instruction(tile) == "Unplug"
        assert tile.steps and all(step.status in ("ok", "changed") for step in tile.steps)
    qtbot.waitUntil(lambda: "2 done" in bench.window.bench.counters.states.text())  # counted soon

    runs = bench.finished_runs(qtbot, 2)
    assert {run["result"] for run in runs} == {"done"}
    assert {run["serial"]: run["asset_tag"] for run in runs}[first.info.serial] == "AT-0042"


def test_failure_shows_its_reason_and_retry_succeeds_once_the_fault_is_gone(
    open_bench, qtbot, monkeypatch
):
    rang: list[int] = []
    monkeypatch.setattr("app.ui.main_window.find_player", lambda _dir: lambda: rang.append(1))
    bench = open_bench(devices=1, profile="pixel8", faults="install_fail=1")
    qtbot.waitUntil(
        lambda: bench.states() == {bench.fleet.endpoints[0].spec: DeviceState.READY},
        timeout=TIMEOUT_MS,
    )
    bench.window.bench.start()
    tile = bench.model.tiles()[0]
    qtbot.waitUntil(lambda: tile.state == DeviceState.FAILED, timeout=TIMEOUT_MS)

    assert "INSTALL_FAILED" in tile.reason or "install" in tile.reason.lower()
    assert instruction(tile) == tile.reason
    assert tile.failed_step == 0
    assert tile.flash_until > 0  # the visual cue
    qtbot.waitUntil(lambda: rang == [1])  # and the sound
    bench.window.bench.select(tile.endpoint)
    assert bench.window.bench.details.retry_button.isEnabled()

    bench.fleet.call(lambda: bench.fleet.devices[0].behaviour.faults.pop("install_fail"))
    view = bench.window.bench.view
    rect = view.visualRect(bench.model.index_of(tile.endpoint))
    button = retry_rect(rect, bench.window.bench.delegate.scale)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=button.center())

    qtbot.waitUntil(lambda: tile.state == DeviceState.DONE, timeout=TIMEOUT_MS)
    assert tile.result is not None and tile.result.error is None
    assert rang == [1]  # success is quiet


def test_no_sound_for_a_failure_when_the_bench_is_set_silent(
    open_bench, qtbot, monkeypatch, kitbench_home
):
    rang: list[int] = []
    monkeypatch.setattr("app.ui.main_window.find_player", lambda _dir: lambda: rang.append(1))
    settings = Settings(kitbench_home)
    settings.failure_sound = False
    settings.sync()
    bench = open_bench(devices=1, profile="pixel8", faults="install_fail=1")
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=TIMEOUT_MS)
    bench.window.bench.start()
    tile = bench.model.tiles()[0]
    qtbot.waitUntil(lambda: tile.result is not None, timeout=TIMEOUT_MS)  # RunFinished is in
    assert tile.state == DeviceState.FAILED
    assert rang == []


def test_an_invalid_template_shows_its_errors_and_cannot_start(open_bench, qtbot, template_folder):
    (template_folder / "broken.yaml").write_text(
        "kitbench: 1\nname: broken\nversion: 1\nsteps:\n  - install: {package: com.x}\n"
        "  - frobnicate: {}\n",
        encoding="utf-8",
    )
    bench = open_bench(devices=1, profile="pixel8")
    qtbot.waitUntil(lambda: DeviceState.READY in bench.states().values(), timeout=TIMEOUT_MS)
    tab = bench.window.bench

    tab.toolbar.select_template(str(template_folder / "broken.yaml"))

    assert not tab.toolbar.start_button.isEnabled()
    assert tab.template_errors.isVisible()
    assert "broken.yaml:5:" in tab.template_errors.text()
    assert "broken.yaml:6:" in tab.template_errors.text()
    qtbot.keyClick(bench.window, Qt.Key.Key_F5)
    tab.start()
    qtbot.wait(300)  # a started run would emit RunStarted at once; give it the chance to
    assert bench.states() == {bench.fleet.endpoints[0].spec: DeviceState.READY}
    assert bench.model.tiles()[0].run_id is None


def test_the_stop_button_stops_a_running_device(open_bench, qtbot):
    bench = open_bench(devices=1, profile="pixel8", latency="realistic")
    qtbot.waitUntil(lambda: DeviceState.READY in bench.states().values(), timeout=TIMEOUT_MS)
    bench.window.bench.start()
    tile = bench.model.tiles()[0]
    # Running, not only queued: a queued device shows "Working" before its run starts.
    qtbot.waitUntil(lambda: tile.running, timeout=TIMEOUT_MS)
    assert tile.state == DeviceState.PROVISIONING

    bench.window.bench.toolbar.stop_button.click()

    qtbot.waitUntil(lambda: not tile.running, timeout=TIMEOUT_MS)
    assert tile.state == DeviceState.FAILED
