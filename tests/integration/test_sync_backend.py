"""Sync against the real fleet backend (`kitbench backend`) in a subprocess on a loopback port.

Stations are separate `kitbench` processes with their own data dirs, as on a real bench.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from app.sim.apk import build_apk
from app.storage import Config, Store
from app.storage.database import DATABASE_NAME
from app.sync import BackendClient, Backoff, send_waiting

KITBENCH = [sys.executable, "-m", "app"]


class FleetBackend:
    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.port = 0
        self.url = ""
        self.process: subprocess.Popen | None = None

    def start(self) -> FleetBackend:
        """Start (or restart on the same port) and wait until it listens."""
        self.process = subprocess.Popen(
            [*KITBENCH, "backend", "--port", str(self.port), "--db", self.db_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        if "listening on" not in line:
            self.process.kill()
            raise RuntimeError(f"backend did not start: {line}{self.process.stderr.read()}")
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def stop(self, *, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
            self.process.wait(30)
        self.process = None

    def token(self, station: str, *role: str) -> str:
        done = subprocess.run(
            [*KITBENCH, "backend", "token", "create", station, *role, "--db", self.db_url],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip().splitlines()[-1]

    def runs(self, token: str, **filters: str) -> list[dict]:
        response = httpx.get(
            f"{self.url}/api/v1/runs",
            params={"limit": 10_000, **filters},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["runs"]

    def configure_station(self, home: Path, station: str) -> str:
        """Point the station whose data dir is `home` at this backend; returns its token."""
        token = self.token(station)
        config = Config(home)
        config.set("backend.url", self.url)
        config.set("backend.token", token)
        config.set("station.name", station)
        return token


def kitbench(*args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the kitbench command as a separate station process with its own data dir."""
    return subprocess.run(
        [*KITBENCH, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "KITBENCH_HOME": str(home)},
    )


# -- tests

TEMPLATE = """\
kitbench: 1
name: kiosk
version: 4
steps:
  - install: {apk: app.apk}
  - setting: {namespace: global, key: stay_on_while_plugged_in, value: 7}
"""


@pytest.fixture
def template(tmp_path) -> Path:
    folder = tmp_path / "template"
    folder.mkdir()
    (folder / "app.apk").write_bytes(build_apk("com.example.kiosk", 4))
    path = folder / "kiosk.yaml"
    path.write_text(TEMPLATE)
    return path


def provision(home: Path, template: Path, fleet, *extra: str) -> list[dict]:
    """`kitbench provision --json` as a station process; the devices' result lines."""
    devices = [word for endpoint in fleet.endpoints for word in ("--device", endpoint.spec)]
    done = kitbench("provision", "-t", str(template), "--json", *devices, *extra, home=home)
    assert done.returncode in (0, 1), done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def local_runs(home: Path) -> dict[str, dict]:
    with Store(home) as store:
        return {run["id"]: run for run in store.runs(limit=1000, with_steps=True)}


def test_provisioned_runs_are_recorded_and_the_same_on_both_sides(
    backend, kitbench_home, start_fleet, template
):
    token = backend.configure_station(kitbench_home, "bench-1")
    fleet = start_fleet(3, auth="none", profile="mixed")
    lines = provision(kitbench_home, template, fleet, "--operator", "dana")
    assert [line["result"] for line in lines] == ["done"] * 3

    history = kitbench("history", "--json", home=kitbench_home)
    recorded = [json.loads(line) for line in history.stdout.splitlines()]
    assert sorted(run["serial"] for run in recorded) == sorted(e.serial for e in fleet.endpoints)
    assert {run["result"] for run in recorded} == {"done"}
    assert {run["operator"] for run in recorded} == {"dana"}

    done = kitbench("sync", "--once", home=kitbench_home)
    assert done.returncode == 0, done.stderr
    assert "sent 3 run(s)" in done.stdout

    remote = {run["id"]: run for run in backend.runs(token, station="bench-1")}
    local = local_runs(kitbench_home)
    assert set(remote) == set(local)
    for run_id, run in local.items():
        theirs = remote[run_id]
        for field in ("serial", "model", "template", "template_version", "template_hash"):
            assert theirs[field] == run[field], field
        assert theirs["result"] == run["result"] == "done"
        assert datetime.fromisoformat(theirs["started_at"]) == datetime.fromisoformat(
            run["started_at"]
        )
        assert theirs["steps"] == run["steps"]
        assert [step["action"] for step in theirs["steps"]] == ["install", "setting", "marker"]
        assert theirs["station"] == "bench-1"
    with Store(kitbench_home) as store:
        assert store.waiting_count() == 0


