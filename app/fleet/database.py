"""The fleet backend's tables and the queries the API needs, over SQLite or PostgreSQL.

Tables are created at start-up with `metadata.create_all` (no Alembic on the backend yet:
the schema is new and has no deployed versions to migrate). Writes are single statements
or start with their write, so concurrent requests on SQLite wait on its lock
(`busy_timeout`) instead of failing on a lock upgrade.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from app.core.paths import data_dir
from app.fleet.schemas import as_utc

metadata = MetaData()

stations = Table(
    "stations",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_heartbeat", DateTime),
    Column("waiting", Integer),
    Column("version", String(200)),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(32), primary_key=True),  # the station's run uuid: idempotency key
    Column("station", String(200), nullable=False),
    Column("serial", String(200)),
    Column("model", String(200)),
    Column("android_release", String(200)),
    Column("slot", String(200)),
    Column("endpoint", String(200)),
    Column("template", String(200), nullable=False),
    Column("template_version", Integer, nullable=False),
    Column("template_hash", String(128), nullable=False),
    Column("operator", String(200)),
    Column("asset_tag", String(200)),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("result", String(20), nullable=False),
    Column("error", Text),
    Column("steps", JSON, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Index("runs_started_at", "started_at"),
    Index("runs_serial_started_at", "serial", "started_at"),
    Index("runs_station_started_at", "station", "started_at"),
    Index("runs_template_started_at", "template", "started_at"),
)

templates = Table(
    "templates",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("yaml", Text, nullable=False),
    Column("published_at", DateTime, nullable=False),
)

RUN_FIELDS = tuple(column.name for column in runs.columns if column.name != "received_at")


class DatabaseError(Exception):
    """The database URL is wrong or the database cannot be reached; the message says which."""


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'fleet.db'}"


def utc_now() -> datetime:
    """Stored times are naive UTC, the same on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_stored(moment: datetime | None) -> datetime | None:
    """Naive UTC; a naive `moment` is UTC already (the API's contract), never local time."""
    return None if moment is None else as_utc(moment).replace(tzinfo=None)


@overload
def from_stored(moment: datetime) -> datetime: ...
@overload
def from_stored(moment: None) -> None: ...
@overload
def from_stored(moment: datetime | None) -> datetime | None: ...
def from_stored(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


def token_digest(token: str) -> str:
    """Tokens are 32 random bytes, so a plain sha256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_engine(url: str | None = None) -> Engine:
    """An engine for `url` (default: fleet.db in the data dir) with the tables created."""
    url = url or default_database_url()
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(engine, "connect", _tune_sqlite)
        else:
            engine = create_engine(
                url,
                pool_pre_ping=True,
                pool_size=10,
                max_overflow=20,
                connect_args={"connect_timeout": 10},
            )
        metadata.create_all(engine)
    except Exception as exc:  # SQLAlchemy raises many types for a bad URL or server
        raise DatabaseError(f"cannot open the database {_safe(url)}: {_first_line(exc)}") from exc
    return engine


def _tune_sqlite(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return repr(url)


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _dialect(engine: Engine):
    return postgresql if engine.dialect.name == "postgresql" else sqlite


def _insert(engine: Engine, table: Table):
    """INSERT … ON CONFLICT DO NOTHING in the engine's dialect: races lose quietly."""
    return _dialect(engine).insert(table).on_conflict_do_nothing()


def _insert_runs(engine: Engine):
    """INSERT runs, RETURNING the ids stored now: new ones, and interrupted ones that arrive
    finished (the station sent the interrupted copy, then learned how the run ended). Any
    other conflict is a duplicate and changes nothing; so is a run another station sent."""
    insert = _dialect(engine).insert(runs)
    incoming = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[runs.c.id],
        set_={name: incoming[name] for name in (*RUN_FIELDS, "received_at") if name != "id"},
        where=(runs.c.result == "interrupted")
        & (incoming.result != "interrupted")
        & (runs.c.station == incoming.station),
    ).returning(runs.c.id)


