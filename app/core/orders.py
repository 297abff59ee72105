"""Kitting orders: "150 checkout tablets for customer X, PO 4711, template retail-pos v3".

An order is typed here so the station, the store, the CLI, the window and the backend share
one meaning of it; its counting rules (`tally`) are pure: a device counts once per order,
however many times it is re-run, and a device done once stays done.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.core import RunOutcome


class OrderState(StrEnum):
    OPEN = "open"
    COMPLETE = "complete"  # reached its target by itself; more devices may still be run
    CLOSED = "closed"  # closed by an admin: no more runs under it


@dataclass(frozen=True)
class ExpectedDevice:
    """One line of a supplier's advance shipping notice: a serial and/or an IMEI."""

    serial: str = ""
    imei: str = ""


@dataclass(frozen=True)
class Order:
    number: str
    target: int
    customer: str = ""
    template_name: str = ""  # "" : any template
    template_version: int | None = None  # None: whatever version the station has
    expected: tuple[ExpectedDevice, ...] = ()  # empty: any device may join the order
    state: OrderState = OrderState.OPEN
    notes: str = ""

    def expects(self, serial: str | None, imeis: Iterable[str] = ()) -> bool:
        """Whether the device is on the order's expected list (any device when it has none)."""
        if not self.expected:
            return True
        known_imeis = {imei for imei in imeis if imei}
        return any(
            (line.serial and line.serial == serial) or (line.imei and line.imei in known_imeis)
            for line in self.expected
        )


class ExpectedListError(ValueError):
    """An advance shipping notice that cannot be read: says which line and why."""


SERIAL_COLUMNS = ("serial", "serialno", "serial_number", "serial number", "sn")
IMEI_COLUMNS = ("imei", "imei1", "imei 1")


def read_expected(text: str, source: str = "the expected list") -> tuple[ExpectedDevice, ...]:
    """Serials and/or IMEIs from a CSV with a header naming a serial and/or an IMEI column."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = {(name or "").strip().lower(): name for name in reader.fieldnames or ()}
    serial_key = next((fields[name] for name in SERIAL_COLUMNS if name in fields), None)
    imei_key = next((fields[name] for name in IMEI_COLUMNS if name in fields), None)
    if serial_key is None and imei_key is None:
        raise ExpectedListError(
            f"{source}: the first line must name a 'serial' and/or an 'imei' column"
        )
    devices = []
    for line_number, row in enumerate(reader, start=2):
        serial = (row.get(serial_key) or "").strip() if serial_key else ""
        imei = (row.get(imei_key) or "").strip() if imei_key else ""
        if imei and not (imei.isdigit() and len(imei) in (14, 15)):
            raise ExpectedListError(f"{source}:{line_number}: {imei!r} is not an IMEI")
        if serial or imei:
            devices.append(ExpectedDevice(serial, imei))
    if not devices:
        raise ExpectedListError(f"{source}: it lists no device")
    return tuple(devices)


@dataclass(frozen=True)
class OrderProgress:
    """How far an order is: each device counted once, by its best run."""

    target: int
    done: int = 0
    failed: int = 0
    refused: int = 0

    @property
    def remaining(self) -> int:
        return max(0, self.target - self.done)

    @property
    def reached(self) -> bool:
        return self.target > 0 and self.done >= self.target


# The run that speaks for a device: a done run beats any other, then the latest.
_FAILED = {RunOutcome.FAILED, RunOutcome.INTERRUPTED}


def device_outcome(outcomes_oldest_first: Sequence[str]) -> RunOutcome | None:
    """A device's result on an order from its runs' outcomes: done if any run was done,
    else what its latest finished run says (None while it has only a running one)."""
    finished = [RunOutcome(value) for value in outcomes_oldest_first if value != RunOutcome.RUNNING]
    if RunOutcome.DONE in finished:
        return RunOutcome.DONE
    return finished[-1] if finished else None


def tally(target: int, outcomes: Iterable[RunOutcome | None]) -> OrderProgress:
    """The order's counts from each device's outcome (`device_outcome`)."""
    counts = dict.fromkeys(("done", "failed", "refused"), 0)
    for outcome in outcomes:
        if outcome is RunOutcome.DONE:
            counts["done"] += 1
        elif outcome is RunOutcome.REFUSED:
            counts["refused"] += 1
        elif outcome in _FAILED:
            counts["failed"] += 1
    return OrderProgress(target, **counts)
