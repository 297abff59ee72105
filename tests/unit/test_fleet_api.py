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


def as_stored(run: dict, station: str = "bench-1") -> dict:
    """A run as the backend returns it: under its token's station, release fields null."""
    return {**run, "station": station, "release_manifest": None, "release_channel": None}


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
    assert stored["steps"] == [{**step, "duration_ms": 0, "message": ""}]


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
