"""Opening the station database: SQLite in WAL mode, migrated to the current schema on open.

Migrations run every time the database opens, so a station upgraded in place keeps its history.
Opening also settles what a crash left behind: runs still `running` become `interrupted`
and get an outbox row, so they reach the fleet backend like any other run.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError as AlembicError
from sqlalchemy import Engine, create_engine, event, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app.core import RunOutcome
from app.core.paths import data_dir
from app.core.status import StationProblem, StorageProblem
from app.storage.models import OutboxEntry, Run
from app.storage.problems import SHOWN_ELSEWHERE, classify_problem

log = logging.getLogger(__name__)

DATABASE_NAME = "kitbench.db"
MIGRATIONS = Path(__file__).with_name("migrations")
INTERRUPTED_ERROR = "the station stopped before this run finished"


class StoreError(Exception):
    """The database cannot be opened or written: a message a person can act on."""


class StationProblemError(StoreError):
    """The database cannot be opened because of the station's storage: `problem` says what
    (disk full, folder not writable, database locked or damaged) and names the data folder."""

    def __init__(self, problem: StationProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


def database_path(directory: Path | None = None) -> Path:
    return (directory or data_dir()) / DATABASE_NAME


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk when it returns, so "finished" on screen survives a power cut.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")  # the CLI and the GUI may share the file
    cursor.close()


def create_sqlite_engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    return engine


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it already is."""
    config = _alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.begin() as connection:
        if MigrationContext.configure(connection).get_current_revision() == head:
            return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def recover_interrupted(session_factory: sessionmaker[Session]) -> int:
    """Mark runs a crash left `running` as interrupted, with outbox rows; returns how many."""
    now = datetime.now(UTC)
    with session_factory.begin() as session:
        stale = session.scalars(select(Run.id).where(Run.result == RunOutcome.RUNNING)).all()
        if not stale:
            return 0
        session.execute(
            update(Run)
            .where(Run.id.in_(stale))
            .values(result=RunOutcome.INTERRUPTED.value, error=INTERRUPTED_ERROR)
        )
        queued = set(
            session.scalars(select(OutboxEntry.run_id).where(OutboxEntry.run_id.in_(stale)))
        )
        session.add_all(
            OutboxEntry(run_id=run_id, created_at=now, attempts=0)
            for run_id in stale
            if run_id not in queued
        )
    log.warning("%d run(s) left running by a crash are now interrupted", len(stale))
    return len(stale)


class RecorderLock:
    """Tells whether another live process records runs into this database.

    Every recording process holds a shared lock for its lifetime. Crash recovery needs the
    exclusive lock, so a `kitbench sync` or `history` beside a running GUI never mistakes
    the GUI's live runs for crashed ones. The OS drops the lock of a killed process.
    """

    def __init__(self, path: Path) -> None:
        self._file = open(path, "a+b")  # noqa: SIM115 - held open for the process lifetime

    def try_exclusive(self) -> bool:
        try:
            _lock(self._file, exclusive=True)
        except OSError:
            return False
        return True

    def share(self) -> None:
        _lock(self._file, exclusive=False, blocking=True)

    def close(self) -> None:
        self._file.close()  # closing releases the lock


if sys.platform == "win32":
    import msvcrt

    def _lock(file: IO[bytes], *, exclusive: bool, blocking: bool = False) -> None:
        # Windows has no shared flavour here: a recorder keeps the exclusive lock instead.
        if not exclusive:
            return
        file.seek(0)
        msvcrt.locking(file.fileno(), msvcrt.LK_LOCK if blocking else msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock(file: IO[bytes], *, exclusive: bool, blocking: bool = False) -> None:
        flags = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        fcntl.flock(file.fileno(), flags if blocking else flags | fcntl.LOCK_NB)


@contextmanager
def one_at_a_time(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (waiting for it). Two processes opening a database
    that needs migrating (the GUI and a `kitbench provision`, started together on a new
    station) would otherwise both create its tables, and the second would fail."""
    with open(path, "a+b") as file:  # closing releases the lock
        _lock(file, exclusive=True, blocking=True)
        yield


class Database:
    """The engine and session factory of one station database, migrated and recovered.

    `recording=True` is for a process that will record runs (GUI, `kitbench provision`):
    it keeps the recorder lock until `close()`.
    """

    def __init__(self, directory: Path | None = None, *, recording: bool = False) -> None:
        self.path = database_path(directory)
        self.recovered = 0
        engine: Engine | None = None
        lock: RecorderLock | None = None
        try:
            engine = create_sqlite_engine(self.path)
            lock = RecorderLock(self.path.with_name(self.path.name + ".recorder"))
            with one_at_a_time(self.path.with_name(self.path.name + ".migrating")):
                migrate(engine)
            sessions = sessionmaker(engine, expire_on_commit=False)
            alone = lock.try_exclusive()
            if alone:
                self.recovered = recover_interrupted(sessions)
            if recording:
                lock.share()
            else:
                lock.close()
        except (DBAPIError, OSError, AlembicError) as exc:
            if lock is not None:
                lock.close()
            if engine is not None:
                engine.dispose()
            raise open_error(self.path, exc) from exc
        self.engine, self._lock, self.sessions = engine, lock, sessions

    def close(self) -> None:
        self._lock.close()
        self.engine.dispose()


def open_error(path: Path, exc: BaseException) -> StoreError:
    """The error to raise for a database at `path` that could not be opened: typed when it
    is the station's storage (the traceback goes to the log, never to the person)."""
    problem = classify_problem(exc, path.parent)
    log.error("cannot open the station database %s", path, exc_info=exc, extra=SHOWN_ELSEWHERE)
    if problem is None:
        return StoreError(f"cannot open the station database {path}: {_first_line(exc)}")
    what = _WHAT_IS_WRONG[problem.kind].format(folder=problem.folder)
    return StationProblemError(
        problem, f"cannot open the station database {path}: {what} ({problem.detail})"
    )


# For a StoreError's message; the sentence with the fix is presentation's
# (app.provisioning.station_words).
_WHAT_IS_WRONG = {
    StorageProblem.DISK_FULL: "the disk of {folder} is full",
    StorageProblem.NOT_WRITABLE: "{folder} is not writable",
    StorageProblem.LOCKED: "another program holds the database locked",
    StorageProblem.CORRUPT: "the file is damaged or not a Kitbench database",
}


def _first_line(exc: BaseException) -> str:
    return str(exc).split("\n", 1)[0]
