"""Fleet backend ingest: three stations posting full batches at once to a real server.

Prints runs/s for SQLite and, when $KITBENCH_TEST_PG_URL is set, PostgreSQL.
Asserts only that every run arrived once; nothing about time.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import httpx
import pytest

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
        accepted = [0] * STATIONS

        def station(k: int) -> None:
            with httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {tokens[k]}"}, timeout=120
            ) as client:
                client.get("/api/v1/templates").raise_for_status()  # connected and authorized
                barrier.wait()
                for batch in batches[k]:
                    response = client.post("/api/v1/runs", json={"runs": batch})
                    response.raise_for_status()
                    accepted[k] += len(response.json()["accepted"])

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
    assert sum(accepted) == total
    print(
        f"\n[bench] fleet backend ingest ({database}), {STATIONS} stations at once, "
        f"{total} runs of {STEPS_PER_RUN} steps in batches of {BATCH_SIZE}: "
        f"{total / elapsed:,.0f} runs/s ({elapsed:.1f} s)"
    )
