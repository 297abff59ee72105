"""The one way the UI runs work off the GUI thread, and the one place its failures go.

Modelled on Anki's `aqt/taskman.py` and `QueryOp`: `run_in_background(task, on_done,
on_failure=..., label=...)` runs `task` (disk, database, network, station calls) on a thread
pool and calls `on_done(result)` or `on_failure(error)` back on the GUI thread through a
queued signal, so widgets are only ever touched there. A failure with no handler of its own,
and any exception a handler raises, goes to the one reporter the main window sets: its
status bar, or a dialog when the failure lost what the user entered or asked for. So nothing
fails only into the log.

`serial="key"` runs the tasks sharing a key one at a time, in the order they were given:
writes to one file must not overtake each other. `run_on_main(closure)` is how another
thread (sync, store writer) hands the window something to do.

The event bridge (`bridge.py`) is not work and stays apart: it is the station's event stream.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")
Closure = Callable[[], None]


@dataclass(frozen=True)
class Failure:
    """Background work that failed, as the user is told: what was being done, and why not."""

    label: str  # what was being done: "Saving the operator name"
    reason: str  # a sentence a person can act on, secrets already masked
    lost_input: bool = False  # what the user entered or asked for is gone: worth a dialog

    @property
    def text(self) -> str:
        return QCoreApplication.translate("TaskManager", "{task} failed: {reason}").format(
            task=self.label, reason=self.reason
        )


def describe(error: BaseException) -> str:
    """The reason without Python's noise: "Permission denied: /x/config.json", not a repr."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return str(error) or type(error).__name__


class TaskManager(QObject):
    """A thread pool whose results and failures come back on the GUI thread."""

    _call = Signal(object, str)  # closure, what it is doing (for its failure)

    def __init__(self, parent: QObject | None = None, *, workers: int = 2) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kitbench-ui")
        self._serial: dict[str, ThreadPoolExecutor] = {}
        self._reporter: Callable[[Failure], None] | None = None
        self._unreported: list[Failure] = []  # failed before the window was there to say so
        self._closed = False
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def run_in_background(
        self,
        task: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        *,
        on_failure: Callable[[BaseException], None] | None = None,
        label: str,
        serial: str | None = None,
    ) -> Future[T]:
        """Run `task` off the GUI thread; `on_done(result)` or `on_failure(error)` on it.

        `label` says what the task does, for the user if it fails without `on_failure`.
        Tasks with the same `serial` key run one after another in the order given.
        Call from the GUI thread. After `shutdown()` nothing runs (a cancelled future).
        """
        future: Future[T]
        if self._closed:
            future = Future()
            future.cancel()
            return future
        future = self._executor(serial).submit(task)
        future.add_done_callback(
            lambda done: self.run_on_main(
                lambda: self._finish(done, on_done, on_failure, label), label=label
            )
        )
        return future

    def run_on_main(self, closure: Closure, *, label: str = "Updating the window") -> None:
        """Run `closure` on the GUI thread, soon (never at once). Safe from any thread."""
        if self._closed:
            return
        with contextlib.suppress(RuntimeError):  # this manager was deleted (its widget went)
            self._call.emit(closure, label)

    def set_reporter(self, reporter: Callable[[Failure], None]) -> None:
        """Where failures go from now on (the main window), and any that came before it."""
        self._reporter = reporter
        unreported, self._unreported = self._unreported, []
        for failure in unreported:
            reporter(failure)

    def report(self, label: str, error: BaseException | str, *, lost_input: bool = False) -> None:
        """Tell the user `label` failed. For handlers that tidy up first; GUI thread only."""
        reason = error if isinstance(error, str) else describe(error)
        failure = Failure(label, reason, lost_input)
        log.warning("%s", failure.text)
        if self._reporter is None:
            self._unreported.append(failure)
        else:
            self._reporter(failure)

    def shutdown(self) -> None:
        """Start nothing more and deliver nothing more; running tasks finish unheard."""
        self._closed = True
        for executor in [self._pool, *self._serial.values()]:
            executor.shutdown(wait=False, cancel_futures=True)

    # -- internals

    def _executor(self, serial: str | None) -> ThreadPoolExecutor:
        if serial is None:
            return self._pool
        if serial not in self._serial:
            self._serial[serial] = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=f"kitbench-ui-{serial}"
            )
        return self._serial[serial]

    def _finish(
        self,
        future: Future[Any],
        on_done: Callable[[Any], None] | None,
        on_failure: Callable[[BaseException], None] | None,
        label: str,
    ) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is None:
            if on_done is not None:
                on_done(future.result())
        elif on_failure is not None:
            on_failure(error)
        else:
            log.error("%s failed", label, exc_info=error)
            self.report(label, error)

    @Slot(object, str)
    def _run(self, closure: Closure, label: str) -> None:
        if self._closed:
            return
        try:
            closure()
        except Exception as exc:  # a handler's own bug: still the user's to know
            log.exception("%s: a handler failed", label)
            self.report(label, exc)
