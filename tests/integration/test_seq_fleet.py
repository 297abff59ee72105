"""Fleet-unique `{seq}`: two stations (two data folders, `kitbench provision` processes) lease
numbers from one real backend (SQLite and PostgreSQL) at the same time; one is killed with
SIGKILL mid-run, then both run again: every device's name is distinct across the fleet.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from app.sim.apk import build_apk
from app.storage import Config
from tests.integration.test_sync_backend import (
    KITBENCH,
    FleetBackend,
    kitbench,
    results,
    wait_for,
)

TEMPLATE = """\
kitbench: 1
name: pos
version: 1
steps:
  - install: {apk: app.apk}
  - setting: {namespace: global, key: device_name, value: "POS-{seq:04d}"}
"""
BLOCK_SIZE = "3"  # small, so each station leases several blocks during one run


@pytest.fixture
def template(tmp_path) -> Path:
    folder = tmp_path / "template"
    folder.mkdir()
    (folder / "app.apk").write_bytes(build_apk("com.example.pos", 1))
    path = folder / "pos.yaml"
    path.write_text(TEMPLATE)
    return path


def station_home(tmp_path: Path, backend: FleetBackend, name: str) -> Path:
    home = tmp_path / name
    backend.configure_station(home, name)
    Config(home).set("seq.block_size", BLOCK_SIZE)
    return home


def start_provision(home: Path, template: Path, endpoints) -> subprocess.Popen:
    devices = [word for endpoint in endpoints for word in ("--device", endpoint.spec)]
    return subprocess.Popen(
        [*KITBENCH, "provision", "-t", str(template), "--json", *devices],
        env={**os.environ, "KITBENCH_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def device_names(*fleets) -> dict[str, str | None]:
    return {
        device.model.serial: fleet.call(
            lambda d=device: d.model.state.settings["global"].get("device_name")
        )
        for fleet in fleets
        for device in fleet.devices
    }


def test_two_stations_one_killed_mid_run_never_share_a_number(
    backend, tmp_path, start_fleet, template
):
    home_a = station_home(tmp_path, backend, "bench-a")
    home_b = station_home(tmp_path, backend, "bench-b")
    quick_a = start_fleet(4, auth="none", profile="mixed")
    slow_a = start_fleet(3, auth="none", profile="mixed", latency="realistic", faults="slow=1")
    fleet_b = start_fleet(7, auth="none", profile="mixed")
    a_devices = [*quick_a.endpoints, *slow_a.endpoints]

    station_a = start_provision(home_a, template, a_devices)
    station_b = start_provision(home_b, template, fleet_b.endpoints)
    try:
        wait_for(lambda: results(home_a).get("running", 0) >= 1 and results(home_a).get("done"),
                 90, "station A done with some devices and running others")  # fmt: skip
        station_a.send_signal(signal.SIGKILL)  # mid-run: its ledger is as the crash left it
        station_a.wait(30)
        _, errors = station_b.communicate(timeout=300)
        assert station_b.returncode == 0, errors
    finally:
        for process in (station_a, station_b):
            if process.poll() is None:
                process.kill()
                process.wait(30)
    assert station_a.returncode == -signal.SIGKILL
    assert results(home_a).get("running", 0) >= 1  # it really died with runs under way

    # Both again: A finishes what the kill cut off; B's devices are provisioned already.
    again_a = start_provision(home_a, template, a_devices)
    again_b = start_provision(home_b, template, fleet_b.endpoints)
    for process in (again_a, again_b):
        out, errors = process.communicate(timeout=300)
        assert process.returncode == 0, errors
        assert all(json.loads(line)["result"] == "done" for line in out.splitlines())

    names = device_names(quick_a, slow_a, fleet_b)
    assert all(name and re.fullmatch(r"POS-\d{4}", name) for name in names.values()), names
    assert len(set(names.values())) == len(names) == 14, names


def device_args(fleet) -> list[str]:
    return [word for endpoint in fleet.endpoints for word in ("--device", endpoint.spec)]


def test_offline_with_no_block_left_the_device_waits_with_a_reason(tmp_path, start_fleet, template):
    backend = FleetBackend(f"sqlite:///{tmp_path / 'fleet.db'}").start()
    home = station_home(tmp_path, backend, "bench-a")
    fleet = start_fleet(2, auth="none")
    factory_names = device_names(fleet)
    backend.stop()  # the backend is away and this station holds no number yet
    out = kitbench("provision", "-t", str(template), "--json", *device_args(fleet), home=home)
    assert out.returncode == 1, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["cause"] for line in lines] == ["no-numbers", "no-numbers"]
    assert all("No {seq} number of pos left" in line["error"] for line in lines)
    assert device_names(fleet) == factory_names  # nothing was done to the devices

    # A template whose numbers may be station-local runs offline all the same.
    local = template.with_name("local.yaml")
    local.write_text(TEMPLATE.replace("name: pos", "name: pos\nseq: station"))
    out = kitbench("provision", "-t", str(local), "--json", *device_args(fleet), home=home)
    assert out.returncode == 0, out.stderr
    assert sorted(device_names(fleet).values()) == ["POS-0001", "POS-0002"]
