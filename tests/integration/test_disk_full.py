"""A data folder that fills up, or cannot be written, while `kitbench provision` runs.

The data folder is a small tmpfs (mounting needs root: this machine and CI run as root).
What must hold: runs recorded before stay recorded, no device is changed by a run without a
row for it, the person reads one message naming the folder and the fix (never a traceback),
and once space is freed the next batch works and the database is whole.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_provision_cli import device_args

from app.storage.database import DATABASE_NAME

PUSHED = "/sdcard/Download/big.bin"
# A push long enough (~1.4 s at the simulator's realistic 35 MB/s) that the disk can be filled
# while a device is on its run; the device's name changes first, so a run that got anywhere
# shows on the device.
TEMPLATE = f"""\
kitbench: 1
name: kiosk
version: 1
steps:
  - device_name: "KIOSK-{{seq:03d}}"
  - push: {{src: big.bin, dest: {PUSHED}}}
"""
DEVICES = 4
RUN_TIMEOUT_S = 180


@pytest.fixture
def small_disk(tmp_path, monkeypatch) -> Iterator[Path]:
    """KITBENCH_HOME on its own 8 MB tmpfs, unmounted after the test."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if sys.platform != "linux" or os.geteuid() != 0:
        _cannot("mounting a tmpfs needs root on Linux")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", str(mount)],
        capture_output=True, text=True,
    )  # fmt: skip
    if mounted.returncode != 0:
        _cannot(f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    home = mount / "home"
    monkeypatch.setenv("KITBENCH_HOME", str(home))
    try:
        yield home
    finally:
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], check=True)  # still busy: detach it


def _cannot(reason: str) -> None:
    if os.environ.get("KITBENCH_CI"):
        pytest.fail(f"{reason}; CI must run this test")
    pytest.skip(reason)


@pytest.fixture
def template(tmp_path) -> Path:
    (tmp_path / "big.bin").write_bytes(os.urandom(48 * 1024 * 1024))
    path = tmp_path / "kiosk.yaml"
    path.write_text(TEMPLATE)
    return path


