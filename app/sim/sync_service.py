"""The `sync:` file service (AOSP docs/dev/sync.md): STAT, LIST, SEND/DATA/DONE, RECV, QUIT.

Requests are a 4-byte id and a 32-bit little-endian length; they may span or share
ADB packets, so the service reads from the stream as a byte pipe.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.sim.connection import Stream
from app.sim.device_state import FsError

if TYPE_CHECKING:
    from app.sim.device import SimDevice

REQUEST = struct.Struct("<4sI")
STAT_REPLY = struct.Struct("<4sIII")
DENT = struct.Struct("<4sIIII")
SYNC_DATA_MAX = 64 * 1024
MAX_PATH = 1024
DEFAULT_MODE = 0o100644


class SyncFailure(Exception):
    """A request the device answers with FAIL and then closes the sync session."""


async def serve_sync(device: SimDevice, stream: Stream) -> None:
    while True:
        request_id, length = REQUEST.unpack(await stream.read_exactly(REQUEST.size))
        if request_id == b"QUIT":
            return
        if request_id not in (b"STAT", b"LIST", b"SEND", b"RECV"):
            await fail(stream, f"unknown sync request {request_id!r}")
            return
        if length > MAX_PATH:
            await fail(stream, f"path too long: {length}")
            return
        path = (await stream.read_exactly(length)).decode("utf-8", "replace")
        try:
            if request_id == b"STAT":
                await stat(device, stream, path)
            elif request_id == b"LIST":
                await listing(device, stream, path)
            elif request_id == b"SEND":
                await receive_file(device, stream, path)
            else:
                await send_file(device, stream, path)
        except SyncFailure as exc:
            await fail(stream, str(exc))
            return


async def fail(stream: Stream, message: str) -> None:
    data = message.encode()
    await stream.write(REQUEST.pack(b"FAIL", len(data)) + data)


async def stat(device: SimDevice, stream: Stream, path: str) -> None:
    info = device.model.fs_stat(path)
    if info is None:
        await stream.write(STAT_REPLY.pack(b"STAT", 0, 0, 0))
    else:
        await stream.write(STAT_REPLY.pack(b"STAT", info.mode, info.size & 0xFFFFFFFF, info.mtime))


async def listing(device: SimDevice, stream: Stream, path: str) -> None:
    entries = device.model.fs_list(path) or []
    out = bytearray()
    for name, info in entries:
        encoded = name.encode()
        out += DENT.pack(b"DENT", info.mode, info.size & 0xFFFFFFFF, info.mtime, len(encoded))
        out += encoded
    out += DENT.pack(b"DONE", 0, 0, 0, 0)
    await stream.write(bytes(out))


async def receive_file(device: SimDevice, stream: Stream, spec: str) -> None:
    """SEND "path,mode": DATA chunks until DONE(mtime), then store and answer OKAY or FAIL."""
    path, _, mode_text = spec.rpartition(",")
    if not path:
        path, mode_text = spec, ""
    try:
        mode = int(mode_text) if mode_text else DEFAULT_MODE
    except ValueError:
        path, mode = spec, DEFAULT_MODE
    throttle = device.behaviour.throttle()
    content = IncomingFile(device.model.files.known())
    struck = False
    while True:
        chunk_id, value = REQUEST.unpack(await stream.read_view(REQUEST.size))
        if chunk_id == b"DATA":
            if value > SYNC_DATA_MAX:
                raise SyncFailure(f"data chunk of {value} bytes exceeds {SYNC_DATA_MAX}")
            content.add(await stream.read_view(value))
            await throttle.account(value)
            if not struck and content.size >= SYNC_DATA_MAX:
                struck = True
                await device.strike_transport_faults(stream, f"push to {path}")
        elif chunk_id == b"DONE":
            mtime = value
            break
        else:
            raise SyncFailure(f"invalid data message {chunk_id!r}")
    try:
        device.model.fs_write(path, content.data(), mode, mtime)
    except FsError as exc:
        raise SyncFailure(f"couldn't create file: {exc}") from None
    await stream.write(REQUEST.pack(b"OKAY", 0))


class IncomingFile:
    """A pushed file's bytes as they arrive, compared on the way with contents already known.

    While the data matches one of them nothing is kept: a bench pushing the same APK to a
    hundred devices then holds no hundred copies of it, and the file ends up as the known
    object itself. Once it differs from all of them, the data is kept (the part received so
    far is the known content's beginning) and joined at the end.
    """

    def __init__(self, known: Sequence[bytes]) -> None:
        self._candidates = list(known)
        self._pieces: list[memoryview | bytes] = []
        self.size = 0

    def add(self, piece: memoryview | bytes) -> None:
        if self._candidates:
            matching = [c for c in self._candidates if c.startswith(piece, self.size)]
            if not matching:
                self._pieces.append(memoryview(self._candidates[0])[: self.size])
            self._candidates = matching
        if not self._candidates:
            self._pieces.append(piece)
        self.size += len(piece)

    def data(self) -> bytes:
        for candidate in self._candidates:
            if len(candidate) == self.size:
                return candidate
        if self._candidates:
            return self._candidates[0][: self.size]
        return b"".join(self._pieces)


async def send_file(device: SimDevice, stream: Stream, path: str) -> None:
    """RECV: the file as DATA chunks then DONE, or FAIL with Android's reason."""
    try:
        content = device.model.fs_read(path)
    except FsError as exc:
        raise SyncFailure(str(exc)) from None
    throttle = device.behaviour.throttle()
    for start in range(0, len(content), SYNC_DATA_MAX):
        chunk = content[start : start + SYNC_DATA_MAX]
        await stream.write(REQUEST.pack(b"DATA", len(chunk)) + chunk)
        await throttle.account(len(chunk))
    await stream.write(REQUEST.pack(b"DONE", 0))
