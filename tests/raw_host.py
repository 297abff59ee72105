"""A host that speaks ADB packets itself, for tests that look at the framing of a device's
answers (the simulator's or real adbd's) rather than at what a client makes of them."""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field

from app.sim import protocol as p

V2 = struct.Struct("<BI")


@dataclass
class Transcript:
    """What one stream got back: packet kinds in order (WRTEs merged), OKAY payloads, data."""

    events: list[str] = field(default_factory=list)
    acks: list[str] = field(default_factory=list)  # OKAYs of the host's WRTEs, with payloads
    written: list[int] = field(default_factory=list)  # sizes of the host's WRTEs
    data: bytes = b""
    refused: bool = False

    def add(self, packet: p.Header, payload: bytes) -> None:
        if packet.command == p.A_WRTE:
            if not self.events or self.events[-1] != "WRTE":
                self.events.append("WRTE")
            self.data += payload
        elif packet.command == p.A_OKAY:
            okay = f"OKAY{struct.unpack('<i', payload) if payload else ''}"
            if not self.events:
                self.events.append(okay)
            elif payload:  # delayed ack: all of the next write, or how much
                written = (
                    self.written[len(self.acks)] if len(self.acks) < len(self.written) else None
                )
                acked = struct.unpack("<i", payload)[0]
                self.acks.append("OKAY(that write)" if acked == written else okay)
            else:
                self.acks.append(okay)
        else:
            self.events.append(p.COMMAND_NAMES[packet.command])

    @property
    def framing(self) -> tuple[list[str], list[str]]:
        return self.events, self.acks


class RawHost:
    """A host that speaks packets itself, one stream at a time, and records the answers."""

    def __init__(self, host: str, port: int) -> None:
        self.socket = socket.create_connection((host, port), timeout=20)
        self.delayed_ack = False
        self.next_id = 1

    def close(self) -> None:
        self.socket.close()

    def send(self, command: int, arg0: int, arg1: int, data: bytes = b"") -> None:
        # real checksums: what an old device checks, and what a new one ignores
        self.socket.sendall(p.encode(command, arg0, arg1, data))

    def receive(self) -> tuple[p.Header, bytes]:
        def exactly(size: int) -> bytes:
            data = b""
            while len(data) < size:
                chunk = self.socket.recv(size - len(data))
                if not chunk:
                    raise ConnectionResetError("the device hung up")
                data += chunk
            return data

        header = p.decode_header(exactly(p.HEADER_SIZE), 4 * p.MAX_PAYLOAD)
        return header, exactly(header.length)

    def connect(self, version: int, max_payload: int, features: str) -> tuple[p.Header, bytes]:
        # as adb sends it: no NUL at the end (adbd would take it for part of the last feature)
        self.send(p.A_CNXN, version, max_payload, f"host::features={features}".encode())
        header, banner = self.receive()
        self.delayed_ack = "delayed_ack" in features.split(",")
        return header, banner

    def run(self, service: str, writes: list[bytes] = (), *, window: int | None = None):
        """OPEN `service`, send `writes` one WRTE each (waiting for each OKAY), ack every WRTE,
        and collect until the device closes the stream."""
        local = self.next_id
        self.next_id += 1
        if window is None:
            window = p.INITIAL_DELAYED_ACK_BYTES if self.delayed_ack else 0
        self.send(p.A_OPEN, local, window, service.encode() + b"\0")
        transcript, remote, pending = Transcript(), None, list(writes)
        while True:
            header, payload = self.receive()
            if header.command == p.A_CLSE and header.arg1 < local:
                continue  # adbd 34 may repeat the CLSE of a stream it closed (hosts ignore it)
            assert header.arg1 == local, f"a packet for stream {header.arg1}, not {local}"
            if remote is None and header.command == p.A_CLSE:
                transcript.refused = header.arg0 == 0
            elif remote is None:
                remote = header.arg0
            else:
                assert header.arg0 == remote, "the device changed its id for the stream"
            transcript.add(header, payload)
            if header.command == p.A_CLSE:
                return transcript
            if header.command == p.A_WRTE:
                ack = struct.pack("<i", len(payload)) if self.delayed_ack else b""
                self.send(p.A_OKAY, local, remote, ack)
            elif header.command == p.A_OKAY and pending:
                transcript.written.append(len(pending[0]))
                self.send(p.A_WRTE, local, remote, pending.pop(0))


def shell_v2_frames(data: bytes) -> list[tuple[int, bytes]]:
    """Shell v2 packets, consecutive ones of a kind joined (where output is cut is timing)."""
    frames: list[tuple[int, bytes]] = []
    while data:
        kind, length = V2.unpack_from(data)
        body, data = data[V2.size : V2.size + length], data[V2.size + length :]
        if frames and frames[-1][0] == kind:
            frames[-1] = (kind, frames[-1][1] + body)
        else:
            frames.append((kind, body))
    return frames
