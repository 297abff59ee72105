"""The print queue: labels go out in the background, in order, and a printer that is away
is retried with growing pauses while new labels wait behind it. Nobody who submits waits.

Each label's fate is reported as a typed event (`LabelPrinted`, `LabelWaiting`) through one
callback, so the engine can send it to the window and the terminal can print it.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from app.labels.printer import PrinterError, PrinterProblem, PrinterTarget, send_zpl

log = logging.getLogger(__name__)

RETRY_PAUSES_S = (1.0, 2.0, 5.0, 10.0, 30.0)  # then every 30 s until the printer is back


@dataclass(frozen=True)
class LabelJob:
    serial: str
    zpl: str
    target: PrinterTarget


@dataclass(frozen=True)
class LabelPrinted:
    serial: str
    target: PrinterTarget


@dataclass(frozen=True)
class LabelWaiting:
    """The printer could not take the label; it stays queued and is tried again."""

    serial: str
    target: PrinterTarget
    problem: PrinterProblem
    detail: str
    attempts: int
    retry_in_s: float
    queued: int  # labels waiting, this one included


LabelEvent = LabelPrinted | LabelWaiting
Send = Callable[[PrinterTarget, str], None]


class LabelQueue:
    def __init__(
        self,
        on_event: Callable[[LabelEvent], None] = lambda _event: None,
        *,
        send: Send = send_zpl,
        pauses: tuple[float, ...] = RETRY_PAUSES_S,
    ) -> None:
        self._on_event = on_event
        self._send = send
        self._pauses = pauses
        self._jobs: collections.deque[LabelJob] = collections.deque()
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="label-queue", daemon=True)
        self._thread.start()

    def submit(self, job: LabelJob) -> None:
        """Queue a label and return at once."""
        with self._wake:
            self._jobs.append(job)
            self._wake.notify()

    def retry_now(self) -> None:
        """Try the waiting label at once (a person says the printer is back)."""
        with self._wake:
            self._wake.notify()

    @property
    def waiting(self) -> int:
        with self._wake:
            return len(self._jobs)

    def close(self, timeout: float = 2.0) -> None:
        """Stop; labels still waiting are logged as not printed."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout)
        for job in list(self._jobs):
            log.warning("label for %s not printed: %s did not take it", job.serial, job.target)

    def _run(self) -> None:
        attempts = 0
        while True:
            with self._wake:
                while not self._jobs and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                job = self._jobs[0]
            try:
                self._send(job.target, job.zpl)
            except PrinterError as exc:
                attempts += 1
                pause = self._pauses[min(attempts, len(self._pauses)) - 1]
                log.warning("label for %s waits: %s (try %d)", job.serial, exc, attempts)
                self._report(LabelWaiting(job.serial, job.target, exc.problem, exc.detail,
                                          attempts, pause, self.waiting))  # fmt: skip
                with self._wake:
                    if not self._closed:
                        self._wake.wait(pause)
                continue
            attempts = 0
            with self._wake:
                self._jobs.popleft()
            self._report(LabelPrinted(job.serial, job.target))

    def _report(self, event: LabelEvent) -> None:
        try:
            self._on_event(event)
        except Exception:  # a listener's bug must not stop the labels
            log.exception("label event listener failed")
