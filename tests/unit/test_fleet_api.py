"""The fleet backend's API as a station and an admin use it, through FastAPI's TestClient."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from app.fleet import FleetDatabase, create_app

TEMPLATE_YAML = "kitbench: 1\nname: retail-pos\nversion: 3\nsteps:\n  - timezone: Europe/Berlin\n"


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


def post_runs(client: TestClient, runs: list[dict]) -> dict:
    response = client.post("/api/v1/runs", json={"runs": runs})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_posted_run_reads_back_as_sent_under_the_tokens_station(client, fleet_run):
    run = fleet_run(station="someone-else")
    assert post_runs(client, [run]) == {"accepted": [run["id"]], "duplicates": []}
    assert client.get("/api/v1/runs").json() == {"runs": [{**run, "station": "bench-1"}]}


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


def test_runs_filter_and_come_newest_first(client, database, fleet_run):
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
        response = client.get("/api/v1/runs", params=params)
        assert response.status_code == 200, response.text
        return [run["id"] for run in response.json()["runs"]]

    assert ids() == [new["id"], middle["id"], old["id"]]
    assert ids(serial="S1") == [new["id"], old["id"]]
    assert ids(station="bench-2") == [middle["id"]]
    assert ids(template="kiosk") == [new["id"]]
    assert ids(since="2024-02-01T00:00:00Z") == [new["id"], middle["id"]]
    assert ids(limit=1) == [new["id"]]
    assert ids(limit=1, offset=1) == [middle["id"]]
    assert ids(serial="nobody") == []


def test_devices_show_their_latest_run(client, fleet_run):
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
    devices = client.get("/api/v1/devices").json()["devices"]
    assert [(device["serial"], device["latest_run"]["id"]) for device in devices] == [
        ("S1", latest["id"]),
        ("S2", other["id"]),
    ]
    assert devices[0]["last_seen"] == "2024-01-02T00:05:00+00:00"
    assert (devices[1]["model"], devices[1]["last_seen"]) == (
        "Pixel 7",
        "2023-12-01T00:00:00+00:00",
    )
    assert devices[0]["latest_run"] == {**latest, "station": "bench-1"}


def test_published_templates_can_be_listed_and_fetched(client):
    response = client.post(
        "/api/v1/templates", json={"name": "retail-pos", "version": 3, "yaml": TEMPLATE_YAML}
    )
    assert response.status_code == 201
    sha256 = response.json()["sha256"]
    assert len(sha256) == 64
    [listed] = client.get("/api/v1/templates").json()["templates"]
    assert (listed["name"], listed["version"], listed["sha256"]) == ("retail-pos", 3, sha256)
    assert listed["published_at"].endswith("+00:00")
    fetched = client.get("/api/v1/templates/retail-pos/3").json()
    assert fetched == {"name": "retail-pos", "version": 3, "sha256": sha256, "yaml": TEMPLATE_YAML}


def test_a_published_version_is_immutable(client):
    body = {"name": "retail-pos", "version": 3, "yaml": TEMPLATE_YAML}
    assert client.post("/api/v1/templates", json=body).status_code == 201
    assert client.post("/api/v1/templates", json=body).status_code == 200
    changed = {**body, "yaml": TEMPLATE_YAML + "description: other\n"}
    response = client.post("/api/v1/templates", json=changed)
    assert response.status_code == 409
    assert "new version" in response.json()["detail"]
    assert client.get("/api/v1/templates/retail-pos/3").json()["yaml"] == TEMPLATE_YAML


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("name: [unclosed", "not valid YAML"),
        ("- a list\n", "mapping"),
        (TEMPLATE_YAML.replace("version: 3", "version: 4"), "version 4"),
    ],
)
def test_a_template_whose_yaml_disagrees_is_refused(client, yaml_text, message):
    body = {"name": "retail-pos", "version": 3, "yaml": yaml_text}
    response = client.post("/api/v1/templates", json=body)
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert client.get("/api/v1/templates").json() == {"templates": []}


def test_an_unknown_template_version_is_404(client):
    response = client.get("/api/v1/templates/retail-pos/9")
    assert response.status_code == 404
    assert response.json() == {"detail": "no template retail-pos version 9"}


def test_a_heartbeat_records_what_the_station_has_waiting(client):
    response = client.post("/api/v1/heartbeat", json={"waiting": 7, "version": "0.1.0"})
    assert response.status_code == 200
    assert response.json()["station"] == "bench-1"
    [station] = client.get("/api/v1/stations").json()["stations"]
    assert (station["name"], station["waiting"], station["version"]) == ("bench-1", 7, "0.1.0")
    assert station["last_heartbeat"] == response.json()["server_time"]


ENDPOINTS = [
    ("post", "/api/v1/runs", {"runs": []}),
    ("get", "/api/v1/runs", None),
    ("get", "/api/v1/devices", None),
    ("post", "/api/v1/templates", {"name": "t", "version": 1, "yaml": "name: t\nversion: 1\n"}),
    ("get", "/api/v1/templates", None),
    ("get", "/api/v1/templates/t/1", None),
    ("post", "/api/v1/heartbeat", {"waiting": 0, "version": "0.1.0"}),
    ("get", "/api/v1/stations", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "missing station token"),
        ("Basic dXNlcjpwYXNz", "missing station token"),
        ("Bearer ", "missing station token"),
        ("Bearer not-a-token", "station token rejected"),
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
    assert response.json()["detail"] == "station token rejected"


def test_openapi_document_describes_the_api(client):
    document = client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/runs",
        "/api/v1/devices",
        "/api/v1/templates",
        "/api/v1/templates/{name}/{version}",
        "/api/v1/heartbeat",
    } <= set(document["paths"])
    assert document["components"]["schemas"]["RunIn"]["additionalProperties"] is False
