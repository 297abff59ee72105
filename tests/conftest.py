"""Shared fixtures: simulated fleets and adb-shell clients connected to them."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from adb_shell.adb_device import AdbDevice
from adb_shell.auth.keygen import keygen
from adb_shell.auth.sign_pythonrsa import PythonRSASigner

from app.devices.transport import FullWriteTcpTransport
from app.sim.fleet import Endpoint, SimFleet

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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
