"""Kitting orders in the station store: create, read, close, and how far each one is.

Progress counts each device (serial) once per order, by its best run (`app.core.orders`):
re-running a device never counts it twice, and a failed-then-done device counts as done.
An order completes itself in the transaction that records the run reaching its target.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import RunOutcome
from app.core.orders import (
    ExpectedDevice,
    Order,
    OrderProgress,
    OrderState,
    device_outcome,
    tally,
)
from app.storage.models import OrderRecord, Run


class OrderError(ValueError):
    """An order that cannot be made or changed as asked: a message a person can act on."""


@dataclass(frozen=True)
class OrderDevice:
    """One device of an order, as its best run says (one manifest row)."""

    serial: str
    outcome: RunOutcome | None  # None: only a run still going
    runs: int
    run: dict[str, Any]  # the run that speaks for it: its done run, else its latest


def _order(record: OrderRecord) -> Order:
    expected = tuple(ExpectedDevice(**line) for line in json.loads(record.expected or "[]"))
    return Order(
        number=record.number,
        target=record.target,
        customer=record.customer,
        template_name=record.template_name,
        template_version=record.template_version,
        expected=expected,
        state=OrderState(record.state),
        notes=record.notes,
    )


def check_new_order(session: Session, order: Order) -> None:
    """OrderError when `order` cannot be created (checked before the write is queued)."""
    number = order.number.strip()
    if not number:
        raise OrderError("an order needs a number")
    if order.target < 1:
        raise OrderError(f"order {number}: the target must be at least 1, not {order.target}")
    if session.get(OrderRecord, number) is not None:
        raise OrderError(f"order {number} exists already")


def create_order(session: Session, order: Order) -> None:
    check_new_order(session, order)
    number = order.number.strip()
    expected = [{"serial": line.serial, "imei": line.imei} for line in order.expected]
    session.add(
        OrderRecord(
            number=number,
            customer=order.customer,
            target=order.target,
            template_name=order.template_name,
            template_version=order.template_version,
            expected=json.dumps(expected),
            state=OrderState.OPEN.value,
            notes=order.notes,
            created_at=datetime.now(UTC),
        )
    )


def get_order(session: Session, number: str) -> Order | None:
    record = session.get(OrderRecord, number)
    return None if record is None else _order(record)


def list_orders(session: Session) -> list[Order]:
    records = session.scalars(select(OrderRecord).order_by(OrderRecord.created_at.desc()))
    return [_order(record) for record in records]


def close_order(session: Session, number: str) -> None:
    record = session.get(OrderRecord, number)
    if record is None:
        raise OrderError(f"there is no order {number}")
    record.state = OrderState.CLOSED.value
    record.closed_at = datetime.now(UTC)


_DEVICE_COLUMNS = ("id", "serial", "slot", "model", "template_name", "template_version",
                   "operator", "station", "asset_tag", "started_at", "finished_at", "result",
                   "error", "imei1", "imei2", "wifi_mac", "device_name")  # fmt: skip


def order_devices(session: Session, number: str) -> list[OrderDevice]:
    """Every device that ran under the order, in the order they first ran."""
    columns = [getattr(Run, name) for name in _DEVICE_COLUMNS]
    rows = session.execute(
        select(*columns)
        .where(Run.order_number == number, Run.serial.is_not(None))
        .order_by(Run.started_at, Run.id)
    )
    by_serial: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        run = dict(row._mapping)
        by_serial.setdefault(run["serial"], []).append(run)
    devices = []
    for serial, runs in by_serial.items():
        outcome = device_outcome([run["result"] for run in runs])
        done = [run for run in runs if run["result"] == RunOutcome.DONE]
        speaking = done[-1] if done else runs[-1]
        devices.append(OrderDevice(serial, outcome, len(runs), speaking))
    return devices


def order_progress(session: Session, number: str) -> OrderProgress | None:
    record = session.get(OrderRecord, number)
    if record is None:
        return None
    return tally(record.target, (device.outcome for device in order_devices(session, number)))


def complete_if_reached(session: Session, number: str) -> bool:
    """Mark an open order complete once its target is reached; True when it just did."""
    record = session.get(OrderRecord, number)
    if record is None or record.state != OrderState.OPEN:
        return False
    session.flush()  # the run being recorded counts
    progress = order_progress(session, number)
    if progress is None or not progress.reached:
        return False
    record.state = OrderState.COMPLETE.value
    record.completed_at = datetime.now(UTC)
    return True
