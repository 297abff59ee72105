"""The `sync:` file service (AOSP docs/dev/sync.md, daemon/file_sync_service.cpp).

v1: STAT, LIST, SEND/DATA/DONE, RECV, QUIT. v2, where the release's adbd has it: STA2 and
LST2 (stat and lstat with every field and an errno), LIS2 (DNT2 entries), SND2 and RCV2
(a setup message with flags: brotli, LZ4 or zstd compression of the DATA stream, dry run).
Requests are a 4-byte id and a 32-bit little-endian length; they may span or share
ADB packets, so the service reads from the stream as a byte pipe.
"""

from __future__ import annotations

import errno
import hashlib
import os
import posixpath
import stat as stat_bits
import struct
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import brotli
import lz4.frame
import zstandard

from app.sim.commands_toybox import path_owner
from app.sim.connection import Stream
from app.sim.device_state import FileStat, FsError
from app.sim.file_system import SYMLINKS, SYSTEM_EPOCH, resolve

if TYPE_CHECKING:
    from app.sim.device import SimDevice

REQUEST = struct.Struct("<4sI")
STAT_REPLY = struct.Struct("<4sIII")
DENT = struct.Struct("<4sIIII")
# sync_stat_v2: id, error, dev, ino, mode, nlink, uid, gid, size, atime, mtime, ctime
STAT_V2 = struct.Struct("<4sIQQIIIIQqqq")
DENT_V2 = struct.Struct("<4sIQQIIIIQqqqI")  # and namelen, then the name
SEND_V2 = struct.Struct("<4sII")  # id, mode, flags
RECV_V2 = struct.Struct("<4sI")  # id, flags
SYNC_DATA_MAX = 64 * 1024
# A push's bytes are paced (`Throttle.account`) per this much, an ADB packet's payload at most
# (MAX_PAYLOAD), as streamed services pace per packet: paced per 64 KiB DATA message, the
# event loop's lateness on each of sixteen times more sleeps left the bus idle, a cost of the
# simulator that USB does not have (compressed pushes carried 36 MB/s on a 40 MB/s bus).
PACING_BYTES = 1024 * 1024
MAX_PATH = 1024
DATA_DEVICE = 0xFD05  # st_dev of /data on a Pixel (dm-5)

FLAG_BROTLI, FLAG_LZ4, FLAG_ZSTD, FLAG_DRY_RUN = 1, 2, 4, 0x8000_0000
# which flag each advertised feature lets a host set
FLAG_FEATURES = {
    FLAG_BROTLI: "sendrecv_v2_brotli",
    FLAG_LZ4: "sendrecv_v2_lz4",
    FLAG_ZSTD: "sendrecv_v2_zstd",
    FLAG_DRY_RUN: "sendrecv_v2_dry_run_send",
}
V1_REQUESTS = (b"STAT", b"LIST", b"SEND", b"RECV")
V2_REQUESTS = {b"STA2": "stat_v2", b"LST2": "stat_v2", b"LIS2": "ls_v2"}
V2_TRANSFERS = (b"SND2", b"RCV2")
ERRNO_OF = {os.strerror(number): number for number in errno.errorcode}


class SyncFailure(Exception):
    """A request the device answers with FAIL and then closes the sync session."""


def _knows(device: SimDevice, request_id: bytes) -> bool:
    """Whether this release's adbd understands a request (older ones answer "unknown")."""
    if request_id in V1_REQUESTS:
        return True
    if request_id in V2_TRANSFERS:
        return "sendrecv_v2" in device.features
    return V2_REQUESTS.get(request_id, "") in device.features


async def serve_sync(device: SimDevice, stream: Stream) -> None:
    while True:
        request_id, length = REQUEST.unpack(await stream.read_exactly(REQUEST.size))
        if request_id == b"QUIT":
            return
        if length > MAX_PATH:
            await fail(stream, "path too long")
            return
        path = (await stream.read_exactly(length)).decode("utf-8", "replace")
        if not _knows(device, request_id):
            await fail(stream, f"unknown command {int.from_bytes(request_id, 'little'):08x}")
            return
        try:
            if request_id == b"STAT":
                await stat(device, stream, path)
            elif request_id in (b"STA2", b"LST2"):
                await stat_v2(device, stream, request_id, path)
            elif request_id == b"LIST":
                await listing(device, stream, path)
            elif request_id == b"LIS2":
                await listing_v2(device, stream, path)
            elif request_id == b"SEND":
                await receive_file(device, stream, path)
            elif request_id == b"SND2":
                _, mode, flags = SEND_V2.unpack(await stream.read_exactly(SEND_V2.size))
                compression, dry_run = transfer_flags(device, flags)
                await receive_file(device, stream, path, mode, compression, dry_run)
            elif request_id == b"RECV":
                await send_file(device, stream, path)
            else:
                _, flags = RECV_V2.unpack(await stream.read_exactly(RECV_V2.size))
                compression, _ = transfer_flags(device, flags, dry_run_allowed=False)
                await send_file(device, stream, path, compression)
        except SyncFailure as exc:
            kind = request_id.decode("ascii", "replace")
            device.model.log.write("E", "adbd", f"sync {kind} of {path} abandoned: {exc}")
            await fail(stream, str(exc))
            return


