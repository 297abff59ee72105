"""Storage problems: failures typed as StationProblem, runs recorded before they start."""

from __future__ import annotations

import errno
import shutil
import sqlite3
import threading
import uuid
from collections import namedtuple
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.core import (
    RunFinished,
    RunOutcome,
    RunResult,
    RunStarted,
    StepFinished,
    StepResult,
    StepStatus,
)
from app.core.status import StationProblem, StorageProblem
from app.provisioning.station_words import describe_station_problem
from app.storage import StationProblemError, Store, StoreError, classify_problem
from app.storage.database import DATABASE_NAME
from app.storage.problems import LOW_SPACE_BYTES, station_problem

ENDPOINT = "tcp:127.0.0.1:7400"
FULL = "database or disk is full"


def started(run_id: str) -> RunStarted:
    return RunStarted(run_id, ENDPOINT, "retail-pos", 3, 1, datetime.now(UTC), "ab" * 32)


def finished(run_id: str) -> RunFinished:
    now = datetime.now(UTC)
    return RunFinished(
        RunResult(
            run_id=run_id, endpoint=ENDPOINT, slot="A1", serial="R52A", model="SM-T575",
            android_release="13", template_name="retail-pos", template_version=3,
            template_hash="ab" * 32, started_at=now, finished_at=now, outcome=RunOutcome.DONE,
            steps=(StepResult(0, "setting", "stay awake", StepStatus.OK, 40, "already 7"),),
        )
    )  # fmt: skip


def rows(home) -> list[tuple[str, str]]:
    with sqlite3.connect(home / DATABASE_NAME) as connection:
        return connection.execute("SELECT id, result FROM runs ORDER BY started_at").fetchall()


def fail_inserts(store: Store, table: str, message: str = FULL) -> None:
    """Every insert into `table` fails as a full disk would: the transaction is undone."""
    with store.database.engine.begin() as connection:
        connection.execute(text(f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} "
                                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"))  # fmt: skip


def allow_inserts(store: Store, table: str) -> None:
    with store.database.engine.begin() as connection:
        connection.execute(text(f"DROP TRIGGER fail_{table}"))


@pytest.fixture
def store(kitbench_home):
    with Store(kitbench_home, recording=True) as opened:
        yield opened


# -- classifying ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), StorageProblem.DISK_FULL),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), StorageProblem.DISK_FULL),
        (PermissionError(errno.EACCES, "Permission denied"), StorageProblem.NOT_WRITABLE),
        (OSError(errno.EROFS, "Read-only file system"), StorageProblem.NOT_WRITABLE),
        (OSError(errno.EPERM, "Operation not permitted"), StorageProblem.NOT_WRITABLE),
        (sqlite3.OperationalError(FULL), StorageProblem.DISK_FULL),
        (sqlite3.OperationalError("database is locked"), StorageProblem.LOCKED),
        (sqlite3.DatabaseError("file is not a database"), StorageProblem.CORRUPT),
        (sqlite3.DatabaseError("database disk image is malformed"), StorageProblem.CORRUPT),
        (sqlite3.OperationalError("attempt to write a readonly database"),
         StorageProblem.NOT_WRITABLE),
    ],
)  # fmt: skip
def test_os_and_sqlite_errors_are_typed_and_name_the_folder(tmp_path, exc, kind):
    problem = classify_problem(exc, tmp_path)
    assert problem == StationProblem(kind, str(tmp_path), str(exc))


def test_wrapped_errors_are_typed_by_what_they_wrap(tmp_path):
    orig = sqlite3.OperationalError(FULL)
    wrapped = OperationalError("INSERT INTO runs …", {}, orig)
    assert classify_problem(wrapped, tmp_path) == StationProblem(
        StorageProblem.DISK_FULL, str(tmp_path), FULL
    )
    try:
        try:
            raise wrapped
        except OperationalError as inner:
            raise StoreError("cannot write") from inner
    except StoreError as outer:
        assert classify_problem(outer, tmp_path).kind is StorageProblem.DISK_FULL


