"""The fleet backend's tables and the queries the API needs, over SQLite or PostgreSQL.

Tables are created at start-up with `metadata.create_all`, and the few columns added since
the first release (all nullable) are added to an existing table then (`_add_new_columns`); no
Alembic on the backend yet. On PostgreSQL that start-up holds an advisory lock
(`create_tables`), so several workers or backends starting at once change the schema one at
a time and the others find it done. Writes are single statements or start with their write, so
concurrent requests on SQLite wait on its lock (`busy_timeout`) instead of failing on a lock
upgrade.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, overload

from sqlalchemy import (
    JSON,
    Column,
    Connection,
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
    inspect,
    select,
    tuple_,
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

# Publisher and console tokens; station tokens stay in `stations` (and keep working).
credentials = Table(
    "credentials",
    metadata,
    Column("role", String(20), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
)

releases = Table(
    "releases",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("manifest", Text, nullable=False),  # the exact signed bytes (ASCII JSON)
    Column("manifest_sha256", String(64), nullable=False),
    Column("signature", Text),
    Column("key", String(200)),
    Column("published_by", String(200), nullable=False),
    Column("published_at", DateTime, nullable=False),
    Column("withdrawn_by", String(200)),
    Column("withdrawn_at", DateTime),
)

release_channels = Table(
    "release_channels",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("added_by", String(200), nullable=False),
    Column("added_at", DateTime, nullable=False),
)

release_events = Table(
    "release_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(20), nullable=False),  # publish | promote | withdraw
    Column("name", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("channel", String(64)),
)

# Columns added after the first deployed schema: (table, column), added on start-up.
NEW_COLUMNS = (
    (runs, Column("release_manifest", String(64))),
    (runs, Column("release_channel", String(64))),
    # The kitting order and the device's identity as the run read it (#16, #18).
    (runs, Column("order_number", String(64))),
    (runs, Column("manufacturer", String(200))),
    (runs, Column("imei1", String(32))),
    (runs, Column("imei2", String(32))),
    (runs, Column("meid", String(32))),
    (runs, Column("wifi_mac", String(32))),
    (runs, Column("bluetooth_mac", String(32))),
    (runs, Column("build_fingerprint", String(255))),
    (runs, Column("security_patch", String(32))),
    (runs, Column("hardware_serial", String(200))),
    (runs, Column("identity_gaps", JSON)),
    (runs, Column("device_name", String(255))),  # the name the run gave the device (#18)
)
for _table, _column in NEW_COLUMNS:
    _table.append_column(_column)
# Indexes on those columns, created on start-up too (an existing table's are not).
NEW_INDEXES = (
    Index("runs_order_number_started_at", runs.c.order_number, runs.c.started_at),
    Index("runs_imei1", runs.c.imei1),
    Index("runs_imei2", runs.c.imei2),  # an IMEI search reads both columns
)
IMEI_COLUMNS = ("imei1", "imei2")  # a run's `imei` list on the wire, in two columns

RUN_FIELDS = tuple(column.name for column in runs.columns if column.name != "received_at")


class Role(StrEnum):
    """What a token may do (docs/sync-api.md#authentication)."""

    STATION = "station"  # sync its own runs, heartbeat, pull releases
    PUBLISHER = "publisher"  # publish, promote and withdraw releases (CI)
    CONSOLE = "console"  # read everything


@dataclass(frozen=True)
class Principal:
    role: Role
    name: str


class ReleaseConflictError(Exception):
    """The release cannot be stored or changed as asked; the message says why."""


class ReleaseNotFoundError(Exception):
    pass


class DatabaseError(Exception):
    """The database URL is wrong or the database cannot be reached; the message says which."""


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'fleet.db'}"


def is_sqlite(url: str) -> bool:
    try:
        return make_url(url).get_backend_name() == "sqlite"
    except Exception:  # a malformed URL: opening it says what is wrong
        return False


def default_files_dir(url: str | None) -> Path:
    """Release files live beside an SQLite database file, else in the data dir."""
    parsed = make_url(url or default_database_url())
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(str(parsed.database)).parent / "fleet-files"
    return data_dir() / "fleet-files"


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
        create_tables(engine, metadata, then=_add_new_columns)
    except Exception as exc:  # SQLAlchemy raises many types for a bad URL or server
        raise DatabaseError(f"cannot open the database {_safe(url)}: {_first_line(exc)}") from exc
    return engine


SCHEMA_LOCK = 0x6B69_7462_656E_6368  # PostgreSQL advisory lock key: "kitbench"