def transfer_flags(
    device: SimDevice, flags: int, *, dry_run_allowed: bool = True
) -> tuple[int, bool]:
    """The one compression flag (0 for none) and the dry run of a SND2/RCV2 setup, checked
    as adbd checks them: a flag its release does not know is an unknown flag."""
    compression = 0
    for flag in (FLAG_BROTLI, FLAG_LZ4, FLAG_ZSTD):
        if flags & flag and FLAG_FEATURES[flag] in device.features:
            if compression:
                raise SyncFailure(f"multiple compression flags received: {flags}")
            compression = flag
    dry_run = (
        dry_run_allowed
        and bool(flags & FLAG_DRY_RUN)
        and FLAG_FEATURES[FLAG_DRY_RUN] in device.features
    )
    unknown = flags & ~(compression | (FLAG_DRY_RUN if dry_run else 0))
    if unknown:
        raise SyncFailure(f"unknown flags: {unknown}")
    return compression, dry_run


async def fail(stream: Stream, message: str) -> None:
    data = message.encode()
    await stream.write(REQUEST.pack(b"FAIL", len(data)) + data)


async def stat(device: SimDevice, stream: Stream, path: str) -> None:
    info = device.model.fs_stat(path)
    if info is None:
        await stream.write(STAT_REPLY.pack(b"STAT", 0, 0, 0))
    else:
        await stream.write(STAT_REPLY.pack(b"STAT", info.mode, info.size & 0xFFFFFFFF, info.mtime))


def _lstat(device: SimDevice, path: str, *, follow: bool) -> FileStat:
    """stat (following the device's symlinks) or lstat of a path; FsError as the kernel says."""
    absolute = posixpath.normpath("/" + path.lstrip("/"))
    if not follow and absolute in SYMLINKS:
        return FileStat(stat_bits.S_IFLNK | 0o777, len(SYMLINKS[absolute]), SYSTEM_EPOCH)
    return device.model.stat_path(resolve(path))


def _stat_v2_fields(device: SimDevice, path: str, info: FileStat) -> tuple[int, ...]:
    """dev, ino, mode, nlink, uid, gid, size, atime, mtime, ctime of a file."""
    absolute = posixpath.normpath("/" + path.lstrip("/"))
    inode = int.from_bytes(hashlib.sha256(absolute.encode()).digest()[:4], "little") | 1
    uid, _, gid, _ = path_owner(device.model.sdk, absolute)
    links = 2 if stat_bits.S_ISDIR(info.mode) else 1
    times = (info.mtime, info.mtime, info.mtime)
    return (DATA_DEVICE, inode, info.mode, links, uid, gid, info.size, *times)


