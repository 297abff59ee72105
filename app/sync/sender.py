"""Sending the outbox: batches of waiting runs, marked sent only on the backend's word.

Network errors and 5xx are retried with exponential backoff and jitter; a rejected token
stops at once (retrying cannot fix it); a run the backend refuses (4xx) is set aside with
the backend's reason so it cannot block the runs behind it. A crash at any point is safe:
an unmarked run is sent again, and the backend reports it as a duplicate.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass

from app.storage import Store
from app.storage.outbox import MAX_BATCH
from app.sync.client import (
    BackendClient,
    BackendRejectedError,
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


def send_waiting(
    store: Store,
    client: BackendClient,
    *,
    attempts: int = 5,
    backoff: Backoff = Backoff(),
    stop: threading.Event | None = None,
    max_batch: int = MAX_BATCH,
) -> SendReport:
    """Send every waiting run, `max_batch` (at most 500) a request; retry a failing backend
    up to `attempts` times per batch."""
    stop = stop or threading.Event()
    sent = 0
    set_aside: set[str] = set()  # refused by the backend in this pass
    error: str | None = None
    max_batch = min(max_batch, MAX_BATCH)
    batch_size = max_batch
    failures = 0
    while not stop.is_set():
        batch = store.next_batch(batch_size, exclude=set_aside)
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
            failures += 1
            if failures >= attempts:
                return SendReport(sent, store.waiting_count(), str(exc), unreachable=True)
            stop.wait(backoff.delay(failures - 1))
            continue
        except BackendRejectedError as exc:
            if len(batch) > 1:  # find the run it objects to: halve until it stands alone
                batch_size = max(1, len(batch) // 2)
                continue
            store.record_failure(ids, str(exc))
            set_aside.update(ids)
            error = f"run {ids[0]}: {exc}"
            log.warning("sync: %s", error)
            continue
        failures = 0
        acknowledged = set(ack.accepted) | set(ack.duplicates)
        done = [run_id for run_id in ids if run_id in acknowledged]
        store.mark_sent(done).result()
        sent += len(done)
        missing = [run_id for run_id in ids if run_id not in acknowledged]
        if missing:
            reason = "the backend did not acknowledge this run"
            store.record_failure(missing, reason)
            set_aside.update(missing)
            error = f"{len(missing)} run(s): {reason}"
        batch_size = min(max_batch, batch_size * 2)
    waiting = store.waiting_count()
    if waiting and error is None:
        error = "stopped before everything was sent"
    return SendReport(sent, waiting, error if waiting else None)
