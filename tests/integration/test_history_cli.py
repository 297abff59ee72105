"""`kitbench history`, `kitbench config` and `kitbench sync --once` as a person runs them."""

from __future__ import annotations

import csv
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.core import RunFinished, RunOutcome
from app.storage import Store
from tests.unit.test_storage import finished, started

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def recorded(kitbench_home):
    """Four runs: two devices, one failed; returns their ids oldest first."""
    ids = []
    with Store(kitbench_home, recording=True) as store:
        recorder = store.recorder()
        for number, (serial, outcome) in enumerate(
            [
                ("SERIAL-A", RunOutcome.DONE),
                ("SERIAL-B", RunOutcome.FAILED),
                ("SERIAL-A", RunOutcome.DONE),
                ("SERIAL-B", RunOutcome.DONE),
            ]
        ):
            run_id = uuid.uuid4().hex
            at = T0 + timedelta(days=number)
            error = "install: INSTALL_FAILED_INSUFFICIENT_STORAGE" if outcome == "failed" else None
            recorder.on_event(started(run_id, at))
            done = finished(run_id, outcome, serial=serial, at=at, error=error)
            if number == 3:  # the newest run gave the device a name
                done = RunFinished(replace(done.result, device_name="POS-berlin-0042"))
            recorder.on_event(done)
            ids.append(run_id)
        recorder.flush(5)
    return ids


