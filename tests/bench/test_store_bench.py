"""Store and sync speed (issue 4), printed as "[bench] …" lines; run with `make bench`.

Targets: newest 100 runs among 100,000 (ms); CSV export of 100,000 runs (s);
sync of 10,000 runs to the real backend (runs/s). Asserted, never the time: each query
returned the runs it should, the CSV holds every run once, the backend stored every synced
run whole, and the recorder stored every run it was given.
"""

from __future__ import annotations

import csv
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from app.fleet.database import FleetDatabase, runs
from app.storage import RunFilter, Store, page_cursor
from app.storage.models import OutboxEntry, Run, StepRecord
from app.sync import BackendClient, send_waiting
from tests.integration.test_sync_backend import FleetBackend
from tests.unit.test_storage import finished, started

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def fill(store: Store, count: int) -> None:
    """`count` finished runs with two steps each, written in bulk (not the recorder's path)."""
    runs, steps, outbox = [], [], []
    for number in range(count):
        run_id = uuid.uuid4().hex
        at = T0 + timedelta(seconds=30 * number)
        runs.append(
            {
                "id": run_id,
                "serial": f"SER{number % 5000:05d}",
                "model": "SM-T575",
                "android_release": "13",
                "slot": f"A{number % 48}",
                "endpoint": f"usb:1-{number % 48}",
                "template_name": ("retail-pos", "kiosk", "scanner")[number % 3],
                "template_version": 3,
                "template_hash": "ab" * 32,
                "operator": "dana",
                "station": "bench-1",
                "started_at": at,
                "finished_at": at + timedelta(seconds=95),
                "result": "failed" if number % 20 == 0 else "done",
            }
        )
        for index, action in enumerate(("install", "setting")):
            steps.append(
                {
                    "run_id": run_id,
                    "index": index,
                    "action": action,
                    "name": action,
                    "status": "changed",
                    "duration_ms": 800,
                    "message": "installed com.example.pos 3" if index == 0 else "0 -> 7",
                    "output": "",
                }
            )
        outbox.append({"run_id": run_id, "created_at": at, "attempts": 0})
    with store.database.sessions.begin() as session:
        session.execute(insert(Run), runs)
        session.execute(insert(StepRecord), steps)
        session.execute(insert(OutboxEntry), outbox)


def numbers(page: list[dict]) -> list[int]:
    """Which runs `fill` wrote these are, by their start times (30 s apart from T0)."""
    found = []
    for run in page:
        at = datetime.fromisoformat(run["started_at"])
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
        found.append(round((at - T0).total_seconds() / 30))
    return found


def best_ms(action, repeat: int = 7) -> tuple[float, float]:
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        timings.append((time.perf_counter() - began) * 1000)
    return min(timings), statistics.median(timings)


@pytest.fixture(scope="module")
def big_store(tmp_path_factory):
    home = tmp_path_factory.mktemp("bench-store")
    with Store(home) as store:
        fill(store, 100_000)
        yield store


def test_newest_100_among_100000(big_store):
    pages = {}

    def query(name: str, *args, **options):
        return lambda: pages.__setitem__(name, big_store.runs(*args, **options))

    best, median = best_ms(query("newest", limit=100))
    print(f"\n[bench] newest 100 runs among 100,000: {median:.1f} ms (best {best:.1f} ms)")
    best, median = best_ms(query("serial", RunFilter(serial="SER00042"), limit=100))
    print(f"[bench] newest 100 of one serial among 100,000: {median:.1f} ms")
    best, median = best_ms(query("failed", RunFilter(result="failed"), limit=100))
    print(f"[bench] newest 100 failed among 100,000: {median:.1f} ms")
    deep = big_store.runs(limit=50_000)
    cursor = page_cursor(deep)
    best, median = best_ms(query("keyset", limit=100, before=cursor))
    print(f"[bench] page of 100 after 50,000 (keyset): {median:.1f} ms")
    # Each query's last answer against the runs `fill` wrote (run n starts at T0 + 30n s,
    # serial SER{n % 5000}, failed when n % 20 == 0), newest first.
    wanted = {
        "newest": list(range(99_999, 99_899, -1)),
        "serial": list(range(95_042, -1, -5000)),  # only 20 runs of that serial exist
        "failed": list(range(99_980, 97_999, -20)),
        "keyset": list(range(49_999, 49_899, -1)),
    }
    assert numbers(deep) == list(range(99_999, 49_999, -1)), "the first 50,000 are not in order"
    wrong = {name: numbers(pages[name]) for name in wanted if numbers(pages[name]) != wanted[name]}
    assert not wrong, "queries that did not return the runs they should: " + "; ".join(
        f"{name}: {len(found)} runs, first {found[:3]}, wanted {len(wanted[name])} "
        f"from {wanted[name][:3]}"
        for name, found in wrong.items()
    )
    assert {run["serial"] for run in pages["serial"]} == {"SER00042"}
    assert {run["result"] for run in pages["failed"]} == {"failed"}


