"""Stop signals (SIGTERM, SIGINT) that end a wait whichever thread the kernel gives them to.

The kernel hands a signal sent to a process to any of its threads that does not block it;
Python runs the handler only on the main thread, and only when that thread next runs
bytecode. A main thread blocked in a lock (`threading.Event.wait()`) or in `waitpid` never
wakes when another thread takes the signal, and the process ignores it for good. A handler
that calls `Event.set()` can also deadlock on the lock the `Event.wait` it interrupted holds.

So the signals become bytes on a socket (`signal.set_wakeup_fd`: the C-level handler writes
it on whichever thread it runs) and the main thread waits on that socket. The Python
handlers do nothing and take no lock: they only make Python install its C-level one.
"""

from __future__ import annotations

import contextlib
import select
import signal
import socket
import time
from typing import Any

WOKEN = 0  # the byte `wake` sends: no signal has the number 0


class StopSignals:
    """SIGTERM and SIGINT (or the given signals) as bytes on a socket the main thread waits
    on; `wake` lets another thread end the wait. Enter it on the main thread."""

    def __init__(self, *signums: int) -> None:
        self.signums = frozenset(signums or (signal.SIGTERM, signal.SIGINT))
        self._received, self._wakeup = socket.socketpair()
        self._wakeup.setblocking(False)
        self._previous_fd = -1
        self._previous_handlers: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        self._previous_fd = signal.set_wakeup_fd(self._wakeup.fileno(), warn_on_full_buffer=False)
        for signum in self.signums:
            self._previous_handlers[signum] = signal.signal(signum, lambda *_: None)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._received.close()
        self._wakeup.close()

    def fileno(self) -> int:
        """Readable once a stop signal came or `wake` was called: to select on beside others."""
        return self._received.fileno()

    def wait(self, timeout: float | None = None) -> int | None:
        """The number of the next stop signal; None once woken or after `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([self._received], [], [], left)[0]:
                return None
            received = self._received.recv(1)[0]
            if received == WOKEN:
                return None
            if received in self.signums:  # other signals with a Python handler write it too
                return received

    def wake(self) -> None:
        """End the main thread's `wait` from another thread; a no-op once this is closed."""
        with contextlib.suppress(OSError):  # closed, or a full buffer that wakes it anyway
            self._wakeup.send(bytes([WOKEN]))
