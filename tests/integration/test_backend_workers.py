"""`kitbench backend --workers N` on one PostgreSQL database: workers start together on a new
database, any worker serves any request, and console sign-in, CSRF and lockout hold across
workers because their state is in the database."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import httpx
import psutil
import pytest

from app.fleet.console.accounts import MAX_FAILURES, console_metadata
from app.fleet.database import FleetDatabase, create_tables

PASSWORD = "correct horse battery"
MAX_CONNECTIONS = 400  # tried before giving up on a worker ever accepting one


def kitbench(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], input=stdin, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


class WorkersBackend:
    """`kitbench backend --workers N --port 0` and the worker processes serving it."""

    def __init__(self, db_url: str, workers: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "backend", "--workers", str(workers), "--port", "0",
             "--db", db_url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        line = self.process.stdout.readline()
        assert line.startswith("Fleet backend listening on http://127.0.0.1:"), (
            line + self.process.stderr.read()
        )
        self.url = line.rsplit(" ", 1)[1].strip()
        self.port = int(self.url.rsplit(":", 1)[1])

    def worker_of(self, client_port: int) -> int | None:
        """The pid of the worker holding the connection from `client_port`, if any."""
        for child in psutil.Process(self.process.pid).children():
            try:
                connections = child.net_connections(kind="tcp")
            except psutil.NoSuchProcess:
                continue
            for connection in connections:
                peer = connection.raddr
                if connection.laddr.port == self.port and peer and peer.port == client_port:
                    return child.pid
        return None

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30), self.process.stderr.read()


def client_port(response: httpx.Response) -> int:
    return response.extensions["network_stream"].get_extra_info("client_addr")[1]


@pytest.fixture
def workers_backend(postgres_url) -> Iterator[WorkersBackend]:
    for name in ("ann", "bob"):
        created = kitbench("backend", "admin", "create", name, "--db", postgres_url, stdin=PASSWORD)
        assert created.returncode == 0, created.stderr
    backend = WorkersBackend(postgres_url, workers=2)
    yield backend
    if backend.process.poll() is None:
        backend.stop()


def clients_on_each_worker(backend: WorkersBackend, workers: int) -> list[httpx.Client]:
    """One kept-alive connection served by each worker: new connections until every worker
    has one (the kernel hands each to whichever worker accepts first)."""
    by_worker: dict[int, httpx.Client] = {}
    spare: list[httpx.Client] = []
    for _ in range(MAX_CONNECTIONS):
        client = httpx.Client(
            base_url=backend.url, timeout=30, limits=httpx.Limits(max_connections=1)
        )
        response = client.get("/console/login")
        assert response.status_code == 200
        worker = backend.worker_of(client_port(response))
        assert worker is not None, "no worker holds the connection that was just served"
        if worker in by_worker:
            spare.append(client)
            continue
        by_worker[worker] = client
        if len(by_worker) == workers:
            break
    for client in spare:
        client.close()
    assert len(by_worker) == workers, f"{len(by_worker)} of {workers} workers served requests"
    return list(by_worker.values())


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def sign_in(client: httpx.Client, name: str, password: str) -> httpx.Response:
    form = client.get("/console/login")
    return client.post(
        "/console/login", data={"name": name, "password": password, "csrf": csrf_of(form.text)}
    )


def test_two_workers_share_console_sessions_csrf_and_lockout(workers_backend, postgres_url):
    first, second = clients_on_each_worker(workers_backend, 2)

    # Wrong passwords sent to both workers count against one account.
    statuses = [
        sign_in((first, second)[attempt % 2], "bob", "wrong password!").status_code
        for attempt in range(MAX_FAILURES)
    ]
    assert statuses == [401] * (MAX_FAILURES - 1) + [429]
    assert sign_in(first, "bob", PASSWORD).status_code == 429
    assert sign_in(second, "bob", PASSWORD).status_code == 429

    # Signed in through one worker, the session opens pages and posts forms on the other.
    assert sign_in(first, "ann", PASSWORD).status_code == 303
    second.cookies.update(first.cookies)
    tokens = second.get("/console/tokens")
    assert tokens.status_code == 200 and "ann" in tokens.text
    form = {"station": "bench-7", "csrf": csrf_of(tokens.text)}
    assert second.post("/console/tokens", data=form).status_code == 201
    forged = {"station": "bench-8", "csrf": "forged"}
    assert first.post("/console/tokens", data=forged).status_code == 403

    database = FleetDatabase.open(postgres_url)
    try:
        assert [station["name"] for station in database.stations()] == ["bench-7"]
    finally:
        database.close()
    for client in (first, second):
        client.close()
    code, errors = workers_backend.stop()
    assert code == 0
    assert "Traceback" not in errors


def test_four_workers_starting_together_on_a_new_database_all_serve(postgres_url):
    backend = WorkersBackend(postgres_url, workers=4)
    try:
        for client in clients_on_each_worker(backend, 4):
            assert client.get("/console/orders").status_code == 303  # to sign-in: it answers
            client.close()
    finally:
        code, errors = backend.stop()
    assert code == 0
    assert "Traceback" not in errors and "ERROR" not in errors


def test_tables_made_by_many_at_once_are_made_once(postgres_url):
    """Without the start-up lock, concurrent CREATE TABLEs collide on PostgreSQL's catalog."""
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def make() -> None:
        barrier.wait()
        try:
            database = FleetDatabase.open(postgres_url)  # the runs tables and added columns
            create_tables(database.engine, console_metadata)
            database.close()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_more_than_one_worker_on_sqlite_is_refused_in_words(tmp_path):
    result = kitbench("backend", "--workers", "2", "--db", f"sqlite:///{tmp_path / 'fleet.db'}")
    assert result.returncode == 2
    assert "--workers 2 needs a PostgreSQL database" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "fleet.db").exists()  # refused before anything was made
