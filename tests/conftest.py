"""Shared fixtures: simulated fleets and adb-shell clients connected to them."""

from __future__ import annotations

import os
import random
import time
import uuid
from pathlib import Path

import pytest
from adb_shell.adb_device import AdbDevice
from adb_shell.auth.keygen import keygen
from adb_shell.auth.sign_pythonrsa import PythonRSASigner

from app.devices.transport import FullWriteTcpTransport
from app.sim.fleet import Endpoint, SimFleet

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session", autouse=True)
def one_qt_application(qapp):
    """The QApplication from each process's first test on: a CLI test that writes a PDF
    (manifest, label, sheet) would otherwise make a bare QGuiApplication, and every widget
    test after it in that worker would abort ("Cannot create a QWidget without
    QApplication"). Parallel workers run tests in any order."""
    return qapp


@pytest.fixture(scope="session")
def host_key(tmp_path_factory) -> PythonRSASigner:
    """An ADB host key, as a station would have."""
    path = tmp_path_factory.mktemp("adbkey") / "adbkey"
    keygen(str(path))
    return PythonRSASigner.FromRSAKeyPath(str(path))


@pytest.fixture
def other_host_key(tmp_path) -> PythonRSASigner:
    path = tmp_path / "otherkey"
    keygen(str(path))
    return PythonRSASigner.FromRSAKeyPath(str(path))


@pytest.fixture
def start_fleet(tmp_path):
    """Start fleets on free ports with fast latency; all are stopped after the test."""
    fleets: list[SimFleet] = []

    def start(count: int = 1, **options) -> SimFleet:
        options.setdefault("base_port", 0)
        options.setdefault("latency", "fast")
        options.setdefault("state_dir", tmp_path / "sim-state")
        fleet = SimFleet(count, **options)
        fleet.start()
        fleets.append(fleet)
        return fleet

    yield start
    for fleet in fleets:
        fleet.stop()


@pytest.fixture
def connect(host_key):
    """Open adb-shell sessions to endpoints; all are closed after the test."""
    sessions: list[AdbDevice] = []

    def open_session(
        endpoint: Endpoint, key: PythonRSASigner | None = None, auth_timeout_s: float = 10.0
    ) -> AdbDevice:
        device = AdbDevice(FullWriteTcpTransport(endpoint.host, endpoint.port))
        sessions.append(device)
        device.connect(
            rsa_keys=[key or host_key],
            transport_timeout_s=10.0,
            read_timeout_s=10.0,
            auth_timeout_s=auth_timeout_s,
        )
        return device

    yield open_session
    for session in sessions:
        session.close()


@pytest.fixture
def real_adbd():
    """AOSP adbd 34 in a network namespace of its own (tests/adbd34.py); skips locally
    without it, fails in CI."""
    from tests.adbd34 import running_adbd

    with running_adbd() as adbd:
        yield adbd


@pytest.fixture
def random_file(tmp_path):
    """Files of deterministic bytes that do not compress, for transfer tests."""

    def make(name: str, size: int, seed: int = 1) -> Path:
        path = tmp_path / name
        path.write_bytes(random.Random(seed).randbytes(size))
        return path

    return make


@pytest.fixture(autouse=True)
def kitbench_home(tmp_path, monkeypatch):
    """Every test gets its own data directory: no test sees a station's real state."""
    home = tmp_path / "kitbench-home"
    monkeypatch.setenv("KITBENCH_HOME", str(home))
    return home


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database for one test, dropped after it.

    Needs $KITBENCH_TEST_PG_URL (`.ci/run` starts a server and sets it; the role needs
    CREATEDB). Skips locally without it; fails in CI, where it must be there.
    """
    admin_url = os.environ.get("KITBENCH_TEST_PG_URL")
    if not admin_url:
        if os.environ.get("KITBENCH_CI"):
            pytest.fail("KITBENCH_TEST_PG_URL is not set: .ci/run should have started PostgreSQL")
        pytest.skip("no PostgreSQL: set KITBENCH_TEST_PG_URL=postgresql+psycopg://…")
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    name = f"kitbench_test_{uuid.uuid4().hex[:12]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield admin.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        for attempt in range(20):
            try:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except psycopg.errors.InsufficientPrivilege:
                # an autovacuum worker on the new database; only pg_signal_backend may end it
                if attempt == 19:
                    raise
                time.sleep(0.5)  # the server's own worker: there is no event to wait on


@pytest.fixture
def fleet_run():
    """Build a run as stations send it to the fleet backend (docs/sync-api.md)."""

    def make(**fields) -> dict:
        run = {
            "id": uuid.uuid4().hex,
            "station": "bench-1",
            "serial": "R58N12345",
            "model": "SM-T510",
            "android_release": "14",
            "slot": "A1",
            "endpoint": "tcp:127.0.0.1:7400",
            "template": "retail-pos",
            "template_version": 3,
            "template_hash": "ab" * 32,
            "operator": "kim",
            "asset_tag": None,
            "started_at": "2024-05-01T12:00:00.123456+00:00",
            "finished_at": "2024-05-01T12:01:30+00:00",
            "result": "done",
            "error": None,
            "steps": [
                {
                    "index": 0,
                    "action": "install",
                    "name": "install com.example.pos",
                    "status": "changed",
                    "duration_ms": 812,
                    "message": "installed 1.0",
                }
            ],
        }
        run.update(fields)
        return run

    return make


@pytest.fixture
def examples(tmp_path) -> Path:
    """The example templates copied out, with a stand-in APK for every install step (APKs
    are never committed)."""
    import shutil

    import yaml

    from app.core.paths import resources_dir
    from app.sim.apk import build_apk

    folder = tmp_path / "templates"
    shutil.copytree(resources_dir() / "templates", folder)
    for template in folder.glob("*.yaml"):
        for step in yaml.safe_load(template.read_text(encoding="utf-8"))["steps"]:
            if "install" in step:
                apk = folder / step["install"]["apk"]
                apk.parent.mkdir(parents=True, exist_ok=True)
                apk.write_bytes(build_apk(step["install"]["package"], 1))
    return folder
