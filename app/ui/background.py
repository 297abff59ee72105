"""Run blocking work (disk, database, network, station calls) off the GUI thread.

`Background.run(job, on_done, on_error)` runs `job` on a small thread pool and calls
`on_done(result)` or `on_error(exception)` back on the GUI thread, so widgets never wait.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)


class Background(QObject):
    _finished = Signal(object, object, object)  # future, on_done, on_error

    def __init__(self, parent: QObject | None = None, workers: int = 2) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kitbench-ui")
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._closed = False

    def run(
        self,
        job: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Future:
        future = self._pool.submit(job)
        future.add_done_callback(lambda done: self._finished.emit(done, on_done, on_error))
        return future

    @Slot(object, object, object)
    def _deliver(self, future: Future, on_done, on_error) -> None:
        if self._closed:
            return
        error = future.exception()
        if error is None:
            if on_done is not None:
                on_done(future.result())
        elif on_error is not None:
            on_error(error)
        else:
            log.error("background job failed: %s", error, exc_info=error)

    def shutdown(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
