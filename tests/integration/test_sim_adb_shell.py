"""The simulator driven by adb-shell, the library Kitbench's engine uses."""

from __future__ import annotations

import hashlib
import logging
import socket
import struct
import time

import pytest
from adb_shell.exceptions import DeviceAuthError, TcpTimeoutException

from app.sim import protocol as p
from app.sim.apk import build_apk

EXIT_MARKER = 'echo "KB_EXIT:$?"'


def run(session, command: str) -> tuple[str, int]:
    """A v1 shell command with its exit code, the way the engine gets it."""
    output = session.shell(f"{command}; {EXIT_MARKER}")
    body, _, code = output.rpartition("KB_EXIT:")
    return body, int(code.strip())


def test_new_key_is_accepted_through_the_prompt_and_remembered(start_fleet, connect, tmp_path):
    fleet = start_fleet(1, auth="prompt")
    session = connect(fleet.endpoints[0])
    assert session.available
    fleet.stop()

    # The same state dir with a device that would refuse any new key: the key is remembered.
    fleet = start_fleet(1, auth="deny", base_port=fleet.endpoints[0].port)
    session = connect(fleet.endpoints[0])
    assert run(session, "echo hello") == ("hello\n", 0)


def test_unknown_key_is_refused_when_nobody_allows_it(start_fleet, connect, other_host_key):
    fleet = start_fleet(1, auth="deny")
    with pytest.raises((DeviceAuthError, TcpTimeoutException)):  # no CNXN ever comes
        connect(fleet.endpoints[0], key=other_host_key, auth_timeout_s=0.5)


def test_banner_carries_the_device_properties(start_fleet):
    endpoint = start_fleet(1, auth="none").endpoints[0]
    with socket.create_connection((endpoint.host, endpoint.port), timeout=5) as raw:
        raw.sendall(p.encode(p.A_CNXN, p.A_VERSION_MIN, 256 * 1024, b"host::\0"))
        header = p.decode_header(recv_exactly(raw, p.HEADER_SIZE), p.MAX_PAYLOAD)
        data = recv_exactly(raw, header.length)
    assert header.command == p.A_CNXN and header.data_checksum == p.checksum(data)
    kind, props, features = p.parse_banner(data)
    assert kind == "device"
    assert props["ro.product.model"] == endpoint.model
    assert {"ro.product.name", "ro.product.device"} <= props.keys()
    assert "shell_v2" in features


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, "device closed the connection"
        data += chunk
    return data


def test_shell_output_and_exit_codes(start_fleet, connect):
    session = connect(start_fleet(1, auth="none").endpoints[0])
    assert run(session, "echo hello") == ("hello\n", 0)
    assert run(session, "false")[1] == 1
    assert run(session, "sh -c 'exit 3'")[1] == 3
    output, code = run(session, "frobnicate")
    assert code == 127
    assert "frobnicate: inaccessible or not found" in output


def test_push_and_pull_20_mb_intact(start_fleet, connect, random_file, tmp_path):
    session = connect(start_fleet(1, auth="none").endpoints[0])
    source = random_file("big.bin", 20 * 1024 * 1024)
    expected = hashlib.sha256(source.read_bytes()).hexdigest()
    session.push(str(source), "/sdcard/Download/big.bin", read_timeout_s=60)
    on_device, code = run(session, "sha256sum /sdcard/Download/big.bin")
    assert code == 0 and on_device.split()[0] == expected
    pulled = tmp_path / "pulled.bin"
    session.pull("/sdcard/Download/big.bin", str(pulled), read_timeout_s=60)
    assert hashlib.sha256(pulled.read_bytes()).hexdigest() == expected


def test_install_then_list_and_dumpsys_then_downgrade_refused(start_fleet, connect, tmp_path):
    session = connect(start_fleet(1, auth="none").endpoints[0])
    for version in (5, 3):
        apk = tmp_path / f"pos-{version}.apk"
        apk.write_bytes(build_apk("com.example.pos", version, f"{version}.0"))
        session.push(str(apk), f"/data/local/tmp/pos-{version}.apk")
    output, code = run(session, "pm install -r /data/local/tmp/pos-5.apk")
    assert (output.strip(), code) == ("Success", 0)
    packages, _ = run(session, "pm list packages -3 --show-versioncode")
    assert "package:com.example.pos versionCode:5" in packages.splitlines()
    dumpsys, _ = run(session, "dumpsys package com.example.pos")
    assert "versionCode=5" in dumpsys
    output, code = run(session, "pm install -r /data/local/tmp/pos-3.apk")
    assert code != 0 and "INSTALL_FAILED_VERSION_DOWNGRADE" in output
    packages, _ = run(session, "pm list packages --show-versioncode com.example.pos")
    assert "versionCode:5" in packages


def test_reboot_drops_the_connection_and_keeps_state(start_fleet, connect):
    fleet = start_fleet(1, auth="none")
    endpoint = fleet.endpoints[0]
    session = connect(endpoint)
    run(session, "settings put global stay_on_while_plugged_in 7")
    session.reboot()
    session.close()
    fleet.wait_online(0)
    session = connect(endpoint)
    # Booting finishes a moment after the device listens again.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if run(session, "getprop sys.boot_completed")[0].strip() == "1":
            break
    assert run(session, "getprop sys.boot_completed")[0].strip() == "1"
    assert run(session, "settings get global stay_on_while_plugged_in")[0].strip() == "7"


def test_256_devices_in_one_process(start_fleet, connect):
    fleet = start_fleet(256, auth="none", profile="mixed")
    serials = set()
    for endpoint in fleet.endpoints:
        session = connect(endpoint)
        serials.add(run(session, "getprop ro.serialno")[0].strip())
        session.close()
    assert len(serials) == 256


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(struct.pack("<6I", p.A_CNXN, 0x01000000, 4096, 0, 0, 0), id="bad-magic"),
        pytest.param(
            struct.pack("<6I", p.A_CNXN, 0x01000000, 4096, 8 << 20, 0, p.A_CNXN ^ 0xFFFFFFFF),
            id="length-over-max-payload",
        ),
        pytest.param(
            struct.pack("<6I", 0x4B4E4E55, 0, 0, 0, 0, 0x4B4E4E55 ^ 0xFFFFFFFF),
            id="unknown-command",
        ),
        pytest.param(p.encode(p.A_CNXN, 0x01000000, 4096, b"host::\0")[:10], id="half-a-header"),
        pytest.param(p.encode(p.A_OPEN, 1, 0, b"shell:id\0"), id="open-before-connect"),
    ],
)
def test_hostile_input_drops_only_that_connection(start_fleet, connect, caplog, data):
    fleet = start_fleet(1, auth="none")
    endpoint = fleet.endpoints[0]
    caplog.set_level(logging.WARNING, logger="kitbench.sim")
    with socket.create_connection((endpoint.host, endpoint.port), timeout=5) as raw:
        raw.sendall(data)
        raw.shutdown(socket.SHUT_WR)
        assert raw.recv(1024) == b""  # the device hung up
    assert any("dropping connection" in r.getMessage() for r in caplog.records)
    session = connect(endpoint)
    assert run(session, "echo still serving") == ("still serving\n", 0)
