"""Kitting orders across the fleet: what the stations sent of each order, and how far it is.

Several stations may work on one order; each sends its copy of the order (number, customer,
target, template) and its runs carry the order number. The backend keeps one row per number
(the last copy sent wins, but a close by any station stays) and counts the order from every
station's runs with the station's own rules (`app.core.orders`): a device counts once per
order, and a failed-then-done device counts as done.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from app.core import RunOutcome
from app.core.orders import OrderState, device_outcome, tally
from app.fleet.database import (
    IMEI_COLUMNS,
    create_tables,
    from_stored,
    runs,
    to_stored,
    utc_now,
)

metadata = MetaData()

orders = Table(
    "orders",
    metadata,
    Column("number", String(64), primary_key=True),
    Column("customer", String(200), nullable=False),
    Column("target", Integer, nullable=False),
    Column("template", String(200), nullable=False),
    Column("template_version", Integer),
    Column("notes", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("closed_at", DateTime),  # set by the first station that closed it
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# Which stations sent an order: they may read it (a station reads the orders it works on).
order_stations = Table(
    "order_stations",
    metadata,
    Column("number", String(64), primary_key=True),
    Column("station", String(200), primary_key=True),
)

_DEVICE_COLUMNS = ("id", "serial", "result", "station", "slot", "model", "manufacturer",
                   *IMEI_COLUMNS, "meid", "wifi_mac", "bluetooth_mac", "hardware_serial",
                   "asset_tag", "device_name", "operator", "template", "template_version",
                   "finished_at")  # fmt: skip


class FleetOrders:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_tables(engine, metadata)

    def _dialect(self):
        return postgresql if self.engine.dialect.name == "postgresql" else sqlite

    def store(self, station: str, sent: Sequence[dict[str, Any]]) -> list[str]:
        """Store a station's orders (one transaction); the numbers stored."""
        now = utc_now()
        insert = self._dialect().insert(orders)
        incoming = insert.excluded
        upsert = insert.on_conflict_do_update(
            index_elements=[orders.c.number],
            set_={
                "customer": incoming.customer,
                "target": incoming.target,
                "template": incoming.template,
                "template_version": incoming.template_version,
                "notes": incoming.notes,
                "created_at": func.min(orders.c.created_at, incoming.created_at)
                if self.engine.dialect.name == "sqlite"
                else func.least(orders.c.created_at, incoming.created_at),
                "closed_at": func.coalesce(orders.c.closed_at, incoming.closed_at),
                "updated_by": incoming.updated_by,
                "updated_at": incoming.updated_at,
            },
        )
        rows = [
            {
                "number": order["number"],
                "customer": order["customer"],
                "target": order["target"],
                "template": order["template"],
                "template_version": order["template_version"],
                "notes": order["notes"],
                "created_at": to_stored(order["created_at"]),
                "closed_at": to_stored(order["closed_at"])
                if order["state"] == OrderState.CLOSED
                else None,
                "updated_by": station,
                "updated_at": now,
            }
            for order in {order["number"]: order for order in sent}.values()
        ]
        if not rows:
            return []
        senders = self._dialect().insert(order_stations).on_conflict_do_nothing()
        with self.engine.begin() as connection:
            for row in rows:  # one by one: an upsert's RETURNING differs by dialect
                connection.execute(upsert, row)
            connection.execute(senders, [{"number": row["number"], "station": station}
                                         for row in rows])  # fmt: skip
        return [row["number"] for row in rows]

    def orders(self, *, station: str | None = None) -> list[dict[str, Any]]:
        """Every order with its counts, newest first; a station's: those it works on."""
        with self.engine.connect() as connection:
            numbers = self._numbers(connection, station)
            return [self._order(connection, number) for number in numbers]

    def order(self, number: str, *, station: str | None = None) -> dict[str, Any] | None:
        """One order with its counts and devices; None when unknown (or not the station's)."""
        with self.engine.connect() as connection:
            if number not in self._numbers(connection, station, only=number):
                return None
            return self._order(connection, number, with_devices=True)

    def _numbers(
        self, connection: Connection, station: str | None, only: str | None = None
    ) -> list[str]:
        """Order numbers known from an order or a run, newest first (by creation or run)."""
        defined = select(orders.c.number, orders.c.created_at.label("at"))
        ran = select(runs.c.order_number.label("number"), func.min(runs.c.started_at).label("at"))
        ran = ran.where(runs.c.order_number.is_not(None))
        if station is not None:
            sent = select(order_stations.c.number).where(order_stations.c.station == station)
            defined = defined.where(or_(orders.c.number.in_(sent), orders.c.number.in_(
                select(runs.c.order_number).where(runs.c.station == station))))  # fmt: skip
            ran = ran.where(runs.c.order_number.in_(
                select(runs.c.order_number).where(runs.c.station == station)))  # fmt: skip
        if only is not None:
            defined = defined.where(orders.c.number == only)
            ran = ran.where(runs.c.order_number == only)
        first: dict[str, Any] = {}
        for number, at in [*connection.execute(defined),
                           *connection.execute(ran.group_by(runs.c.order_number))]:  # fmt: skip
            first[number] = min(at, first.get(number, at), key=str)
        return sorted(first, key=lambda number: (str(first[number]), number), reverse=True)

    def _order(
        self, connection: Connection, number: str, *, with_devices: bool = False
    ) -> dict[str, Any]:
        row = connection.execute(select(orders).where(orders.c.number == number)).first()
        query = (
            select(*(runs.c[name] for name in _DEVICE_COLUMNS))
            .where(runs.c.order_number == number, runs.c.serial.is_not(None))
            .order_by(runs.c.started_at, runs.c.id)
        )
        by_serial: dict[str, list[Any]] = {}
        for run in connection.execute(query):
            by_serial.setdefault(run.serial, []).append(run)
        devices = [_device(found) for found in by_serial.values()]
        target = None if row is None else row.target
        progress = tally(target or 0, (_outcome(device["result"]) for device in devices))
        senders = connection.scalars(
            select(order_stations.c.station).where(order_stations.c.number == number)
        )
        stations = sorted({*senders, *(run.station for found in by_serial.values()
                                       for run in found)})  # fmt: skip
        if row is not None and row.closed_at is not None:
            state = OrderState.CLOSED
        elif progress.reached:
            state = OrderState.COMPLETE
        else:
            state = OrderState.OPEN
        order: dict[str, Any] = {
            "number": number,
            "customer": "" if row is None else row.customer,
            "target": target,
            "template": "" if row is None else row.template,
            "template_version": None if row is None else row.template_version,
            "notes": "" if row is None else row.notes,
            "state": state.value,
            "done": progress.done,
            "failed": progress.failed,
            "refused": progress.refused,
            "remaining": None if target is None else progress.remaining,
            "devices_seen": len(devices),
            "stations": stations,
            "by_station": _by_station(stations, devices),
            "created_at": None if row is None else from_stored(row.created_at),
            "closed_at": None if row is None else from_stored(row.closed_at),
        }
        if with_devices:
            order["devices"] = devices
        return order


