"""Fleet backend ingest: three stations posting full batches at once to a real server.

Prints runs/s for SQLite and, when $KITBENCH_TEST_PG_URL is set, PostgreSQL.
Asserts only that every run arrived once, whole (each station's rows, results and steps in
the backend's database); nothing about time.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import httpx
import pytest
from sqlalchemy import select

from app.fleet.database import FleetDatabase, runs
from tests.bench.outcomes import describe

STATIONS = 3
BATCHES_PER_STATION = 10
BATCH_SIZE = 500
STEPS_PER_RUN = 8


def kitbench(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_backend_ingest_with_three_stations_at_once(request, tmp_path, fleet_run, database):
    db_url = (
        f"sqlite:///{tmp_path / 'fleet.db'}"
        if database == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    tokens = [
        kitbench("backend", "token", "create", f"bench-{k}", "--db", db_url).split()[-1]
        for k in range(STATIONS)
    ]
    steps = [
        {
            "index": index,
            "action": "setting",
            "name": f"step {index}",
            "status": "changed",
            "duration_ms": 120,
            "message": "set global stay_on_while_plugged_in=7",
        }
        for index in range(STEPS_PER_RUN)
    ]
    batches = [
        [
            [fleet_run(serial=f"S{k}-{b}-{i}", steps=steps) for i in range(BATCH_SIZE)]
            for b in range(BATCHES_PER_STATION)
        ]
        for k in range(STATIONS)
    ]
    backend = subprocess.Popen(
        [sys.executable, "-m", "app", "backend", "--port", "0", "--db", db_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = backend.stdout.readline().split()[-1]
        barrier = threading.Barrier(STATIONS + 1)
        accepted: list[list[str]] = [[] for _ in range(STATIONS)]
        duplicates: list[list[str]] = [[] for _ in range(STATIONS)]

        def station(k: int) -> None:
            with httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {tokens[k]}"}, timeout=120
            ) as client:
                client.get(
                    "/api/v1/channels/production"
                ).raise_for_status()  # connected, authorized
                barrier.wait()
                for batch in batches[k]:
                    response = client.post("/api/v1/runs", json={"runs": batch})
                    response.raise_for_status()
                    receipt = response.json()
                    accepted[k] += receipt["accepted"]
                    duplicates[k] += receipt.get("duplicates", [])

        threads = [threading.Thread(target=station, args=(k,)) for k in range(STATIONS)]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        backend.terminate()
        backend.wait(timeout=30)
    total = STATIONS * BATCHES_PER_STATION * BATCH_SIZE
    stored = stored_runs(db_url)
    print(
        f"\n[bench] fleet backend ingest ({database}), {STATIONS} stations at once, "
        f"{total} runs of {STEPS_PER_RUN} steps in batches of {BATCH_SIZE}: "
        f"{total / elapsed:,.0f} runs/s ({elapsed:.1f} s)"
    )
    problems = [] if len(stored) == total else [f"{len(stored)} runs stored in all, {total} sent"]
    for k in range(STATIONS):
        sent = {run["id"] for batch in batches[k] for run in batch}
        if set(accepted[k]) != sent or len(accepted[k]) != len(sent) or duplicates[k]:
            problems.append(
                f"bench-{k}: {len(accepted[k])} of {len(sent)} runs accepted "
                f"({len(sent - set(accepted[k]))} missing, {len(duplicates[k])} called duplicates)"
            )
        rows = {run_id: row for run_id, row in stored.items() if row[0] == f"bench-{k}"}
        missing = sent - rows.keys()
        wrong = {
            run_id: row
            for run_id, row in rows.items()
            if run_id in sent and row[1:] != ("done", STEPS_PER_RUN)
        }
        if missing or wrong or len(rows) != len(sent):
            sample = ", ".join(f"{i}: {r[1]} with {r[2]} steps" for i, r in list(wrong.items())[:3])
            problems.append(
                f"bench-{k}: {len(rows)} of {len(sent)} runs stored, {len(missing)} missing, "
                f"{len(rows.keys() - sent)} never sent, {len(wrong)} not done with "
                f"{STEPS_PER_RUN} steps" + (f" ({sample})" if sample else "")
            )
    assert not problems, describe(problems, STATIONS, "stations' uploads")


def stored_runs(db_url: str) -> dict[str, tuple[str, str, int]]:
    """Every run in the backend's database: id -> (station, result, steps stored)."""
    database = FleetDatabase.open(db_url)
    try:
        with database.engine.connect() as connection:
            columns = runs.c.id, runs.c.station, runs.c.result, runs.c.steps
            rows = connection.execute(select(*columns))
            return {row.id: (row.station, row.result, len(row.steps)) for row in rows}
    finally:
        database.close()
