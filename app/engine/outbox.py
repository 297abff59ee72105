"""The engine's side of the event stream: what it has to say, sent at most once a frame.

Device workers, the store's writer and sync `put` from their threads; one sender thread
sends what gathered as one `Batch` per frame (acknowledgements go at once, they are what a
click waits for). While a batch gathers, a newer StepProgress of a device replaces its older
one, so a transfer flood from 256 devices costs one update per device per frame.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import get_args

from app.core import RunEvent, StepProgress, endpoint_of
from app.engine.protocol import Ack, Batch, Message

log = logging.getLogger(__name__)

FRAME_S = 1 / 60
RUN_EVENTS = get_args(RunEvent)


class Gathering:
    """Items in order, progress coalesced per device; not thread-safe (the outbox locks)."""

    def __init__(self) -> None:
        self.items: list[RunEvent | Message] = []
        self._progress_at: dict[str, int] = {}  # endpoint -> index of its gathered progress

    def add(self, item: RunEvent | Message) -> None:
        endpoint = _endpoint(item)
        if isinstance(item, StepProgress):
            at = self._progress_at.get(endpoint)
            if at is not None:
                self.items[at] = item
                return
            self._progress_at[endpoint] = len(self.items)
        elif endpoint:
            # Later progress must follow this event, not replace progress that came before it.
            self._progress_at.pop(endpoint, None)
        self.items.append(item)

    def take(self) -> list[RunEvent | Message]:
        items, self.items = self.items, []
        self._progress_at.clear()
        return items


def _endpoint(item: RunEvent | Message) -> str:
    """The device a run event is about; "" for the engine's own messages."""
    return endpoint_of(item) if isinstance(item, RUN_EVENTS) else ""


class Outbox:
    """Gathers from any thread; `send(batch)` is called on the sender thread only."""

    def __init__(self, send: Callable[[Batch], None], *, frame_s: float = FRAME_S) -> None:
        self._send = send
        self._frame_s = frame_s
        self._gathering = Gathering()
        self._changed = threading.Condition()
        self._urgent = False
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="engine-outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, item: RunEvent | Message) -> None:
        with self._changed:
            self._gathering.add(item)
            if isinstance(item, Ack):
                self._urgent = True
                self._changed.notify()

    def close(self, timeout: float = 5.0) -> None:
        """Send what is left, then stop."""
        with self._changed:
            self._closing = True
            self._changed.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._urgent or self._closing, self._frame_s)
                self._urgent = False
                closing = self._closing
                items = self._gathering.take()
            if items:
                try:
                    self._send(Batch(tuple(items)))
                except (OSError, EOFError, ValueError):  # the window is gone
                    log.info("the window's connection is closed; %d items not sent", len(items))
                    return
            if closing:
                return
