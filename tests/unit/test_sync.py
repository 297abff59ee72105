"""Sending the outbox against a scripted HTTP backend: acknowledgements, retries, refusals."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.core import RunOutcome
from app.storage import Config, Store
from app.sync import (
    BackendClient,
    Backoff,
    SyncState,
    SyncWorker,
    send_waiting,
)
from tests.unit.test_storage import finished, started

NO_WAIT = Backoff(base_s=0.001, cap_s=0.002)
Reply = tuple[int, object]


class ScriptedBackend:
    """A real HTTP server whose answers a test decides; it records every request."""

    def __init__(self, respond: Callable[[str, str, dict], Reply]) -> None:
        self.requests: list[tuple[str, str, dict, dict]] = []
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else {}
                backend.requests.append((self.command, self.path, body, dict(self.headers)))
                status, reply = respond(self.command, self.path, body)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def posted_batches(self) -> list[list[str]]:
        return [
            [run["id"] for run in body["runs"]]
            for method, path, body, _ in self.requests
            if method == "POST" and path.endswith("/runs")
        ]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def accept_all(method: str, path: str, body: dict) -> Reply:
    if path.endswith("/runs"):
        return 200, {"accepted": [run["id"] for run in body["runs"]], "duplicates": []}
    if path.endswith("/templates"):
        return 200, {"templates": []}
    if path.endswith("/heartbeat"):
        return 200, {"station": "bench-1", "server_time": "2025-03-01T08:00:00+00:00"}
    return 404, {"detail": "not found"}


@pytest.fixture
def backends():
    started_backends: list[ScriptedBackend] = []

    def start(respond=accept_all) -> ScriptedBackend:
        backend = ScriptedBackend(respond)
        started_backends.append(backend)
        return backend

    yield start
    for backend in started_backends:
        backend.close()


@pytest.fixture
def store(kitbench_home):
    with Store(kitbench_home, recording=True) as opened:
        yield opened


def record_runs(store: Store, count: int) -> list[str]:
    recorder = store.recorder()
    ids = []
    for _ in range(count):
        run_id = uuid.uuid4().hex
        recorder.on_event(started(run_id))
        recorder.on_event(finished(run_id))
        ids.append(run_id)
    recorder.flush(30)
    return ids


def test_everything_waiting_is_sent_in_batches_of_at_most_500(store, backends):
    backend = backends()
    ids = record_runs(store, 520)
    with BackendClient(backend.url, "tok") as client:
        report = send_waiting(store, client)
    assert (report.sent, report.waiting, report.error) == (520, 0, None)
    batches = backend.posted_batches()
    assert [len(batch) for batch in batches] == [500, 20]
    assert sorted(run_id for batch in batches for run_id in batch) == sorted(ids)
    _, _, body, headers = backend.requests[0]
    assert headers["Authorization"] == "Bearer tok"
    run = body["runs"][0]
    assert set(run) >= {"id", "serial", "template", "template_version", "result", "steps"}
    assert run["steps"][0] == {
        "index": 0,
        "action": "install",
        "name": "POS app",
        "status": "changed",
        "duration_ms": 812,
        "message": "installed 1.2",
    }

    with BackendClient(backend.url, "tok") as client:
        assert send_waiting(store, client).sent == 0  # nothing is sent twice
    assert len(backend.posted_batches()) == 2


def test_duplicates_count_as_acknowledged(store, backends):
    backend = backends(
        lambda method, path, body: (
            200,
            {"accepted": [], "duplicates": [run["id"] for run in body["runs"]]},
        )
    )
    record_runs(store, 3)
    with BackendClient(backend.url, "tok") as client:
        assert send_waiting(store, client).sent == 3
    assert store.waiting_count() == 0


def test_runs_the_backend_does_not_acknowledge_stay_waiting(store, backends):
    ids = record_runs(store, 4)
    backend = backends(lambda method, path, body: (200, {"accepted": ids[:3], "duplicates": []}))
    with BackendClient(backend.url, "tok") as client:
        report = send_waiting(store, client)
    assert (report.sent, report.waiting) == (3, 1)
    assert "did not acknowledge" in report.error
    assert [run["id"] for run in store.next_batch()] == [ids[3]]


def test_5xx_is_retried_with_backoff_until_the_backend_answers(store, backends):
    answers = iter([(503, {"detail": "busy"}), (502, "bad gateway")])

    def flaky(method, path, body):
        return next(answers, None) or accept_all(method, path, body)

    backend = backends(flaky)
    record_runs(store, 2)
    with BackendClient(backend.url, "tok") as client:
        report = send_waiting(store, client, attempts=5, backoff=NO_WAIT)
    assert (report.sent, report.waiting) == (2, 0)
    assert len(backend.posted_batches()) == 3


def test_an_unreachable_backend_leaves_every_run_waiting(store, backends):
    backend = backends()
    url = backend.url
    backend.close()
    record_runs(store, 2)
    with BackendClient(url, "tok") as client:
        report = send_waiting(store, client, attempts=3, backoff=NO_WAIT)
    assert report.unreachable
    assert (report.sent, report.waiting) == (0, 2)
    assert report.error.startswith("backend unreachable")


def test_a_rejected_token_stops_at_once(store, backends):
    backend = backends(lambda *_: (401, {"detail": "unknown token"}))
    record_runs(store, 2)
    with BackendClient(backend.url, "wrong") as client:
        report = send_waiting(store, client, attempts=5, backoff=NO_WAIT)
    assert report.token_rejected
    assert "station token rejected" in report.error
    assert len(backend.requests) == 1
    assert store.waiting_count() == 2


def test_a_run_the_backend_refuses_does_not_block_the_others(store, backends):
    ids = record_runs(store, 5)
    poison = ids[2]

    def picky(method, path, body):
        if any(run["id"] == poison for run in body["runs"]):
            return 422, {"detail": "runs.0.serial: too long"}
        return accept_all(method, path, body)

    backend = backends(picky)
    with BackendClient(backend.url, "tok") as client:
        report = send_waiting(store, client)
    assert (report.sent, report.waiting) == (4, 1)
    assert poison in report.error
    assert "too long" in report.error
    assert [run["id"] for run in store.next_batch()] == [poison]


def test_backoff_grows_exponentially_with_jitter_up_to_a_cap():
    backoff = Backoff(base_s=1, cap_s=10)
    for attempt, ceiling in [(0, 1), (1, 2), (2, 4), (3, 8), (4, 10), (9, 10)]:
        delays = {backoff.delay(attempt) for _ in range(20)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1  # jittered: stations do not retry in lockstep


def test_worker_reports_synced_then_offline_with_runs_waiting(store, backends, kitbench_home):
    backend = backends()
    Config(kitbench_home).set("backend.url", backend.url)
    Config(kitbench_home).set("backend.token", "tok")
    record_runs(store, 2)
    worker = SyncWorker(store, on_status=lambda _status: None, backoff=NO_WAIT)
    status = worker.sync_now()
    assert (status.state, status.sent, status.waiting) == (SyncState.SYNCED, 2, 0)
    assert status.text() == "synced"
    assert any(path.endswith("/heartbeat") for _, path, _, _ in backend.requests)

    backend.close()
    record_runs(store, 1)
    status = worker.sync_now()
    assert (status.state, status.waiting) == (SyncState.OFFLINE, 1)
    assert status.offline_since is not None
    assert "offline since" in status.text()
    assert "1 waiting" in status.text()


def test_worker_without_a_backend_says_how_to_configure_one(store):
    status = SyncWorker(store, on_status=lambda _status: None).sync_now()
    assert status.state is SyncState.ERROR
    assert "kitbench config set backend.url" in status.message


def test_background_worker_syncs_when_woken(store, backends, kitbench_home):
    backend = backends()
    Config(kitbench_home).set("backend.url", backend.url)
    Config(kitbench_home).set("backend.token", "tok")
    Config(kitbench_home).set("sync.interval", "3600")
    statuses = []
    synced = threading.Condition()

    def on_status(status):
        with synced:
            statuses.append(status)
            synced.notify_all()

    worker = SyncWorker(store, on_status=on_status)
    worker.start()
    try:
        with synced:
            assert synced.wait_for(lambda: len(statuses) == 1, 10)
        record_runs(store, 1)
        worker.wake()
        with synced:
            assert synced.wait_for(lambda: len(statuses) == 2, 10)
    finally:
        worker.stop()
    assert statuses[1].state is SyncState.SYNCED
    assert statuses[1].sent == 1
    assert store.waiting_count() == 0


def test_failed_runs_are_synced_like_any_other(store, backends):
    backend = backends()
    recorder = store.recorder()
    run_id = uuid.uuid4().hex
    recorder.on_event(started(run_id))
    recorder.on_event(finished(run_id, RunOutcome.REFUSED, steps=())).result(5)
    with BackendClient(backend.url, "tok") as client:
        send_waiting(store, client)
    [[sent]] = backend.posted_batches()
    assert sent == run_id
    assert backend.requests[0][2]["runs"][0]["result"] == "refused"