def test_csv_export_of_100000(big_store, tmp_path):
    out = tmp_path / "runs.csv"
    began = time.perf_counter()
    with out.open("w", encoding="utf-8", newline="") as file:
        count = big_store.export_csv(file)
    seconds = time.perf_counter() - began
    size_mb = out.stat().st_size / 1e6
    print(f"\n[bench] CSV export of {count:,} runs: {seconds:.2f} s ({size_mb:.0f} MB)")
    assert count == 100_000
    with out.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    header, rows = rows[0], rows[1:]
    ids = {row[header.index("id")] for row in rows}
    results = [row[header.index("result")] for row in rows]
    assert (len(rows), len(ids)) == (100_000, 100_000), (
        f"the CSV holds {len(rows):,} rows of {len(ids):,} distinct runs, not 100,000"
    )
    assert (results.count("done"), results.count("failed")) == (95_000, 5_000)


def test_sync_of_10000_runs(tmp_path):
    backend = FleetBackend(f"sqlite:///{tmp_path / 'fleet.db'}").start()
    try:
        token = backend.token("bench-1")
        with Store(tmp_path / "station") as store:
            fill(store, 10_000)
            with BackendClient(backend.url, token) as client:
                began = time.perf_counter()
                report = send_waiting(store, client)
                seconds = time.perf_counter() - began
        stored = backend_runs(f"sqlite:///{tmp_path / 'fleet.db'}")
        print(
            f"\n[bench] sync of 10,000 runs to the backend: {10_000 / seconds:,.0f} runs/s "
            f"({seconds:.1f} s, batches of 500, SQLite backend)"
        )
        assert (report.sent, report.waiting, report.error) == (10_000, 0, None), report
        assert stored == {("bench-1", "done", 2): 9_500, ("bench-1", "failed", 2): 500}, (
            f"the backend stored (station, result, steps): count {stored}, "
            "not 9,500 done and 500 failed runs of 2 steps from bench-1"
        )
    finally:
        backend.stop()


def backend_runs(db_url: str) -> dict[tuple[str, str, int], int]:
    """How many runs the backend stored, by (station, result, number of steps)."""
    database = FleetDatabase.open(db_url)
    try:
        with database.engine.connect() as connection:
            rows = connection.execute(select(runs.c.station, runs.c.result, runs.c.steps))
            counts: dict[tuple[str, str, int], int] = {}
            for row in rows:
                key = (row.station, row.result, len(row.steps))
                counts[key] = counts.get(key, 0) + 1
            return counts
    finally:
        database.close()


def test_recording_runs_through_the_recorder(tmp_path: Path):
    count = 500
    with Store(tmp_path, recording=True) as store:
        recorder = store.recorder()
        began = time.perf_counter()
        for _ in range(count):
            run_id = uuid.uuid4().hex
            recorder.on_event(started(run_id))
            recorder.on_event(finished(run_id))
        recorder.flush(120)
        seconds = time.perf_counter() - began
        assert store.waiting_count() == count
        recorded = store.runs(limit=count + 1, with_steps=True)
    print(
        f"\n[bench] recorder: {count / seconds:,.0f} runs/s recorded durably "
        f"(start + finish, each committed with fsync)"
    )
    ended = [(run["result"], len(run["steps"])) for run in recorded]
    assert ended == [("done", 2)] * count, (
        f"{len(recorded)} of {count} runs recorded; not done with 2 steps: "
        + ", ".join(
            f"{r['id']}: {r['result']}, {len(r['steps'])} steps"
            for r in recorded
            if (r["result"], len(r["steps"])) != ("done", 2)
        )[:500]
    )
