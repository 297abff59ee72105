"""Each injected fault does what a bench sees, is logged, and leaves the device serving."""

from __future__ import annotations

import logging

import pytest
from adb_shell.exceptions import DeviceAuthError, TcpTimeoutException

from app.sim.apk import build_apk


@pytest.fixture
def fault_log(caplog):
    caplog.set_level(logging.INFO, logger="kitbench.sim")

    def injected(kind: str) -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if "fault injected" in r.getMessage() and f" {kind}:" in r.getMessage()
        ]

    return injected


def test_install_fail(start_fleet, connect, tmp_path, fault_log):
    fleet = start_fleet(1, auth="none", faults="install_fail=1")
    session = connect(fleet.endpoints[0])
    apk = tmp_path / "app.apk"
    apk.write_bytes(build_apk("com.example.app", 1))
    session.push(str(apk), "/data/local/tmp/app.apk")
    output = session.shell("pm install /data/local/tmp/app.apk")
    assert output.startswith("Failure [INSTALL_FAILED_")
    assert "com.example.app" not in session.shell("pm list packages")
    assert fault_log("install_fail")


def test_disconnect_then_the_device_comes_back(start_fleet, connect, fault_log):
    fleet = start_fleet(1, auth="none", faults="disconnect=1")
    session = connect(fleet.endpoints[0])
    with pytest.raises(Exception):  # noqa: B017 - adb-shell raises by where the read stopped
        session.shell("echo hi", read_timeout_s=1)
    assert fault_log("disconnect")
    fleet.wait_online(0)
    assert connect(fleet.endpoints[0]).available


def test_garbage_then_the_device_keeps_serving(start_fleet, connect, fault_log):
    fleet = start_fleet(1, auth="none", faults="garbage=1")
    session = connect(fleet.endpoints[0])
    with pytest.raises(Exception):  # noqa: B017 - whatever the noise decodes to
        session.shell("echo hi", read_timeout_s=1)
    assert fault_log("garbage")
    assert connect(fleet.endpoints[0]).available


def test_never_auth_leaves_the_prompt_unanswered(start_fleet, connect, fault_log):
    fleet = start_fleet(1, auth="prompt", faults="never_auth=1")
    with pytest.raises((DeviceAuthError, TcpTimeoutException)):  # no CNXN ever comes
        connect(fleet.endpoints[0], auth_timeout_s=0.5)
    assert fault_log("never_auth")


def test_slow_devices_are_chosen_by_the_seed(start_fleet, fault_log, caplog):
    def slow_devices(seed: int) -> set[int]:
        caplog.clear()
        fleet = start_fleet(16, auth="none", faults="slow=0.5", seed=seed)
        labels = {line.split()[2] for line in fault_log("slow")}
        fleet.stop()
        return {i for i, e in enumerate(fleet.endpoints) if f"{e.serial}@{e.port}" in labels}

    first = slow_devices(7)
    assert 0 < len(first) < 16
    assert slow_devices(7) == first
    assert slow_devices(8) != first


def test_install_fail_strikes_in_pm_and_the_rest_of_the_command_line_runs(
    start_fleet, connect, tmp_path
):
    fleet = start_fleet(1, auth="none", faults="install_fail=1")
    session = connect(fleet.endpoints[0])
    apk = tmp_path / "app.apk"
    apk.write_bytes(build_apk("com.example.app", 1))
    session.push(str(apk), "/data/local/tmp/app.apk")
    output = session.shell('echo before; pm install /data/local/tmp/app.apk; echo "MARK:$?"')
    lines = output.splitlines()
    assert lines[0] == "before"
    assert lines[1].startswith("Failure [INSTALL_FAILED_")
    assert lines[2] == "MARK:1"  # pm's exit status, as the engine reads it


def test_each_device_has_its_own_faults(start_fleet, connect, tmp_path):
    fleet = start_fleet(2, auth="none", faults="install_fail=1")
    fleet.call(lambda: fleet.devices[0].behaviour.faults.pop("install_fail"))
    apk = tmp_path / "app.apk"
    apk.write_bytes(build_apk("com.example.app", 1))
    answers = []
    for endpoint in fleet.endpoints:
        session = connect(endpoint)
        session.push(str(apk), "/data/local/tmp/app.apk")
        answers.append(session.shell("pm install /data/local/tmp/app.apk").strip())
    assert answers[0] == "Success"
    assert answers[1].startswith("Failure [INSTALL_FAILED_")


def test_fault_logs_name_the_program_never_its_arguments(start_fleet, connect, caplog):
    caplog.set_level(logging.INFO, logger="kitbench.sim")
    fleet = start_fleet(1, auth="none", faults="disconnect=1")
    session = connect(fleet.endpoints[0])
    with pytest.raises(Exception):  # noqa: B017 - the cable is pulled mid-command
        session.shell("cmd wifi connect-network Warehouse wpa2 S3cret-Passw0rd", read_timeout_s=1)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "cable pulled during 'cmd'" in logged
    assert "S3cret-Passw0rd" not in logged
