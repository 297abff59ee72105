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
from app.storage.config import MAX_SYNC_INTERVAL_S
from app.sync import (
    BackendClient,
    BackendUnreachableError,
    Backoff,
    ReleasePuller,
    ServerErrors,
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
    if "/channels/" in path:
        return 200, {"channel": "production", "releases": []}
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


def failing_on(poison: str, status: int = 500):
    """A backend that cannot store `poison`: every batch holding it gets `status`."""

    def respond(method, path, body):
        if path.endswith("/runs") and any(run["id"] == poison for run in body["runs"]):
            return status, {"detail": "internal error; see the backend's log"}
        return accept_all(method, path, body)

    return respond


def test_a_run_the_backend_keeps_failing_on_is_set_aside(store, backends):
    ids = record_runs(store, 5)
    poison = ids[2]
    backend = backends(failing_on(poison))
    with BackendClient(backend.url, "tok") as client:
        report = send_waiting(store, client, attempts=5, backoff=NO_WAIT)
    assert (report.sent, report.waiting, report.unreachable) == (4, 1, False)
    assert report.error == f"run {poison}: backend error 500: internal error; see the backend's log"
    assert [run["id"] for run in store.next_batch()] == [poison]
    # Three 5xx in a row on a batch halve it, as a 4xx does, until the run stands alone.
    assert (
        backend.posted_batches()
        == [
            ids,
            ids,
            ids,
            ids[:2],  # stored
            ids[2:],
            ids[2:],
            ids[2:],
            [poison],
            [poison],
            [poison],  # set aside
            [ids[3]],
            [ids[4]],
        ]
    )


def test_the_worker_isolates_a_failing_run_across_cycles(store, backends, kitbench_home):
    """The worker tries once a cycle, so the 5xx answers it counts are the cycles'."""
    ids = record_runs(store, 5)
    poison = ids[0]
    backend = backends(failing_on(poison, 502))
    Config(kitbench_home).set("backend.url", backend.url)
    Config(kitbench_home).set("backend.token", "tok")
    worker = SyncWorker(store, on_status=lambda _status: None, backoff=NO_WAIT)
    states = []
    for _ in range(30):
        status = worker.sync_now()
        states.append(status.state)
        if store.waiting_count() == 1:
            break
    assert store.waiting_count() == 1
    assert states[0] is SyncState.OFFLINE
    assert status.state is SyncState.WAITING
    assert status.message.startswith(f"run {poison}: backend error 502")
    # Set aside for the worker's life: the next cycles send new runs without trying it.
    posted = len(backend.posted_batches())
    [new] = record_runs(store, 1)
    status = worker.sync_now()
    assert (status.state, status.sent, status.waiting) == (SyncState.WAITING, 1, 1)
    assert backend.posted_batches()[posted:] == [[new]]


def test_a_backend_failing_for_everything_sets_no_run_aside(store, backends):
    ids = record_runs(store, 4)
    healthy = threading.Event()

    def down_then_up(method, path, body):
        if healthy.is_set():
            return accept_all(method, path, body)
        return 503, {"detail": "maintenance"}

    backend = backends(down_then_up)
    memory = ServerErrors()
    with BackendClient(backend.url, "tok") as client:
        for _ in range(40):  # as many worker cycles, each one try
            report = send_waiting(store, client, attempts=1, backoff=NO_WAIT, server_errors=memory)
            assert report.unreachable
            assert (report.sent, report.waiting) == (0, 4)
        assert (memory.suspect, memory.set_aside, memory.failing_for_all) == (None, {}, True)
        # A try a cycle, plus the next batch at once after halving 4 to 2, 2 to 1 and setting
        # the first run aside (given back when the second lone run failed too).
        assert len(backend.posted_batches()) == 40 + 3
        healthy.set()
        report = send_waiting(store, client, attempts=1, backoff=NO_WAIT, server_errors=memory)
    assert (report.sent, report.waiting, report.error) == (4, 0, None)
    assert [len(batch) for batch in backend.posted_batches()[43:]] == [1, 2, 1]
    assert not memory.failing_for_all
    assert set(ids).isdisjoint(memory.excluded())


@pytest.mark.parametrize(
    "listing",
    [
        {"releases": [{"name": "kiosk", "manifest": "{}"}]},  # no version
        {"releases": ["kiosk-v1"]},  # not objects
        {"releases": [{"name": "kiosk", "version": "one", "manifest": "{}"}]},
        {
            "releases": [
                {
                    "name": None,
                    "version": 1,
                    "manifest": "{}",
                    "manifest_sha256": "ab",
                    "signature": None,
                    "key": None,
                }
            ]
        },
        {"channel": "production"},  # no list at all
    ],
)
def test_a_malformed_release_list_is_a_sync_error(backends, kitbench_home, listing):
    backend = backends(lambda method, path, body: (200, listing))
    with (
        BackendClient(backend.url, "tok") as client,
        pytest.raises(BackendUnreachableError) as raised,
    ):
        ReleasePuller(client, Config(kitbench_home), kitbench_home).pull()
    assert str(raised.value).startswith("backend answered an unexpected ")


def test_a_malformed_release_list_does_not_stop_the_runs(store, backends, kitbench_home):
    def respond(method, path, body):
        if "/channels/" in path:
            return 200, {"releases": [{"name": "kiosk"}]}
        return accept_all(method, path, body)

    backend = backends(respond)
    Config(kitbench_home).set("backend.url", backend.url)
    Config(kitbench_home).set("backend.token", "tok")
    record_runs(store, 2)
    status = SyncWorker(store, on_status=lambda _status: None, backoff=NO_WAIT).sync_now()
    assert (status.state, status.sent) == (SyncState.SYNCED, 2)
    assert status.release_error is not None and "unexpected release list" in status.release_error


@pytest.mark.parametrize(
    ("stored", "seconds"), [("1000000000", MAX_SYNC_INTERVAL_S), ("0", 1), ("-5", 1), ("x", 60)]
)
def test_the_worker_keeps_a_hand_edited_interval_within_a_day(
    store, kitbench_home, stored, seconds
):
    (kitbench_home / "config.json").write_text(json.dumps({"sync.interval": stored}))
    worker = SyncWorker(store, on_status=lambda _status: None)
    assert worker._interval() == seconds
