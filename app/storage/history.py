"""Reading history: filtered, newest first, paged by keyset so page 1,000 is as fast as page 1.

Runs come back as plain dicts in the sync wire format (`id`, `template`, ISO-8601 UTC times,
`steps` with `index`/`action`/`name`/`status`/`duration_ms`/`message`), which is also what
`kitbench history --json` prints. The device's identity as the run read it comes with each
run: `manufacturer`, `imei` (a list of 0, 1 or 2), `meid`, `wifi_mac`, `bluetooth_mac`,
`build_fingerprint`, `security_patch`, `hardware_serial` and `identity_gaps` ({field: reason},
app.core.identity.IdentityGap values); `device_name` is the name the run gave the device.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from sqlalchemy import ScalarSelect, Select, select, tuple_
from sqlalchemy.orm import Session

from app.core.reasons import Reason, reason_from_data
from app.storage.models import DeviceRecord, Run, StepRecord

RUN_COLUMNS = (
    Run.id,
    Run.station,
    Run.serial,
    Run.model,
    Run.android_release,
    Run.slot,
    Run.endpoint,
    Run.template_name,
    Run.template_version,
    Run.template_hash,
    Run.operator,
    Run.asset_tag,
    Run.started_at,
    Run.finished_at,
    Run.result,
    Run.error,
    Run.release_manifest,
    Run.release_channel,
    Run.order_number,
    Run.device_name,
    Run.manufacturer,
    Run.imei1,
    Run.imei2,
    Run.meid,
    Run.wifi_mac,
    Run.bluetooth_mac,
    Run.build_fingerprint,
    Run.security_patch,
    Run.hardware_serial,
    Run.identity_gaps,
)
# The identity columns of migration 0003, as runs and (but for the gaps) devices hold them.
IDENTITY_COLUMNS = (
    "manufacturer",
    "imei1",
    "imei2",
    "meid",
    "wifi_mac",
    "bluetooth_mac",
    "build_fingerprint",
    "security_patch",
    "hardware_serial",
    "identity_gaps",
)
# The keys a run's identity has in its dict (the IMEIs as one list).
IDENTITY_KEYS = (
    "manufacturer",
    "imei",
    "meid",
    "wifi_mac",
    "bluetooth_mac",
    "build_fingerprint",
    "security_patch",
    "hardware_serial",
    "identity_gaps",
)
CSV_HEADER = (
    "id",
    "station",
    "serial",
    "model",
    "android_release",
    "slot",
    "endpoint",
    "template",
    "template_version",
    "template_hash",
    "operator",
    "asset_tag",
    "started_at",
    "finished_at",
    "result",
    "error",
    "release_manifest",
    "release_channel",
    "order_number",
    "device_name",
    *IDENTITY_COLUMNS,
)
EXPORT_BATCH = 5000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RunFilter:
    serial: str | None = None
    since: datetime | None = None  # runs started at or after
    template: str | None = None
    result: str | None = None


ALL_RUNS = RunFilter()


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: the last run's start time and id."""

    started_at: datetime
    id: str


SINCE_AGO = re.compile(r"^(\d+)([dhm])$")
SINCE_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_since(text: str) -> datetime:
    """`2025-03-01`, `2025-03-01T08:00`, `2025-03-01T08:00+01:00` or `7d`/`12h`/`30m` ago.

    A date or time without an offset is the station's local time.
    """
    text = text.strip()
    ago = SINCE_AGO.match(text)
    if ago:
        return datetime.now(UTC) - timedelta(**{SINCE_UNITS[ago[2]]: int(ago[1])})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: use YYYY-MM-DD, YYYY-MM-DDTHH:MM or 7d, 12h, 30m"
        ) from None
    return moment if moment.tzinfo else moment.astimezone()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _run_dict(row: Sequence[Any]) -> dict[str, Any]:
    run = dict(zip(CSV_HEADER, row, strict=True))
    run["started_at"] = _iso(run["started_at"])
    run["finished_at"] = _iso(run["finished_at"])
    _imei_list(run)
    gaps = run.pop("identity_gaps")
    run["identity_gaps"] = json.loads(gaps) if gaps else {}
    return run


def _imei_list(record: dict[str, Any]) -> None:
    """imei1 and imei2 as one list `imei`, after `manufacturer` as the JSON shows it."""
    imeis = [imei for imei in (record.pop("imei1"), record.pop("imei2")) if imei]
    rest = {key: record.pop(key) for key in list(record) if key in IDENTITY_KEYS[2:]}
    record["imei"] = imeis
    record.update(rest)


DEVICE_COLUMNS = (
    DeviceRecord.serial,
    DeviceRecord.model,
    DeviceRecord.first_seen,
    DeviceRecord.last_seen,
    DeviceRecord.last_template,
    DeviceRecord.last_result,
    DeviceRecord.manufacturer,
    DeviceRecord.imei1,
    DeviceRecord.imei2,
    DeviceRecord.meid,
    DeviceRecord.wifi_mac,
    DeviceRecord.bluetooth_mac,
    DeviceRecord.build_fingerprint,
    DeviceRecord.security_patch,
    DeviceRecord.hardware_serial,
)