def test_sqlite_result_codes_win_over_words(tmp_path):
    """A real lock, as SQLite reports it: SQLITE_BUSY."""
    path = tmp_path / "x.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as raised:
        other.execute("INSERT INTO t VALUES (1)")
    holder.rollback()
    assert classify_problem(raised.value, tmp_path).kind is StorageProblem.LOCKED


def test_an_io_error_is_decided_by_the_folder(tmp_path, monkeypatch):
    io_error = sqlite3.OperationalError("disk I/O error")
    assert classify_problem(io_error, tmp_path) is None  # plenty of space, writable

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage(10**6, 10**6, 4096))
    assert LOW_SPACE_BYTES > 4096
    assert classify_problem(io_error, tmp_path).kind is StorageProblem.DISK_FULL
    assert classify_problem(io_error, tmp_path / "not" / "there").folder == str(
        tmp_path / "not" / "there"
    )


def test_errors_that_are_not_about_storage_are_not_typed(tmp_path):
    assert classify_problem(ValueError("bad value"), tmp_path) is None
    assert classify_problem(sqlite3.IntegrityError("UNIQUE constraint failed"), tmp_path) is None
    # ...but a write that failed for them still keeps a run from starting:
    problem = station_problem(RuntimeError("the store is closed"), tmp_path)
    assert (problem.kind, problem.detail) == (StorageProblem.NOT_WRITABLE, "the store is closed")


@pytest.mark.parametrize("kind", list(StorageProblem))
def test_every_problem_has_words_naming_the_folder(kind):
    words = describe_station_problem(StationProblem(kind, "/srv/kitbench", "errno 28"))
    assert "/srv/kitbench" in words
    assert "errno" not in words  # the OS's words are for the log and the details view
    assert words.endswith("then start again.")


# -- opening -------------------------------------------------------------------------------------


def test_a_damaged_database_is_a_typed_error_naming_the_folder(kitbench_home):
    kitbench_home.mkdir(parents=True)
    (kitbench_home / DATABASE_NAME).write_bytes(b"this is not a database" * 100)
    with pytest.raises(StationProblemError) as raised:
        Store(kitbench_home, recording=True)
    assert raised.value.problem == StationProblem(
        StorageProblem.CORRUPT, str(kitbench_home), "file is not a database"
    )
    assert "Traceback" not in str(raised.value)
    assert isinstance(raised.value, StoreError)  # callers that know only StoreError go on


def test_a_data_folder_that_cannot_be_created_is_not_writable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the data folder's parent should be")
    with pytest.raises(StoreError, match="cannot open the station database"):
        Store(blocker / "home")


# -- recording a run before it starts ------------------------------------------------------------


def test_record_start_commits_the_row_before_it_returns(store, kitbench_home):
    told: list[object] = []
    recorder = store.recorder(on_recorded=told.append)
    run_id = uuid.uuid4().hex
    assert recorder.record_start(started(run_id)) is None
    assert rows(kitbench_home) == [(run_id, "running")]  # another connection sees it

    with sqlite3.connect(kitbench_home / DATABASE_NAME) as connection:
        connection.execute("UPDATE runs SET operator = 'marked' WHERE id = ?", (run_id,))
    recorder.record(started(run_id))  # the station announces the run: not written again
    assert store.run(run_id)["operator"] == "marked"
    assert [type(event) for event in told] == [RunStarted]  # but the listeners hear of it

    recorder.record(finished(run_id))
    assert rows(kitbench_home) == [(run_id, "done")]
    assert recorder.problem is None and recorder.refused_runs == 0


