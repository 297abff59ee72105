"""The station store: recording runs from events, crash recovery, atomic finish, masking."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from app.core import (
    DeviceChanged,
    DeviceInfo,
    DeviceState,
    LogLine,
    RunFinished,
    RunOutcome,
    RunResult,
    RunStarted,
    StepFinished,
    StepProgress,
    StepResult,
    StepStatus,
)
from app.core.reasons import Reason, Why
from app.storage import Store, StoreError, database
from app.storage.database import DATABASE_NAME
from app.templates import SecretStore

ENDPOINT = "tcp:127.0.0.1:7400"


def device(serial: str = "R52A7Q20ZK3", endpoint: str = ENDPOINT) -> DeviceInfo:
    return DeviceInfo(
        endpoint=endpoint,
        slot="A1",
        state=DeviceState.READY,
        serial=serial,
        model="SM-T575",
        android_release="13",
        sdk=33,
    )


def started(run_id: str, at: datetime | None = None, endpoint: str = ENDPOINT) -> RunStarted:
    return RunStarted(run_id, endpoint, "retail-pos", 3, 2, at or datetime.now(UTC), "ab" * 32,
                      operator="dana", station="bench-1")  # fmt: skip


def finished(
    run_id: str,
    outcome: RunOutcome = RunOutcome.DONE,
    *,
    serial: str = "R52A7Q20ZK3",
    steps: tuple[StepResult, ...] | None = None,
    error: str | None = None,
    at: datetime | None = None,
) -> RunFinished:
    start = at or datetime.now(UTC)
    if steps is None:
        steps = (
            StepResult(0, "install", "POS app", StepStatus.CHANGED, 812, "installed 1.2"),
            StepResult(1, "setting", "stay awake", StepStatus.OK, 40, "already 7"),
        )
    return RunFinished(
        RunResult(
            run_id=run_id,
            endpoint=ENDPOINT,
            slot="A1",
            serial=serial,
            model="SM-T575",
            android_release="13",
            template_name="retail-pos",
            template_version=3,
            template_hash="ab" * 32,
            started_at=start,
            finished_at=start + timedelta(seconds=5),
            outcome=outcome,
            error=error,
            steps=steps,
            operator="dana",
            station="bench-1",
        )
    )


@pytest.fixture
def store(kitbench_home):
    with Store(kitbench_home, recording=True) as opened:
        yield opened


def test_a_run_is_running_from_its_start_and_complete_with_outbox_row_at_its_end(store):
    recorder = store.recorder()
    run_id = uuid.uuid4().hex
    recorder.on_event(DeviceChanged(device()))
    recorder.on_event(started(run_id)).result(5)

    [running] = store.runs()
    assert running["id"] == run_id
    assert running["result"] == "running"
    assert running["serial"] == "R52A7Q20ZK3"  # from the device's last DeviceChanged
    assert (running["station"], running["operator"]) == ("bench-1", "dana")  # from the event
    assert store.waiting_count() == 0  # only finished runs are synced

    recorder.on_event(finished(run_id)).result(5)
    run = store.run(run_id)
    assert run["result"] == "done"
    assert run["template"] == "retail-pos"
    assert run["template_version"] == 3
    assert run["template_hash"] == "ab" * 32
    assert run["finished_at"] is not None
    assert [step["status"] for step in run["steps"]] == ["changed", "ok"]
    assert store.waiting_count() == 1
    assert [queued["id"] for queued in store.next_batch()] == [run_id]


def test_events_that_carry_no_record_are_not_written(store):
    recorder = store.recorder()
    assert recorder.on_event(StepProgress("x", ENDPOINT, 0, 0.5)) is None
    assert recorder.on_event(LogLine(ENDPOINT, "hello")) is None


def test_on_recorded_is_told_only_once_the_run_is_on_disk(store, kitbench_home):
    seen: list[str | None] = []
    told = threading.Event()

    def on_recorded(event):
        if isinstance(event, RunFinished):
            # Another connection, as the GUI's or the CLI's reader would use.
            with sqlite3.connect(kitbench_home / DATABASE_NAME) as connection:
                row = connection.execute(
                    "SELECT result FROM runs WHERE id = ?", (event.result.run_id,)
                ).fetchone()
            seen.append(row[0] if row else None)
            told.set()

    recorder = store.recorder(on_recorded=on_recorded)
    run_id = uuid.uuid4().hex
    recorder.on_event(started(run_id))
    recorder.on_event(finished(run_id))
    assert told.wait(5)
    assert seen == ["done"]


def test_a_crash_leaves_running_runs_interrupted_and_queued_for_sync(kitbench_home):
    done_id, cut_id = uuid.uuid4().hex, uuid.uuid4().hex
    station = Store(kitbench_home, recording=True)
    recorder = station.recorder()
    recorder.on_event(started(done_id))
    recorder.on_event(finished(done_id))
    recorder.on_event(started(cut_id))
    recorder.on_event(
        StepFinished(cut_id, ENDPOINT, StepResult(0, "install", "POS app", StepStatus.CHANGED))
    )
    recorder.flush(5)
    station.close()  # the process dies here: cut_id never finishes

    with Store(kitbench_home, recording=True) as reopened:
        assert reopened.recovered == 1
        interrupted = reopened.run(cut_id)
        assert interrupted["result"] == "interrupted"
        assert "stopped before this run finished" in interrupted["error"]
        assert interrupted["template_hash"] == "ab" * 32  # known from the start of the run
        assert [step["action"] for step in interrupted["steps"]] == ["install"]
        assert reopened.run(done_id)["result"] == "done"
        assert {run["id"] for run in reopened.next_batch()} == {done_id, cut_id}

    with Store(kitbench_home) as again:
        assert again.recovered == 0
        assert again.waiting_count() == 2  # queued once, not twice


def test_a_reader_beside_a_live_station_does_not_take_its_runs_for_crashed(kitbench_home):
    run_id = uuid.uuid4().hex
    with Store(kitbench_home, recording=True) as station:
        station.recorder().on_event(started(run_id)).result(5)
        # `kitbench sync` or `history` opened while the GUI records:
        with Store(kitbench_home) as reader:
            assert reader.recovered == 0
            assert reader.run(run_id)["result"] == "running"
        with Store(kitbench_home, recording=True) as second_station:
            assert second_station.recovered == 0
        assert station.run(run_id)["result"] == "running"


def test_finishing_a_run_is_one_transaction(store, kitbench_home):
    """If the outbox row cannot be written, neither is the final run nor its steps."""
    recorder = store.recorder()
    run_id = uuid.uuid4().hex
    recorder.on_event(started(run_id)).result(5)
    with store.database.engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TRIGGER outbox_full BEFORE INSERT ON outbox "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        )

    with pytest.raises(Exception, match="disk full"):
        recorder.on_event(finished(run_id)).result(5)

    run = store.run(run_id)
    assert run["result"] == "running"
    assert run["finished_at"] is None
    assert run["steps"] == []
    assert store.waiting_count() == 0


def test_secrets_are_masked_in_everything_stored(store, kitbench_home):
    SecretStore(kitbench_home).set("warehouse_wifi", "hunter2-wpa")
    recorder = store.recorder()
    run_id = uuid.uuid4().hex
    leaky = StepResult(
        0,
        "wifi",
        "join Warehouse",
        StepStatus.FAILED,
        90,
        message="cmd wifi connect-network Warehouse wpa2 hunter2-wpa failed",
        output="Error: bad psk hunter2-wpa",
    )
    recorder.on_event(started(run_id))
    recorder.on_event(StepFinished(run_id, ENDPOINT, leaky))
    recorder.flush(5)
    with sqlite3.connect(kitbench_home / DATABASE_NAME) as connection:
        assert connection.execute("SELECT output FROM step_results").fetchone() == (
            "Error: bad psk ••••",
        )

    recorder.on_event(
        finished(run_id, RunOutcome.FAILED, steps=(leaky,), error="wifi: psk hunter2-wpa refused")
    ).result(5)

    dump = "\n".join(sqlite3.connect(kitbench_home / DATABASE_NAME).iterdump())
    assert "hunter2-wpa" not in dump
    run = store.run(run_id)
    assert run["error"] == "wifi: psk •••• refused"
    assert run["steps"][0]["message"] == "cmd wifi connect-network Warehouse wpa2 •••• failed"


def test_a_failed_runs_typed_reason_is_kept_masked_for_the_window_only(store, kitbench_home):
    """History words a failure in the bench's language from its typed reason; the run as the
    CLI and sync read it keeps its English `error` and nothing else."""
    SecretStore(kitbench_home).set("warehouse_wifi", "hunter2-wpa")
    recorder = store.recorder()
    run_id = uuid.uuid4().hex
    refused = Reason.of(Why.WIFI_JOIN_REFUSED, ssid="Warehouse", android="bad psk hunter2-wpa")
    step = StepResult(0, "wifi", "join Warehouse", StepStatus.FAILED, 90,
                      "joining Warehouse failed: bad psk ••••", why=refused)  # fmt: skip
    why = Reason.of(Why.STEP_FAILED, refused, step=1, name="join Warehouse")
    recorder.on_event(started(run_id))
    done = finished(run_id, RunOutcome.FAILED, steps=(step,), error="step 1 failed")
    recorder.on_event(RunFinished(replace(done.result, why=why))).result(5)

    masked = Reason.of(Why.WIFI_JOIN_REFUSED, ssid="Warehouse", android="bad psk ••••")
    reasons = store.reasons([run_id])[run_id]
    assert reasons.run == Reason.of(Why.STEP_FAILED, masked, step=1, name="join Warehouse")
    assert reasons.steps == {0: masked}
    assert "hunter2-wpa" not in "\n".join(sqlite3.connect(kitbench_home / DATABASE_NAME).iterdump())
    run = store.run(run_id)
    assert run["error"] == "step 1 failed"
    assert "why" not in run and "why" not in run["steps"][0]  # CLI and sync as before


def test_devices_remember_first_and_last_seen_and_last_result(store, kitbench_home):
    recorder = store.recorder()
    recorder.on_event(DeviceChanged(device("SERIAL1")))
    first = uuid.uuid4().hex
    recorder.on_event(started(first))
    recorder.on_event(finished(first, RunOutcome.FAILED, serial="SERIAL1")).result(5)
    with sqlite3.connect(kitbench_home / DATABASE_NAME) as connection:
        row = connection.execute(
            "SELECT model, first_seen <= last_seen, last_template, last_result FROM devices "
            "WHERE serial = 'SERIAL1'"
        ).fetchone()
    assert row == ("SM-T575", 1, "retail-pos", "failed")


def _newest_migration() -> str:
    versions = Path(database.__file__).with_name("migrations") / "versions"
    return max(path.name.split("_", 1)[0] for path in versions.glob("[0-9]*.py"))


def test_the_schema_is_migrated_on_open_and_history_survives_reopening(kitbench_home):
    run_id = uuid.uuid4().hex
    with Store(kitbench_home, recording=True) as store:
        recorder = store.recorder()
        recorder.on_event(started(run_id))
        recorder.on_event(finished(run_id)).result(5)
    with sqlite3.connect(kitbench_home / DATABASE_NAME) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        assert revision == _newest_migration()
        identity = {row[1] for row in connection.execute("PRAGMA table_info(runs)")}
        assert {"imei1", "imei2", "wifi_mac", "identity_gaps"} <= identity
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    with Store(kitbench_home) as reopened:
        assert reopened.run(run_id)["result"] == "done"


def test_a_database_that_is_not_sqlite_is_a_clear_error(kitbench_home):
    kitbench_home.mkdir(parents=True, exist_ok=True)
    (kitbench_home / DATABASE_NAME).write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open the station database"):
        Store(kitbench_home)


def test_a_new_database_opened_by_several_processes_at_once_is_migrated_once(tmp_path):
    """The GUI and a `kitbench provision` started together on a new station both open it."""
    barrier, errors = threading.Barrier(4), []

    def open_store() -> None:
        barrier.wait()
        try:
            Store(tmp_path).close()
        except StoreError as exc:
            errors.append(exc)

    openers = [threading.Thread(target=open_store) for _ in range(4)]
    for opener in openers:
        opener.start()
    for opener in openers:
        opener.join(30)
    assert errors == []
    with Store(tmp_path) as store:
        assert store.runs() == []
