"""Releases end to end, against a real backend (SQLite and PostgreSQL) in its own process:
validate → publish (signed, files content-addressed) → a station pulls and provisions with
exactly those bytes; channels, promote, withdraw; tampering and untrusted keys refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.sim.apk import build_apk
from app.storage import Config, Store
from app.sync import BackendClient, ReleasePuller, ReleaseState
from app.sync import releases as releases_module
from app.templates.release import file_sha256

KITBENCH = [sys.executable, "-m", "app"]

TEMPLATE = """\
kitbench: 1
name: kiosk
version: {version}
steps:
  - install: {{apk: apps/pos.apk, package: com.example.pos}}
  - install: {{apk: apps/scan.apk, package: com.example.scan}}
  - push: {{src: files/config.json, dest: /sdcard/Download/config.json}}
"""


def kitbench(*args: str, home: Path, stdin: str | None = None, **env: str):
    return subprocess.run(
        [*KITBENCH, *args],
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
        env={**os.environ, "KITBENCH_HOME": str(home), **env},
    )


class Backend:
    def __init__(self, db_url: str, files: Path, home: Path) -> None:
        self.db_url, self.files, self.home = db_url, files, home
        self.process = subprocess.Popen(
            [*KITBENCH, "backend", "--port", "0", "--db", db_url, "--files", str(files)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "KITBENCH_HOME": str(home)},
        )
        line = self.process.stdout.readline()
        assert "listening on" in line, line + self.process.stderr.read()
        self.url = line.split()[-1]

    def token(self, name: str, *role: str) -> str:
        done = kitbench(
            "backend", "token", "create", name, *role, "--db", self.db_url, home=self.home
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path):
    if request.param == "postgresql":
        db_url = request.getfixturevalue("postgres_url")
    else:
        db_url = f"sqlite:///{tmp_path / 'fleet.db'}"
    server = Backend(db_url, tmp_path / "fleet-files", tmp_path / "admin-home")
    yield server
    server.stop()


@pytest.fixture
def repo(tmp_path) -> Path:
    """A template repository: kiosk.yaml with two APKs and a pushed file."""
    folder = tmp_path / "repo"
    (folder / "apps").mkdir(parents=True)
    (folder / "files").mkdir()
    (folder / "apps" / "pos.apk").write_bytes(build_apk("com.example.pos", 7))
    (folder / "apps" / "scan.apk").write_bytes(build_apk("com.example.scan", 2))
    (folder / "files" / "config.json").write_text('{"store": 42}\n')
    write_version(folder, 4)
    return folder


def write_version(folder: Path, version: int) -> Path:
    path = folder / "kiosk.yaml"
    path.write_text(TEMPLATE.format(version=version))
    return path


@pytest.fixture
def publisher(backend, tmp_path):
    """A publisher: its token and a signing key; `publish(*args)` runs kitbench publish."""
    token = backend.token("ci", "--publisher")
    made = kitbench("keys", "create-publisher", "--out", str(tmp_path / "ci.pem"), home=tmp_path)
    assert made.returncode == 0, made.stderr
    public = made.stdout.strip().splitlines()[-1]

    def publish(*args: str, key: Path | None = tmp_path / "ci.pem"):
        key_args = ["--key", str(key)] if key else []
        return kitbench(
            "publish", *args, "--backend", backend.url, *key_args,
            home=tmp_path, KITBENCH_PUBLISH_TOKEN=token,
        )  # fmt: skip

    publish.public_key = public
    publish.token = token
    return publish


def station(backend, home: Path, name: str, public_key: str, channel: str = "production") -> str:
    token = backend.token(name)
    config = Config(home)
    config.set("backend.url", backend.url)
    config.set("backend.token", token)
    config.set("station.name", name)
    config.set("station.channel", channel)
    config.set("release.trusted_keys", public_key)
    return token


def offered(home: Path) -> list[str]:
    pulled = home / "templates" / "pulled"
    return sorted(path.name for path in pulled.glob("*.yaml")) if pulled.is_dir() else []


def test_validate_publish_pull_provision_and_the_run_records_the_release(
    backend, publisher, repo, tmp_path, start_fleet, connect
):
    home = tmp_path / "bench-1"
    station(backend, home, "bench-1", publisher.public_key)

    checked = kitbench("validate", str(repo / "kiosk.yaml"), home=tmp_path)
    assert checked.returncode == 0, checked.stdout
    first = publisher(str(repo / "kiosk.yaml"), "--channel", "production")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "published kiosk v4 to production: 4 of 4 files uploaded" in first.stdout
    manifest_sha256 = first.stdout.split("manifest ")[1].split()[0]

    again = publisher(str(repo / "kiosk.yaml"), "--channel", "production")
    assert again.returncode == 0, again.stderr
    assert "0 of 4 files uploaded (0 bytes)" in again.stdout
    assert "already published" in again.stdout

    pulled = kitbench("sync", "--once", home=home)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert "new template: kiosk v4" in pulled.stdout
    template = home / "templates" / "pulled" / "kiosk-v4.yaml"
    assert template.read_text() == (repo / "kiosk.yaml").read_text()
    # The files are nowhere beside the template: they come from the cache, by hash.
    assert not (template.parent / "apps").exists()

    fleet = start_fleet(2, auth="none")
    devices = [word for endpoint in fleet.endpoints for word in ("--device", endpoint.spec)]
    done = kitbench("provision", "-t", str(template), "--json", *devices, home=home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [json.loads(line)["result"] for line in done.stdout.splitlines()] == ["done", "done"]
    for endpoint in fleet.endpoints:
        session = connect(endpoint)
        assert session.shell("cat /sdcard/Download/config.json") == '{"store": 42}\n'
        assert "package:com.example.scan" in session.shell("pm list packages com.example.scan")

    with Store(home) as store:
        runs = store.runs(limit=10)
    assert {(run["release_manifest"], run["release_channel"]) for run in runs} == {
        (manifest_sha256, "production")
    }
    synced = kitbench("sync", "--once", home=home)
    assert synced.returncode == 0, synced.stderr
    console = backend.token("admin", "--console")
    stored = httpx.get(
        f"{backend.url}/api/v1/runs", headers={"Authorization": f"Bearer {console}"}
    ).json()["runs"]
    assert [run["release_manifest"] for run in stored] == [manifest_sha256] * 2


def test_a_file_damaged_on_the_backends_disk_is_refused_with_its_name(
    backend, publisher, repo, tmp_path
):
    home = tmp_path / "bench-1"
    station(backend, home, "bench-1", publisher.public_key)
    assert publisher(str(repo / "kiosk.yaml")).returncode == 0
    scan = file_sha256(repo / "apps" / "scan.apk")
    damaged = backend.files / "sha256" / scan[:2] / scan
    damaged.chmod(0o644)
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"X")

    pulled = kitbench("sync", "--once", home=home)
    assert pulled.returncode == 1
    assert "kiosk v4: refused: apps/scan.apk does not match its published hash" in pulled.stderr
    assert offered(home) == []


def test_a_release_signed_by_an_untrusted_key_is_refused(backend, publisher, repo, tmp_path):
    home = tmp_path / "bench-1"
    other = kitbench(
        "keys", "create-publisher", "--out", str(tmp_path / "other.pem"), home=tmp_path
    )
    station(backend, home, "bench-1", other.stdout.strip().splitlines()[-1])
    assert publisher(str(repo / "kiosk.yaml")).returncode == 0

    pulled = kitbench("sync", "--once", home=home)
    assert pulled.returncode == 1
    assert "kiosk v4: refused: signed by a key this station does not trust" in pulled.stderr
    assert offered(home) == []
    assert not (home / "releases" / "files").exists() or not any(
        (home / "releases" / "files").iterdir()
    )


def test_a_station_with_no_trusted_key_says_so_and_installs_nothing(
    backend, publisher, repo, tmp_path
):
    home = tmp_path / "bench-1"
    station(backend, home, "bench-1", publisher.public_key)
    Config(home).unset("release.trusted_keys")
    assert publisher(str(repo / "kiosk.yaml")).returncode == 0
    pulled = kitbench("sync", "--once", home=home)
    assert "no trusted publisher key" in pulled.stderr
    assert offered(home) == []
    Config(home).set("release.allow_unsigned", "true")
    allowed = kitbench("sync", "--once", home=home)
    assert allowed.returncode == 0, allowed.stderr
    assert offered(home) == ["kiosk-v4.yaml"]


def test_canary_promote_and_withdraw_fall_back_within_one_sync(backend, publisher, repo, tmp_path):
    canary, production = tmp_path / "bench-canary", tmp_path / "bench-prod"
    station(backend, canary, "bench-canary", publisher.public_key, channel="canary")
    station(backend, production, "bench-prod", publisher.public_key)
    assert publisher(str(repo / "kiosk.yaml"), "--channel", "canary").returncode == 0
    promoted = publisher("--promote", "kiosk@4", "--channel", "production", key=None)
    assert promoted.returncode == 0, promoted.stderr
    write_version(repo, 5)
    assert publisher(str(repo / "kiosk.yaml"), "--channel", "canary").returncode == 0

    for home in (canary, production):
        assert kitbench("sync", "--once", home=home).returncode == 0
    assert offered(canary) == ["kiosk-v5.yaml"]
    assert offered(production) == ["kiosk-v4.yaml"]

    promoted = publisher("--promote", "kiosk@5", "--channel", "production", key=None)
    assert promoted.returncode == 0, promoted.stderr
    assert kitbench("sync", "--once", home=production).returncode == 0
    assert offered(production) == ["kiosk-v5.yaml"]

    withdrawn = publisher("--withdraw", "kiosk@5", key=None)
    assert withdrawn.returncode == 0, withdrawn.stderr
    for home in (canary, production):
        synced = kitbench("sync", "--once", home=home)
        assert synced.returncode == 0, synced.stderr
        assert "no longer offered: kiosk-v5" in synced.stdout
    assert offered(canary) == ["kiosk-v4.yaml"]
    assert offered(production) == ["kiosk-v4.yaml"]

    events = httpx.get(
        f"{backend.url}/api/v1/release-events",
        headers={"Authorization": f"Bearer {publisher.token}"},
    ).json()["events"]
    assert [(e["action"], e["version"], e["channel"], e["actor"]) for e in events] == [
        ("withdraw", 5, None, "ci"),
        ("promote", 5, "production", "ci"),
        ("publish", 5, "canary", "ci"),
        ("promote", 4, "production", "ci"),
        ("publish", 4, "canary", "ci"),
    ]


def test_a_station_token_cannot_publish_promote_withdraw_or_read_other_stations(
    backend, publisher, repo, tmp_path
):
    token = station(backend, tmp_path / "bench-1", "bench-1", publisher.public_key)
    assert publisher(str(repo / "kiosk.yaml")).returncode == 0
    as_station = kitbench(
        "publish", "--withdraw", "kiosk@4", "--backend", backend.url,
        home=tmp_path, KITBENCH_PUBLISH_TOKEN=token,
    )  # fmt: skip
    assert as_station.returncode == 1
    assert "a station token may not publish, promote or withdraw" in as_station.stderr
    headers = {"Authorization": f"Bearer {token}"}
    for method, path, body in [
        ("post", "/api/v1/releases/kiosk/4/promote", {"channel": "canary"}),
        ("post", "/api/v1/releases/kiosk/4/withdraw", None),
        ("get", "/api/v1/runs?station=bench-2", None),
        ("get", "/api/v1/devices", None),
    ]:
        response = httpx.request(method, backend.url + path, json=body, headers=headers)
        assert response.status_code == 403, (path, response.text)


def test_an_interrupted_download_resumes_where_it_stopped(
    backend, publisher, repo, tmp_path, monkeypatch
):
    home = tmp_path / "bench-1"
    station(backend, home, "bench-1", publisher.public_key)
    big = os.urandom(6 * 1024 * 1024)
    (repo / "files" / "config.json").write_bytes(big)
    assert publisher(str(repo / "kiosk.yaml")).returncode == 0
    monkeypatch.setattr(releases_module, "PROGRESS_EVERY_S", 0.0)
    config = Config(home)
    stop = releases_module.threading.Event()

    def stop_mid_file(statuses):
        status = statuses[0]
        if status.bytes_done > 2 * 1024 * 1024 and status.state is ReleaseState.DOWNLOADING:
            stop.set()

    with BackendClient(backend.url, config.backend_token) as client:
        first = ReleasePuller(client, config, home, on_progress=stop_mid_file, stop=stop).pull()
        assert first.statuses[0].state is ReleaseState.DOWNLOADING
        partial = sum(part.stat().st_size for part in (home / "releases" / "partial").iterdir())
        assert 0 < partial < len(big)
        second = ReleasePuller(client, config, home).pull()
    assert second.statuses[0].state is ReleaseState.READY
    total = first.statuses[0].bytes_total
    assert second.downloaded_bytes == total - first.downloaded_bytes
    assert first.downloaded_bytes + second.downloaded_bytes == total


def test_an_interrupted_upload_resumes_where_the_backend_stopped(backend, publisher, repo):
    big = os.urandom(12 * 1024 * 1024)
    (repo / "files" / "config.json").write_bytes(big)
    sha256 = file_sha256(repo / "files" / "config.json")
    with BackendClient(backend.url, publisher.token) as client:
        held = client.upload_chunk(sha256, 0, len(big), big[: 5 * 1024 * 1024])
    assert held == 5 * 1024 * 1024
    done = publisher(str(repo / "kiosk.yaml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"uploaded files/config.json ({len(big)} bytes, resumed at byte {held})" in done.stdout
