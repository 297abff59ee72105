"""History filters, persisted settings, USB trouble, and the tile layout."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QSize

from app.core import (
    DeviceChanged,
    DeviceInfo,
    DeviceState,
    RunFinished,
    RunOutcome,
    RunResult,
    RunStarted,
)
from app.devices.slots import PortMap
from app.storage import Config
from app.ui.app import watch_usb
from app.ui.device_model import DeviceModel
from app.ui.tile_grid import Density, plan_grid
from app.ui.tiles import COMPACT_MIN_SCALE, MAX_SCALE, MIN_SCALE
from tests.ui.engine_hooks import USB_DENIED, DeniedUsbWatcher


def _record_run(store, serial: str, template: str, outcome: RunOutcome, started: datetime) -> None:
    run_id = uuid.uuid4().hex
    recorder = store.recorder()
    recorder.on_event(RunStarted(run_id, f"tcp:h:{serial}", template, 1, 1, started))
    recorder.on_event(
        RunFinished(
            RunResult(
                run_id,
                f"tcp:h:{serial}",
                "A1",
                serial,
                "Pixel 8",
                "14",
                template,
                1,
                "hash",
                started,
                started + timedelta(seconds=42),
                outcome,
                error="boom" if outcome == RunOutcome.FAILED else None,
            )
        )
    )


def test_history_filters_by_serial_result_and_template(open_bench, qtbot):
    bench = open_bench()
    store = bench.services.store
    now = datetime.now(UTC)
    for i in range(30):
        outcome = RunOutcome.FAILED if i % 3 == 0 else RunOutcome.DONE
        template = "retail-pos" if i % 2 else "scanner"
        _record_run(store, f"SER{i % 5}", template, outcome, now - timedelta(minutes=i))
    assert store.flush(10)
    history = bench.window.history
    bench.window.tabs.setCurrentWidget(history)

    history.apply_filter()
    qtbot.waitUntil(lambda: history.model.rowCount() == 30 and not history.model.loading)

    history.serial.setText("SER1")
    history.apply_filter()
    qtbot.waitUntil(lambda: history.model.rowCount() == 6 and not history.model.loading)
    assert {run["serial"] for run in history.model.runs} == {"SER1"}

    history.serial.clear()
    history.result.setCurrentIndex(history.result.findData("failed"))  # applies at once
    qtbot.waitUntil(lambda: history.model.rowCount() == 10 and not history.model.loading)
    assert {run["result"] for run in history.model.runs} == {"failed"}

    history.template.setText("scanner")
    history.apply_filter()
    qtbot.waitUntil(lambda: history.model.rowCount() == 5 and not history.model.loading)
    assert {run["template"] for run in history.model.runs} == {"scanner"}


def test_history_pages_lazily(open_bench, qtbot):
    bench = open_bench()
    store = bench.services.store
    now = datetime.now(UTC)
    for i in range(450):
        _record_run(store, f"S{i}", "t", RunOutcome.DONE, now - timedelta(seconds=i))
    assert store.flush(30)
    history = bench.window.history
    history.apply_filter()
    qtbot.waitUntil(lambda: history.model.rowCount() == 200 and not history.model.loading)
    assert history.model.canFetchMore(history.model.index(-1, -1))
    while history.model.canFetchMore(history.model.index(-1, -1)):
        history.model.fetchMore(history.model.index(-1, -1))
        qtbot.waitUntil(lambda: not history.model.loading)
    assert history.model.rowCount() == 450
    assert len({run["id"] for run in history.model.runs}) == 450


def test_settings_persist_across_a_restart_of_the_window(open_bench, qtbot, kitbench_home):
    first = open_bench()
    tab = first.window.settings_tab
    qtbot.waitUntil(lambda: tab.backend_token.placeholderText() != "")
    tab.station_name.setText("bench-7")
    tab.operator.setText("Dana")
    tab.backend_url.setText("http://127.0.0.1:9/")
    tab.backend_token.setText("s3cret-token")
    tab.port_map.setPlainText("127.0.0.1:7400: A1\n1-1.4: B3\n")
    tab.theme.setCurrentText("dark")
    tab.language.setCurrentIndex(tab.language.findData("de"))
    tab.jobs.setValue(6)
    assert tab.failure_sound.isChecked()  # on unless turned off
    tab.failure_sound.setChecked(False)
    tab.save()
    qtbot.waitUntil(lambda: tab.status.text() == "Saved.")
    first.window.resize(1333, 801)
    first.window.bench.toolbar.auto_provision.setChecked(True)
    first.window.close()
    qtbot.waitUntil(lambda: first.window.stopped, timeout=30_000)

    second = open_bench(window_size=None)
    tab = second.window.settings_tab
    qtbot.waitUntil(lambda: tab.station_name.text() == "bench-7")
    assert tab.operator.text() == "Dana"
    assert second.window.bench.toolbar.operator.text() == "Dana"
    assert tab.backend_url.text() == "http://127.0.0.1:9"
    assert tab.backend_token.text() == ""  # never shown again
    assert "set" in tab.backend_token.placeholderText()
    assert Config(kitbench_home).backend_token == "s3cret-token"
    assert tab.theme.currentText() == "dark"
    assert tab.language.currentText() == "Deutsch"  # read at the next start
    assert second.services.settings.language == "de"
    assert tab.jobs.value() == 6
    assert not tab.failure_sound.isChecked()
    assert not second.services.settings.failure_sound
    assert PortMap.load().labels == {"127.0.0.1:7400": "A1", "1-1.4": "B3"}  # ports.yaml
    qtbot.waitUntil(lambda: "1-1.4: B3" in tab.port_map.toPlainText())
    assert second.window.bench.toolbar.auto_provision.isChecked()
    assert second.services.engine.auto_provision
    # The geometry came back (not the 1400x860 first-launch default); the offscreen
    # platform's small virtual screen clamps it, so the exact size is not compared.
    assert second.window.size() != QSize(1400, 860)
    for port in (7400, 7401):  # the engine labels devices from the saved port map
        second.services.engine.add_endpoint(f"tcp:127.0.0.1:{port}")
    qtbot.waitUntil(lambda: len(second.model.tiles()) == 2, timeout=10_000)
    labels = {tile.endpoint: tile.label for tile in second.model.tiles()}
    assert labels == {"tcp:127.0.0.1:7400": "A1", "tcp:127.0.0.1:7401": "A2"}


def test_a_broken_port_map_is_not_saved_and_says_which_line(open_bench, qtbot, kitbench_home):
    PortMap({"1-1.1": "A1"}).save(kitbench_home / "ports.yaml")
    tab = open_bench().window.settings_tab
    qtbot.waitUntil(lambda: "1-1.1: A1" in tab.port_map.toPlainText())
    tab.port_map.setPlainText("1-1.1: A1\n1-1.2: A1\n")
    tab.save()
    assert tab.status.text() == "port map:2: 'A1' already labels 1-1.1"
    assert PortMap.load().labels == {"1-1.1": "A1"}


def test_a_broken_ports_file_leaves_the_bench_working_and_says_so(open_bench, qtbot, kitbench_home):
    kitbench_home.mkdir(exist_ok=True)
    (kitbench_home / "ports.yaml").write_text("1-1.1: A1\nport 4: A4\n")
    bench = open_bench(devices=1)
    qtbot.waitUntil(  # the engine process reads the file: it may start slowly under load
        lambda: "ports.yaml:2: 'port 4' is not a USB slot" in bench.window.notice.text(),
        timeout=30_000,
    )
    qtbot.waitUntil(lambda: bench.model.tiles() != [], timeout=30_000)
    assert bench.model.tiles()[0].label == "A1"  # generated: the broken map is not used
    tab = bench.window.settings_tab
    qtbot.waitUntil(lambda: "port 4: A4" in tab.port_map.toPlainText())  # the file, to fix
    assert "Port map not used until fixed" in tab.status.text()


def test_tiles_follow_the_labels_the_station_gives(qtbot):
    model = DeviceModel()
    for endpoint, label in [("usb:1-1.3", "B1"), ("usb:1-1.2", "A10"), ("tcp:h:1", "A2")]:
        model.on_device_changed(DeviceChanged(DeviceInfo(endpoint, label, DeviceState.READY)))
    assert [tile.label for tile in model.tiles()] == ["A2", "A10", "B1"]


def test_usb_trouble_shows_once_in_the_status_bar_and_the_bench_goes_on(open_bench, qtbot):
    bench = open_bench(usb_watcher=DeniedUsbWatcher)  # the engine cannot open USB
    watch_usb(bench.services, bench.window)
    qtbot.waitUntil(lambda: bench.window.notice.text() != "", timeout=10_000)
    assert bench.window.notice.text() == f"USB devices not watched: {USB_DENIED}"
    assert bench.window.isVisible()
    assert bench.services.engine.running


def test_tiles_shrink_to_fit_then_turn_compact_then_scroll():
    def plan(count: int):
        hubs = [(f"H{start}", list(range(start, min(count, start + 10))))
                for start in range(0, count, 10)]  # fmt: skip
        return plan_grid(hubs, QSize(1000, 700))

    assert plan(1).density == Density(compact=False, scale=MAX_SCALE)
    twelve = plan(12).density
    assert not twelve.compact and MIN_SCALE < twelve.scale < MAX_SCALE
    assert plan(100).density.compact and plan(100).fits
    many = plan(256)
    assert many.density == Density(compact=True, scale=COMPACT_MIN_SCALE) and not many.fits


def _show_history(bench, qtbot, count: int):
    history = bench.window.history
    bench.window.tabs.setCurrentWidget(history)
    qtbot.waitUntil(lambda: history.model.rowCount() == count and not history.model.loading)
    return history


def test_a_new_run_goes_in_at_the_top_and_the_selection_and_scroll_stay(open_bench, qtbot):
    bench = open_bench()
    store = bench.services.store
    now = datetime.now(UTC)
    for i in range(80):
        _record_run(store, f"S{i}", "t", RunOutcome.DONE, now - timedelta(minutes=i + 1))
    assert store.flush(10)
    history = _show_history(bench, qtbot, 80)
    chosen = history.model.run_id(50)
    history.table.selectRow(50)
    history.table.scrollTo(history.model.index(50, 0))
    qtbot.waitUntil(lambda: "S50" in history.steps.toPlainText())
    top = history.model.run_id(history.table.rowAt(0))
    assert top != history.model.run_id(0)  # scrolled down

    _record_run(store, "NEW", "t", RunOutcome.DONE, now)
    assert store.flush(10)
    bench.services.engine.run_recorded.emit()  # as the engine says once a run is on disk

    qtbot.waitUntil(lambda: history.model.rowCount() == 81, timeout=10_000)
    assert history.model.runs[0]["serial"] == "NEW"
    assert history.selected_run_id() == chosen
    assert [index.row() for index in history.table.selectionModel().selectedRows()] == [51]
    assert history.model.run_id(history.table.rowAt(0)) == top
    assert "S50" in history.steps.toPlainText()


def test_a_run_shown_as_running_is_updated_in_place_when_it_finishes(open_bench, qtbot):
    bench = open_bench()
    store = bench.services.store
    started = datetime.now(UTC) - timedelta(minutes=5)
    _record_run(store, "OLD", "t", RunOutcome.DONE, started - timedelta(minutes=1))
    run_id = uuid.uuid4().hex
    recorder = store.recorder()
    recorder.on_event(RunStarted(run_id, "tcp:h:RUN", "t", 1, 1, started))
    assert store.flush(10)
    history = _show_history(bench, qtbot, 2)
    assert history.model.runs[0]["result"] == "running"
    history.table.selectRow(0)
    qtbot.waitUntil(lambda: "running" in history.steps.toPlainText())

    result = RunResult(
        run_id, "tcp:h:RUN", "A1", "RUN", "Pixel 8", "14", "t", 1, "hash",
        started, started + timedelta(seconds=42), RunOutcome.DONE,
    )  # fmt: skip
    recorder.on_event(RunFinished(result))
    assert store.flush(10)
    history.refresh()

    qtbot.waitUntil(lambda: history.model.runs[0]["result"] == "done", timeout=10_000)
    assert history.model.rowCount() == 2
    assert history.selected_run_id() == run_id
    qtbot.waitUntil(lambda: ": done" in history.steps.toPlainText())


def test_the_operator_changed_in_settings_is_recorded_on_new_runs(open_bench, qtbot):
    bench = open_bench(devices=1)
    tab = bench.window.settings_tab
    qtbot.waitUntil(lambda: tab.backend_token.placeholderText() != "")
    tab.operator.setText("Robin")
    tab.save()
    qtbot.waitUntil(lambda: tab.status.text() == "Saved.")
    assert bench.window.bench.toolbar.operator.text() == "Robin"
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=60_000)

    bench.window.bench.toolbar.start_button.click()

    qtbot.waitUntil(lambda: bench.all_in(DeviceState.DONE), timeout=60_000)
    assert [run["operator"] for run in bench.finished_runs(qtbot, 1)] == ["Robin"]


def test_an_operator_cleared_at_the_bench_is_not_put_on_new_runs(open_bench, qtbot, kitbench_home):
    Config(kitbench_home).set("station.operator", "Dana")  # who was there at launch
    bench = open_bench(devices=1)
    field = bench.window.bench.toolbar.operator
    qtbot.waitUntil(lambda: field.text() == "Dana")
    field.setText("")
    field.editingFinished.emit()
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=60_000)

    bench.window.bench.toolbar.start_button.click()

    qtbot.waitUntil(lambda: bench.all_in(DeviceState.DONE), timeout=60_000)
    assert [run["operator"] for run in bench.finished_runs(qtbot, 1)] in ([""], [None])


def test_settings_save_nothing_unless_every_value_is_valid(open_bench, qtbot, kitbench_home):
    config = Config(kitbench_home)
    config.set("station.name", "bench-1")
    config.set("backend.url", "https://fleet.example.com")
    tab = open_bench().window.settings_tab
    qtbot.waitUntil(lambda: tab.station_name.text() == "bench-1")

    tab.station_name.setText("bench-2")
    tab.port_map.setPlainText("1-1.1: A1\n")
    tab.backend_url.setText("fleet.example.com")  # no scheme
    tab.save()
    assert tab.status.text().startswith("Not saved: backend.url must be an http")

    assert config.station_name == "bench-1"
    assert config.backend_url == "https://fleet.example.com"
    assert not (kitbench_home / "ports.yaml").exists()

    tab.backend_url.clear()  # no backend any more: the station stops syncing
    tab.save()
    qtbot.waitUntil(lambda: tab.status.text() == "Saved.")
    assert config.backend_url is None
    assert config.station_name == "bench-2"


def test_a_failed_save_of_the_operator_name_shows_in_the_status_bar(open_bench, qtbot, monkeypatch):
    bench = open_bench()
    window = bench.window
    config_file = bench.services.config.directory / "config.json"

    def cannot_write(_key: str, _value: str) -> None:
        raise PermissionError(13, "Permission denied", str(config_file))

    monkeypatch.setattr(bench.services.config, "set", cannot_write)
    field = window.bench.toolbar.operator
    field.setText("Sam")
    field.editingFinished.emit()

    expected = f"Saving the operator name failed: Permission denied: {config_file}"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == expected)
    assert "#D55E00" in window.statusBar().styleSheet()  # in the failure colour
    assert window.failure_box is None  # the name still applies: no dialog for it
    assert bench.services.engine.operator == "Sam"  # new runs carry it all the same

    window.statusBar().showMessage("Asset tag 42 assigned", 5000)
    assert window.statusBar().styleSheet() == ""  # the colour goes with the failure


def test_an_export_that_fails_says_so_in_a_dialog(open_bench, qtbot, tmp_path):
    window = open_bench().window
    window.tabs.setCurrentWidget(window.history)
    qtbot.waitUntil(lambda: window.history.status.text() == "0 runs")  # loaded: no overwrite
    window.history.export_to(tmp_path / "gone" / "history.csv")

    qtbot.waitUntil(lambda: window.failure_box is not None and window.failure_box.isVisible())
    assert window.failure_box.text() == (
        "Exporting the history to history.csv failed: No such file or directory: "
        f"{tmp_path / 'gone' / 'history.csv'}"
    )
    assert window.history.status.text() == "Export failed"
    window.failure_box.accept()
