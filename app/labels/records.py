"""Label data from the run records: each device's latest done run (its serial, IMEIs from the
identity columns, asset tag, order number, the day it was done)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import RunOutcome
from app.labels.layout import LabelData
from app.storage.models import Run


def labels_for(session: Session, *, serial: str | None = None,
               order: str | None = None) -> list[LabelData]:  # fmt: skip
    """One label per device done under `order`, or for the device `serial`, oldest first."""
    query = select(Run).where(Run.result == RunOutcome.DONE.value, Run.serial.is_not(None))
    if serial is not None:
        query = query.where(Run.serial == serial)
    if order is not None:
        query = query.where(Run.order_number == order)
    latest: dict[str, Run] = {}
    for run in session.scalars(query.order_by(Run.started_at, Run.id)):
        latest.pop(run.serial or "", None)
        latest[run.serial or ""] = run
    return [label_of(run) for run in latest.values()]


def label_of(run: Any) -> LabelData:
    """A label from a run row (a `Run` or anything with its attributes)."""
    finished = run.finished_at or run.started_at
    return LabelData(
        serial=run.serial or "",
        imei=tuple(imei for imei in (run.imei1, run.imei2) if imei),
        device_name=run.device_name or run.model or "",
        asset_tag=run.asset_tag or "",
        order=run.order_number or "",
        printed_on=finished.astimezone().date() if finished else None,
    )