def test_backend_stopped_mid_sync_and_restarted_gets_every_run_exactly_once(
    backend, kitbench_home, start_fleet, template
):
    token = backend.configure_station(kitbench_home, "bench-1")
    fleet = start_fleet(3, auth="none", profile="mixed")
    provision(kitbench_home, template, fleet)
    provision(kitbench_home, template, fleet, "--force")
    ids = set(local_runs(kitbench_home))
    assert len(ids) == 6

    class BackendDiesAfterFirstBatch(BackendClient):
        def post_runs(self, runs):
            acknowledgement = super().post_runs(runs)
            backend.stop(kill=True)
            return acknowledgement

    with Store(kitbench_home) as store:
        with BackendDiesAfterFirstBatch(backend.url, token) as client:
            report = send_waiting(
                store, client, attempts=2, backoff=Backoff(0.01, 0.02), max_batch=2
            )
        assert report.unreachable
        assert (report.sent, report.waiting) == (2, 4)

        backend.start()
        # The backend stores a batch but the station never hears back (lost acknowledgement):
        with BackendClient(backend.url, token) as client:
            client.post_runs(store.next_batch(2))

    done = kitbench("sync", "--once", home=kitbench_home)
    assert done.returncode == 0, done.stderr
    assert "sent 4 run(s)" in done.stdout

    remote_ids = [run["id"] for run in backend.runs(token)]
    assert len(remote_ids) == len(set(remote_ids)) == 6
    assert set(remote_ids) == ids


def test_three_stations_sync_to_one_backend_at_once(backend, tmp_path, start_fleet, template):
    homes = [tmp_path / f"station-{number}" for number in range(3)]
    tokens = [backend.configure_station(home, home.name) for home in homes]
    for home in homes:
        fleet = start_fleet(2, auth="none", profile="mixed")
        provision(home, template, fleet)
        provision(home, template, fleet, "--force")

    processes = [
        subprocess.Popen(
            [*KITBENCH, "sync", "--once"],
            env={**os.environ, "KITBENCH_HOME": str(home)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for home in homes
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr

    for home, token in zip(homes, tokens, strict=True):
        remote = backend.runs(token, station=home.name)
        assert {run["id"] for run in remote} == set(local_runs(home))
        assert len(remote) == 4
    assert len(backend.runs(backend.token("admin", "--console"))) == 12


def test_a_rejected_token_is_reported_and_nothing_is_lost(
    backend, kitbench_home, start_fleet, template
):
    backend.configure_station(kitbench_home, "bench-1")
    Config(kitbench_home).set("backend.token", "not-the-token")
    provision(kitbench_home, template, start_fleet(2, auth="none"))
    done = kitbench("sync", "--once", home=kitbench_home)
    assert done.returncode == 1
    assert "2 run(s) waiting: station token rejected" in done.stderr
    with Store(kitbench_home) as store:
        assert store.waiting_count() == 2


# -- a station killed mid-provision


def wait_for(condition, timeout: float, what: str):
    """Poll another process's state (its database) until `condition()` is truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def results(home) -> dict[str, int]:
    path = home / DATABASE_NAME
    if not path.exists():
        return {}
    try:
        with sqlite3.connect(path, timeout=5) as connection:
            return dict(connection.execute("SELECT result, count(*) FROM runs GROUP BY result"))
    except sqlite3.OperationalError:  # the schema is still being created
        return {}


def test_sigkill_mid_provision_keeps_finished_runs_and_interrupts_the_rest(
    backend, kitbench_home, start_fleet, template
):
    token = backend.configure_station(kitbench_home, "bench-1")
    quick = start_fleet(2, auth="none", profile="mixed")
    # Five times slower than real hardware: their installs take many seconds.
    slow = start_fleet(2, auth="none", profile="mixed", latency="realistic", faults="slow=1")
    devices = [
        word
        for endpoint in [*quick.endpoints, *slow.endpoints]
        for word in ("--device", endpoint.spec)
    ]
    station = subprocess.Popen(
        [*KITBENCH, "provision", "-t", str(template), "--json", *devices],
        env={**os.environ, "KITBENCH_HOME": str(kitbench_home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(
            lambda: results(kitbench_home) == {"done": 2, "running": 2},
            60,
            "two runs done and two running",
        )
    finally:
        station.kill()
        station.wait(30)

    history = kitbench("history", "--json", home=kitbench_home)
    assert history.returncode == 0, history.stderr
    runs = [json.loads(line) for line in history.stdout.splitlines()]
    by_serial = {run["serial"]: run for run in runs}
    for endpoint in quick.endpoints:
        survived = by_serial[endpoint.serial]
        assert survived["result"] == "done"
        assert [step["status"] for step in survived["steps"]] == ["changed"] * 3  # and the marker
    for endpoint in slow.endpoints:
        cut = by_serial[endpoint.serial]
        assert cut["result"] == "interrupted"
        assert cut["finished_at"] is None

    first = kitbench("sync", "--once", home=kitbench_home)
    assert first.returncode == 0, first.stderr
    assert "sent 4 run(s)" in first.stdout
    again = kitbench("sync", "--once", home=kitbench_home)
    assert again.returncode == 0, again.stderr
    assert "sent" not in again.stdout

    remote = backend.runs(token)
    assert sorted(run["id"] for run in remote) == sorted(run["id"] for run in runs)
    assert sorted(run["result"] for run in remote) == ["done", "done", "interrupted", "interrupted"]


def test_sync_without_once_runs_until_stopped_and_reports_its_status(backend, kitbench_home):
    backend.configure_station(kitbench_home, "bench-1")
    worker = subprocess.Popen(
        [*KITBENCH, "sync"],
        env={**os.environ, "KITBENCH_HOME": str(kitbench_home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout.readline() == "synced\n"
    finally:
        worker.terminate()
        _, stderr = worker.communicate(timeout=30)
    assert worker.returncode == 0, stderr
    assert "Traceback" not in stderr
