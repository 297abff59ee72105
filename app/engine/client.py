"""The window's end of the engine: starts the engine process and talks to it.

The connection is `multiprocessing.connection` over a socket pair (a named pipe on Windows),
given to a process started with the "spawn" method: the engine gets a fresh interpreter of
its own. When either side dies the kernel closes its end, so the other hears of it at once:
the engine as the end of its commands, the window as the end of its batches.

Nothing here blocks its caller: commands go out through a sender thread, batches come in on a
reader thread and are handed to `on_batch` there. Each client starts one process; a restart
is a new client.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection

from app.engine.process import CLOSE_DEADLINE_S, serve
from app.engine.protocol import Batch, Command, EngineOptions, Request, Shutdown

log = logging.getLogger(__name__)

KILL_WAIT_S = 2.0


class EngineClient:
    """One engine process; `on_batch` and then, once, `on_gone` are called from its reader."""

    def __init__(
        self,
        options: EngineOptions,
        *,
        on_batch: Callable[[Batch], None],
        on_gone: Callable[[], None],
    ) -> None:
        self.options = options
        self._on_batch, self._on_gone = on_batch, on_gone
        self._numbers = itertools.count(1)
        self._requests: queue.SimpleQueue[Request | None] = queue.SimpleQueue()
        context = multiprocessing.get_context("spawn")
        self._connection, there = context.Pipe()
        self._process = context.Process(
            target=serve, args=(there, options), name="kitbench-engine", daemon=True
        )
        self._there: Connection | None = there

    def start(self) -> None:
        self._process.start()
        assert self._there is not None
        self._there.close()  # only the engine holds its end: its death closes the connection
        self._there = None
        threading.Thread(target=self._receive, name="engine-reader", daemon=True).start()
        threading.Thread(target=self._send_requests, name="engine-sender", daemon=True).start()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def send(self, command: Command) -> int:
        """Queue `command` for the engine; the number its `Ack` will carry."""
        number = next(self._numbers)
        self._requests.put(Request(number, command))
        return number

    def stop(self, timeout: float = CLOSE_DEADLINE_S + KILL_WAIT_S) -> bool:
        """Ask the engine to stop its runs and exit, and wait; killed if it takes longer than
        `timeout`. False if it had to be killed. Blocks: call it off the GUI thread."""
        if self._process.exitcode is None and self._process.pid is not None:
            self.send(Shutdown())
            self._process.join(timeout)
        self._requests.put(None)
        if self._process.is_alive():
            log.error("the engine did not stop within %.0f s; killing it", timeout)
            self._process.kill()
            self._process.join(KILL_WAIT_S)
            return False
        return True

    # -- threads

    def _send_requests(self) -> None:
        while (request := self._requests.get()) is not None:
            try:
                self._connection.send(request)
            except (OSError, ValueError):  # the engine is gone; the reader says so
                return
            except Exception:  # a command that cannot be sent (a bug): the others still go
                log.exception("cannot send %s to the engine", type(request.command).__name__)

    def _receive(self) -> None:
        try:
            while True:
                batch = self._connection.recv()
                try:
                    self._on_batch(batch)
                except Exception:  # a bug in a handler must not look like the engine dying
                    log.exception("handling the engine's batch failed")
        except (EOFError, OSError):
            pass
        finally:
            with contextlib.suppress(OSError):
                self._connection.close()
            self._requests.put(None)
            self._on_gone()
