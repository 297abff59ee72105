"""Bad requests get a 4xx with a message and change nothing; never a 5xx."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from app.fleet import FleetDatabase, create_app
from app.fleet.schemas import MAX_BODY_BYTES


@pytest.fixture(params=["sqlite", "postgresql"])
def client(request, tmp_path):
    """The same refusals on both databases: PostgreSQL is the stricter about numbers."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fleet.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = FleetDatabase.open(url)
    token = database.create_token("bench-1")
    with TestClient(create_app(database), headers={"Authorization": f"Bearer {token}"}) as client:
        yield client
    database.close()


def batch_of(**fields):
    """A body of one run with `fields` changed (REMOVE drops one), built in the test."""

    def build(fleet_run) -> bytes:
        run = fleet_run()
        for name, value in fields.items():
            if value is REMOVE:
                del run[name]
            else:
                run[name] = value
        return json.dumps({"runs": [run]}).encode()

    return build


def step_of(**fields):
    return batch_of(
        steps=[{"index": 0, "action": "install", "name": "x", "status": "ok", **fields}]
    )


REMOVE = object()
JSON_HEADERS = {"Content-Type": "application/json"}

BAD_RUN_BODIES = {
    "broken JSON": (b'{"runs": [', 400, "not valid JSON"),
    "empty body": (b"", 422, "body: Field required"),
    "a list, not an object": (b"[]", 422, "object"),
    "no runs key": (b"{}", 422, "runs: Field required"),
    "runs not a list": (b'{"runs": {"a": 1}}', 422, "runs"),
    "unknown top-level field": (
        b'{"runs": [], "station": "x"}',
        422,
        "station: Extra inputs are not permitted",
    ),
    "unknown run field": (batch_of(colour="red"), 422, "colour"),
    "unknown step field": (step_of(output="secret"), 422, "output"),
    "version is text": (batch_of(template_version="three"), 422, "integer"),
    "negative version": (batch_of(template_version=-1), 422, "template_version"),
    "id not a uuid hex": (batch_of(id="run-1"), 422, "id"),
    "uuid with dashes": (batch_of(id="0b6c1d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"), 422, "id"),
    "unknown result": (batch_of(result="great"), 422, "result"),
    "running is not a result": (batch_of(result="running"), 422, "result"),
    "unknown step status": (step_of(status="meh"), 422, "status"),
    "bad start time": (batch_of(started_at="yesterday"), 422, "started_at"),
    "missing template": (batch_of(template=REMOVE), 422, "template"),
    "missing start time": (batch_of(started_at=REMOVE), 422, "started_at"),
    "null steps": (batch_of(steps=None), 422, "steps"),
    "negative duration": (step_of(duration_ms=-5), 422, "duration_ms"),
    "version over the databases' integer": (
        batch_of(template_version=2**31),
        422,
        "template_version: Input should be less than or equal to 2147483647",
    ),
    "huge version": (batch_of(template_version=10**40), 422, "template_version"),
    "huge step index": (step_of(index=2**31), 422, "index"),
    "huge duration": (step_of(duration_ms=2**63), 422, "duration_ms"),
    "start time before year 1 in UTC": (
        batch_of(started_at="0001-01-01T00:00+05:00"),
        422,
        "started_at: Value error, 0001-01-01T00:00:00+05:00 is out of range in UTC",
    ),
    "finish time after year 9999 in UTC": (
        batch_of(finished_at="9999-12-31T23:00-05:00"),
        422,
        "finished_at",
    ),
    "501 runs": (
        lambda fleet_run: json.dumps({"runs": [fleet_run() for _ in range(501)]}).encode(),
        422,
        "at most 500",
    ),
    "a body over the limit": (b" " * (MAX_BODY_BYTES + 1), 413, "body too large"),
}


@pytest.mark.parametrize("case", BAD_RUN_BODIES, ids=list(BAD_RUN_BODIES))
def test_a_bad_batch_is_refused_with_a_message_and_stores_nothing(client, fleet_run, case):
    body, status, message = BAD_RUN_BODIES[case]
    if callable(body):
        body = body(fleet_run)
    response = client.post("/api/v1/runs", content=body, headers=JSON_HEADERS)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert message in detail
    assert client.get("/api/v1/runs").json() == {"runs": []}


