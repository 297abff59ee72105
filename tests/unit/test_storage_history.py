"""History queries: filters, newest first, keyset paging, CSV export, dates."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.core import RunOutcome
from app.storage import RunFilter, Store, page_cursor
from app.storage.history import parse_since
from tests.unit.test_storage import finished, started

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(kitbench_home):
    """30 runs a minute apart: serial S0..S2 in turn, every third failed."""
    with Store(kitbench_home, recording=True) as opened:
        recorder = opened.recorder()
        for number in range(30):
            run_id = uuid.uuid4().hex
            at = T0 + timedelta(minutes=number)
            outcome = RunOutcome.FAILED if number % 3 == 0 else RunOutcome.DONE
            recorder.on_event(started(run_id, at))
            recorder.on_event(finished(run_id, outcome, serial=f"S{number % 3}", at=at))
        recorder.flush(10)
        yield opened


def test_newest_first_with_filters(store):
    runs = store.runs()
    assert len(runs) == 30
    starts = [run["started_at"] for run in runs]
    assert starts == sorted(starts, reverse=True)

    assert {run["serial"] for run in store.runs(RunFilter(serial="S1"))} == {"S1"}
    assert len(store.runs(RunFilter(serial="S1"))) == 10
    assert len(store.runs(RunFilter(result="failed"))) == 10
    assert store.runs(RunFilter(template="other")) == []
    recent = store.runs(RunFilter(since=T0 + timedelta(minutes=25)))
    assert len(recent) == 5
    both = store.runs(RunFilter(serial="S0", result="failed"))
    assert len(both) == 10  # S0 is runs 0, 3, 6, …: every one of them failed


def test_keyset_pages_cover_every_run_once(store):
    seen: list[str] = []
    page = store.runs(limit=7)
    while page:
        seen.extend(run["id"] for run in page)
        page = store.runs(limit=7, before=page_cursor(page))
    assert len(seen) == 30
    assert len(set(seen)) == 30
    assert seen == [run["id"] for run in store.runs(limit=100)]


def test_runs_started_in_the_same_instant_are_paged_without_loss(kitbench_home):
    with Store(kitbench_home, recording=True) as store:
        recorder = store.recorder()
        for _ in range(10):
            run_id = uuid.uuid4().hex
            recorder.on_event(started(run_id, T0))
            recorder.on_event(finished(run_id, at=T0))
        recorder.flush(5)
        first = store.runs(limit=4)
        second = store.runs(limit=4, before=page_cursor(first))
        third = store.runs(limit=4, before=page_cursor(second))
    ids = [run["id"] for run in first + second + third]
    assert len(ids) == 10 == len(set(ids))


def test_csv_export_has_a_header_and_every_matching_run(store):
    out = io.StringIO()
    assert store.export_csv(out, RunFilter(result="done")) == 20
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 20
    assert rows[0]["template"] == "retail-pos"
    assert rows[0]["result"] == "done"
    assert datetime.fromisoformat(rows[0]["started_at"]) == T0 + timedelta(minutes=29)


def test_csv_export_defuses_spreadsheet_formulas(kitbench_home):
    with Store(kitbench_home, recording=True) as store:
        run_id = uuid.uuid4().hex
        recorder = store.recorder()
        recorder.on_event(started(run_id))
        recorder.on_event(
            finished(run_id, RunOutcome.FAILED, error='=HYPERLINK("http://x","y")')
        ).result(5)
        out = io.StringIO()
        store.export_csv(out)
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["error"] == '\'=HYPERLINK("http://x","y")'


def test_since_accepts_dates_times_and_relative_spans():
    assert parse_since("2025-03-01T08:00+00:00") == T0
    local = parse_since("2025-03-01")
    assert local.tzinfo is not None
    assert (local.year, local.month, local.day, local.hour) == (2025, 3, 1, 0)
    week_ago = parse_since("7d")
    assert abs(datetime.now(UTC) - timedelta(days=7) - week_ago) < timedelta(minutes=1)
    for bad in ("yesterday", "2025-13-01", "7y", ""):
        with pytest.raises(ValueError, match="is not a date"):
            parse_since(bad)