class FleetDatabase:
    """The backend's data: stations and their tokens, runs, published templates."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str | None = None) -> FleetDatabase:
        return cls(open_engine(url))

    def close(self) -> None:
        self.engine.dispose()

    # Stations

    def create_token(self, station: str) -> str:
        """A new bearer token for `station`; it replaces the station's previous token."""
        token = secrets.token_urlsafe(32)
        digest = token_digest(token)
        with self.engine.begin() as connection:
            inserted = connection.execute(
                _insert(self.engine, stations)
                .values(name=station, token_sha256=digest, created_at=utc_now())
                .returning(stations.c.name)
            ).first()
            if inserted is None:
                connection.execute(
                    update(stations).where(stations.c.name == station).values(token_sha256=digest)
                )
        return token

    def station_for_token(self, token: str) -> str | None:
        """The name of the station this token belongs to, or None."""
        with self.engine.connect() as connection:
            return connection.scalar(
                select(stations.c.name).where(stations.c.token_sha256 == token_digest(token))
            )

    def record_heartbeat(self, station: str, waiting: int, version: str) -> datetime:
        now = utc_now()
        with self.engine.begin() as connection:
            connection.execute(
                update(stations)
                .where(stations.c.name == station)
                .values(last_heartbeat=now, waiting=waiting, version=version)
            )
        return from_stored(now)

    def stations(self) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(
                    stations.c.name,
                    stations.c.created_at,
                    stations.c.last_heartbeat,
                    stations.c.waiting,
                    stations.c.version,
                ).order_by(stations.c.name)
            )
            return [
                {
                    **row._asdict(),
                    "created_at": from_stored(row.created_at),
                    "last_heartbeat": from_stored(row.last_heartbeat),
                }
                for row in rows
            ]

    # Runs

    def add_runs(
        self, station: str, batch: Sequence[dict[str, Any]]
    ) -> tuple[list[str], list[str]]:
        """Store each run once: (ids stored now, ids already stored or repeated in the batch).

        A stored interrupted run is replaced by a finished copy of it, reported as stored now.
        """
        unique: dict[str, dict[str, Any]] = {}
        for run in batch:
            unique.setdefault(run["id"], run)
        if not unique:
            return [], []
        received_at = utc_now()
        rows = [
            {
                **{name: run.get(name) for name in RUN_FIELDS},
                "station": station,
                "started_at": to_stored(run["started_at"]),
                "finished_at": to_stored(run.get("finished_at")),
                "received_at": received_at,
            }
            for run in unique.values()
        ]
        statement = _insert_runs(self.engine)
        with self.engine.begin() as connection:
            stored = set(connection.scalars(statement, rows).all())
        accepted: list[str] = []
        duplicates: list[str] = []
        for run_id in (run["id"] for run in batch):
            # A repeat inside the batch is a duplicate of the copy stored just now.
            if run_id in stored and run_id not in accepted:
                accepted.append(run_id)
            else:
                duplicates.append(run_id)
        return accepted, duplicates

    def list_runs(
        self,
        *,
        station: str | None = None,
        serial: str | None = None,
        template: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Runs newest first (by start time), filtered."""
        query = select(*(runs.c[name] for name in RUN_FIELDS))
        if station is not None:
            query = query.where(runs.c.station == station)
        if serial is not None:
            query = query.where(runs.c.serial == serial)
        if template is not None:
            query = query.where(runs.c.template == template)
        if since is not None:
            query = query.where(runs.c.started_at >= to_stored(as_utc(since)))
        query = query.order_by(runs.c.started_at.desc(), runs.c.id.desc())
        with self.engine.connect() as connection:
            rows = connection.execute(query.limit(limit).offset(offset))
            return [_run_from_row(row._mapping) for row in rows]

    def devices(self) -> list[dict[str, Any]]:
        """Every serial seen, with its latest run (by start time) and when it was last seen."""
        ranked = select(
            *(runs.c[name] for name in RUN_FIELDS),
            func.row_number()
            .over(partition_by=runs.c.serial, order_by=(runs.c.started_at.desc(), runs.c.id.desc()))
            .label("rank"),
            func.max(func.coalesce(runs.c.finished_at, runs.c.started_at))
            .over(partition_by=runs.c.serial)
            .label("last_seen"),
        ).where(runs.c.serial.is_not(None))
        latest = ranked.subquery()
        query = (
            select(latest).where(latest.c.rank == 1).order_by(latest.c.last_seen.desc(), "serial")
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            {
                "serial": row["serial"],
                "model": row["model"],
                "last_seen": _as_datetime(row["last_seen"]),
                "latest_run": _run_from_row(row),
            }
            for row in rows
        ]

    # Templates

    def publish_template(self, name: str, version: int, text: str) -> tuple[str, bool]:
        """Store a template version: (sha256 of what is stored, whether this call stored it).

        A version is immutable: publishing it again with other text leaves the stored one.
        """
        digest = hashlib.sha256(text.encode()).hexdigest()
        with self.engine.begin() as connection:
            inserted = connection.execute(
                _insert(self.engine, templates)
                .values(
                    name=name, version=version, sha256=digest, yaml=text, published_at=utc_now()
                )
                .returning(templates.c.name)
            ).first()
            if inserted is not None:
                return digest, True
            stored = connection.scalar(
                select(templates.c.sha256).where(
                    templates.c.name == name, templates.c.version == version
                )
            )
        if stored is None:  # versions are never deleted: the one in the way is there
            raise RuntimeError(f"template {name} version {version} neither stored nor found")
        return stored, False

    def list_templates(self) -> list[dict[str, Any]]:
        query = select(
            templates.c.name, templates.c.version, templates.c.sha256, templates.c.published_at
        ).order_by(templates.c.name, templates.c.version)
        with self.engine.connect() as connection:
            return [
                {**row._asdict(), "published_at": from_stored(row.published_at)}
                for row in connection.execute(query)
            ]

    def get_template(self, name: str, version: int) -> dict[str, Any] | None:
        query = select(
            templates.c.name, templates.c.version, templates.c.sha256, templates.c.yaml
        ).where(templates.c.name == name, templates.c.version == version)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else row._asdict()


def _as_datetime(value: Any) -> datetime:
    """Window aggregates come back as text on SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return from_stored(value)


def _run_from_row(row: Any) -> dict[str, Any]:
    run = {name: row[name] for name in RUN_FIELDS}
    run["started_at"] = from_stored(run["started_at"])
    run["finished_at"] = from_stored(run["finished_at"])
    return run