def test_history_table_is_readable_newest_first(runner, recorded):
    result = runner.invoke(cli, ["history"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "STARTED", "SERIAL", "MODEL", "NAME", "TEMPLATE", "RESULT", "ERROR"]  # fmt: skip
    assert len(lines) == 5
    assert "SERIAL-B" in lines[1] and "POS-berlin-0042" in lines[1] and "done" in lines[1]
    assert "INSTALL_FAILED_INSUFFICIENT_STORAGE" in lines[3]


def test_history_json_is_one_run_a_line_with_the_documented_fields(runner, recorded):
    result = runner.invoke(cli, ["history", "--json"])
    assert result.exit_code == 0, result.output
    runs = [json.loads(line) for line in result.output.splitlines()]
    assert [run["id"] for run in runs] == recorded[::-1]
    for run in runs:
        assert {"id", "serial", "template", "template_version", "result"} <= set(run)
        assert datetime.fromisoformat(run["started_at"]).tzinfo is not None
        assert datetime.fromisoformat(run["finished_at"]) > datetime.fromisoformat(
            run["started_at"]
        )


def test_history_filters(runner, recorded):
    def ids(*args):
        result = runner.invoke(cli, ["history", "--json", *args])
        assert result.exit_code == 0, result.output
        return [json.loads(line)["id"] for line in result.output.splitlines()]

    assert ids("--serial", "SERIAL-A") == [recorded[2], recorded[0]]
    assert ids("--result", "failed") == [recorded[1]]
    assert ids("--since", "2025-03-03T00:00+00:00") == [recorded[3], recorded[2]]
    assert ids("--template", "retail-pos", "--limit", "1") == [recorded[3]]
    assert ids("--template", "other") == []


def test_history_csv_export(runner, recorded, tmp_path):
    out = tmp_path / "runs.csv"
    result = runner.invoke(cli, ["history", "--csv", str(out), "--serial", "SERIAL-B"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["id"] for row in rows] == [recorded[3], recorded[1]]
    assert rows[1]["result"] == "failed"


@pytest.mark.parametrize(
    "args",
    [["--since", "last tuesday"], ["--result", "exploded"], ["--limit", "0"]],
)
def test_bad_history_options_are_usage_errors(runner, args):
    result = runner.invoke(cli, ["history", *args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_empty_history_says_so(runner):
    result = runner.invoke(cli, ["history"])
    assert result.exit_code == 0
    assert "no runs recorded" in result.output


def test_config_set_get_list(runner):
    assert runner.invoke(cli, ["config", "set", "station.name", "bench-7"]).exit_code == 0
    result = runner.invoke(cli, ["config", "get", "station.name"])
    assert (result.exit_code, result.output) == (0, "bench-7\n")

    result = runner.invoke(cli, ["config", "set", "backend.token"], input="s3cret-token\n")
    assert result.exit_code == 0, result.output
    assert "s3cret-token" not in result.output
    result = runner.invoke(cli, ["config", "get", "backend.token"])
    assert (result.exit_code, result.output) == (0, "••••\n")

    listing = runner.invoke(cli, ["config", "list"]).output
    assert "station.name = bench-7" in listing
    assert "backend.token = ••••" in listing
    assert "s3cret-token" not in listing
    assert "backend.url (not set" in listing


def test_config_errors(runner):
    result = runner.invoke(cli, ["config", "set", "backend.adress", "http://x"])
    assert result.exit_code == 2
    assert "known keys: backend.url" in result.output
    result = runner.invoke(cli, ["config", "set", "backend.url", "fleet.example.com"])
    assert result.exit_code == 2
    assert "http:// or https://" in result.output
    result = runner.invoke(cli, ["config", "get", "backend.url"])
    assert result.exit_code == 1
    assert "not set" in result.output


def test_sync_once_without_a_backend_says_how_to_set_one(runner, recorded):
    result = runner.invoke(cli, ["sync", "--once"])
    assert result.exit_code == 1
    assert "4 run(s) waiting" in result.output
    assert "no backend configured: kitbench config set backend.url" in result.output


def test_sync_once_with_the_backend_down_exits_1_and_keeps_runs(runner, recorded):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    runner.invoke(cli, ["config", "set", "backend.url", f"http://127.0.0.1:{port}"])
    runner.invoke(cli, ["config", "set", "backend.token", "tok"])
    result = runner.invoke(cli, ["sync", "--once"])
    assert result.exit_code == 1
    assert "4 run(s) waiting: backend unreachable" in result.output


def test_sync_once_with_nothing_waiting_and_the_backend_down_does_not_say_synced(runner):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    runner.invoke(cli, ["config", "set", "backend.url", f"http://127.0.0.1:{port}"])
    runner.invoke(cli, ["config", "set", "backend.token", "tok"])
    result = runner.invoke(cli, ["sync", "--once"])
    assert result.exit_code == 1
    assert "synced" not in result.output
    assert "no run waiting to send" in result.output
    assert "backend unreachable" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["config", "get", "backend.url"],
        ["config", "set", "station.name", "bench-7"],
        ["config", "list"],
    ],
    ids=["get", "set", "list"],
)
def test_a_damaged_config_file_exits_1_with_the_reason(runner, kitbench_home, args):
    kitbench_home.mkdir(parents=True, exist_ok=True)
    (kitbench_home / "config.json").write_text("[1, 2")
    result = runner.invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # not a traceback
    assert f"Error: cannot read {kitbench_home / 'config.json'}" in result.output
    assert (kitbench_home / "config.json").read_text() == "[1, 2"


def test_a_sync_interval_over_a_day_is_refused(runner):
    result = runner.invoke(cli, ["config", "set", "sync.interval", "86401"])
    assert result.exit_code == 2
    assert "from 1 to 86400" in result.output
    assert runner.invoke(cli, ["config", "set", "sync.interval", "86400"]).exit_code == 0


def test_sync_once_ends_in_one_line_not_a_traceback(runner, recorded, monkeypatch):
    from app.sync import SyncWorker

    def broken(self, attempts=1):
        raise RuntimeError("disk I/O error\nwith a second line")

    monkeypatch.setattr(SyncWorker, "sync_now", broken)
    result = runner.invoke(cli, ["sync", "--once"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.output == "Error: sync failed: RuntimeError: disk I/O error\n"


def test_sync_once_with_a_malformed_release_list_still_sends(runner, recorded):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Backend(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.endswith("/runs"):
                ids = [run["id"] for run in json.loads(body)["runs"]]
                reply = {"accepted": ids, "duplicates": []}
            elif "/channels/" in self.path:
                reply = {"releases": [{"name": "kiosk", "version": None}]}
            else:
                reply = {"station": "bench-1", "server_time": "2025-03-01T08:00:00+00:00"}
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _reply

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        runner.invoke(
            cli, ["config", "set", "backend.url", f"http://127.0.0.1:{server.server_port}"]
        )
        runner.invoke(cli, ["config", "set", "backend.token", "tok"])
        result = runner.invoke(cli, ["sync", "--once"])
    finally:
        server.shutdown()
        server.server_close()
    # Every run is sent; the release list is the one problem, named, and the exit code says so.
    assert result.exit_code == 1, result.output
    assert "sent 4 run(s)" in result.output
    assert "releases: backend answered an unexpected release list" in result.output