def test_a_chunked_body_over_the_limit_is_refused(client):
    def chunks():
        yield b'{"runs": ['
        for _ in range(MAX_BODY_BYTES // 65536 + 1):
            yield b" " * 65536
        yield b"]}"

    response = client.post("/api/v1/runs", content=chunks(), headers=JSON_HEADERS)
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]


def test_one_bad_run_refuses_the_whole_batch(client, fleet_run):
    response = client.post("/api/v1/runs", json={"runs": [fleet_run(), fleet_run(result="great")]})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("runs.1.result:")
    assert client.get("/api/v1/runs").json() == {"runs": []}


ALIAS_BOMB = "name: t\nversion: 1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]\n" for level in range(1, 9)
)

OTHER_BAD_REQUESTS = {
    "heartbeat with negative waiting": (
        "post",
        "/api/v1/heartbeat",
        {"waiting": -1, "version": "1"},
        "waiting",
    ),
    "heartbeat with unknown field": (
        "post",
        "/api/v1/heartbeat",
        {"waiting": 0, "version": "1", "cpu": 3},
        "cpu",
    ),
    "template with a bad name": (
        "post",
        "/api/v1/templates",
        {"name": "../etc", "version": 1, "yaml": "name: x"},
        "name",
    ),
    "template without yaml": ("post", "/api/v1/templates", {"name": "t", "version": 1}, "yaml"),
    "template version not a number": ("get", "/api/v1/templates/t/latest", None, "version"),
    "limit zero": ("get", "/api/v1/runs?limit=0", None, "limit"),
    "limit too high": ("get", "/api/v1/runs?limit=1000000", None, "limit"),
    "since not a time": ("get", "/api/v1/runs?since=yesterday", None, "since"),
    "since before year 1 in UTC": (
        "get",
        "/api/v1/runs?since=0001-01-01T00:00%2B05:00",
        None,
        "since: 0001-01-01T00:00:00+05:00 is out of range in UTC",
    ),
    "offset over the databases' integer": ("get", f"/api/v1/runs?offset={2**31}", None, "offset"),
    "huge offset": ("get", f"/api/v1/runs?offset={10**30}", None, "offset"),
    "template path version too big": ("get", f"/api/v1/templates/t/{2**31}", None, "version"),
    "template path version negative": ("get", "/api/v1/templates/t/-1", None, "version"),
    "heartbeat with huge waiting": (
        "post",
        "/api/v1/heartbeat",
        {"waiting": 2**31, "version": "1"},
        "waiting",
    ),
    "template version over the databases' integer": (
        "post",
        "/api/v1/templates",
        {"name": "t", "version": 2**31, "yaml": f"name: t\nversion: {2**31}\n"},
        "version: Input should be less than or equal to 2147483647",
    ),
    "template nested too deeply": (
        "post",
        "/api/v1/templates",
        {"name": "t", "version": 1, "yaml": "name: t\nversion: 1\nx: " + "[" * 5000},
        "nested too deeply",
    ),
    "template alias bomb": (
        "post",
        "/api/v1/templates",
        {"name": "t", "version": 1, "yaml": ALIAS_BOMB},
        "YAML nodes",
    ),
    "template with a python tag": (
        "post",
        "/api/v1/templates",
        {"name": "t", "version": 1, "yaml": "name: t\nversion: 1\nx: !!python/name:os.system\n"},
        "line 3 column 4: could not determine a constructor",
    ),
}


@pytest.mark.parametrize("case", OTHER_BAD_REQUESTS, ids=list(OTHER_BAD_REQUESTS))
def test_other_bad_requests_are_refused_with_a_message(client, case):
    method, path, body, message = OTHER_BAD_REQUESTS[case]
    response = client.request(method, path, json=body)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert client.get("/api/v1/templates").json() == {"templates": []}
    assert client.get("/api/v1/stations").json()["stations"][0]["waiting"] is None


def test_an_unknown_path_is_404_with_a_message(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_a_wrong_method_is_405_with_a_message(client):
    response = client.delete("/api/v1/runs")
    assert response.status_code == 405
    assert response.json()["detail"]
