"""Identical files pushed to many devices are stored once, and each device still owns its copy."""

from __future__ import annotations

import hashlib


def test_one_host_copy_for_the_fleet_and_a_write_changes_one_device_only(
    start_fleet, connect, random_file, tmp_path
):
    fleet = start_fleet(3, auth="none", profile="pixel8")
    sessions = [connect(endpoint) for endpoint in fleet.endpoints]
    first = random_file("first.bin", 2 * 1024 * 1024, seed=1)
    second = random_file("second.bin", 2 * 1024 * 1024, seed=2)
    for session in sessions:
        session.push(str(first), "/sdcard/Download/data.bin")
    stored = [
        path
        for endpoint in fleet.endpoints
        for path in (fleet.config.state_dir / f"device-{endpoint.port}").rglob("*data.bin")
    ]
    assert len(stored) == 3
    assert len({path.stat().st_ino for path in stored}) == 1  # one copy, three names

    sessions[0].push(str(second), "/sdcard/Download/data.bin")
    for index, expected in enumerate((second, first, first)):
        pulled = tmp_path / f"pulled-{index}.bin"
        sessions[index].pull("/sdcard/Download/data.bin", str(pulled))
        assert sha256(pulled) == sha256(expected)


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