def _name_given() -> ScalarSelect[str | None]:
    """The name the newest run that gave the device one gave it."""
    return (
        select(Run.device_name)
        .where(Run.serial == DeviceRecord.serial, Run.device_name.is_not(None))
        .order_by(Run.started_at.desc(), Run.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def list_devices(session: Session) -> list[dict[str, Any]]:
    """Every device the station has seen, last seen first, with its identity as last read and
    the name a run last gave it."""
    devices = []
    query = select(*DEVICE_COLUMNS, _name_given()).order_by(
        DeviceRecord.last_seen.desc(), DeviceRecord.serial
    )
    for *row, name_given in session.execute(query):
        device = {column.key: value for column, value in zip(DEVICE_COLUMNS, row, strict=True)}
        device["device_name"] = name_given
        device["first_seen"] = _iso(device["first_seen"])
        device["last_seen"] = _iso(device["last_seen"])
        _imei_list(device)
        devices.append(device)
    return devices


def _select(run_filter: RunFilter, before: Cursor | None, limit: int) -> Select[*tuple[Any, ...]]:
    query = select(*RUN_COLUMNS)
    if run_filter.serial:
        query = query.where(Run.serial == run_filter.serial)
    if run_filter.template:
        query = query.where(Run.template_name == run_filter.template)
    if run_filter.result:
        query = query.where(Run.result == run_filter.result)
    if run_filter.since:
        query = query.where(Run.started_at >= run_filter.since)
    if before:
        query = query.where(tuple_(Run.started_at, Run.id) < (before.started_at, before.id))
    return query.order_by(Run.started_at.desc(), Run.id.desc()).limit(limit)


def steps_of(session: Session, run_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The steps of many runs in one query, keyed by run id."""
    steps: dict[str, list[dict[str, Any]]] = {run_id: [] for run_id in run_ids}
    if not run_ids:
        return steps
    rows = session.execute(
        select(
            StepRecord.run_id,
            StepRecord.index,
            StepRecord.action,
            StepRecord.name,
            StepRecord.status,
            StepRecord.duration_ms,
            StepRecord.message,
            StepRecord.evidence,
        )
        .where(StepRecord.run_id.in_(run_ids))
        .order_by(StepRecord.run_id, StepRecord.index)
    )
    for run_id, index, action, name, status, duration_ms, message, evidence in rows:
        steps[run_id].append(
            {
                "index": index,
                "action": action,
                "name": name,
                "status": status,
                "duration_ms": duration_ms,
                "message": message,
                "evidence": evidence,  # what the device logged when it failed (0006), or ""
            }
        )
    return steps


@dataclass(frozen=True)
class RunReasons:
    """Why a run and its steps failed or were refused, typed (migration 0007): for the window
    to word; runs recorded before it, or by a version with kinds this one does not know, have
    none and show their English."""

    run: Reason | None = None
    steps: dict[int, Reason] = field(default_factory=dict)  # by step index


def reasons_of(session: Session, run_ids: Sequence[str]) -> dict[str, RunReasons]:
    """The typed reasons of many runs, keyed by run id (only runs that have some)."""
    if not run_ids:
        return {}
    found = session.execute(select(Run.id, Run.why).where(Run.id.in_(run_ids)))
    runs = {run_id: why for run_id, why in found}
    steps: dict[str, dict[int, Reason]] = {}
    rows = session.execute(
        select(StepRecord.run_id, StepRecord.index, StepRecord.why).where(
            StepRecord.run_id.in_(run_ids), StepRecord.why.is_not(None)
        )
    )
    for run_id, index, why in rows:
        reason = _reason(why)
        if reason is not None:
            steps.setdefault(run_id, {})[index] = reason
    return {
        run_id: RunReasons(_reason(runs.get(run_id)), steps.get(run_id, {}))
        for run_id in run_ids
        if runs.get(run_id) or run_id in steps
    }


def _reason(stored: str | None) -> Reason | None:
    if not stored:
        return None
    try:
        return reason_from_data(json.loads(stored))
    except ValueError:
        return None


def run_dicts(session: Session, run_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Runs by id with their steps, in the order of `run_ids` (missing ones left out)."""
    rows = {row[0]: row for row in session.execute(select(*RUN_COLUMNS).where(Run.id.in_(run_ids)))}
    steps = steps_of(session, list(rows))
    runs = []
    for run_id in run_ids:
        if run_id in rows:
            run = _run_dict(rows[run_id])
            run["steps"] = steps[run_id]
            runs.append(run)
    return runs


def list_runs(
    session: Session,
    run_filter: RunFilter = ALL_RUNS,
    *,
    limit: int = 100,
    before: Cursor | None = None,
    with_steps: bool = False,
) -> list[dict[str, Any]]:
    """One page of runs, newest first; pass `page_cursor(page)` as `before` for the next."""
    runs = [_run_dict(row) for row in session.execute(_select(run_filter, before, limit))]
    if with_steps:
        steps = steps_of(session, [run["id"] for run in runs])
        for run in runs:
            run["steps"] = steps[run["id"]]
    return runs


def page_cursor(page: Sequence[dict[str, Any]]) -> Cursor | None:
    if not page:
        return None
    last = page[-1]
    return Cursor(datetime.fromisoformat(last["started_at"]), last["id"])


def iter_rows(session: Session, run_filter: RunFilter) -> Iterator[Sequence[Any]]:
    """Every matching run as a raw row, newest first, a keyset batch at a time."""
    before: Cursor | None = None
    while True:
        rows = session.execute(_select(run_filter, before, EXPORT_BATCH)).all()
        yield from rows
        if len(rows) < EXPORT_BATCH:
            return
        before = Cursor(rows[-1].started_at, rows[-1].id)


def write_csv(session: Session, out: IO[str], run_filter: RunFilter = ALL_RUNS) -> int:
    """Stream matching runs to `out` as CSV with a header; returns how many were written."""
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    count = 0
    for row in iter_rows(session, run_filter):
        writer.writerow([_cell(value) for value in row])
        count += 1
    return count


def _cell(value: Any) -> Any:
    """ISO times; text a spreadsheet would run as a formula (a device's model, an error) quoted."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
