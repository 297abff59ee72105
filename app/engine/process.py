"""The engine process: `serve` is its main, started by `client.EngineClient`.

It takes the data folder's engine lock, builds the `Engine`, acknowledges each command it
receives and sends its events in frame-sized batches. It ends when asked (`Shutdown`), on
SIGTERM, or when the connection closes because the window died; each time it stops every
run (recorded as stopped), lets the store finish its writes and exits. A watchdog makes sure
it never outlives its window by more than `CLOSE_DEADLINE_S`: a run it could not record in
that time is found `running` at the next open and recorded `interrupted`.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import signal
import threading
from multiprocessing.connection import Connection

from app.engine.lock import EngineLock, StationTaken, holder_name
from app.engine.outbox import Outbox
from app.engine.protocol import (
    Batch,
    CannotOpen,
    Closed,
    EngineOptions,
    Ready,
    Request,
    Shutdown,
    Taken,
)
from app.engine.service import Engine
from app.provisioning.station_words import describe_station_problem
from app.signals import StopSignals
from app.storage import ConfigError, StationProblemError, StoreError, station_problem

log = logging.getLogger(__name__)

CLOSE_DEADLINE_S = 8.0
LOG_FORMAT = "%(asctime)s %(levelname)s %(processName)s %(threadName)s %(name)s: %(message)s"
HOLDER = "a Kitbench window"
ENGINE_NICENESS = 5


def serve(connection: Connection, options: EngineOptions) -> None:
    """Run the engine until it is told to stop, its window goes away or a SIGTERM comes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the window's: it closes first
    _yield_the_cpu_to_the_window()
    # Whichever of the engine's threads the kernel gives a SIGTERM to, it ends the wait below.
    with StopSignals(signal.SIGTERM) as stop:
        _serve(connection, options, stop)


def _serve(connection: Connection, options: EngineOptions, stop: StopSignals) -> None:
    _log_to_file(options)
    lock = EngineLock(options.data_dir)
    try:
        lock.acquire(holder_name(HOLDER))
    except StationTaken as exc:
        connection.send(Batch((Taken(exc.folder, exc.holder),)))
        return
    except OSError as exc:  # the data folder is full or not writable
        lock_problem = station_problem(exc, options.data_dir)
        words = describe_station_problem(lock_problem)
        connection.send(Batch((CannotOpen(words, lock_problem),)))
        return
    outbox = Outbox(connection.send)
    outbox.start()
    try:
        engine = Engine(options, outbox.put)
    except (StoreError, ConfigError) as exc:
        problem = exc.problem if isinstance(exc, StationProblemError) else None
        outbox.put(CannotOpen(str(exc), problem))
        outbox.close()
        return
    outbox.put(Ready(os.getpid(), engine.store.recovered, tuple(engine.notices)))

    def receive() -> None:
        try:
            while True:
                request: Request = connection.recv()
                outbox.put(engine.handle(request.number, request.command))
                if isinstance(request.command, Shutdown):
                    break
        except (EOFError, OSError):
            log.warning("the window's connection closed: stopping the runs and exiting")
        stop.wake()

    threading.Thread(target=receive, name="engine-commands", daemon=True).start()
    if stop.wait() == signal.SIGTERM:
        log.info("SIGTERM: stopping the runs and exiting")
    watchdog = threading.Timer(CLOSE_DEADLINE_S, _exit_now)
    watchdog.daemon = True
    watchdog.start()
    engine.close()
    outbox.put(Closed())
    outbox.close()
    lock.release()
    log.info("engine stopped")


def _exit_now() -> None:
    log.error("the engine did not stop within %.0f s; exiting anyway", CLOSE_DEADLINE_S)
    logging.shutdown()
    os._exit(1)


def _yield_the_cpu_to_the_window() -> None:
    """Run a little below the window's priority: when both want the CPU, the window draws.

    The engine's work is throughput (a hundred runs that take minutes); the window's is
    latency (a frame in 16 ms). On a 2-core station the engine's threads otherwise take the
    window's time slices and its event loop stalls.
    """
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(ENGINE_NICENESS)


def _log_to_file(options: EngineOptions) -> None:
    """The engine's log beside the window's, in the data folder (one writer per file)."""
    folder = options.data_dir / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            folder / "engine.log", maxBytes=2 * 1024 * 1024, backupCount=3, encoding="utf-8"
        )
    except OSError:  # a full or read-only folder: the engine works without its log
        return
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
