"""A run of a release records which release it was, locally and in what it sends."""

from __future__ import annotations

import dataclasses
import sqlite3
import uuid

from alembic import command
from sqlalchemy import create_engine

from app.storage import Store
from app.storage.database import DATABASE_NAME, _alembic_config
from tests.unit.test_storage import _newest_migration, finished, started

MANIFEST = "cd" * 32


def test_a_release_run_records_its_manifest_and_channel_and_sends_them(kitbench_home):
    release_run, local_run = uuid.uuid4().hex, uuid.uuid4().hex
    with Store(kitbench_home, recording=True) as store:
        recorder = store.recorder()
        start = dataclasses.replace(
            started(release_run), release_manifest=MANIFEST, release_channel="canary"
        )
        recorder.on_event(start)
        end = finished(release_run)
        recorder.on_event(
            dataclasses.replace(
                end,
                result=dataclasses.replace(
                    end.result, release_manifest=MANIFEST, release_channel="canary"
                ),
            )
        ).result(5)
        recorder.on_event(started(local_run))
        recorder.on_event(finished(local_run)).result(5)
        stored = store.run(release_run)
        assert (stored["release_manifest"], stored["release_channel"]) == (MANIFEST, "canary")
        batch = {run["id"]: run for run in store.next_batch(10)}
    assert batch[release_run]["release_manifest"] == MANIFEST
    assert batch[release_run]["release_channel"] == "canary"
    # A local template's run carries no release fields at all on the wire.
    assert "release_manifest" not in batch[local_run]
    assert "release_channel" not in batch[local_run]


def test_a_station_database_from_before_releases_keeps_its_runs(kitbench_home):
    kitbench_home.mkdir(parents=True)
    path = kitbench_home / DATABASE_NAME
    engine = create_engine(f"sqlite:///{path}")
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql(
            "INSERT INTO runs (id, slot, endpoint, template_name, template_version, template_hash,"
            " operator, station, started_at, result) VALUES ('a1', 'A1', 'tcp:x:1', 'kiosk', 2,"
            " '', '', 'bench-1', '2025-01-01 10:00:00', 'done')"
        )
    engine.dispose()
    with Store(kitbench_home) as store:
        old = store.run("a1")
    assert (old["template"], old["release_manifest"], old["release_channel"]) == (
        "kiosk",
        None,
        None,
    )
    with sqlite3.connect(path) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == _newest_migration()