async def stat_v2(device: SimDevice, stream: Stream, request_id: bytes, path: str) -> None:
    """STA2 (stat) or LST2 (lstat): every field, or the errno with the rest zero."""
    try:
        info = _lstat(device, path, follow=request_id == b"STA2")
    except FsError as exc:
        error = ERRNO_OF.get(exc.reason, errno.EIO)
        await stream.write(STAT_V2.pack(request_id, error, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        return
    await stream.write(STAT_V2.pack(request_id, 0, *_stat_v2_fields(device, path, info)))


def _entries(device: SimDevice, path: str) -> list[tuple[str, FileStat]]:
    """What readdir gives adbd, `.` and `..` first; nothing for what cannot be listed."""
    entries = device.model.fs_list(path)
    if entries is None:
        return []
    here = device.model.fs_stat(path)
    up = device.model.fs_stat(posixpath.dirname(resolve(path))) or here
    assert here is not None and up is not None  # the directory was just listed
    return [(".", here), ("..", up), *entries]


async def listing_v2(device: SimDevice, stream: Stream, path: str) -> None:
    out = bytearray()
    for name, info in _entries(device, path):
        encoded = name.encode()
        fields = _stat_v2_fields(device, posixpath.join(path, name), info)
        out += DENT_V2.pack(b"DNT2", 0, *fields, len(encoded)) + encoded
    out += DENT_V2.pack(b"DONE", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    await stream.write(bytes(out))


async def listing(device: SimDevice, stream: Stream, path: str) -> None:
    out = bytearray()
    for name, info in _entries(device, path):
        encoded = name.encode()
        out += DENT.pack(b"DENT", info.mode, info.size & 0xFFFFFFFF, info.mtime, len(encoded))
        out += encoded
    out += DENT.pack(b"DONE", 0, 0, 0, 0)
    await stream.write(bytes(out))


def _decoder(compression: int) -> Callable[[bytes], bytes]:
    """The decompressor of a SND2's DATA stream (identity without compression)."""
    if compression == FLAG_BROTLI:
        return brotli.Decompressor().process
    if compression == FLAG_LZ4:
        return lz4.frame.LZ4FrameDecompressor().decompress
    if compression == FLAG_ZSTD:
        return zstandard.ZstdDecompressor().decompressobj().decompress
    return bytes


def _compress(compression: int, content: bytes) -> bytes:
    """A RCV2's DATA stream: the file as one brotli, LZ4 frame or zstd stream."""
    if compression == FLAG_BROTLI:
        return brotli.compress(content, quality=1)
    if compression == FLAG_LZ4:
        return lz4.frame.compress(content)
    if compression == FLAG_ZSTD:
        return zstandard.ZstdCompressor().compress(content)
    return content


async def receive_file(
    device: SimDevice,
    stream: Stream,
    spec: str,
    v2_mode: int | None = None,
    compression: int = 0,
    dry_run: bool = False,
) -> None:
    """SEND "path,mode" (or SND2 path with its mode and flags): DATA chunks until DONE(mtime),
    then store and answer OKAY or FAIL. A dry run decodes and stores nothing."""
    if v2_mode is not None:
        path, mode = spec, v2_mode
    else:
        path, mode = _send_v1_spec(spec)
    decode = _decoder(compression)
    throttle = device.behaviour.throttle()
    content = IncomingFile(device.model.files.known())
    struck = False
    unpaced = 0
    while True:
        chunk_id, value = REQUEST.unpack(await stream.read_view(REQUEST.size))
        if chunk_id == b"DATA":
            if value > SYNC_DATA_MAX and "sendrecv_v2_lz4" not in device.features:
                # adbd dropped this limit with its decoders (2020, the release that added LZ4)
                raise SyncFailure("oversize data message")
            data = await stream.read_view(value)
            if compression:
                try:
                    data = decode(bytes(data))
                except Exception:  # each library raises its own error for a corrupt stream
                    raise SyncFailure("decompress failed") from None
            content.add(data)
            unpaced += value
            if unpaced >= PACING_BYTES:
                await throttle.account(unpaced)
                unpaced = 0
            if not struck and content.size >= SYNC_DATA_MAX:
                struck = True
                await device.strike_transport_faults(stream, f"push to {path}")
        elif chunk_id == b"DONE":
            mtime = value
            await throttle.account(unpaced)
            break
        else:
            raise SyncFailure(f"invalid data message {chunk_id!r}")
    if not dry_run:
        try:
            device.model.fs_write(path, content.data(), mode, mtime)
        except FsError as exc:
            raise SyncFailure(f"couldn't create file: {exc}") from None
    await stream.write(REQUEST.pack(b"OKAY", 0))


def _send_v1_spec(spec: str) -> tuple[str, int]:
    """SEND's "path,mode", the mode read as strtoul(…, 0) reads it (adb writes decimal)."""
    path, comma, mode_text = spec.rpartition(",")
    if not comma:
        raise SyncFailure("missing , in ID_SEND_V1")
    text = mode_text.strip().lower()
    try:
        if text.startswith("0x"):
            return path, int(text, 16)
        return path, int(text, 8) if text.startswith("0") and len(text) > 1 else int(text or "0")
    except ValueError:
        raise SyncFailure("bad mode") from None


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


async def send_file(device: SimDevice, stream: Stream, path: str, compression: int = 0) -> None:
    """RECV (or RCV2, compressed as asked): the file as DATA chunks then DONE, or FAIL with
    Android's reason."""
    try:
        content = device.model.fs_read(path)
    except FsError as exc:
        raise SyncFailure(str(exc)) from None
    throttle = device.behaviour.throttle()
    content = _compress(compression, content)
    for start in range(0, len(content), SYNC_DATA_MAX):
        chunk = content[start : start + SYNC_DATA_MAX]
        await stream.write(REQUEST.pack(b"DATA", len(chunk)) + chunk)
        await throttle.account(len(chunk))
    await stream.write(REQUEST.pack(b"DONE", 0))
