"""`kitbench sim` as a user runs it: lines when listening, clean stops, clear errors."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest


def start_sim(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "sim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_prints_a_line_per_device_then_stops_cleanly(tmp_path, stop_signal):
    process = start_sim(
        "--count", "3", "--base-port", "0", "--latency", "fast", "--state-dir", str(tmp_path)
    )
    lines = [process.stdout.readline().rstrip("\n").split("\t") for _ in range(3)]
    ports = [int(port) for port, _, _ in lines]
    assert len({serial for _, serial, _ in lines}) == 3
    assert all(model for _, _, model in lines)
    socket.create_connection(("127.0.0.1", ports[0]), timeout=5).close()
    process.send_signal(stop_signal)
    assert process.wait(timeout=30) == 0
    assert "Traceback" not in process.stderr.read()


def test_serials_are_stable_for_a_state_dir_and_port(tmp_path):
    def serials() -> list[str]:
        process = start_sim(
            "--count", "2", "--base-port", "7391", "--latency", "fast", "--state-dir", str(tmp_path)
        )
        found = [process.stdout.readline().split("\t")[1] for _ in range(2)]
        process.terminate()
        process.wait(timeout=30)
        return found

    assert serials() == serials()


def test_a_stopped_simulator_started_again_on_its_state_dir_keeps_what_was_done(
    tmp_path, connect, random_file
):
    """Changes are written a moment later, once per burst: stopping writes what is waiting."""
    from app.sim.fleet import Endpoint

    def start() -> tuple[subprocess.Popen, Endpoint]:
        process = start_sim(
            "--count", "1", "--base-port", "7394", "--auth", "none", "--latency", "fast",
            "--state-dir", str(tmp_path / "state"),
        )  # fmt: skip
        port, serial, model = process.stdout.readline().rstrip("\n").split("\t")
        return process, Endpoint("127.0.0.1", int(port), serial, model, "")

    process, endpoint = start()
    session = connect(endpoint)
    payload = random_file("notes.bin", 300_000)
    session.shell("settings put global stay_on_while_plugged_in 7")
    session.push(str(payload), "/sdcard/Download/notes.bin")
    session.close()
    process.terminate()
    assert process.wait(timeout=30) == 0

    process, endpoint = start()
    try:
        session = connect(endpoint)
        assert session.shell("settings get global stay_on_while_plugged_in") == "7\n"
        pulled = tmp_path / "pulled.bin"
        session.pull("/sdcard/Download/notes.bin", str(pulled))
        assert pulled.read_bytes() == payload.read_bytes()
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "2", "--faults", "explode=1"], "unknown fault 'explode'"),
        (["--count", "2", "--profile", "iphone"], "iphone"),
        (["--count", "0"], "--count"),
        (["--count", "2", "--auth", "maybe"], "--auth"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(args, message):
    result = subprocess.run(
        [sys.executable, "-m", "app", "sim", *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "app", "sim", "--count", "1", "--base-port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert "cannot start the simulator" in result.stderr and str(port) in result.stderr
    assert "Traceback" not in result.stderr


def test_a_fleet_that_cannot_start_leaves_nothing_running(tmp_path):
    import threading

    from app.sim.fleet import SimFleet

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        fleet = SimFleet(1, base_port=port, latency="fast", state_dir=tmp_path)
        with pytest.raises(OSError):
            fleet.start()
    assert not any(thread.name == "sim" and thread.is_alive() for thread in threading.enumerate())
