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
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from app.storage.problems import SHOWN_ELSEWHERE, classify_problem

log = logging.getLogger(__name__)

T = TypeVar("T")
_Job = tuple[Callable[[Session], Any], Future[Any]]


class StoreWriter:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        name: str = "kitbench-store-writer",
        *,
        folder: Path | None = None,
    ) -> None:
        """`folder`: the data folder, named in the problem a failed write is classified as."""
        self._sessions = sessions
        self.folder = folder
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()  # None: stop
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
        self._jobs.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                with self._sessions.begin() as session:
                    result = job(session)
            except Exception as exc:
                self._log_failure(exc)
                future.set_exception(exc)
            else:
                future.set_result(result)

    def _log_failure(self, exc: Exception) -> None:
        """The traceback goes to the log; a storage problem is the caller's to show (the
        recorder turns it into a typed problem), so the terminal needs no copy of it."""
        problem = classify_problem(exc, self.folder) if self.folder is not None else None
        if problem is None:
            log.error("a database write failed: %s", exc, exc_info=exc)
        else:
            log.error("a database write failed (%s): %s", problem.kind, problem.detail,
                      exc_info=exc, extra=SHOWN_ELSEWHERE)  # fmt: skip
