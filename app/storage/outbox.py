"""The outbox: finished runs waiting for the fleet backend, oldest first.

A row is marked sent only when the backend acknowledged its run (accepted or duplicate);
anything else leaves it waiting with the last error, so a crash or an outage never loses a run
and the backend's idempotency on run id means a retry never counts one twice.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.storage.history import IDENTITY_KEYS, run_dicts
from app.storage.models import OrderRecord, OutboxEntry

MAX_BATCH = 500  # the backend's limit per POST


def waiting_count(session: Session) -> int:
    count = session.scalar(
        select(func.count()).select_from(OutboxEntry).where(OutboxEntry.sent_at.is_(None))
    )
    return count or 0


def next_batch(
    session: Session, limit: int = MAX_BATCH, exclude: Collection[str] = ()
) -> list[dict[str, Any]]:
    """The oldest waiting runs in the sync wire format, at most `limit`, leaving out `exclude`."""
    query = select(OutboxEntry.run_id).where(OutboxEntry.sent_at.is_(None))
    if exclude:
        query = query.where(OutboxEntry.run_id.not_in(list(exclude)))
    run_ids = session.scalars(
        query.order_by(OutboxEntry.created_at, OutboxEntry.run_id).limit(min(limit, MAX_BATCH))
    ).all()
    return [_wire(run) for run in run_dicts(session, run_ids)]


# Sent only when the run has them, so a run without them still syncs to an older backend
# (one from before releases, orders or identities: it refuses fields it does not know).
SENT_WHEN_SET = (
    "release_manifest",
    "release_channel",
    "order_number",
    "device_name",
    *IDENTITY_KEYS,
)


def _wire(run: dict[str, Any]) -> dict[str, Any]:
    """A run as the backend takes it (docs/sync-api.md): the release, the order and each
    identity field only when the run has one, a step's evidence only when it has some."""
    for key in SENT_WHEN_SET:
        if run.get(key) in (None, [], {}):
            run.pop(key, None)
    for step in run.get("steps", []):
        if not step.get("evidence"):
            step.pop("evidence", None)
    return run


def order_batch(session: Session) -> list[dict[str, Any]]:
    """Every kitting order of the station in the sync wire format (`POST /api/v1/orders`).

    Orders are few and change in place (a close, a completion), so the station sends them all
    and the backend keeps the last copy; their expected-device lists stay on the station.
    """
    records = session.scalars(select(OrderRecord).order_by(OrderRecord.created_at))
    return [
        {
            "number": record.number,
            "customer": record.customer,
            "target": record.target,
            "template": record.template_name,
            "template_version": record.template_version,
            "state": record.state,
            "notes": record.notes,
            "created_at": record.created_at.isoformat(),
            "closed_at": record.closed_at.isoformat() if record.closed_at else None,
        }
        for record in records
    ]


def mark_sent(session: Session, run_ids: Sequence[str]) -> None:
    if run_ids:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.run_id.in_(run_ids), OutboxEntry.sent_at.is_(None))
            .values(sent_at=datetime.now(UTC), attempts=OutboxEntry.attempts + 1, last_error=None)
        )


def record_failure(session: Session, run_ids: Sequence[str], error: str) -> None:
    if run_ids:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.run_id.in_(run_ids))
            .values(attempts=OutboxEntry.attempts + 1, last_error=error)
        )
