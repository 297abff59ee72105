"""The fleet backend's API as a station and an admin use it, through FastAPI's TestClient."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from app.fleet import FleetDatabase, Role, create_app


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """The same behaviour on both databases the backend supports."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fleet.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = FleetDatabase.open(url)
    yield database
    database.close()


@pytest.fixture
def client(database):
    token = database.create_token("bench-1")
    with TestClient(create_app(database), headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


@pytest.fixture
def console(database):
    """An admin's read-everything token (the console's)."""
    token = database.create_credential(Role.CONSOLE, "admin")
    with TestClient(create_app(database), headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


NOT_SENT = {
    "release_manifest": None,
    "release_channel": None,
    "order_number": None,
    "manufacturer": None,
    "imei": [],
    "meid": None,
    "wifi_mac": None,
    "bluetooth_mac": None,
    "build_fingerprint": None,
    "security_patch": None,
    "hardware_serial": None,
    "identity_gaps": None,
    "device_name": None,
}


def as_stored(run: dict, station: str = "bench-1") -> dict:
    """A run as the backend returns it: under its token's station, what it left out null (a
    step's evidence "")."""
    steps = [{"evidence": "", **step} for step in run["steps"]]
    return {**NOT_SENT, **run, "station": station, "steps": steps}


def post_runs(client: TestClient, runs: list[dict]) -> dict:
    response = client.post("/api/v1/runs", json={"runs": runs})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_posted_run_reads_back_as_sent_under_the_tokens_station(client, fleet_run):
    run = fleet_run(station="someone-else")
    assert post_runs(client, [run]) == {"accepted": [run["id"]], "duplicates": []}
    assert client.get("/api/v1/runs").json() == {"runs": [as_stored(run)]}


def test_times_come_back_in_utc(client, fleet_run):
    naive = fleet_run(started_at="2024-05-01T12:00:00", finished_at=None)
    berlin = fleet_run(started_at="2024-05-01T14:00:00+02:00", finished_at=None)
    post_runs(client, [naive, berlin])
    runs = client.get("/api/v1/runs").json()["runs"]
    assert {run["started_at"] for run in runs} == {"2024-05-01T12:00:00+00:00"}


def test_a_run_sent_twice_is_stored_once_and_reported_as_duplicate(client, fleet_run):
    first, second = fleet_run(), fleet_run()
    post_runs(client, [first])
    receipt = post_runs(client, [first, second, second])
    assert receipt == {"accepted": [second["id"]], "duplicates": [first["id"], second["id"]]}
    stored = [run["id"] for run in client.get("/api/v1/runs").json()["runs"]]
    assert sorted(stored) == sorted([first["id"], second["id"]])


def test_a_duplicate_keeps_the_first_copy(client, fleet_run):
    run = fleet_run(result="done")
    post_runs(client, [run])
    post_runs(client, [{**run, "result": "failed", "error": "changed my mind"}])
    [stored] = client.get("/api/v1/runs").json()["runs"]
    assert (stored["result"], stored["error"]) == ("done", None)


def test_an_interrupted_run_with_its_unfinished_step_is_accepted(client, fleet_run):
    step = {"index": 0, "action": "push", "name": "push config", "status": "running"}
    run = fleet_run(result="interrupted", finished_at=None, steps=[step])
    assert post_runs(client, [run])["accepted"] == [run["id"]]
    [stored] = client.get("/api/v1/runs").json()["runs"]
    assert stored["steps"] == [{**step, "duration_ms": 0, "message": "", "evidence": ""}]


def test_an_interrupted_run_that_arrives_finished_is_updated(client, fleet_run):
    step = {"index": 0, "action": "push", "name": "push config", "status": "running"}
    interrupted = fleet_run(result="interrupted", finished_at=None, steps=[step])
    post_runs(client, [interrupted])
    # The interrupted copy again changes nothing: it is a duplicate.
    assert post_runs(client, [interrupted]) == {"accepted": [], "duplicates": [interrupted["id"]]}

    finished = fleet_run(id=interrupted["id"], result="failed", error="push: device gone")
    assert post_runs(client, [finished]) == {"accepted": [finished["id"]], "duplicates": []}
    [stored] = client.get("/api/v1/runs").json()["runs"]
    assert (stored["result"], stored["error"]) == ("failed", "push: device gone")
    assert stored["finished_at"] == "2024-05-01T12:01:30+00:00"
    assert stored["steps"][0]["status"] == "changed"

    # Once finished, it is final: neither another finish nor the interrupted copy replace it.
    assert post_runs(client, [{**finished, "result": "done", "error": None}])["duplicates"] == [
        finished["id"]
    ]
    assert post_runs(client, [interrupted])["duplicates"] == [finished["id"]]
    [stored] = client.get("/api/v1/runs").json()["runs"]
    assert (stored["result"], stored["error"]) == ("failed", "push: device gone")


def test_another_station_cannot_finish_a_stations_interrupted_run(client, database, fleet_run):
    interrupted = fleet_run(result="interrupted", finished_at=None)
    post_runs(client, [interrupted])
    other = {"Authorization": f"Bearer {database.create_token('bench-2')}"}
    response = client.post(
        "/api/v1/runs", json={"runs": [{**interrupted, "result": "done"}]}, headers=other
    )
    assert response.json() == {"accepted": [], "duplicates": [interrupted["id"]]}
    [stored] = client.get("/api/v1/runs").json()["runs"]
    assert (stored["station"], stored["result"]) == ("bench-1", "interrupted")


@pytest.fixture
def local_time_not_utc(monkeypatch):
    """The backend's machine in New York, so a naive time read as local time shows."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX only")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_since_without_an_offset_is_utc(client, fleet_run, local_time_not_utc):
    noon = fleet_run(started_at="2024-05-01T12:00:00+00:00")
    two = fleet_run(started_at="2024-05-01T14:00:00+00:00")
    post_runs(client, [noon, two])

    def ids(since: str) -> list[str]:
        response = client.get("/api/v1/runs", params={"since": since})
        assert response.status_code == 200, response.text
        return [run["id"] for run in response.json()["runs"]]

    assert ids("2024-05-01T13:00:00") == [two["id"]]
    assert ids("2024-05-01T11:00:00") == [two["id"], noon["id"]]
    assert ids("2024-05-01T13:00:00+02:00") == [two["id"], noon["id"]]


def test_runs_filter_and_come_newest_first(client, console, database, fleet_run):
    other_token = database.create_token("bench-2")
    old = fleet_run(serial="S1", started_at="2024-01-01T00:00:00+00:00")
    new = fleet_run(serial="S1", started_at="2024-03-01T00:00:00+00:00", template="kiosk")
    middle = fleet_run(serial="S2", started_at="2024-02-01T00:00:00+00:00")
    post_runs(client, [old, new])
    response = client.post(
        "/api/v1/runs",
        json={"runs": [middle]},
        headers={"Authorization": f"Bearer {other_token}"},
    )
    assert response.status_code == 200

    def ids(**params) -> list[str]:
        response = console.get("/api/v1/runs", params=params)
        assert response.status_code == 200, response.text
        return [run["id"] for run in response.json()["runs"]]

    # A station reads its own runs only.
    own = client.get("/api/v1/runs").json()["runs"]
    assert [run["id"] for run in own] == [new["id"], old["id"]]
    assert ids() == [new["id"], middle["id"], old["id"]]
    assert ids(serial="S1") == [new["id"], old["id"]]
    assert ids(station="bench-2") == [middle["id"]]
    assert ids(template="kiosk") == [new["id"]]
    assert ids(since="2024-02-01T00:00:00Z") == [new["id"], middle["id"]]
    assert ids(limit=1) == [new["id"]]
    assert ids(limit=1, offset=1) == [middle["id"]]
    assert ids(serial="nobody") == []


def test_devices_show_their_latest_run(client, console, fleet_run):
    first = fleet_run(
        serial="S1",
        started_at="2024-01-01T00:00:00+00:00",
        finished_at="2024-01-01T00:01:00+00:00",
        result="failed",
    )
    latest = fleet_run(
        serial="S1",
        started_at="2024-01-02T00:00:00+00:00",
        finished_at="2024-01-02T00:05:00+00:00",
    )
    other = fleet_run(
        serial="S2", model="Pixel 7", started_at="2023-12-01T00:00:00+00:00", finished_at=None
    )
    anonymous = fleet_run(serial=None, result="refused")
    post_runs(client, [latest, first, other, anonymous])
    devices = console.get("/api/v1/devices").json()["devices"]
    assert [(device["serial"], device["latest_run"]["id"]) for device in devices] == [
        ("S1", latest["id"]),
        ("S2", other["id"]),
    ]
    assert devices[0]["last_seen"] == "2024-01-02T00:05:00+00:00"
    assert (devices[1]["model"], devices[1]["last_seen"]) == (
        "Pixel 7",
        "2023-12-01T00:00:00+00:00",
    )
    assert devices[0]["latest_run"] == as_stored(latest)


def test_a_heartbeat_records_what_the_station_has_waiting(client, console):
    response = client.post("/api/v1/heartbeat", json={"waiting": 7, "version": "0.1.0"})
    assert response.status_code == 200
    assert response.json()["station"] == "bench-1"
    [station] = console.get("/api/v1/stations").json()["stations"]
    assert (station["name"], station["waiting"], station["version"]) == ("bench-1", 7, "0.1.0")
    assert station["last_heartbeat"] == response.json()["server_time"]


ENDPOINTS = [
    ("post", "/api/v1/runs", {"runs": []}),
    ("get", "/api/v1/runs", None),
    ("get", "/api/v1/devices", None),
    ("post", "/api/v1/releases", {"manifest": "{}", "channel": "canary"}),
    ("get", "/api/v1/releases", None),
    ("get", "/api/v1/releases/t/1", None),
    ("post", "/api/v1/releases/t/1/promote", {"channel": "canary"}),
    ("post", "/api/v1/releases/t/1/withdraw", None),
    ("get", "/api/v1/channels/production", None),
    ("get", "/api/v1/release-events", None),
    ("post", "/api/v1/files/missing", {"files": []}),
    ("patch", f"/api/v1/files/{'a' * 64}", None),
    ("get", f"/api/v1/files/{'a' * 64}", None),
    ("post", "/api/v1/heartbeat", {"waiting": 0, "version": "0.1.0"}),
    ("get", "/api/v1/stations", None),
    ("post", "/api/v1/orders", {"orders": []}),
    ("get", "/api/v1/orders", None),
    ("get", "/api/v1/orders/PO-1", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "missing token"),
        ("Basic dXNlcjpwYXNz", "missing token"),
        ("Bearer ", "missing token"),
        ("Bearer not-a-token", "token rejected"),
    ],
)
def test_every_endpoint_needs_a_valid_token(database, method, path, body, authorization, message):
    headers = {} if authorization is None else {"Authorization": authorization}
    with TestClient(create_app(database)) as client:
        response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"].startswith(message)
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_new_token_revokes_the_stations_old_one(client, database):
    database.create_token("bench-1")
    response = client.get("/api/v1/runs")
    assert response.status_code == 401
    assert response.json()["detail"] == "token rejected"


def test_openapi_document_describes_the_api(client):
    document = client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/runs",
        "/api/v1/devices",
        "/api/v1/releases",
        "/api/v1/releases/{name}/{version}",
        "/api/v1/channels/{channel}",
        "/api/v1/files/{sha256}",
        "/api/v1/heartbeat",
    } <= set(document["paths"])
    assert document["components"]["schemas"]["RunIn"]["additionalProperties"] is False


# Who may call what: every endpoint, every role. A 403 names the role and what it may not do.
ROLE_MATRIX = {
    # endpoint: roles allowed
    ("post", "/api/v1/runs", '{"runs": []}'): {"station"},
    ("get", "/api/v1/runs", None): {"station", "console"},
    ("get", "/api/v1/devices", None): {"console"},
    ("post", "/api/v1/heartbeat", '{"waiting": 0, "version": "1"}'): {"station"},
    ("get", "/api/v1/stations", None): {"console"},
    ("post", "/api/v1/orders", '{"orders": []}'): {"station"},
    ("get", "/api/v1/orders", None): {"station", "console"},
    ("get", "/api/v1/orders/PO-1", None): {"station", "console"},
    ("get", "/api/v1/releases", None): {"station", "publisher", "console"},
    ("get", "/api/v1/releases/kiosk/1", None): {"station", "publisher", "console"},
    ("get", "/api/v1/channels/production", None): {"station", "publisher", "console"},
    ("get", f"/api/v1/files/{'a' * 64}", None): {"station", "publisher", "console"},
    ("get", "/api/v1/release-events", None): {"publisher", "console"},
    ("post", "/api/v1/releases", '{"manifest": "{}", "channel": "canary"}'): {"publisher"},
    ("post", "/api/v1/releases/kiosk/1/promote", '{"channel": "canary"}'): {"publisher"},
    ("post", "/api/v1/releases/kiosk/1/withdraw", None): {"publisher"},
    ("post", "/api/v1/files/missing", '{"files": []}'): {"publisher"},
    ("patch", f"/api/v1/files/{'a' * 64}", ""): {"publisher"},
}


@pytest.mark.parametrize("role", ["station", "publisher", "console"])
@pytest.mark.parametrize(("method", "path", "body"), list(ROLE_MATRIX), ids=str)
def test_each_role_may_call_only_its_endpoints(database, role, method, path, body):
    token = database.create_credential(Role(role), f"some-{role}")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if method == "patch":
        headers.update({"Upload-Offset": "0", "Upload-Length": "0"})
    with TestClient(create_app(database)) as client:
        response = client.request(method, path, content=body, headers=headers)
    if role in ROLE_MATRIX[(method, path, body)]:
        assert response.status_code != 403, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["detail"].startswith(f"a {role} token may not ")


def test_a_station_reads_only_its_own_runs(client, database, fleet_run):
    post_runs(client, [fleet_run()])
    response = client.get("/api/v1/runs", params={"station": "bench-2"})
    assert response.status_code == 403
    assert response.json()["detail"] == "a station token may read only its own station's runs"
    assert len(client.get("/api/v1/runs", params={"station": "bench-1"}).json()["runs"]) == 1


def test_a_station_token_from_before_roles_is_still_a_station_token(database, fleet_run):
    """Tokens made before roles existed live in the stations table and keep working."""
    token = database.create_token("bench-9")
    with TestClient(create_app(database), headers={"Authorization": f"Bearer {token}"}) as client:
        assert post_runs(client, [fleet_run()])["accepted"]
        assert client.get("/api/v1/devices").status_code == 403


# -- identity and kitting orders

IDENTITY = {
    "manufacturer": "Google",
    "imei": ["490154203237518", "356938035643809"],
    "meid": None,
    "wifi_mac": "3c:28:6d:00:11:22",
    "bluetooth_mac": "3c:28:6d:00:11:23",
    "build_fingerprint": "google/shiba/shiba:14/AP1A.240305.019/11420335:user/release-keys",
    "security_patch": "2024-03-05",
    "hardware_serial": None,
    "identity_gaps": {"meid": "no-radio"},
}


def test_a_runs_identity_and_order_come_back_on_runs_and_devices(client, console, fleet_run):
    run = fleet_run(serial="S1", order_number="PO-4711", device_name="POS-berlin-0042", **IDENTITY)
    old_station = fleet_run(serial="S2")  # a station from before identities: none sent
    post_runs(client, [run, old_station])
    assert console.get("/api/v1/runs", params={"serial": "S1"}).json()["runs"] == [as_stored(run)]
    assert client.get("/api/v1/runs", params={"order": "PO-4711"}).json()["runs"] == [
        as_stored(run)
    ]
    devices = {
        device["serial"]: device for device in console.get("/api/v1/devices").json()["devices"]
    }
    assert devices["S1"]["latest_run"]["imei"] == IDENTITY["imei"]
    assert devices["S1"]["latest_run"]["wifi_mac"] == "3c:28:6d:00:11:22"
    assert devices["S2"]["latest_run"] == as_stored(old_station)
    (device,) = console.get("/api/v1/orders/PO-4711").json()["devices"]
    assert device["device_name"] == "POS-berlin-0042"


def test_a_third_imei_is_refused_with_its_place(client, fleet_run):
    run = fleet_run(imei=["490154203237518"] * 3)
    response = client.post("/api/v1/runs", json={"runs": [run]})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("runs.0.imei:")


def order(number: str = "PO-4711", **fields) -> dict:
    return {"number": number, "customer": "Shop X", "target": 4, "template": "retail-pos",
            "template_version": 3, "state": "open", "created_at": "2024-05-01T08:00:00Z",
            **fields}  # fmt: skip


def test_an_order_adds_up_across_stations_each_device_once(database, client, console, fleet_run):
    other_token = database.create_token("bench-2")
    headers = {"Authorization": f"Bearer {other_token}"}
    with TestClient(create_app(database), headers=headers) as bench_2:
        assert client.post("/api/v1/orders", json={"orders": [order()]}).json() == {
            "stored": ["PO-4711"]
        }
        assert bench_2.post("/api/v1/orders", json={"orders": [order()]}).status_code == 200
        at = "2024-05-01T12:00:00+00:00", "2024-05-01T13:00:00+00:00"
        post_runs(client, [
            fleet_run(serial="A", order_number="PO-4711", result="failed", started_at=at[0]),
            fleet_run(serial="B", order_number="PO-4711", result="refused"),
            fleet_run(serial="C", order_number="PO-4711", result="interrupted"),
            fleet_run(serial="D", order_number="PO-9"),  # another order
        ])  # fmt: skip
        post_runs(bench_2, [
            # A failed on bench-1, then was done on bench-2: done, once.
            fleet_run(serial="A", order_number="PO-4711", result="done", started_at=at[1]),
            fleet_run(serial="E", order_number="PO-4711", result="done"),
            fleet_run(serial="E", order_number="PO-4711", result="done"),
        ])  # fmt: skip
        detail = console.get("/api/v1/orders/PO-4711").json()
        assert (detail["done"], detail["failed"], detail["refused"], detail["remaining"]) == (
            2, 1, 1, 2)  # fmt: skip
        assert (detail["state"], detail["target"], detail["customer"]) == ("open", 4, "Shop X")
        assert detail["stations"] == ["bench-1", "bench-2"]
        devices = {device["serial"]: device for device in detail["devices"]}
        assert sorted(devices) == ["A", "B", "C", "E"]
        assert (devices["A"]["result"], devices["A"]["runs"], devices["A"]["station"]) == (
            "done", 2, "bench-2")  # fmt: skip
        assert (devices["C"]["result"], devices["E"]["runs"]) == ("interrupted", 2)
        listed = {o["number"]: o for o in console.get("/api/v1/orders").json()["orders"]}
        assert set(listed) == {"PO-4711", "PO-9"}
        assert listed["PO-9"]["target"] is None and listed["PO-9"]["done"] == 1
        assert "devices" not in listed["PO-4711"]

        post_runs(client, [fleet_run(serial="F", order_number="PO-4711"),
                           fleet_run(serial="G", order_number="PO-4711")])  # fmt: skip
        assert client.get("/api/v1/orders/PO-4711").json()["state"] == "complete"
        closed = order(state="closed", closed_at="2024-05-02T08:00:00Z")
        bench_2.post("/api/v1/orders", json={"orders": [closed]}).raise_for_status()
        client.post("/api/v1/orders", json={"orders": [order()]}).raise_for_status()
        assert client.get("/api/v1/orders/PO-4711").json()["state"] == "closed"


def test_a_station_reads_only_the_orders_it_works_on(database, client, fleet_run):
    client.post("/api/v1/orders", json={"orders": [order("PO-1")]}).raise_for_status()
    post_runs(client, [fleet_run(order_number="PO-2")])
    assert [o["number"] for o in client.get("/api/v1/orders").json()["orders"]] == [
        "PO-2", "PO-1"]  # fmt: skip
    token = database.create_token("bench-3")
    with TestClient(create_app(database), headers={"Authorization": f"Bearer {token}"}) as other:
        assert other.get("/api/v1/orders").json() == {"orders": []}
        response = other.get("/api/v1/orders/PO-1")
        assert response.status_code == 404
        assert response.json()["detail"] == "no order PO-1 that this station works on"


def test_a_bad_order_is_refused_with_its_field(client):
    response = client.post("/api/v1/orders", json={"orders": [order(target=0)]})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("orders.0.target:")
