"""The one writer: a thread that runs every database write of this process, in order.

Callers hand it a job (a function of a Session) and get a Future; each job is one
transaction. Ordering comes for free, and no two writes in this process ever contend
for SQLite's write lock.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

T = TypeVar("T")
_STOP = object()


class StoreWriter:
    def __init__(self, sessions: sessionmaker[Session], name: str = "kitbench-store-writer"):
        self._sessions = sessions
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[Session], T]) -> Future[T]:
        """Queue a write; the future resolves once it is committed (or carries its error)."""
        future: Future[T] = Future()
        if self._closed:
            future.set_exception(RuntimeError("the store is closed"))
            return future
        self._jobs.put((job, future))
        return future

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every write queued so far is on disk; False on timeout."""
        try:
            self.submit(lambda _session: None).result(timeout)
        except TimeoutError:
            return False
        return True

    def close(self, timeout: float | None = 30) -> None:
        """Finish the queued writes, then stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._jobs.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _STOP:
                return
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                with self._sessions.begin() as session:
                    result = job(session)
            except Exception as exc:
                log.exception("a database write failed")
                future.set_exception(exc)
            else:
                future.set_result(result)