def test_a_run_that_cannot_be_recorded_is_refused_and_leaves_nothing(store, kitbench_home):
    recorder = store.recorder()
    fail_inserts(store, "runs")
    run_id = uuid.uuid4().hex

    problem = recorder.record_start(started(run_id))

    assert problem == StationProblem(StorageProblem.DISK_FULL, str(kitbench_home), FULL)
    assert rows(kitbench_home) == []
    assert (recorder.problem, recorder.last_problem, recorder.refused_runs) == (problem,) * 2 + (1,)
    # What the station sends for the run that never started is not recorded either, even once
    # the database could take it: no device was touched, so there is no run.
    allow_inserts(store, "runs")
    assert recorder.on_event(started(run_id)) is None
    assert (
        recorder.on_event(StepFinished(run_id, ENDPOINT, finished(run_id).result.steps[0])) is None
    )
    assert recorder.on_event(finished(run_id)) is None
    recorder.flush(5)
    assert rows(kitbench_home) == []

    second = uuid.uuid4().hex
    assert recorder.record_start(started(second)) is None  # space again: runs start again
    assert recorder.problem is None
    assert recorder.last_problem == problem


def test_a_finish_that_cannot_be_written_blocks_new_runs_until_it_is(store, kitbench_home):
    recorder = store.recorder()
    first = uuid.uuid4().hex
    assert recorder.record_start(started(first)) is None
    fail_inserts(store, "outbox")  # the disk fills while the run is on its device

    recorder.record(finished(first))

    assert rows(kitbench_home) == [(first, "running")]  # not half-written
    assert recorder.problem.kind is StorageProblem.DISK_FULL
    assert recorder.unrecorded_runs == 1
    second = uuid.uuid4().hex
    assert recorder.record_start(started(second)).kind is StorageProblem.DISK_FULL
    assert rows(kitbench_home) == [(first, "running")]

    allow_inserts(store, "outbox")  # space freed: the finish goes first, then the new run
    third = uuid.uuid4().hex
    assert recorder.record_start(started(third)) is None
    assert rows(kitbench_home) == [(first, "done"), (third, "running")]
    assert store.run(first)["steps"][0]["action"] == "setting"
    assert [run["id"] for run in store.next_batch()] == [first]
    assert (recorder.problem, recorder.unrecorded_runs) == (None, 0)


def test_a_finish_never_written_is_interrupted_at_the_next_open(kitbench_home):
    station = Store(kitbench_home, recording=True)
    recorder = station.recorder()
    run_id = uuid.uuid4().hex
    assert recorder.record_start(started(run_id)) is None
    fail_inserts(station, "outbox")
    recorder.record(finished(run_id))
    station.close()  # the batch ends with the disk still full
    with sqlite3.connect(kitbench_home / DATABASE_NAME) as connection:
        connection.execute("DROP TRIGGER fail_outbox")  # space freed

    with Store(kitbench_home, recording=True) as reopened:
        assert reopened.recovered == 1
        assert reopened.run(run_id)["result"] == "interrupted"
        assert reopened.waiting_count() == 1
        assert reopened.recorder().record_start(started(uuid.uuid4().hex)) is None


def test_a_start_not_written_in_time_is_refused_and_never_written(store, kitbench_home):
    recorder = store.recorder()
    busy, release = threading.Event(), threading.Event()

    def hold(_session) -> None:
        busy.set()
        release.wait(10)

    store.writer.submit(hold)
    assert busy.wait(5)
    run_id = uuid.uuid4().hex
    problem = recorder.record_start(started(run_id), timeout=0.2)
    assert problem is not None and problem.kind is StorageProblem.LOCKED
    assert "0.2 s" in problem.detail
    release.set()
    recorder.flush(5)
    assert rows(kitbench_home) == []


def test_failed_writes_log_their_traceback_and_print_nothing(store, caplog, capfd):
    recorder = store.recorder()
    fail_inserts(store, "runs")
    with caplog.at_level("INFO"):
        recorder.record_start(started(uuid.uuid4().hex))
    failures = [record for record in caplog.records if record.exc_info]
    assert failures and all(getattr(record, "shown_elsewhere", False) for record in failures)
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
