"""`kitbench backend` as an admin runs it: a real uvicorn server on a loopback port."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
from collections import Counter

import httpx
import pytest


def kitbench(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def create_token(station: str, db_url: str, *role: str) -> str:
    result = kitbench("backend", "token", "create", station, *role, "--db", db_url)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


class Backend:
    """A `kitbench backend --port 0` process and the URL it printed."""

    def __init__(self, db_url: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "backend", "--port", "0", "--db", db_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        assert line.startswith("Fleet backend listening on http://127.0.0.1:"), (
            line + self.process.stderr.read()
        )
        self.url = line.rsplit(" ", 1)[1].strip()

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout=30)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'fleet.db'}"


@pytest.fixture
def start_backend():
    backends: list[Backend] = []

    def start(db_url: str) -> Backend:
        backend = Backend(db_url)
        backends.append(backend)
        return backend

    yield start
    for backend in backends:
        backend.stop()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serves_on_the_port_it_prints_and_stops_cleanly(
    start_backend, sqlite_url, fleet_run, stop_signal
):
    token = create_token("bench-1", sqlite_url)
    backend = start_backend(sqlite_url)
    run = fleet_run()
    with backend.client(token) as client:
        response = client.post("/api/v1/runs", json={"runs": [run]})
        assert response.json() == {"accepted": [run["id"]], "duplicates": []}
        assert client.get("/api/v1/runs").json()["runs"][0]["id"] == run["id"]
        assert "paths" in client.get("/api/v1/openapi.json").json()
    assert backend.stop(stop_signal) == 0
    assert "Traceback" not in backend.process.stderr.read()


def test_runs_survive_a_restart(start_backend, sqlite_url, fleet_run):
    token = create_token("bench-1", sqlite_url)
    run = fleet_run()
    first = start_backend(sqlite_url)
    with first.client(token) as client:
        client.post("/api/v1/runs", json={"runs": [run]}).raise_for_status()
    first.stop()
    second = start_backend(sqlite_url)
    with second.client(token) as client:
        assert client.post("/api/v1/runs", json={"runs": [run]}).json()["duplicates"] == [run["id"]]
        assert [stored["id"] for stored in client.get("/api/v1/runs").json()["runs"]] == [run["id"]]


def test_the_default_database_lives_in_the_data_dir(kitbench_home):
    result = kitbench("backend", "token", "create", "bench-1")
    assert result.returncode == 0, result.stderr
    assert (kitbench_home / "fleet.db").is_file()


def test_a_port_in_use_is_a_clear_error(sqlite_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = kitbench("backend", "--port", str(port), "--db", sqlite_url)
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["backend", "--db", "nosuchdb://x"], 1, "cannot open the database"),
        (
            ["backend", "--db", "postgresql+psycopg://u:hunter2@127.0.0.1:1/db"],
            1,
            "cannot open the database postgresql+psycopg://u:***@127.0.0.1:1/db",
        ),
        (["backend", "--port", "70000"], 2, "--port"),
        (["backend", "token", "create"], 2, "STATION"),
        (["backend", "token", "create", " "], 2, "STATION"),
    ],
)
def test_bad_command_lines_and_databases_get_a_message(args, code, message):
    result = kitbench(*args)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr


def test_token_create_prints_a_working_token_last(start_backend, sqlite_url):
    first = create_token("bench-1", sqlite_url)
    second = create_token("bench-2", sqlite_url)
    assert first != second and len(first) >= 40
    backend = start_backend(sqlite_url)
    with backend.client(second) as client:
        response = client.post("/api/v1/heartbeat", json={"waiting": 0, "version": "0.1.0"})
    assert response.json()["station"] == "bench-2"


def post_concurrently(backend: Backend, tokens: list[str], batches: list[list[list[dict]]]):
    """Each station posts its batches at the same moment; returns each one's receipts."""
    barrier = threading.Barrier(len(tokens))
    receipts: list[list[dict]] = [[] for _ in tokens]
    errors: list[BaseException] = []

    def station(index: int) -> None:
        try:
            with backend.client(tokens[index]) as client:
                barrier.wait(timeout=30)
                for batch in batches[index]:
                    response = client.post("/api/v1/runs", json={"runs": batch})
                    assert response.status_code == 200, response.text
                    receipts[index].append(response.json())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=station, args=(index,)) for index in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return receipts


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_three_stations_posting_overlapping_batches_store_every_run_once(
    request, start_backend, sqlite_url, fleet_run, database
):
    db_url = sqlite_url if database == "sqlite" else request.getfixturevalue("postgres_url")
    tokens = [create_token(f"bench-{index}", db_url) for index in range(3)]
    backend = start_backend(db_url)
    pool = [fleet_run(serial=f"S{index % 40}") for index in range(600)]
    # Station k posts runs k*100 .. k*100+399 in batches of 50: neighbours share 300 runs,
    # so the same ids race each other from different stations.
    batches = [
        [pool[start : start + 50] for start in range(k * 100, k * 100 + 400, 50)] for k in range(3)
    ]
    receipts = post_concurrently(backend, tokens, batches)
    expected = {run["id"] for station in batches for batch in station for run in batch}

    accepted = Counter(run_id for station in receipts for r in station for run_id in r["accepted"])
    assert set(accepted) == expected
    assert set(accepted.values()) == {1}
    for station, station_receipts in zip(batches, receipts, strict=True):
        sent = [run["id"] for batch in station for run in batch]
        answered = [
            run_id for receipt in station_receipts for key in receipt for run_id in receipt[key]
        ]
        assert sorted(answered) == sorted(sent)

    with backend.client(create_token("admin", db_url, "--console")) as client:
        stored = client.get("/api/v1/runs", params={"limit": 10_000}).json()["runs"]
        devices = client.get("/api/v1/devices").json()["devices"]
    assert Counter(run["id"] for run in stored) == Counter(expected)
    assert len(devices) == 40


def test_connections_to_the_bound_socket_send_without_waiting_for_acks():
    """Nagle off on every accepted connection: a kept-alive connection otherwise waits ~40 ms
    (the peer's delayed ACK) before each response's body."""
    import asyncio

    from app.fleet import bind

    async def accept_one() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=bind("127.0.0.1", 0))
        async with server:
            port = server.sockets[0].getsockname()[1]
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            nodelay = await asyncio.wait_for(accepted, 10)
            writer.close()
        return nodelay

    assert asyncio.run(accept_one()) != 0
