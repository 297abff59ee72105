"""What the console shows, read from the API's tables: searches that stay fast at millions
of runs (keyset paging on the indexes the runs table has), a station's and a device's
history, a release's files, audit trail and downloads, and station tokens.

Columns other parts of the backend add later (a run's IMEIs, its order number) are used
when the runs table has them and shown empty until then.
"""

from __future__ import annotations

import base64
import difflib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    and_,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from app.fleet.console.accounts import console_metadata
from app.fleet.database import (
    RUN_FIELDS,
    FleetDatabase,
    create_tables,
    from_stored,
    release_events,
    runs,
    stations,
    to_stored,
    utc_now,
)
from app.fleet.files import FileStore

ONLINE_WINDOW = timedelta(minutes=5)  # five default sync intervals without a heartbeat
PAGE_SIZE = 50
CSV_BATCH = 2000
REVOKED_PREFIX = "revoked-"  # a token digest no token hashes to: the station's token is void
RESULTS = ("done", "failed", "refused", "interrupted")

# Which stations fetched which file, and when: recorded by the API's file download.
downloads = Table(
    "console_downloads",
    console_metadata,
    Column("station", String(200), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("first_at", DateTime, nullable=False),
    Column("last_at", DateTime, nullable=False),
    Column("count", Integer, nullable=False),
)


def optional_column(name: str) -> Any:
    """A runs column another change adds (IMEIs, order number), or None while it is absent."""
    return runs.c.get(name)


@dataclass
class RunFilter:
    """The runs search as the console's form sends it; empty fields do not filter."""

    serial: str = ""
    imei: str = ""
    asset_tag: str = ""
    order: str = ""
    template: str = ""
    station: str = ""
    result: str = ""
    since: datetime | None = None
    until: datetime | None = None
    problems: list[str] = field(default_factory=list)

    def conditions(self) -> list[Any]:
        found: list[Any] = []
        for value, column in (
            (self.serial, runs.c.serial),
            (self.asset_tag, runs.c.asset_tag),
            (self.template, runs.c.template),
            (self.station, runs.c.station),
        ):
            if value:
                found.append(column == value)
        if self.result:
            found.append(runs.c.result == self.result)
        if self.imei:
            columns = [
                c for c in (optional_column("imei1"), optional_column("imei2")) if c is not None
            ]
            found.append(or_(*(column == self.imei for column in columns)) if columns else false())
        if self.order:
            column = optional_column("order_number")
            found.append(column == self.order if column is not None else false())
        if self.since is not None:
            found.append(runs.c.started_at >= to_stored(self.since))
        if self.until is not None:
            found.append(runs.c.started_at < to_stored(self.until))
        return found

    def query_items(self) -> list[tuple[str, str]]:
        """The filter as query parameters, for links to the next page and the CSV."""
        items = [
            (item.name, str(getattr(self, item.name)))
            for item in fields(self)
            if item.name not in ("since", "until", "problems") and getattr(self, item.name)
        ]
        for name in ("since", "until"):
            moment = getattr(self, name)
            if moment is not None:
                items.append((name, moment.strftime("%Y-%m-%dT%H:%M")))
        return items


def encode_cursor(started_at: datetime, run_id: str) -> str:
    raw = f"{started_at.replace(tzinfo=None).isoformat()}|{run_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, run_id = raw.split("|", 1)
        return datetime.fromisoformat(moment).replace(tzinfo=None), run_id
    except (ValueError, UnicodeDecodeError):
        return None


def _run(row: Any) -> dict[str, Any]:
    run = dict(row._mapping)
    run["started_at"] = from_stored(run["started_at"])
    run["finished_at"] = from_stored(run["finished_at"])
    for name in ("imei1", "imei2", "order_number"):
        run.setdefault(name, None)
    return run


def _run_columns(*, with_steps: bool = False) -> list[Any]:
    names = [name for name in RUN_FIELDS if with_steps or name != "steps"]
    return [runs.c[name] for name in names]


class ConsoleQueries:
    def __init__(self, database: FleetDatabase, files: FileStore) -> None:
        self.database = database
        self.files = files
        self.engine: Engine = database.engine
        create_tables(self.engine, console_metadata)

    # Stations

    def stations(self) -> list[dict[str, Any]]:
        """Every station: online from its heartbeat, runs today (UTC), whether revoked."""
        now = utc_now()
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        counts = (
            select(runs.c.station, func.count().label("today"))
            .where(runs.c.started_at >= today)
            .group_by(runs.c.station)
            .subquery()
        )
        query = (
            select(stations, func.coalesce(counts.c.today, 0).label("today"))
            .outerjoin(counts, counts.c.station == stations.c.name)
            .order_by(stations.c.name)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [self._station(row, now) for row in rows]

    def station_names(self) -> list[str]:
        """Names only, for a search form's list: no counting of today's runs."""
        with self.engine.connect() as connection:
            return list(connection.scalars(select(stations.c.name).order_by(stations.c.name)))

    def station(self, name: str) -> dict[str, Any] | None:
        return next((found for found in self.stations() if found["name"] == name), None)

    @staticmethod
    def _station(row: Any, now: datetime) -> dict[str, Any]:
        beat = row.last_heartbeat
        return {
            "name": row.name,
            "created_at": from_stored(row.created_at),
            "last_heartbeat": from_stored(beat),
            "online": beat is not None and now - beat <= ONLINE_WINDOW,
            "waiting": row.waiting,
            "version": row.version,
            "today": row.today,
            "revoked": row.token_sha256.startswith(REVOKED_PREFIX),
        }

    # Runs

    def runs(
        self, search: RunFilter, after: str | None = None, limit: int = PAGE_SIZE
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of runs, newest first, and the cursor of the next page (None at the end)."""
        query = select(*_run_columns()).where(*search.conditions())
        position = decode_cursor(after) if after else None
        if position is not None:
            moment, run_id = position
            query = query.where(
                or_(
                    runs.c.started_at < moment,
                    and_(runs.c.started_at == moment, runs.c.id < run_id),
                )
            )
        query = query.order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(limit + 1)
        with self.engine.connect() as connection:
            found = [_run(row) for row in connection.execute(query)]
        if len(found) <= limit:
            return found, None
        last = found[limit - 1]
        return found[:limit], encode_cursor(last["started_at"], last["id"])

    def all_runs(self, search: RunFilter) -> Iterator[dict[str, Any]]:
        """Every run the filter matches, newest first, fetched a batch at a time (CSV)."""
        after: str | None = None
        while True:
            page, after = self.runs(search, after, CSV_BATCH)
            yield from page
            if after is None:
                return

    def run(self, run_id: str) -> dict[str, Any] | None:
        query = select(*_run_columns(with_steps=True)).where(runs.c.id == run_id)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else _run(row)

    # Devices

    def devices(self, prefix: str = "", after: str = "") -> tuple[list[dict[str, Any]], str | None]:
        """The asset register: a page of serials in order, each with its latest run.

        Paging walks the (serial, started_at) index: a page reads only its own devices' runs.
        """
        serials = select(runs.c.serial).where(runs.c.serial.is_not(None))
        if prefix:
            serials = serials.where(runs.c.serial >= prefix, runs.c.serial < prefix + "\U0010ffff")
        if after:
            serials = serials.where(runs.c.serial > after)
        serials = serials.group_by(runs.c.serial).order_by(runs.c.serial).limit(PAGE_SIZE + 1)
        with self.engine.connect() as connection:
            page = list(connection.scalars(serials))
            more = len(page) > PAGE_SIZE
            page = page[:PAGE_SIZE]
            ranked = (
                select(
                    *_run_columns(),
                    func.row_number()
                    .over(
                        partition_by=runs.c.serial,
                        order_by=(runs.c.started_at.desc(), runs.c.id.desc()),
                    )
                    .label("rank"),
                    func.count().over(partition_by=runs.c.serial).label("run_count"),
                )
                .where(runs.c.serial.in_(page))
                .subquery()
            )
            rows = connection.execute(
                select(ranked).where(ranked.c.rank == 1).order_by(ranked.c.serial)
            ).all()
        devices = []
        for row in rows:
            latest = {name: getattr(row, name) for name in RUN_FIELDS if name != "steps"}
            for name in ("imei1", "imei2", "order_number"):
                latest[name] = getattr(row, name, None)
            latest["started_at"] = from_stored(_as_datetime(latest["started_at"]))
            latest["finished_at"] = from_stored(_as_datetime(latest["finished_at"]))
            devices.append({"serial": row.serial, "runs": row.run_count, "latest": latest})
        return devices, (page[-1] if more else None)

    def device_history(self, serial: str, limit: int = 200) -> list[dict[str, Any]]:
        page, _ = self.runs(RunFilter(serial=serial), limit=limit)
        return page

    # Releases

    def releases(self) -> list[dict[str, Any]]:
        """Every release, newest version first within each template."""
        found = self.database.releases()
        found.sort(key=lambda release: (release["name"], -release["version"]))
        return found

    def release(self, name: str, version: int) -> dict[str, Any] | None:
        release = self.database.release(name, version)
        if release is None:
            return None
        manifest = json.loads(release["manifest"])
        files = [manifest["template"], *manifest.get("files", [])]
        sha256s = [entry["sha256"] for entry in files]
        with self.engine.connect() as connection:
            events = connection.execute(
                select(release_events)
                .where(release_events.c.name == name, release_events.c.version == version)
                .order_by(release_events.c.at, release_events.c.id)
            ).all()
            fetched = connection.execute(
                select(downloads.c.station, func.count(), func.max(downloads.c.last_at))
                .where(downloads.c.sha256.in_(sha256s))
                .group_by(downloads.c.station)
                .order_by(downloads.c.station)
            ).all()
            ran = connection.execute(
                select(runs.c.station, func.count())
                .where(runs.c.release_manifest == release["manifest_sha256"])
                .group_by(runs.c.station)
            ).all()
        run_counts: dict[str, int] = {station: count for station, count in ran}
        release["files"] = files
        release["total_size"] = sum(entry["size"] for entry in files)
        release["events"] = [{**row._asdict(), "at": from_stored(row.at)} for row in events]
        release["downloads"] = [
            {
                "station": station,
                "files": count,
                "complete": count == len(set(sha256s)),
                "last_at": from_stored(_as_datetime(last)),
                "runs": run_counts.get(station, 0),
            }
            for station, count, last in fetched
        ]
        return release

    def template_text(self, release: dict[str, Any]) -> str:
        sha256 = json.loads(release["manifest"])["template"]["sha256"]
        if not self.files.content.has(sha256):
            return ""
        return self.files.content.path(sha256).read_bytes().decode("utf-8", "replace")

    def diff(self, name: str, old: int, new: int) -> dict[str, Any] | None:
        """The template text and the file list of two versions, line by line."""
        before, after = self.release(name, old), self.release(name, new)
        if before is None or after is None:
            return None
        text = difflib.unified_diff(
            self.template_text(before).splitlines(),
            self.template_text(after).splitlines(),
            f"{name} v{old}",
            f"{name} v{new}",
            lineterm="",
        )
        listing = difflib.unified_diff(
            [_file_line(entry) for entry in before["files"][1:]],
            [_file_line(entry) for entry in after["files"][1:]],
            f"files v{old}",
            f"files v{new}",
            lineterm="",
        )
        return {"before": before, "after": after, "template": list(text), "files": list(listing)}

    def record_download(self, station: str, sha256: str) -> None:
        now = utc_now()
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(downloads).values(
            station=station, sha256=sha256, first_at=now, last_at=now, count=1
        )
        upsert = insert.on_conflict_do_update(
            index_elements=[downloads.c.station, downloads.c.sha256],
            set_={"last_at": now, "count": downloads.c.count + 1},
        )
        with self.engine.begin() as connection:
            connection.execute(upsert)

    # Station tokens

    def revoke_token(self, station: str) -> bool:
        """Void the station's token; its runs stay. Whether the station exists."""
        void = REVOKED_PREFIX + secrets.token_hex(28)
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(stations).where(stations.c.name == station).values(token_sha256=void)
            ).rowcount
        return bool(changed)


def _file_line(entry: dict[str, Any]) -> str:
    return f"{entry['path']}  {entry['size']:,} bytes  {entry['sha256'][:12]}"


def _as_datetime(value: Any) -> datetime | None:
    """Values through a subquery with a window come back as text on SQLite."""
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value