def _by_station(stations: list[str], devices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each station's part of an order: the devices whose counting run it made, counted by
    the order's rules (a station that sent the order and ran nothing yet shows zeros)."""
    parts = []
    for station in stations:
        own = [device for device in devices if device["station"] == station]
        progress = tally(0, (_outcome(device["result"]) for device in own))
        finished = [device["finished_at"] for device in own if device["finished_at"]]
        parts.append({
            "station": station,
            "devices": len(own),
            "done": progress.done,
            "failed": progress.failed,
            "refused": progress.refused,
            "last_finished_at": max(finished, default=None),
        })  # fmt: skip
    return parts


def _outcome(result: str | None) -> RunOutcome | None:
    return None if result is None else RunOutcome(result)


def _device(found: Iterable[Any]) -> dict[str, Any]:
    """A device of an order from its runs (oldest first): counted once, by its best run."""
    found = list(found)
    outcome = device_outcome([run.result for run in found])
    done = [run for run in found if run.result == RunOutcome.DONE]
    speaking = done[-1] if done else found[-1]
    device = {name: getattr(speaking, name) for name in _DEVICE_COLUMNS}
    device["run_id"] = device.pop("id")
    imeis = [device.pop(name) for name in IMEI_COLUMNS]
    device["imei"] = [imei for imei in imeis if imei]
    device["result"] = None if outcome is None else outcome.value
    device["runs"] = len(found)
    device["finished_at"] = from_stored(device["finished_at"])
    return device
