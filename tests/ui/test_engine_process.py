"""The window and its engine in two processes: either may die, and nothing recorded is lost.

- The engine killed mid-run: the bench says so within a second (every tile under one
  message), a restart brings the devices back, the runs that were in flight are recorded
  `interrupted`, and the backend ends up with every run once.
- The window killed mid-run: its engine stops the runs, records them, and exits within
  a few seconds.
- A second window on the same data folder is refused with a message naming the first.
- The engine runs below the window's priority, so a busy engine never takes the window's frames.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt

import app.ui.app as gui_app
from app.core import DeviceState
from app.engine.process import ENGINE_NICENESS
from app.storage import Config, Store
from app.ui.demo import DEMO_STATION, DemoBackend
from app.ui.engine_link import EngineState

TIMEOUT_MS = 60_000
ENGINE_EXIT_S = 10.0  # "a few seconds": the engine's own deadline is 8 s


def test_a_killed_engine_shows_at_once_restarts_and_loses_no_run(open_bench, qtbot, kitbench_home):
    backend = DemoBackend(kitbench_home)
    backend.start()
    config = Config(kitbench_home)
    for key, value in [("station.name", DEMO_STATION), ("backend.url", backend.url),
                       ("backend.token", backend.token), ("sync.interval", "1")]:  # fmt: skip
        config.set(key, value)
    try:
        bench = open_bench(devices=3, profile="pixel8", latency="realistic", sync=True)
        engine, tab = bench.services.engine, bench.window.bench
        qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=TIMEOUT_MS)
        tab.start()
        qtbot.waitUntil(lambda: bench.all_in(DeviceState.DONE), timeout=TIMEOUT_MS)
        done = {run["id"] for run in bench.finished_runs(qtbot, 3)}
        for tile in bench.model.tiles():  # again, and killed while they run
            tab.force(tile.endpoint)
        qtbot.waitUntil(
            lambda: all(t.running and t.run_id not in done for t in bench.model.tiles()),
            timeout=TIMEOUT_MS,
        )
        in_flight = {tile.run_id for tile in bench.model.tiles()}

        old_pid = engine.pid
        killed = time.monotonic()
        os.kill(old_pid, signal.SIGKILL)
        qtbot.waitUntil(lambda: engine.state is EngineState.DIED, timeout=1_000)
        assert time.monotonic() - killed < 1.0
        cover = tab.engine_cover
        assert cover.isVisible() and cover.geometry() == cover.parentWidget().rect()
        assert cover.title.text() == "The station stopped"
        assert "interrupted" in cover.text.text()
        assert not tab.toolbar.start_button.isEnabled() and not tab.toolbar.stop_button.isEnabled()

        qtbot.mouseClick(cover.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: engine.state is EngineState.RUNNING, timeout=TIMEOUT_MS)
        assert engine.pid != old_pid and not cover.isVisible()
        qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=TIMEOUT_MS)
        assert tab.toolbar.start_button.isEnabled()

        runs = {run["id"]: run["result"] for run in bench.finished_runs(qtbot, 6)}
        assert runs == {**dict.fromkeys(done, "done"), **dict.fromkeys(in_flight, "interrupted")}

        def synced() -> dict[str, str]:
            return {run["id"]: run["result"] for run in backend.database.list_runs()}

        qtbot.waitUntil(lambda: len(synced()) == 6, timeout=TIMEOUT_MS)
        sent = backend.database.list_runs()
        assert synced() == runs and len(sent) == 6  # each run once
        tab.start()  # the restarted engine provisions as before
        qtbot.waitUntil(lambda: bench.all_in(DeviceState.DONE), timeout=TIMEOUT_MS)
    finally:
        backend.stop()


def test_a_killed_window_takes_its_engine_down_with_its_runs_recorded(
    start_fleet, template_folder, kitbench_home
):
    fleet = start_fleet(2, auth="none", profile="pixel8", latency="realistic")
    root = Path(__file__).resolve().parents[2]
    window = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.gui_process", *(e.spec for e in fleet.endpoints)],
        cwd=root, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "KITBENCH_HOME": str(kitbench_home), "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    try:
        told = window.stdout.readline().split()  # "engine PID" once every run is under way
        assert told[:1] == ["engine"], f"the window said {told!r}"
        engine_pid = int(told[1])

        window.kill()
        window.wait(10)
        killed = time.monotonic()
        while _alive(engine_pid) and time.monotonic() - killed < ENGINE_EXIT_S:
            time.sleep(0.05)
        assert not _alive(engine_pid), f"the engine outlived its window by {ENGINE_EXIT_S} s"
    finally:
        if window.poll() is None:
            window.kill()
    with Store(kitbench_home) as store:  # recovery would mark unrecorded runs interrupted
        runs = store.runs()
    assert len(runs) == 2
    assert {run["result"] for run in runs} == {"failed"}  # stopped at a step, and recorded
    assert all(run["finished_at"] for run in runs)


def test_a_second_window_on_the_same_station_is_refused(open_bench, qtbot, monkeypatch):
    first = open_bench()
    qtbot.waitUntil(lambda: first.services.engine.state is EngineState.RUNNING, timeout=20_000)
    shown: list[str] = []
    monkeypatch.setattr(
        gui_app.QMessageBox, "critical", lambda _parent, _title, text: shown.append(text)
    )

    assert gui_app.run_gui() == 1

    (message,) = shown
    assert message.startswith("Kitbench is already running on this station.")
    assert f"a Kitbench window (pid {first.services.engine.pid})" in message
    assert str(first.services.settings.directory) in message
    assert first.services.engine.state is EngineState.RUNNING  # the first bench goes on


def test_the_engine_gives_way_to_the_window_when_both_want_the_cpu(open_bench, qtbot):
    bench = open_bench()
    qtbot.waitUntil(lambda: bench.services.engine.state is EngineState.RUNNING, timeout=20_000)
    window_priority = os.getpriority(os.PRIO_PROCESS, 0)
    engine_priority = os.getpriority(os.PRIO_PROCESS, bench.services.engine.pid)
    assert engine_priority == min(window_priority + ENGINE_NICENESS, 19)


def _alive(pid: int) -> bool:
    """Still running: not gone and not a zombie waiting for whoever adopted it."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
