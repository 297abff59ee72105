"""Sending the outbox: batches of waiting runs, marked sent only on the backend's word.

Network errors and 5xx are retried with exponential backoff and jitter; a rejected token
stops at once (retrying cannot fix it); a run the backend refuses (4xx), or keeps failing on
(5xx, see `ServerErrors`), is set aside with the backend's reason so it cannot block the runs
behind it. A crash at any point is safe:
an unmarked run is sent again, and the backend reports it as a duplicate.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field

from app.storage import Store
from app.storage.outbox import MAX_BATCH
from app.sync.client import (
    BackendClient,
    BackendRejectedError,
    BackendServerError,
    BackendUnreachableError,
    TokenRejectedError,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Exponential delays with jitter, so stations that lost the backend together do not
    all come back in the same second."""

    base_s: float = 0.5
    cap_s: float = 300.0

    def delay(self, attempt: int) -> float:
        ceiling = min(self.cap_s, self.base_s * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True)
class SendReport:
    sent: int  # runs the backend acknowledged in this pass
    waiting: int  # runs still waiting afterwards
    error: str | None = None  # why some are still waiting
    token_rejected: bool = False
    unreachable: bool = False


SPLIT_AFTER_5XX = 3  # 5xx answers in a row on one batch before it is halved


@dataclass
class ServerErrors:
    """What 5xx answers taught a sender, kept from one pass to the next.

    A backend that answers 5xx to every batch holding one run it cannot store would block the
    outbox for good, so a batch that gets `SPLIT_AFTER_5XX` of them in a row is halved, as for
    a 4xx, until the run stands alone; that run is then set aside. The worker tries once a
    cycle, so the count lives here, across passes, not in one pass. A backend that fails for
    everything is not mistaken for many bad runs: when a second lone run fails before anything
    was stored, the first is given back and no more are set aside until the backend stores
    something again.

    Runs set aside stay aside for the life of this object (the worker's: the app or
    `kitbench sync`); a restart tries them again.
    """

    batch_size: int = MAX_BATCH
    in_a_row: int = 0  # 5xx answers in a row on batches of `batch_size`
    suspect: tuple[str, str] | None = None  # (run id, error) set aside, not yet confirmed
    set_aside: dict[str, str] = field(default_factory=dict)  # run id -> the backend's error
    failing_for_all: bool = False  # stop isolating until the backend stores something

    def excluded(self) -> set[str]:
        return set(self.set_aside) | ({self.suspect[0]} if self.suspect else set())

    def stored_something(self) -> None:
        if self.suspect is not None:
            run_id, error = self.suspect
            self.set_aside[run_id] = error
            self.suspect = None
        self.in_a_row = 0
        self.failing_for_all = False

    def failed(self, ids: list[str], error: str) -> bool:
        """Count a 5xx on the batch `ids`; whether the sender made progress (split or set a run
        aside), so the batch it sends next is another one."""
        self.in_a_row += 1
        if self.failing_for_all or self.in_a_row < SPLIT_AFTER_5XX:
            return False
        self.in_a_row = 0
        if len(ids) > 1:
            self.batch_size = max(1, len(ids) // 2)
            return True
        if self.suspect is None:
            self.suspect = (ids[0], error)
            log.warning("sync: run %s set aside after repeated server errors: %s", ids[0], error)
            return True
        # A second lone run fails too: it is the backend, not the runs.
        self.suspect = None
        self.failing_for_all = True
        return False


def send_waiting(
    store: Store,
    client: BackendClient,
    *,
    attempts: int = 5,
    backoff: Backoff = Backoff(),
    stop: threading.Event | None = None,
    max_batch: int = MAX_BATCH,
    server_errors: ServerErrors | None = None,
) -> SendReport:
    """Send every waiting run, `max_batch` (at most 500) a request; retry a failing backend
    up to `attempts` times per batch. Pass the same `server_errors` to every pass (as the
    worker does) so 5xx answers count across passes."""
    stop = stop or threading.Event()
    max_batch = min(max_batch, MAX_BATCH)
    memory = server_errors if server_errors is not None else ServerErrors(max_batch)
    memory.batch_size = max(1, min(memory.batch_size, max_batch))
    sent = 0
    refused: set[str] = set()  # refused by the backend (4xx) in this pass
    error: str | None = None
    failures = 0
    while not stop.is_set():
        batch = store.next_batch(memory.batch_size, exclude=refused | memory.excluded())
        if not batch:
            break
        ids = [run["id"] for run in batch]
        try:
            ack = client.post_runs(batch)
        except TokenRejectedError as exc:
            store.record_failure(ids, str(exc))
            return SendReport(sent, store.waiting_count(), str(exc), token_rejected=True)
        except BackendUnreachableError as exc:
            store.record_failure(ids, str(exc))
            if isinstance(exc, BackendServerError) and memory.failed(ids, str(exc)):
                failures = 0  # a smaller batch, or another run: a fresh set of attempts
                continue
            if not isinstance(exc, BackendServerError):
                memory.in_a_row = 0
            failures += 1
            if failures >= attempts:
                return SendReport(sent, store.waiting_count(), str(exc), unreachable=True)
            stop.wait(backoff.delay(failures - 1))
            continue
        except BackendRejectedError as exc:
            memory.in_a_row = 0
            if len(batch) > 1:  # find the run it objects to: halve until it stands alone
                memory.batch_size = max(1, len(batch) // 2)
                continue
            store.record_failure(ids, str(exc))
            refused.update(ids)
            error = f"run {ids[0]}: {exc}"
            log.warning("sync: %s", error)
            continue
        failures = 0
        acknowledged = set(ack.accepted) | set(ack.duplicates)
        done = [run_id for run_id in ids if run_id in acknowledged]
        store.mark_sent(done).result()
        sent += len(done)
        memory.in_a_row = 0
        if done:
            memory.stored_something()
        missing = [run_id for run_id in ids if run_id not in acknowledged]
        if missing:
            reason = "the backend did not acknowledge this run"
            store.record_failure(missing, reason)
            refused.update(missing)
            error = f"{len(missing)} run(s): {reason}"
        memory.batch_size = min(max_batch, memory.batch_size * 2)
    waiting = store.waiting_count()
    error = _with_set_aside(error, memory)
    if waiting and error is None:
        error = "stopped before everything was sent"
    return SendReport(sent, waiting, error if waiting else None)


def _with_set_aside(error: str | None, memory: ServerErrors) -> str | None:
    """The pass's error, or else why a run set aside for server errors is still waiting."""
    if error is not None:
        return error
    for run_id, reason in memory.set_aside.items():
        return f"run {run_id}: {reason}"
    if memory.suspect is not None:
        return f"run {memory.suspect[0]}: {memory.suspect[1]}"
    return None
