"""Starting and stopping the GUI: a broken config.json, Ctrl-C, closing without freezing."""

from __future__ import annotations

import os
import signal
import threading

import pytest

import app.ui.app as gui_app
import app.ui.main_window as main_window
from app.signals import StopSignals
from tests.thread_signals import signal_thread


def test_a_broken_config_file_is_explained_and_the_gui_exits_1(qapp, kitbench_home, monkeypatch):
    kitbench_home.mkdir(parents=True, exist_ok=True)
    (kitbench_home / "config.json").write_text("{not json", encoding="utf-8")
    shown: list[str] = []
    monkeypatch.setattr(
        gui_app.QMessageBox, "critical", lambda _parent, _title, text: shown.append(text)
    )

    assert gui_app.run_gui() == 1

    (message,) = shown
    assert message.startswith("Cannot read the station's settings:")
    assert str(kitbench_home / "config.json") in message


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "term"])
def test_ctrl_c_or_sigterm_closes_the_window_as_a_person_would(open_bench, qtbot, signum):
    bench = open_bench()
    with StopSignals() as stop:
        gui_app.close_on_stop_signals(bench.window, stop)
        os.kill(os.getpid(), signum)  # no KeyboardInterrupt out of whatever slot runs next
        qtbot.waitUntil(lambda: bench.window.stopped, timeout=10_000)
    assert not bench.window.isVisible()


def test_a_sigterm_taken_by_another_thread_closes_the_window(open_bench, qtbot):
    """The kernel may give a `kill` to any thread that does not block it, not the GUI's."""
    bench = open_bench()
    parked = threading.Event()
    other = threading.Thread(target=parked.wait, daemon=True)
    other.start()
    try:
        with StopSignals() as stop:
            gui_app.close_on_stop_signals(bench.window, stop)
            signal_thread(os.getpid(), other.native_id, signal.SIGTERM)
            qtbot.waitUntil(lambda: bench.window.stopped, timeout=10_000)
    finally:
        parked.set()
    assert not bench.window.isVisible()


def test_closing_stops_the_station_off_the_gui_thread_then_closes(open_bench, qtbot):
    bench = open_bench()
    window = bench.window
    release = threading.Event()
    closed_on: list[threading.Thread] = []

    def slow_device() -> None:  # a device that takes its time to let go
        closed_on.append(threading.current_thread())
        release.wait(5)

    bench.services.on_close.insert(0, slow_device)
    window.close()

    assert window.isVisible()  # the close returned at once; the window waits, not the GUI
    assert window.statusBar().currentMessage() == "Stopping…"
    assert not window.tabs.isEnabled()
    qtbot.waitUntil(lambda: bool(closed_on))
    assert closed_on[0] is not threading.main_thread()
    window.close()  # closing again while stopping changes nothing
    assert window.isVisible()

    release.set()
    qtbot.waitUntil(lambda: window.stopped, timeout=10_000)
    assert not window.isVisible()
    assert bench.services.on_close == []


def test_a_device_that_never_lets_go_does_not_keep_the_window_open(open_bench, qtbot, monkeypatch):
    monkeypatch.setattr(main_window, "SHUTDOWN_DEADLINE_S", 0.5)
    bench = open_bench()
    stuck = threading.Event()
    bench.services.on_close.insert(0, stuck.wait)
    try:
        bench.window.close()
        qtbot.waitUntil(lambda: bench.window.stopped, timeout=10_000)
        assert not bench.window.isVisible()
    finally:
        stuck.set()