def kitbench(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def fill(folder: Path) -> Path:
    """Write a file until the filesystem has not one block left; returns it."""
    filler = folder.parent / "filler"
    with open(filler, "wb", buffering=0) as file:
        for size in (1024 * 1024, 4096, 512, 1):
            block = b"\0" * size
            try:
                while True:
                    file.write(block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
    return filler


def runs(home: Path) -> dict[str, tuple[str, str]]:
    """run id → (endpoint, result), read as any other program would."""
    with sqlite3.connect(home / DATABASE_NAME, timeout=10) as connection:
        found = connection.execute("SELECT id, endpoint, result FROM runs").fetchall()
    connection.close()
    return {run_id: (endpoint, result) for run_id, endpoint, result in found}


def changed_devices(connect, endpoints) -> set[str]:
    """Endpoints of the devices a run changed in any way (named, or given the file)."""
    changed = set()
    for endpoint in endpoints:
        device = connect(endpoint)
        name = device.shell("settings get global device_name").strip()
        pushed = device.shell(f"test -e {PUSHED} && echo pushed").strip() == "pushed"
        if name.startswith("KIOSK") or pushed:
            changed.add(endpoint.spec)
        device.close()
    return changed


def assert_quiet(output: str) -> None:
    assert "Traceback" not in output
    assert 'File "' not in output  # not even one frame


def test_a_disk_that_fills_mid_batch_stops_the_batch_cleanly(
    small_disk, template, start_fleet, connect
):
    home = small_disk
    fleet = start_fleet(DEVICES, auth="none", latency="realistic", profile="pixel8")
    args = ["provision", "-t", str(template), "--jobs", "1", *device_args(fleet.endpoints)]
    process = kitbench(*args)
    try:
        deadline = time.monotonic() + 60
        while True:  # the first run recorded done, the next one on its device
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no run finished while the disk had space"
            try:
                recorded = runs(home) if (home / DATABASE_NAME).exists() else {}
            except sqlite3.OperationalError:  # still being created
                recorded = {}
            results = [result for _endpoint, result in recorded.values()]
            if "done" in results and "running" in results:
                break
            time.sleep(0.02)
        filler = fill(home)
        output, errors = process.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        process.kill()

    assert process.returncode == 1, output + errors
    assert_quiet(output + errors)
    assert f"The data folder {home} is full" in errors  # and what to do about it
    assert "KITBENCH_HOME" in errors
    assert errors.count(str(home)) == 1, errors  # one message, not one per device

    filler.unlink()  # space again
    after = runs(home)
    for run_id, (endpoint, result) in recorded.items():  # what was on disk stays on disk
        if result == "done":
            assert after[run_id] == (endpoint, "done")
    changed = changed_devices(connect, fleet.endpoints)
    assert changed <= {endpoint for endpoint, _result in after.values()}, (changed, after)
    assert len(changed) < DEVICES, "the disk filled after the batch: nothing was refused"

    again = kitbench(*args)
    output, errors = again.communicate(timeout=RUN_TIMEOUT_S)
    assert again.returncode == 0, output + errors
    assert_quiet(output + errors)
    with sqlite3.connect(home / DATABASE_NAME) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    connection.close()
    final = runs(home)
    assert "running" not in {result for _endpoint, result in final.values()}
    for run_id, (_endpoint, result) in after.items():  # left running: interrupted, not lost
        assert final[run_id][1] == ("interrupted" if result == "running" else result)
    assert changed_devices(connect, fleet.endpoints) == {e.spec for e in fleet.endpoints}


def test_a_full_data_folder_at_start_touches_no_device(small_disk, template, start_fleet, connect):
    home = small_disk
    fleet = start_fleet(1, auth="none", profile="pixel8")
    args = ["provision", "-t", str(template), *device_args(fleet.endpoints)]
    first = kitbench(*args)  # the database exists, closed cleanly (no -wal, no -shm)
    assert first.wait(RUN_TIMEOUT_S) == 0, first.communicate()
    first.communicate()
    filler = fill(home)
    try:
        connect(fleet.endpoints[0]).shell("settings put global device_name OTHER")

        blocked = kitbench(*args, "--force")
        output, errors = blocked.communicate(timeout=RUN_TIMEOUT_S)

        assert blocked.returncode == 1
        assert_quiet(output + errors)
        assert errors.strip().splitlines() == [
            f"kitbench: The data folder {home} is full: free space there (or point "
            "KITBENCH_HOME at a bigger disk), then start again."
        ]
        assert changed_devices(connect, fleet.endpoints) == {fleet.endpoints[0].spec}
        name = connect(fleet.endpoints[0]).shell("settings get global device_name").strip()
        assert name == "OTHER"  # the store did not open: no run, not even its first step
    finally:
        filler.unlink()


def test_a_read_only_data_folder_is_named_with_the_fix(small_disk, template, start_fleet):
    home = small_disk
    fleet = start_fleet(1, auth="none", profile="pixel8")
    args = ["provision", "-t", str(template), *device_args(fleet.endpoints)]
    first = kitbench(*args)
    assert first.wait(RUN_TIMEOUT_S) == 0, first.communicate()
    first.communicate()
    subprocess.run(["mount", "-o", "remount,ro", str(home.parent)], check=True)

    blocked = kitbench(*args, "--force")
    output, errors = blocked.communicate(timeout=RUN_TIMEOUT_S)

    assert blocked.returncode == 1
    assert_quiet(output + errors)
    assert f"Kitbench cannot write to its data folder {home}" in errors
    subprocess.run(["mount", "-o", "remount,rw", str(home.parent)], check=True)


def test_a_run_that_finishes_on_a_full_disk_is_named_and_interrupted_later(
    small_disk, template, start_fleet
):
    """The last run's finish cannot be written: no device is refused, yet the person hears."""
    home = small_disk
    fleet = start_fleet(1, auth="none", latency="realistic", profile="pixel8")
    args = ["provision", "-t", str(template), *device_args(fleet.endpoints)]
    process = kitbench(*args)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the run never started"
            try:
                recorded = runs(home) if (home / DATABASE_NAME).exists() else {}
            except sqlite3.OperationalError:
                recorded = {}
            if recorded:
                break
            time.sleep(0.02)
        filler = fill(home)
        output, errors = process.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        process.kill()

    assert process.returncode == 1, output + errors
    assert_quiet(output + errors)
    assert "could not be recorded" in errors
    assert f"The data folder {home} is full" in errors
    filler.unlink()
    [(run_id, (_endpoint, result))] = runs(home).items()
    assert result == "running"  # until the database is opened again

    again = kitbench(*args)
    output, errors = again.communicate(timeout=RUN_TIMEOUT_S)
    assert again.returncode == 0, output + errors
    assert runs(home)[run_id][1] == "interrupted"


def test_a_log_file_that_cannot_be_written_is_skipped_without_a_word(
    small_disk, capfd, monkeypatch
):
    import logging

    import app.cli as cli_module

    log = logging.getLogger("app.test")
    monkeypatch.setattr(cli_module, "LOG_RETRY_S", 0.0)  # try the file again at once
    cli_module.setup_logging()
    try:
        small_disk.mkdir()
        filler = fill(small_disk)
        try:
            1 / 0  # noqa: B018
        except ZeroDivisionError:
            log.exception("a failure with a traceback")
        assert capfd.readouterr().err == "kitbench: error: a failure with a traceback\n"

        filler.unlink()
        log.error("a failure once there is space")
        log.error("a failure once there is space")  # once on the terminal, twice in the file
        assert capfd.readouterr().err == "kitbench: error: a failure once there is space\n"
        logged = (small_disk / "logs" / "kitbench.log").read_text()
        assert logged.count("a failure once there is space") == 2
    finally:
        for handler in list(cli_module._installed):
            logging.getLogger().removeHandler(handler)
            handler.close()
        cli_module._installed.clear()
