"""The station's ADB framing: checksum-free with devices that allow it, exact with old ones."""

from __future__ import annotations

import hashlib
import re
import socket
import threading

import pytest
from adb_shell import constants
from adb_shell.adb_message import AdbMessage
from adb_shell.hidden_helpers import _AdbTransactionInfo
from adb_shell.transport.base_transport import BaseTransport

from app.devices.adb_protocol import A_VERSION_MIN, A_VERSION_SKIP_CHECKSUM, AdbSession
from app.devices.device import Device, DeviceError, Problem
from app.devices.transport import FullWriteTcpTransport
from app.sim import protocol as p

BANNER = b"device::ro.product.model=Raw;ro.product.name=raw;ro.product.device=raw;features=\0"


class RawDevice:
    """A hand-built device on a socket: answers CNXN with `version`, answers one shell command
    with `output` (default: what `Device.shell`'s exit-status marker expects), and records
    every packet the host sent (header and payload)."""

    def __init__(self, version: int, output: bytes | None = None, corrupt: bool = False) -> None:
        self.version, self.output, self.corrupt = version, output, corrupt
        self.received: list[tuple[p.Header, bytes]] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def spec(self) -> str:
        return f"tcp:127.0.0.1:{self.port}"

    def packet(self, command: int) -> tuple[p.Header, bytes]:
        return next(packet for packet in self.received if packet[0].command == command)

    def _serve(self) -> None:
        connection, _ = self.server.accept()
        with connection, self.server:
            self._read(connection)  # CNXN
            self._send(connection, p.A_CNXN, self.version, p.MAX_PAYLOAD, BANNER)
            opened, destination = self._read(connection)  # OPEN shell:...
            self._send(connection, p.A_OKAY, 1, opened.arg0)
            self._send(connection, p.A_WRTE, 1, opened.arg0, self.output or _answer(destination))
            try:
                self._read(connection)  # the host's OKAY for our WRTE
                self._send(connection, p.A_CLSE, 1, opened.arg0)
                while True:
                    self._read(connection)
            except (ConnectionError, OSError):
                pass

    def _read(self, connection: socket.socket) -> tuple[p.Header, bytes]:
        header = p.decode_header(_recv_exactly(connection, p.HEADER_SIZE), p.MAX_PAYLOAD)
        packet = (header, _recv_exactly(connection, header.length))
        self.received.append(packet)
        return packet

    def _send(self, connection, command: int, arg0: int, arg1: int, data: bytes = b"") -> None:
        """As adbd: a zero checksum once the version allows it, else the byte sum."""
        old = self.version < A_VERSION_SKIP_CHECKSUM
        packet = bytearray(p.encode(command, arg0, arg1, data, with_checksum=old))
        if self.corrupt and command == p.A_WRTE:
            packet[16] ^= 0x01  # a checksum that does not match the payload
        connection.sendall(packet)


def _answer(destination: bytes) -> bytes:
    """`true`'s answer to Device.shell: an exit status after its marker."""
    marker = re.search(rb'echo "(KB[0-9a-f]+):', destination)
    return marker.group(1) + b":0\n" if marker else b""


def _recv_exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionResetError("host closed the connection")
        data += chunk
    return data


def shell_on(device: RawDevice, command: str = "echo hello") -> str:
    session = AdbSession(FullWriteTcpTransport("127.0.0.1", device.port))
    try:
        session.connect(transport_timeout_s=5, read_timeout_s=5)
        return session.shell(command, transport_timeout_s=5, read_timeout_s=5)
    finally:
        session.close()


def test_the_station_offers_the_checksum_free_version_with_a_valid_checksum():
    device = RawDevice(A_VERSION_SKIP_CHECKSUM)
    shell_on(device)
    cnxn, banner = device.packet(p.A_CNXN)
    assert cnxn.arg0 == A_VERSION_SKIP_CHECKSUM
    assert cnxn.data_checksum == p.checksum(banner)  # an old device checks even this one


def test_a_device_answering_the_new_version_gets_and_may_send_zero_checksums():
    device = RawDevice(A_VERSION_SKIP_CHECKSUM, output=b"hello\n")
    assert shell_on(device, "echo hello") == "hello\n"  # its zero checksums are accepted
    opened, destination = device.packet(p.A_OPEN)
    assert destination.startswith(b"shell:echo hello")
    assert opened.data_checksum == 0


def test_a_device_answering_the_old_version_gets_exact_checksums():
    device = RawDevice(A_VERSION_MIN, output=b"hello\n")
    assert shell_on(device, "echo hello") == "hello\n"
    opened, destination = device.packet(p.A_OPEN)
    assert opened.data_checksum == p.checksum(destination) != 0


