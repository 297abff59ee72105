"""A SIGTERM ends `kitbench sync` and the engine process whichever thread the kernel gives it
to, promptly, with their usual exit status, and loses no run.

The kernel hands a signal sent to a process to any thread that does not block it; these tests
send it (tgkill) to the first and the last non-main thread that takes it. The station's
backend is unreachable, so its runs stay in the outbox: they must still be there after.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys

import pytest

from app.engine.process import serve
from app.engine.protocol import Batch, Closed, EngineOptions, Ready
from app.storage import Config, Store
from tests.integration.test_sim_stock_adb import free_port
from tests.thread_signals import signal_thread, threads_taking
from tests.unit.test_sync import record_runs

KITBENCH = (sys.executable, "-m", "app")
WAITING = 2
EXIT_S = 30  # far above the second or so it takes; a hang fails instead of blocking the suite


@pytest.fixture
def offline_station(kitbench_home):
    """A station with runs waiting to sync to a backend that does not answer."""
    config = Config(kitbench_home)
    config.set("backend.url", f"http://127.0.0.1:{free_port()}")
    config.set("backend.token", "tok")
    with Store(kitbench_home, recording=True) as store:
        record_runs(store, WAITING)
    return kitbench_home


def waiting_runs(home) -> int:
    with Store(home) as store:
        return store.waiting_count()


@pytest.mark.parametrize("taker", [0, -1], ids=["first", "last"])
def test_a_sigterm_taken_by_any_thread_ends_sync_and_keeps_its_runs(offline_station, taker):
    worker = subprocess.Popen(
        [*KITBENCH, "sync"],
        env={**os.environ, "KITBENCH_HOME": str(offline_station)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert worker.stdout is not None
        assert f"{WAITING} waiting to sync" in worker.stdout.readline()  # it tried: offline
        threads = threads_taking(worker.pid, signal.SIGTERM)
        assert threads, "the sync worker's thread takes SIGTERM"
        signal_thread(worker.pid, threads[taker], signal.SIGTERM)
        _, stderr = worker.communicate(timeout=EXIT_S)
    finally:
        worker.kill()  # a no-op once it has ended: a hung one must not outlive the test
        worker.wait()
    assert worker.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert waiting_runs(offline_station) == WAITING


@pytest.mark.parametrize("taker", [0, -1], ids=["first", "last"])
def test_a_sigterm_taken_by_any_thread_ends_the_engine_and_keeps_its_runs(offline_station, taker):
    context = multiprocessing.get_context("spawn")
    window, there = context.Pipe()
    engine = context.Process(target=serve, args=(there, EngineOptions(offline_station)))
    engine.start()
    there.close()  # the engine's death closes the connection
    try:
        messages = []
        while not any(isinstance(message, Ready) for message in messages):
            assert window.poll(EXIT_S), "the engine never said it was ready"
            batch: Batch = window.recv()
            messages.extend(batch.items)
        assert engine.pid is not None
        threads = threads_taking(engine.pid, signal.SIGTERM)
        assert len(threads) >= 2, threads  # its commands, its outbox, the store's writer, …
        signal_thread(engine.pid, threads[taker], signal.SIGTERM)
        engine.join(EXIT_S)
        assert engine.exitcode == 0  # 1: its watchdog's; None: it hung
        with contextlib.suppress(EOFError):  # what it sent before it went
            while window.poll():
                messages.extend(window.recv().items)
    finally:
        engine.kill()
        engine.join()
    assert isinstance(messages[-1], Closed)  # every run stopped and the store closed
    assert waiting_runs(offline_station) == WAITING
