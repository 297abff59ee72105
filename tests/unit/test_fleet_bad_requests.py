"""Bad requests get a 4xx with a message and change nothing; never a 5xx."""

from __future__ import annotations

import hashlib
import json

import pytest
from fastapi.testclient import TestClient

from app.fleet import FileStore, FleetDatabase, Role, create_app
from app.fleet.schemas import MAX_BODY_BYTES
from app.templates.release import Manifest, ReleaseFile


@pytest.fixture(params=["sqlite", "postgresql"])
def client(request, tmp_path):
    """The same refusals on both databases: PostgreSQL is the stricter about numbers."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fleet.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = FleetDatabase.open(url)
    token = database.create_token("bench-1")
    publisher = database.create_credential(Role.PUBLISHER, "ci")
    app = create_app(database, FileStore(tmp_path / "files"))
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        client.publisher = {"Authorization": f"Bearer {publisher}"}
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
    "heartbeat with huge waiting": (
        "post",
        "/api/v1/heartbeat",
        {"waiting": 2**31, "version": "1"},
        "waiting",
    ),
}


@pytest.mark.parametrize("case", OTHER_BAD_REQUESTS, ids=list(OTHER_BAD_REQUESTS))
def test_other_bad_requests_are_refused_with_a_message(client, case):
    method, path, body, message = OTHER_BAD_REQUESTS[case]
    response = client.request(method, path, json=body)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert client.get("/api/v1/releases").json() == {"releases": []}
    assert client.get("/api/v1/runs").json() == {"runs": []}


def upload(client, data: bytes) -> ReleaseFile:
    sha256 = hashlib.sha256(data).hexdigest()
    headers = {**client.publisher, "Upload-Offset": "0", "Upload-Length": str(len(data))}
    response = client.patch(f"/api/v1/files/{sha256}", content=data, headers=headers)
    assert response.status_code == 200, response.text
    return ReleaseFile("t.yaml", sha256, len(data))


def manifest_of(template: ReleaseFile, name: str = "t", version: int = 1) -> str:
    return Manifest(name, version, template, ()).to_bytes().decode()


RELEASE_BAD_REQUESTS = {
    "release without manifest": ("post", "/api/v1/releases", {"channel": "canary"}, "manifest"),
    "release with a bad channel": (
        "post",
        "/api/v1/releases",
        {"manifest": "{}", "channel": "Canary Islands"},
        "channel",
    ),
    "manifest not JSON": (
        "post",
        "/api/v1/releases",
        {"manifest": "name: t", "channel": "canary"},
        "manifest: the manifest is not JSON",
    ),
    "manifest with a path outside the folder": (
        "post",
        "/api/v1/releases",
        {
            "manifest": Manifest(
                "t", 1, ReleaseFile("t.yaml", "a" * 64, 1), (ReleaseFile("../x", "b" * 64, 1),)
            )
            .to_bytes()
            .decode(),
            "channel": "canary",
        },
        "bad file path '../x'",
    ),
    "signature without key": (
        "post",
        "/api/v1/releases",
        {
            "manifest": manifest_of(ReleaseFile("t.yaml", "a" * 64, 1)),
            "signature": "AAAA",
            "channel": "canary",
        },
        "signature and key go together",
    ),
    "release path version not a number": ("get", "/api/v1/releases/t/latest", None, "version"),
    "release path version too big": ("get", f"/api/v1/releases/t/{2**31}", None, "version"),
    "release path version negative": ("get", "/api/v1/releases/t/-1", None, "version"),
    "promote to a bad channel": (
        "post",
        "/api/v1/releases/t/1/promote",
        {"channel": "../x"},
        "channel",
    ),
    "file hash not hex": ("get", "/api/v1/files/not-a-hash", None, "sha256"),
}


@pytest.mark.parametrize("case", RELEASE_BAD_REQUESTS, ids=list(RELEASE_BAD_REQUESTS))
def test_bad_release_requests_are_refused_with_a_message(client, case):
    method, path, body, message = RELEASE_BAD_REQUESTS[case]
    response = client.request(method, path, json=body, headers=client.publisher)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert client.get("/api/v1/releases").json() == {"releases": []}


ALIAS_BOMB_TEMPLATE = ALIAS_BOMB
BAD_TEMPLATES = {
    "nested too deeply": ("name: t\nversion: 1\nx: " + "[" * 5000, "nested too deeply"),
    "alias bomb": (ALIAS_BOMB_TEMPLATE, "YAML nodes"),
    "a python tag": (
        "name: t\nversion: 1\nx: !!python/name:os.system\n",
        "line 3 column 4: could not determine a constructor",
    ),
    "another version": ("name: t\nversion: 2\n", "version 2, the manifest 't' version 1"),
    "a list": ("- t\n", "a template is a YAML mapping"),
}


@pytest.mark.parametrize("case", BAD_TEMPLATES, ids=list(BAD_TEMPLATES))
def test_a_release_whose_template_is_bad_yaml_is_refused(client, case):
    text, message = BAD_TEMPLATES[case]
    template = upload(client, text.encode())
    body = {"manifest": manifest_of(template), "channel": "canary"}
    response = client.post("/api/v1/releases", json=body, headers=client.publisher)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert client.get("/api/v1/releases").json() == {"releases": []}


def test_a_release_with_a_file_missing_is_refused_and_invisible(client):
    template = upload(client, b"name: t\nversion: 1\n")
    manifest = Manifest("t", 1, template, (ReleaseFile("app.apk", "c" * 64, 10),))
    body = {"manifest": manifest.to_bytes().decode(), "channel": "canary"}
    response = client.post("/api/v1/releases", json=body, headers=client.publisher)
    assert response.status_code == 409
    assert "files missing on the backend, upload them first: app.apk" in response.json()["detail"]
    assert client.get("/api/v1/channels/canary").json()["releases"] == []


def test_an_upload_that_does_not_hash_to_its_name_is_refused_and_dropped(client):
    headers = {**client.publisher, "Upload-Offset": "0", "Upload-Length": "3"}
    response = client.patch(f"/api/v1/files/{'d' * 64}", content=b"abc", headers=headers)
    assert response.status_code == 422
    assert "do not hash to" in response.json()["detail"]
    query = {"files": [{"sha256": "d" * 64, "size": 3}]}
    missing = client.post("/api/v1/files/missing", json=query, headers=client.publisher).json()
    assert missing == {"missing": [{"sha256": "d" * 64, "offset": 0}]}


def test_a_chunk_at_the_wrong_offset_is_told_where_to_resume(client):
    data = b"0123456789"
    sha256 = hashlib.sha256(data).hexdigest()
    first = {**client.publisher, "Upload-Offset": "0", "Upload-Length": "10"}
    assert client.patch(f"/api/v1/files/{sha256}", content=data[:4], headers=first).json() == {
        "sha256": sha256,
        "offset": 4,
        "complete": False,
    }
    wrong = {**first, "Upload-Offset": "2"}
    response = client.patch(f"/api/v1/files/{sha256}", content=data[2:], headers=wrong)
    assert (response.status_code, response.headers["upload-offset"]) == (409, "4")
    rest = {**first, "Upload-Offset": "4"}
    done = client.patch(f"/api/v1/files/{sha256}", content=data[4:], headers=rest).json()
    assert done == {"sha256": sha256, "offset": 10, "complete": True}
    assert client.get(f"/api/v1/files/{sha256}").content == data
    ranged = client.get(f"/api/v1/files/{sha256}", headers={"Range": "bytes=6-"})
    assert (ranged.status_code, ranged.content) == (206, b"6789")


def test_an_unknown_path_is_404_with_a_message(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_a_wrong_method_is_405_with_a_message(client):
    response = client.delete("/api/v1/runs")
    assert response.status_code == 405
    assert response.json()["detail"]
