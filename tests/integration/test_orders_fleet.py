"""Two stations on one kitting order against one real backend: the order adds up there, and
each device's identity arrives as the station read it and comes back from the API."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from app.sim.apk import build_apk
from tests.integration.test_sync_backend import TEMPLATE, FleetBackend, kitbench


@pytest.fixture
def template(tmp_path) -> Path:
    folder = tmp_path / "template"
    folder.mkdir()
    (folder / "app.apk").write_bytes(build_apk("com.example.kiosk", 4))
    path = folder / "kiosk.yaml"
    path.write_text(TEMPLATE + '  - device_name: "KIOSK-{serial}"\n')
    return path


def run_ok(*args: str, home: Path) -> str:
    done = kitbench(*args, home=home)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def provision(home: Path, template: Path, endpoints, *extra: str) -> None:
    devices = [word for endpoint in endpoints for word in ("--device", endpoint.spec)]
    run_ok("provision", "-t", str(template), "--order", "PO-4711", *devices, *extra, home=home)


def get(backend: FleetBackend, token: str, path: str, **params) -> dict:
    response = httpx.get(f"{backend.url}/api/v1{path}", params=params, timeout=30,
                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    response.raise_for_status()
    return response.json()


IDENTITY = ("imei", "meid", "wifi_mac", "bluetooth_mac", "build_fingerprint", "security_patch",
            "hardware_serial", "manufacturer")  # fmt: skip


def test_two_stations_on_one_order_add_up_on_the_backend_with_each_identity(
    backend, tmp_path, start_fleet, template
):
    homes = [tmp_path / "bench-a", tmp_path / "bench-b"]
    tokens = [backend.configure_station(home, home.name) for home in homes]
    for home in homes:
        run_ok("order", "create", "PO-4711", "--target", "6", "--customer", "Shop X",
               "--template", "kiosk@4", home=home)  # fmt: skip
    fleet = start_fleet(5, auth="none", profile="pixel8")
    a, b = fleet.endpoints[:3], fleet.endpoints[3:]
    provision(homes[0], template, a)
    provision(homes[1], template, [*b, a[2]], "--force")  # a[2] again, on the other bench

    history = [json.loads(line) for line in run_ok("history", "--json", home=homes[0]).splitlines()]
    assert {run["order"] for run in history} == {"PO-4711"}
    assert all(len(run["imei"]) == 2 and run["wifi_mac"] for run in history), history
    assert all(run["device_name"] == f"KIOSK-{run['serial']}" for run in history), history
    listed = json.loads(run_ok("devices", "--json", "--tcp", a[0].spec.removeprefix("tcp:"),
                               home=homes[0]))  # fmt: skip
    assert listed["imei"] == next(run["imei"] for run in history if run["serial"] == a[0].serial)
    assert listed["device_name"] == f"KIOSK-{a[0].serial}"

    for home in homes:
        run_ok("sync", "--once", home=home)

    console = backend.token("office", "--console")
    order = get(backend, console, "/orders/PO-4711")
    assert (order["target"], order["customer"], order["template"]) == (6, "Shop X", "kiosk")
    assert (order["done"], order["failed"], order["remaining"], order["state"]) == (5, 0, 1, "open")
    assert order["stations"] == ["bench-a", "bench-b"]
    devices = {device["serial"]: device for device in order["devices"]}
    assert set(devices) == {endpoint.serial for endpoint in fleet.endpoints}
    assert devices[a[2].serial]["runs"] == 2
    assert [o["number"] for o in get(backend, tokens[1], "/orders")["orders"]] == ["PO-4711"]
    assert get(backend, tokens[1], "/orders/PO-4711")["done"] == 5

    lines = [line for home in homes for line in run_ok("history", "--json", home=home).splitlines()]
    local = {run["id"]: run for run in map(json.loads, lines)}
    remote = {run["id"]: run for run in get(backend, console, "/runs", order="PO-4711")["runs"]}
    assert set(remote) == set(local) and len(remote) == 6
    for run_id, run in local.items():
        for field in IDENTITY:
            assert remote[run_id][field] == run[field], field
        assert remote[run_id]["order_number"] == "PO-4711"
        assert remote[run_id]["device_name"] == run["device_name"]
        assert devices[run["serial"]]["imei"] == run["imei"]
        assert devices[run["serial"]]["device_name"] == f"KIOSK-{run['serial']}"
    fleet_devices = {d["serial"]: d for d in get(backend, console, "/devices")["devices"]}
    assert fleet_devices[a[0].serial]["latest_run"]["imei"] == listed["imei"]

    run_ok("order", "close", "PO-4711", home=homes[1])
    run_ok("sync", "--once", home=homes[1])
    assert get(backend, console, "/orders")["orders"][0]["state"] == "closed"