@pytest.mark.parametrize("corrupt", [False, True], ids=["intact", "corrupted"])
def test_a_wrong_checksum_from_a_device_is_garbage_not_output(host_key, corrupt):
    session = Device.open(RawDevice(A_VERSION_MIN, corrupt=corrupt).spec, host_key)
    try:
        if not corrupt:
            assert session.shell("true", timeout=5).exit_code == 0
            return
        with pytest.raises(DeviceError) as raised:
            session.shell("true", timeout=5)
        assert raised.value.problem is Problem.GARBAGE
    finally:
        session.close()


# Sizes around the push's packet boundaries: a chunk is 64 KiB, a packet holds 15 chunks
# (1 MiB payloads, Android 9+) or 3 (256 KiB, older), the end of a file may fill one exactly.
PUSH_SIZES = (0, 1, 65536, 3 * 65536, 15 * 65536, 15 * 65536 + 1, 3 * 1024 * 1024 + 17)


@pytest.mark.parametrize(
    ("profile", "skips"), [("pixel8", True), ("legacy_phone", False)], ids=["android14", "android8"]
)
def test_push_and_pull_intact_whichever_version_the_device_speaks(
    start_fleet, host_key, random_file, tmp_path, profile, skips
):
    """The Android 8 device checks every checksum and drops the connection on a wrong one."""
    endpoint = start_fleet(1, auth="none", profile=profile).endpoints[0]
    session = AdbSession(FullWriteTcpTransport(endpoint.host, endpoint.port))
    session.connect(rsa_keys=[host_key], transport_timeout_s=10, read_timeout_s=10)
    try:
        assert session.skips_checksums is skips
        for size in PUSH_SIZES:
            source = random_file(f"payload-{size}.bin", size, seed=size)
            session.push(str(source), f"/sdcard/Download/{size}.bin", read_timeout_s=30)
            pulled = tmp_path / f"pulled-{size}.bin"
            session.pull(f"/sdcard/Download/{size}.bin", str(pulled), read_timeout_s=30)
            assert pulled.read_bytes() == source.read_bytes(), f"{size} bytes"
        assert session.shell("echo still here", read_timeout_s=10) == "still here\n"
    finally:
        session.close()


def test_a_push_reports_its_progress_and_arrives_whole(start_fleet, host_key, random_file):
    endpoint = start_fleet(1, auth="none", profile="pixel8").endpoints[0]
    device = Device.open(endpoint.spec, host_key)
    source, seen = random_file("app.bin", 2 * 1024 * 1024 + 5), []
    try:
        device.push(source, "/data/local/tmp/app.bin", lambda done, total: seen.append(done))
        digest = device.shell("sha256sum /data/local/tmp/app.bin", timeout=10).output.split()[0]
    finally:
        device.close()
    assert len(seen) > 10 and seen == sorted(seen) and seen[-1] == source.stat().st_size
    assert digest == hashlib.sha256(source.read_bytes()).hexdigest()


class RecordingUsb(BaseTransport):
    """Bulk writes as a USB transport receives them (adb-shell's UsbTransport interface)."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def close(self) -> None: ...

    def connect(self, transport_timeout_s=None) -> None: ...

    def bulk_read(self, numbytes, transport_timeout_s=None) -> bytes:
        raise AssertionError("not read in this test")

    def bulk_write(self, data, transport_timeout_s=None) -> int:
        self.writes.append(bytes(data))
        return len(data)


class RecordingTcp(FullWriteTcpTransport):
    def __init__(self) -> None:
        super().__init__("127.0.0.1", 1)
        self.writes: list[bytes] = []

    def bulk_write(self, data, transport_timeout_s=None) -> int:
        self.writes.append(bytes(data))
        return len(data)


def test_usb_sends_header_and_payload_as_separate_transfers_tcp_as_one_write():
    """adbd before Android 10 reads exactly 24 bytes for a header from its USB endpoint."""
    sent = AdbMessage(constants.WRTE, 1, 2, b"payload")
    info = _AdbTransactionInfo(1, 2, 5, 5, None)
    usb, tcp = RecordingUsb(), RecordingTcp()
    for transport in (usb, tcp):
        AdbSession(transport)._io_manager.send(sent, info)
        AdbSession(transport)._io_manager.send(AdbMessage(constants.OKAY, 1, 2), info)
    assert [len(write) for write in usb.writes] == [24, 7, 24]  # no zero-length transfer
    assert [len(write) for write in tcp.writes] == [24 + 7, 24]
