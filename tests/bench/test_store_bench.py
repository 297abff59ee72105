"""Store and sync speed (issue 4), printed as "[bench] …" lines; run with `make bench`.

Targets: newest 100 runs among 100,000 (ms); CSV export of 100,000 runs (s);
sync of 10,000 runs to the real backend (runs/s).
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

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
    best, median = best_ms(lambda: big_store.runs(limit=100))
    print(f"\n[bench] newest 100 runs among 100,000: {median:.1f} ms (best {best:.1f} ms)")
    best, median = best_ms(lambda: big_store.runs(RunFilter(serial="SER00042"), limit=100))
    print(f"[bench] newest 100 of one serial among 100,000: {median:.1f} ms")
    best, median = best_ms(lambda: big_store.runs(RunFilter(result="failed"), limit=100))
    print(f"[bench] newest 100 failed among 100,000: {median:.1f} ms")
    deep = big_store.runs(limit=50_000)
    cursor = page_cursor(deep)
    best, median = best_ms(lambda: big_store.runs(limit=100, before=cursor))
    print(f"[bench] page of 100 after 50,000 (keyset): {median:.1f} ms")
    assert len(big_store.runs(limit=100, before=cursor)) == 100


def test_csv_export_of_100000(big_store, tmp_path):
    out = tmp_path / "runs.csv"
    began = time.perf_counter()
    with out.open("w", encoding="utf-8", newline="") as file:
        count = big_store.export_csv(file)
    seconds = time.perf_counter() - began
    size_mb = out.stat().st_size / 1e6
    print(f"\n[bench] CSV export of {count:,} runs: {seconds:.2f} s ({size_mb:.0f} MB)")
    assert count == 100_000


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
        assert (report.sent, report.waiting) == (10_000, 0)
        print(
            f"\n[bench] sync of 10,000 runs to the backend: {10_000 / seconds:,.0f} runs/s "
            f"({seconds:.1f} s, batches of 500, SQLite backend)"
        )
    finally:
        backend.stop()


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
    print(
        f"\n[bench] recorder: {count / seconds:,.0f} runs/s recorded durably "
        f"(start + finish, each committed with fsync)"
    )
