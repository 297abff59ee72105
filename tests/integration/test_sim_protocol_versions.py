"""The simulator speaks the protocol version of its Android release, as adbd does.

Android 9 and later (adbd >= A_VERSION_SKIP_CHECKSUM) send zero checksums once the host
offers that version, and never check the host's. Android 8 (the Nexus 5X profile) answers
with the old version, sends real checksums and drops a packet whose checksum is wrong.
"""

from __future__ import annotations

import logging
import socket

import pytest

from app.sim import protocol as p

OPEN_ECHO = b"shell:echo hi\0"


def recv_packet(raw: socket.socket) -> tuple[p.Header, bytes]:
    def exactly(size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = raw.recv(size - len(data))
            if not chunk:
                raise ConnectionResetError("the device hung up")
            data += chunk
        return data

    header = p.decode_header(exactly(p.HEADER_SIZE), p.MAX_PAYLOAD)
    return header, exactly(header.length)


def connect_raw(endpoint, version: int) -> tuple[socket.socket, p.Header, bytes]:
    raw = socket.create_connection((endpoint.host, endpoint.port), timeout=5)
    raw.sendall(p.encode(p.A_CNXN, version, p.MAX_PAYLOAD, b"host::\0"))
    header, banner = recv_packet(raw)
    assert header.command == p.A_CNXN
    return raw, header, banner


def bad_checksum(packet: bytes) -> bytes:
    corrupted = bytearray(packet)
    corrupted[16] ^= 0x5A
    return bytes(corrupted)


def connect_offering(endpoint, version: int, max_payload: int) -> tuple[p.Header, bytes]:
    with socket.create_connection((endpoint.host, endpoint.port), timeout=5) as raw:
        raw.sendall(p.encode(p.A_CNXN, version, max_payload, b"host::\0"))
        return recv_packet(raw)


@pytest.mark.parametrize(
    "offered", [p.A_VERSION_SKIP_CHECKSUM, p.A_VERSION_MIN], ids=["new", "old"]
)
def test_a_modern_device_answers_with_its_own_version_and_the_smaller_payload(start_fleet, offered):
    """adbd since Android 9 (send_connect): arg0 is its own A_VERSION whatever the host
    offered, arg1 the smaller of the two payloads; checksums follow the lower version."""
    endpoint = start_fleet(1, auth="none", profile="pixel8").endpoints[0]
    header, banner = connect_offering(endpoint, offered, 256 * 1024)
    assert header.arg0 == p.A_VERSION_SKIP_CHECKSUM
    assert header.arg1 == 256 * 1024
    skips = offered >= p.A_VERSION_SKIP_CHECKSUM
    assert header.data_checksum == (0 if skips else p.checksum(banner))
    bigger, _ = connect_offering(endpoint, offered, 4 * p.MAX_PAYLOAD)
    assert bigger.arg1 == p.MAX_PAYLOAD


def test_an_android_8_device_answers_the_lower_version_and_payload(start_fleet):
    endpoint = start_fleet(1, auth="none", profile="legacy_phone").endpoints[0]
    header, _ = connect_offering(endpoint, p.A_VERSION_SKIP_CHECKSUM, 4096)
    assert (header.arg0, header.arg1) == (p.A_VERSION_MIN, 4096)


def test_a_modern_device_does_not_check_the_hosts_checksums(start_fleet):
    endpoint = start_fleet(1, auth="none", profile="pixel8").endpoints[0]
    raw, _, _ = connect_raw(endpoint, p.A_VERSION_MIN)
    with raw:
        raw.sendall(bad_checksum(p.encode(p.A_OPEN, 1, 0, OPEN_ECHO)))
        opened, _ = recv_packet(raw)
        written, output = recv_packet(raw)
    assert opened.command == p.A_OKAY
    assert written.command == p.A_WRTE and output == b"hi\n"


def test_an_android_8_device_speaks_the_old_version_and_drops_a_bad_checksum(start_fleet, caplog):
    caplog.set_level(logging.WARNING, logger="kitbench.sim")
    endpoint = start_fleet(1, auth="none", profile="legacy_phone").endpoints[0]
    raw, header, banner = connect_raw(endpoint, p.A_VERSION_SKIP_CHECKSUM)
    with raw:
        assert header.arg0 == p.A_VERSION_MIN
        assert header.data_checksum == p.checksum(banner)
        raw.sendall(bad_checksum(p.encode(p.A_OPEN, 1, 0, OPEN_ECHO)))
        raw.shutdown(socket.SHUT_WR)
        assert raw.recv(1024) == b""  # dropped, no answer
    assert any("checksum mismatch" in record.getMessage() for record in caplog.records)
    raw, _, _ = connect_raw(endpoint, p.A_VERSION_SKIP_CHECKSUM)  # and it keeps serving
    with raw:
        raw.sendall(p.encode(p.A_OPEN, 1, 0, OPEN_ECHO))
        assert recv_packet(raw)[0].command == p.A_OKAY
        assert recv_packet(raw)[1] == b"hi\n"