def create_tables(
    engine: Engine, tables: MetaData, then: Callable[[Connection], None] | None = None
) -> None:
    """Create the missing tables of `tables` (and run `then`) in one transaction; on
    PostgreSQL under a transaction-level advisory lock, so that workers starting together
    do not race to CREATE the same table: the next one waits, then finds it there."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK})")
        tables.create_all(connection)
        if then is not None:
            then(connection)


def _add_new_columns(connection: Connection) -> None:
    """Add the nullable columns newer versions use to a database an older version made."""
    inspector = inspect(connection)
    for table, column in NEW_COLUMNS:
        present = {existing["name"] for existing in inspector.get_columns(table.name)}
        if column.name not in present:
            kind = column.type.compile(dialect=connection.dialect)
            connection.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}")
    for index in NEW_INDEXES:
        index.create(connection, checkfirst=True)


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

    def create_credential(self, role: Role, name: str) -> str:
        """A new publisher or console token for `name`; it replaces that name's earlier one."""
        if role is Role.STATION:
            return self.create_token(name)
        token = secrets.token_urlsafe(32)
        digest = token_digest(token)
        with self.engine.begin() as connection:
            inserted = connection.execute(
                _insert(self.engine, credentials)
                .values(role=role.value, name=name, token_sha256=digest, created_at=utc_now())
                .returning(credentials.c.name)
            ).first()
            if inserted is None:
                connection.execute(
                    update(credentials)
                    .where(credentials.c.role == role.value, credentials.c.name == name)
                    .values(token_sha256=digest)
                )
        return token

    def principal_for_token(self, token: str) -> Principal | None:
        """Who this token is: a station, a publisher or a console account; None if nobody."""
        digest = token_digest(token)
        with self.engine.connect() as connection:
            station = connection.scalar(
                select(stations.c.name).where(stations.c.token_sha256 == digest)
            )
            if station is not None:
                return Principal(Role.STATION, station)
            row = connection.execute(
                select(credentials.c.role, credentials.c.name).where(
                    credentials.c.token_sha256 == digest
                )
            ).first()
        return None if row is None else Principal(Role(row.role), row.name)

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
                **_imei_columns(run.get("imei")),
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
        order: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Runs newest first (by start time), filtered."""
        query = select(*(runs.c[name] for name in RUN_FIELDS))
        if station is not None:
            query = query.where(runs.c.station == station)
        if order is not None:
            query = query.where(runs.c.order_number == order)
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

    # Releases

    def publish_release(
        self,
        *,
        name: str,
        version: int,
        manifest: str,
        signature: str | None,
        key: str | None,
        channel: str,
        actor: str,
    ) -> tuple[bool, bool]:
        """Store a release and put it in `channel`, in one transaction: (stored now, added to
        the channel now). The same manifest again is idempotent; another one is a conflict."""
        digest = hashlib.sha256(manifest.encode("ascii")).hexdigest()
        now = utc_now()
        with self.engine.begin() as connection:
            stored_now = (
                connection.execute(
                    _insert(self.engine, releases)
                    .values(
                        name=name,
                        version=version,
                        manifest=manifest,
                        manifest_sha256=digest,
                        signature=signature,
                        key=key,
                        published_by=actor,
                        published_at=now,
                    )
                    .returning(releases.c.name)
                ).first()
                is not None
            )
            if stored_now:
                self._event(connection, now, actor, "publish", name, version, channel)
            else:
                existing = self._release_row(connection, name, version)
                if existing.manifest_sha256 != digest:
                    raise ReleaseConflictError(
                        f"{name}@{version} is already published with other content:"
                        " publish it under a new version"
                    )
                if existing.withdrawn_at is not None:
                    raise ReleaseConflictError(
                        f"{name}@{version} was withdrawn: publish a new version"
                    )
            added = self._add_to_channel(connection, name, version, channel, actor, now)
            if added and not stored_now:
                self._event(connection, now, actor, "promote", name, version, channel)
        return stored_now, added

    def promote_release(self, name: str, version: int, channel: str, actor: str) -> bool:
        """Put a published release in `channel` too; whether it was not there yet."""
        now = utc_now()
        with self.engine.begin() as connection:
            row = self._release_row(connection, name, version)
            if row.withdrawn_at is not None:
                raise ReleaseConflictError(f"{name}@{version} was withdrawn: it cannot be promoted")
            added = self._add_to_channel(connection, name, version, channel, actor, now)
            if added:
                self._event(connection, now, actor, "promote", name, version, channel)
        return added

    def withdraw_release(self, name: str, version: int, actor: str) -> bool:
        """Take a release back from every channel; whether it was not withdrawn yet."""
        now = utc_now()
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(releases)
                .where(
                    releases.c.name == name,
                    releases.c.version == version,
                    releases.c.withdrawn_at.is_(None),
                )
                .values(withdrawn_at=now, withdrawn_by=actor)
            ).rowcount
            if not changed:
                self._release_row(connection, name, version)  # 404 when it does not exist
                return False
            self._event(connection, now, actor, "withdraw", name, version, None)
        return True

    def releases(
        self, *, name: str | None = None, channel: str | None = None
    ) -> list[dict[str, Any]]:
        """Releases with their channels, by name then version."""
        query = select(releases)
        if name is not None:
            query = query.where(releases.c.name == name)
        if channel is not None:
            in_channel = select(release_channels.c.name, release_channels.c.version).where(
                release_channels.c.channel == channel
            )
            query = query.where(tuple_(releases.c.name, releases.c.version).in_(in_channel))
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(releases.c.name, releases.c.version)).all()
            channels = self._channels_of(connection)
        return [_release_dict(row, channels.get((row.name, row.version), [])) for row in rows]

    def release(self, name: str, version: int) -> dict[str, Any] | None:
        found = self.releases(name=name)
        return next((release for release in found if release["version"] == version), None)

    def current_releases(self, channel: str) -> list[dict[str, Any]]:
        """What a station following `channel` offers: per template, its newest release in the
        channel that was not withdrawn."""
        current: dict[str, dict[str, Any]] = {}
        for release in self.releases(channel=channel):
            if release["withdrawn_at"] is None:
                current[release["name"]] = release  # sorted by version: the last one wins
        return list(current.values())

    def release_events(self, limit: int = 1000) -> list[dict[str, Any]]:
        query = (
            select(release_events)
            .order_by(release_events.c.at.desc(), release_events.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [
                {**row._asdict(), "at": from_stored(row.at)} for row in connection.execute(query)
            ]

    def _release_row(self, connection: Connection, name: str, version: int) -> Any:
        row = connection.execute(
            select(releases).where(releases.c.name == name, releases.c.version == version)
        ).first()
        if row is None:
            raise ReleaseNotFoundError(f"no release {name}@{version}")
        return row

    def _add_to_channel(
        self,
        connection: Connection,
        name: str,
        version: int,
        channel: str,
        actor: str,
        now: datetime,
    ) -> bool:
        added = connection.execute(
            _insert(self.engine, release_channels)
            .values(name=name, version=version, channel=channel, added_by=actor, added_at=now)
            .returning(release_channels.c.name)
        ).first()
        return added is not None

    @staticmethod
    def _event(
        connection: Connection,
        now: datetime,
        actor: str,
        action: str,
        name: str,
        version: int,
        channel: str | None,
    ) -> None:
        connection.execute(
            release_events.insert().values(
                at=now, actor=actor, action=action, name=name, version=version, channel=channel
            )
        )

    @staticmethod
    def _channels_of(connection: Connection) -> dict[tuple[str, int], list[str]]:
        channels: dict[tuple[str, int], list[str]] = {}
        query = select(
            release_channels.c.name, release_channels.c.version, release_channels.c.channel
        ).order_by(release_channels.c.channel)
        for name, version, channel in connection.execute(query):
            channels.setdefault((name, version), []).append(channel)
        return channels


def _release_dict(row: Any, channels: list[str]) -> dict[str, Any]:
    return {
        "name": row.name,
        "version": row.version,
        "manifest": row.manifest,
        "manifest_sha256": row.manifest_sha256,
        "signature": row.signature,
        "key": row.key,
        "channels": channels,
        "published_by": row.published_by,
        "published_at": from_stored(row.published_at),
        "withdrawn_by": row.withdrawn_by,
        "withdrawn_at": from_stored(row.withdrawn_at),
    }


def _as_datetime(value: Any) -> datetime:
    """Window aggregates come back as text on SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return from_stored(value)


def _imei_columns(imeis: Sequence[str] | None) -> dict[str, str | None]:
    """A run's IMEI list (0, 1 or 2) as the two columns that hold it."""
    padded = [*(imeis or ()), None, None]
    return {name: padded[place] for place, name in enumerate(IMEI_COLUMNS)}


def _run_from_row(row: Any) -> dict[str, Any]:
    """A stored run as the API returns it: the IMEI columns as one `imei` list."""
    run = {name: row[name] for name in RUN_FIELDS if name not in IMEI_COLUMNS}
    run["imei"] = [row[name] for name in IMEI_COLUMNS if row[name]]
    run["started_at"] = from_stored(run["started_at"])
    run["finished_at"] = from_stored(run["finished_at"])
    return run
