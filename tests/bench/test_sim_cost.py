"""What the simulator itself costs, so later benchmarks can subtract it.

Runs `kitbench sim` as its own process and reads that process's CPU time from /proc.
Prints figures; asserts nothing about time, only that every idle device stayed connected
and the pushed file arrived whole (its size and sha256 on the device).
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.devices.transport import FullWriteTcpTransport

IDLE_DEVICES = 100
IDLE_SECONDS = 5.0
PUSH_MB = 64


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port_block(size: int) -> int:
    for base in range(17400, 30000, size):
        try:
            probes = []
            for port in range(base, base + size):
                probe = socket.socket()
                probes.append(probe)
                probe.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError("no free block of ports")


@pytest.fixture
def sim_process(tmp_path):
    base = free_port_block(IDLE_DEVICES)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app",
            "sim",
            "--count",
            str(IDLE_DEVICES),
            "--base-port",
            str(base),
            "--auth",
            "none",
            "--latency",
            "fast",
            "--state-dir",
            str(tmp_path / "state"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    ports = [int(process.stdout.readline().split()[0]) for _ in range(IDLE_DEVICES)]
    yield process, ports
    process.terminate()
    process.wait(timeout=30)


def connect(port: int, host_key):
    from adb_shell.adb_device import AdbDevice

    device = AdbDevice(FullWriteTcpTransport("127.0.0.1", port))
    device.connect(rsa_keys=[host_key], transport_timeout_s=10, read_timeout_s=30)
    return device


def test_simulator_cpu_per_idle_device_and_per_mb_pushed(sim_process, host_key, random_file):
    process, ports = sim_process
    sessions = [connect(port, host_key) for port in ports]

    before = process_cpu_seconds(process.pid)
    time.sleep(IDLE_SECONDS)  # measuring idleness is the point here
    idle = process_cpu_seconds(process.pid) - before
    per_device_ms = idle / IDLE_SECONDS / IDLE_DEVICES * 1000

    source = random_file("push.bin", PUSH_MB * 1024 * 1024)
    before = process_cpu_seconds(process.pid)
    started = time.perf_counter()
    sessions[0].push(str(source), "/sdcard/Download/push.bin", read_timeout_s=120)
    wall = time.perf_counter() - started
    pushed = process_cpu_seconds(process.pid) - before
    arrived = (
        sessions[0]
        .shell(
            "stat -c %s /sdcard/Download/push.bin && sha256sum /sdcard/Download/push.bin",
            read_timeout_s=120,
        )
        .split()[:2]
    )
    dropped = []  # devices that no longer answer after the idle time and the push
    for port, session in zip(ports, sessions, strict=True):
        try:
            answer = session.shell("echo ok", read_timeout_s=30).strip()
        except Exception as exc:  # a lost session is a finding, named below
            answer = f"{type(exc).__name__}: {exc}"
        if answer != "ok":
            dropped.append(f"127.0.0.1:{port}: {answer[:80]}")
        session.close()

    print(
        f"\n[bench] simulator, {IDLE_DEVICES} connected idle devices: "
        f"{per_device_ms * 1000:.1f} µs CPU per device per second"
        f"\n[bench] simulator push of {PUSH_MB} MB (fast latency): "
        f"{pushed / PUSH_MB * 1000:.1f} ms CPU per MB, {PUSH_MB / wall:.0f} MB/s wall"
    )
    assert not dropped, f"{len(dropped)} of {IDLE_DEVICES} devices stopped answering: " + (
        ", ".join(dropped[:20])
    )
    wanted = [str(PUSH_MB * 1024 * 1024), hashlib.sha256(source.read_bytes()).hexdigest()]
    assert arrived == wanted, f"push.bin on the device is {arrived}, not {wanted} (size, sha256)"
