"""adb-shell with the checksum-free ADB protocol that adb and adbd speak since Android 9.

adb-shell 0.4.4 offers protocol version 0x01000000 and sums every payload byte in
Python on each packet it sends and receives (about 4.5 ms per MB): most of the
station's CPU in a push. From A_VERSION_SKIP_CHECKSUM (0x01000001) on, both sides
send a zero checksum, as AOSP's `send_packet` does (packages/modules/adb,
transport.cpp: `data_check = 0` once the negotiated version allows it). The version is
negotiated in CNXN as the lower of host's and device's, so a device that answers with
the old version (before Android 9) still gets, and sends, correct checksums.

Received packets: a zero checksum is accepted (a device that negotiated the new version,
and also its AUTH token, sent before its CNXN tells us that version); any other
checksum is verified, which costs nothing on modern devices and keeps the old
protocol's integrity check for old ones. (adb itself no longer verifies at all:
`check_header` there checks only the magic and the payload length.)

Only the message framing of adb-shell's I/O manager changes here; everything above
it (streams, shell, sync, auth) is adb-shell's own. The adaptation relies on
adb-shell 0.4's internals (`_AdbIOManager`), hence the upper bound in pyproject.toml.
"""

from __future__ import annotations

import io
import os
import struct
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from adb_shell import constants, exceptions
from adb_shell.adb_device import AdbDevice, _AdbIOManager
from adb_shell.adb_message import AdbMessage, checksum
from adb_shell.auth.sign_pythonrsa import PythonRSASigner
from adb_shell.transport.base_transport import BaseTransport
from adb_shell.transport.tcp_transport import TcpTransport

if TYPE_CHECKING:
    from adb_shell.hidden_helpers import _AdbTransactionInfo, _FileSyncTransactionInfo

A_VERSION_MIN = 0x01000000
A_VERSION_SKIP_CHECKSUM = 0x01000001
HEADER = struct.Struct(constants.MESSAGE_FORMAT)
CNXN = constants.ID_TO_WIRE[constants.CNXN]
SYNC_HEADER = struct.Struct("<2I")  # a sync request: id and length (AOSP docs/dev/sync.md)
SYNC_DATA = constants.FILESYNC_ID_TO_WIRE[constants.DATA]
# Shell protocol v2 packet ids (AOSP shell_protocol.h) and their header: id, data length.
V2_STDIN, V2_STDOUT, V2_STDERR, V2_EXIT, V2_CLOSE_STDIN, V2_WINDOW_SIZE = range(6)
V2_KNOWN_IDS = frozenset(range(6))
V2_HEADER = struct.Struct("<BI")
SEND_V2 = b"SND2"  # sendrecv_v2's SEND: the path, then id, mode and flags (AOSP sync.md)
SEND_V2_SETUP = struct.Struct("<4sII")
# SND2's compression flags, each offered by its own feature in the device's banner.
COMPRESSION_FLAGS = {"brotli": 1, "lz4": 2, "zstd": 4}
COMPRESSED_CHUNK = 64 * 1024  # adb 34 sends each compressed piece as one DATA of at most this
PACK_BLOCK = 1024 * 1024  # a packed file is compressed this much at a time
# zstd's level for a packed file, compressed once per batch: on the physical bench's APKs level
# 9 leaves 0.624 of the bytes (level 1 0.695, 6 0.635, 12 0.621, 19 0.615; LZ4 0.759) for
# 1.1 s of one core per 74 MB (level 6 0.5 s, 12 2.9 s, 19 26 s); decoding costs the same at
# any level (docs/architecture.md, "Compressed pushes").
PACKED_ZSTD_LEVEL = 9
# brotli's quality for a packed file (Android 11 offers no other compression): on the same
# APKs quality 5 leaves 0.634 (1 0.690, 4 0.639, 6 0.628, 9 0.622) for 0.9 s of one core per
# 74 MB, about zstd's level 9 (quality 6 1.1 s, 7 3.6 s, 9 7.2 s).
PACKED_BROTLI_QUALITY = 5
# Over TCP, header and payload go out in one write up to this size: one syscall, one segment.
COALESCE_LIMIT = 64 * 1024


@dataclass(frozen=True)
class ShellV2Result:
    exit_code: int | None  # None: the shell ended without reporting one
    stdout: bytes
    stderr: bytes


@dataclass(frozen=True)
class PackedFile:
    """A file as the sync DATA messages of a sendrecv_v2 compressed push, made once and sent
    to any number of devices: the stream depends on the file and the compression only.
    The stream `AdbSession` sends compressing on the fly (each piece at most 64 KiB, as adb 34
    sends them; zstd at a stronger level, paid once), framed already, so a push only slices
    packets out of them."""

    compression: str  # "lz4", "zstd" or "brotli"
    data: bytes  # the DATA messages, headers and compressed pieces
    raw_size: int  # the file's own bytes

    @property
    def size(self) -> int:
        """What crosses the bus for the file."""
        return len(self.data)


def pack_file(path: Path, compression: str) -> PackedFile:
    """`path` compressed as `AdbSession` compresses a push, but stronger: zstd at
    `PACKED_ZSTD_LEVEL`, brotli at `PACKED_BROTLI_QUALITY`; OSError when it cannot be read."""
    framed = bytearray()
    with path.open("rb") as source:
        raw_size = os.fstat(source.fileno()).st_size
        blocks = _compressed_blocks(source, compression, PACK_BLOCK, packed=True)
        for block in blocks:
            framed += _data_messages(block)
    return PackedFile(compression, bytes(framed), raw_size)


class PackedStream(io.BytesIO):
    """A packed file handed to `AdbSession.push`, which sends its messages as they are.

    Reports progress in packed bytes as packets go; the callback may raise to abandon the
    push. A BytesIO only because adb-shell takes any other argument for a path.
    """

    def __init__(self, packed: PackedFile, progress: Callable[[int, int], object] | None):
        super().__init__()
        self.packed, self._progress = packed, progress

    def sent(self, done: int) -> None:
        if self._progress is not None:
            self._progress(done, self.packed.size)


class ChecksumSkippingIOManager(_AdbIOManager):  # type: ignore[misc]  # adb-shell has no types
    """adb-shell's packet I/O, offering A_VERSION_SKIP_CHECKSUM and honouring the answer."""

    def __init__(self, transport: BaseTransport) -> None:
        super().__init__(transport)
        self.device_version: int | None = None  # from the device's CNXN
        self.device_banner = b""  # the device's CNXN payload, without a trailing NUL
        # USB keeps header and payload in separate bulk transfers, as adb does: adbd before
        # Android 10 reads exactly a header's 24 bytes, and a longer transfer overflows it.
        self._coalesce = isinstance(transport, TcpTransport)

    def connect(
        self,
        banner: bytes | bytearray,
        rsa_keys: list[PythonRSASigner] | None,
        auth_timeout_s: float | None,
        auth_callback: Callable[[AdbDevice], object] | None,
        adb_info: _AdbTransactionInfo,
    ) -> tuple[bool, int]:
        """adb-shell's connect; returns (connected, maxdata)."""
        self.device_version, self.device_banner = None, b""
        result: tuple[bool, int] = super().connect(
            banner, rsa_keys, auth_timeout_s, auth_callback, adb_info
        )
        return result

    @property
    def skips_checksums(self) -> bool:
        """Whether the device answered with a version that lets both sides send zero."""
        return (self.device_version or 0) >= A_VERSION_SKIP_CHECKSUM

    def _send(self, msg: AdbMessage, adb_info: _AdbTransactionInfo) -> None:
        arg0 = A_VERSION_SKIP_CHECKSUM if msg.command == CNXN else msg.arg0
        data = msg.data
        if self.skips_checksums or not data:
            data_check = 0
        else:  # adb-shell sums bytes and bytearrays only; a push sends views of its buffer
            data_check = checksum(data if isinstance(data, bytes | bytearray) else bytes(data))
        header = HEADER.pack(msg.command, arg0, msg.arg1, len(data), data_check, msg.magic)
        if self._coalesce and len(data) <= COALESCE_LIMIT:
            self._transport.bulk_write(header + data, adb_info.transport_timeout_s)
            return
        self._transport.bulk_write(header, adb_info.transport_timeout_s)
        if data:
            self._transport.bulk_write(data, adb_info.transport_timeout_s)

    def _read_packet_from_device(
        self, adb_info: _AdbTransactionInfo
    ) -> tuple[bytes, int, int, bytes | bytearray]:
        header = self._read_bytes_from_device(constants.MESSAGE_SIZE, adb_info)
        wire, arg0, arg1, length, data_check, _magic = HEADER.unpack(header)
        command = constants.WIRE_TO_ID.get(wire)
        if not command:
            raise exceptions.InvalidCommandError(
                f"Unknown command: 0x{wire:08x} (arg0 = {arg0}, arg1 = {arg1})"
            )
        data = self._read_bytes_from_device(length, adb_info) if length else b""
        if data_check and checksum(data) != data_check:
            raise exceptions.InvalidChecksumError(
                f"Received checksum {checksum(data)} != {data_check}"
            )
        if command == constants.CNXN:
            self.device_version = arg0
            self.device_banner = bytes(data).rstrip(b"\0")  # adbd sends none, older ones do
        return command, arg0, arg1, data


class AdbSession(AdbDevice):  # type: ignore[misc]  # adb-shell has no types
    """adb-shell's AdbDevice over `ChecksumSkippingIOManager`; any transport (TCP or USB)."""

    def __init__(self, transport: BaseTransport, **options: object) -> None:
        super().__init__(transport, **options)
        self._io_manager = ChecksumSkippingIOManager(transport)
        self.push_compression: str | None = None  # what pushes compress with, if offered

    def compression(self) -> str | None:
        """The push compression to use: the one asked for, if the device offers it."""
        wanted = self.push_compression
        features = self.features
        if wanted and "sendrecv_v2" in features and f"sendrecv_v2_{wanted}" in features:
            return wanted
        return None

    @property
    def skips_checksums(self) -> bool:
        return self._io_manager.skips_checksums

    @property
    def banner(self) -> str:
        """The device's banner: `device::ro.product.name=…;…;features=shell_v2,cmd,…`."""
        return self._io_manager.device_banner.decode("utf-8", "replace")

    @property
    def features(self) -> frozenset[str]:
        """The features the device's banner lists (AOSP's `features=` entry)."""
        _, _, properties = self.banner.partition("::")
        for entry in properties.split(";"):
            name, _, value = entry.partition("=")
            if name == "features":
                return frozenset(feature for feature in value.split(",") if feature)
        return frozenset()

    def shell_v2(
        self,
        command: str,
        transport_timeout_s: float | None,
        read_timeout_s: float,
        timeout_s: float | None,
    ) -> ShellV2Result:
        """Run `command` through `shell,v2,raw:` (no pty): stdout, stderr and the exit status
        arrive framed apart (AOSP's shell_protocol.h: id byte, little-endian length, data)."""
        return self.shell_v2_result(
            self.start_shell_v2(command, transport_timeout_s, read_timeout_s, timeout_s)
        )

    def start_shell_v2(
        self,
        command: str,
        transport_timeout_s: float | None,
        read_timeout_s: float,
        timeout_s: float | None,
    ) -> _AdbTransactionInfo:
        """Open `command`'s shell v2 stream and return without waiting for it: other streams
        (a push) may run on the session meanwhile, its packets kept until `shell_v2_result`."""
        return self._open(
            b"shell,v2,raw:" + command.encode("utf-8"), transport_timeout_s, read_timeout_s,
            timeout_s,
        )  # fmt: skip

    def shell_v2_result(self, adb_info: _AdbTransactionInfo) -> ShellV2Result:
        """Read a started shell v2 command's output until it ends."""
        pending = bytearray()
        streams = {V2_STDOUT: bytearray(), V2_STDERR: bytearray()}
        exit_code: int | None = None
        for data in self._read_until_close(adb_info):
            pending += data
            while len(pending) >= V2_HEADER.size:
                kind, length = V2_HEADER.unpack_from(pending)
                if kind not in V2_KNOWN_IDS:
                    raise exceptions.InvalidResponseError(f"shell v2 packet of unknown id {kind}")
                end = V2_HEADER.size + length
                if len(pending) < end:
                    break
                payload = bytes(pending[V2_HEADER.size : end])
                del pending[:end]
                if kind in streams:
                    streams[kind] += payload
                elif kind == V2_EXIT and payload:
                    exit_code = payload[0]
        return ShellV2Result(exit_code, bytes(streams[V2_STDOUT]), bytes(streams[V2_STDERR]))

    def reboot_and_wait(self, timeout_s: float) -> None:
        """Open `reboot:` and wait until the device ends the connection, as it does going
        down: adbd acknowledges the OPEN at once and is still up for a moment, so a host
        that reconnected right away would find the device before its reboot."""
        adb_info = self._open(b"reboot:", timeout_s, timeout_s, timeout_s)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            command, _ = self._read_until([constants.CLSE, constants.WRTE], adb_info)
            if command == constants.CLSE:
                return

    def exec_with_input(
        self,
        destination: bytes,
        source: io.BufferedIOBase,
        transport_timeout_s: float | None,
        read_timeout_s: float,
        timeout_s: float | None,
        sent: Callable[[], object] | None = None,
    ) -> tuple[bytes, bool]:
        """Open `destination` (`exec:…`, `abb_exec:…`), send `source` as the command's stdin,
        then read its output until the device closes the stream: what `adb install` does.
        `sent` is called once the device has taken the input (or refused it).

        One WRTE is in flight at a time, each read straight from `source` into the packet.
        A device that answers or closes before it took everything (pm refusing the APK up
        front) gets nothing more. Returns the output and whether all of `source` was sent.
        """
        adb_info = self._open(destination, transport_timeout_s, read_timeout_s, timeout_s)
        expected = [constants.OKAY, constants.WRTE, constants.CLSE]
        buffer = bytearray(self._maxdata)
        view = memoryview(buffer)
        output = bytearray()
        complete, closed = True, False
        while True:
            count = source.readinto(view)
            if not count:
                break
            message = AdbMessage(constants.WRTE, adb_info.local_id, adb_info.remote_id,
                                 view[:count])  # fmt: skip
            self._io_manager.send(message, adb_info)
            command, data = self._read_until(expected, adb_info)
            if command != constants.OKAY:  # answered or closed before taking it all
                complete = False
                closed = command == constants.CLSE
                output += data if command == constants.WRTE else b""
                break
        if sent is not None:
            sent()
        while not closed:
            command, data = self._read_until(expected, adb_info)
            if command == constants.WRTE:
                output += data
            closed = command == constants.CLSE
        self._io_manager.send(
            AdbMessage(constants.CLSE, adb_info.local_id, adb_info.remote_id), adb_info
        )
        return bytes(output), complete

    def _push(
        self,
        stream: io.BufferedIOBase,
        device_path: str,
        st_mode: int,
        mtime: int,
        progress_callback: Callable[[str, int, int], object] | None,
        adb_info: _AdbTransactionInfo,
        filesync_info: _FileSyncTransactionInfo,
    ) -> None:
        """adb-shell's sync SEND, with the file read straight into the packet being sent.

        adb-shell copies every byte of a push four times on its way out (reading it, framing
        each DATA chunk, buffering the chunk, slicing the buffer); on a bench pushing an APK
        to a hundred devices those copies were much of the station's CPU. Here each packet's
        DATA chunks are read into one reused buffer and sent from it, with adb-shell's
        packet layout: whole chunks of at most `max_chunk_size`, as many as fit. Progress is
        the stream's to report (Device.push passes no callback). A `PackedStream` goes as
        the compressed stream it already is.
        """
        if isinstance(stream, PackedStream):
            self._push_packed(stream, device_path, st_mode, mtime, adb_info, filesync_info)
            return
        compression = self.compression()
        if compression is not None:
            self._push_compressed(_compressed_blocks(stream, compression, self._maxdata),
                                  device_path, st_mode, mtime, compression, adb_info,
                                  filesync_info)  # fmt: skip
            return
        fileinfo = f"{device_path},{int(st_mode)}".encode()
        self._filesync_send(constants.SEND, adb_info, filesync_info, data=fileinfo)
        buffer = filesync_info.send_buffer  # maxdata bytes, the SEND request already in it
        view, chunk = memoryview(buffer), self.max_chunk_size
        ended = False
        while not ended:
            used = filesync_info.send_idx
            while used + SYNC_HEADER.size + chunk < len(buffer):
                start = used + SYNC_HEADER.size
                count = stream.readinto(view[start : start + chunk])
                if not count:
                    ended = True
                    break
                SYNC_HEADER.pack_into(buffer, used, SYNC_DATA, count)
                used = start + count
            filesync_info.send_idx = used
            if not ended:
                self._send_buffered(view, adb_info, filesync_info)
        if not mtime:
            mtime = int(time.time())
        # DONE carries no data: its size field is the modification time.
        self._filesync_send(constants.DONE, adb_info, filesync_info, size=mtime)
        for command, _, data in self._filesync_read_until(
            [], [constants.OKAY, constants.FAIL], adb_info, filesync_info
        ):
            if command == constants.OKAY:
                return
            raise exceptions.PushFailedError(data)

    def _push_compressed(
        self,
        blocks: Iterable[bytes],
        device_path: str,
        st_mode: int,
        mtime: int,
        compression: str,
        adb_info: _AdbTransactionInfo,
        filesync_info: _FileSyncTransactionInfo,
    ) -> None:
        """sendrecv_v2's SEND as adb 34 sends it: SND2 with the path, then SND2 with mode and
        the compression flag, then the file as one compressed stream in DATA pieces."""
        self._put(_send_v2_setup(device_path, st_mode, compression), adb_info, filesync_info)
        for block in blocks:
            self._put(_data_messages(block), adb_info, filesync_info)
        self._end_push(mtime, adb_info, filesync_info)

    def _push_packed(
        self,
        stream: PackedStream,
        device_path: str,
        st_mode: int,
        mtime: int,
        adb_info: _AdbTransactionInfo,
        filesync_info: _FileSyncTransactionInfo,
    ) -> None:
        """A compressed push of a packed file: its DATA messages go out as packet payloads
        sliced from it (no copy), only the first packet's shared with the SND2 setup."""
        setup = _send_v2_setup(device_path, st_mode, stream.packed.compression)
        self._put(setup, adb_info, filesync_info)
        data, buffer = memoryview(stream.packed.data), filesync_info.send_buffer
        position = 0
        while position < len(data):
            if filesync_info.send_idx == 0 and len(data) - position >= len(buffer):
                self._send_view(data[position : position + len(buffer)], adb_info)
                position += len(buffer)
            else:
                used = filesync_info.send_idx
                taken = min(len(buffer) - used, len(data) - position)
                buffer[used : used + taken] = data[position : position + taken]
                filesync_info.send_idx = used + taken
                position += taken
                if filesync_info.send_idx == len(buffer):
                    self._send_buffered(memoryview(buffer), adb_info, filesync_info)
            stream.sent(position)
        self._end_push(mtime, adb_info, filesync_info)

    def _end_push(
        self, mtime: int, adb_info: _AdbTransactionInfo, filesync_info: _FileSyncTransactionInfo
    ) -> None:
        """DONE with the modification time, then the device's OKAY or FAIL."""
        self._filesync_send(constants.DONE, adb_info, filesync_info, size=mtime or int(time.time()))
        for command, _, data in self._filesync_read_until(
            [], [constants.OKAY, constants.FAIL], adb_info, filesync_info
        ):
            if command == constants.OKAY:
                return
            raise exceptions.PushFailedError(data)

    def _put(
        self, data: bytes, adb_info: _AdbTransactionInfo, filesync_info: _FileSyncTransactionInfo
    ) -> None:
        """Append to the sync buffer, sending it as packets of at most maxdata when full."""
        buffer, position = filesync_info.send_buffer, 0
        while position < len(data):
            room = len(buffer) - filesync_info.send_idx
            if room == 0:
                self._send_buffered(memoryview(buffer), adb_info, filesync_info)
                continue
            taken = data[position : position + room]
            buffer[filesync_info.send_idx : filesync_info.send_idx + len(taken)] = taken
            filesync_info.send_idx += len(taken)
            position += len(taken)

    def _send_buffered(
        self,
        view: memoryview,
        adb_info: _AdbTransactionInfo,
        filesync_info: _FileSyncTransactionInfo,
    ) -> None:
        """adb-shell's `_filesync_flush` without copying the buffer: send, await the OKAY."""
        self._send_view(view[: filesync_info.send_idx], adb_info)
        filesync_info.send_idx = 0

    def _send_view(self, view: memoryview, adb_info: _AdbTransactionInfo) -> None:
        """One WRTE of the sync stream straight from `view`, then the device's OKAY."""
        message = AdbMessage(constants.WRTE, adb_info.local_id, adb_info.remote_id, view)
        self._io_manager.send(message, adb_info)
        self._read_until([constants.OKAY], adb_info)


def _send_v2_setup(device_path: str, st_mode: int, compression: str) -> bytes:
    """SND2 with the path, then SND2 with the mode and the compression's flag."""
    path = device_path.encode()
    return (
        SYNC_HEADER.pack(int.from_bytes(SEND_V2, "little"), len(path))
        + path
        + SEND_V2_SETUP.pack(SEND_V2, int(st_mode), COMPRESSION_FLAGS[compression])
    )


def _data_messages(block: bytes) -> bytes:
    """A compressed block as DATA messages of at most COMPRESSED_CHUNK bytes each."""
    return b"".join(
        SYNC_HEADER.pack(SYNC_DATA, len(piece)) + piece
        for piece in (block[start : start + COMPRESSED_CHUNK]
                      for start in range(0, len(block), COMPRESSED_CHUNK))
    )  # fmt: skip


def _compressed_blocks(
    stream: io.BufferedIOBase, compression: str, block_size: int, *, packed: bool = False
) -> Iterator[bytes]:
    """`stream` compressed as it is read, block by block, then the stream's end."""
    compress, finish = _compressor(compression, packed=packed)
    block = bytearray(block_size)
    while count := stream.readinto(block):
        yield compress(bytes(block[:count]))
    yield finish()


def _compressor(
    name: str, *, packed: bool = False
) -> tuple[Callable[[bytes], bytes], Callable[[], bytes]]:
    """(compress a block, finish the stream) for one SND2 compression, at the fast levels
    adb 34 uses, so a station's cores keep up with its buses, or `packed`: stronger, for a file
    compressed once per batch. zstd makes one frame of the whole file, as adb 34's ZstdEncoder
    does (ZSTD_e_continue for each block, ZSTD_e_end at the end)."""
    if name == "lz4":
        import lz4.frame

        lz4_stream = lz4.frame.LZ4FrameCompressor()
        header = lz4_stream.begin()
        first = [header]

        def lz4_compress(block: bytes) -> bytes:
            out: bytes = lz4_stream.compress(block)
            return first.pop() + out if first else out

        return lz4_compress, lambda: (first.pop() if first else b"") + lz4_stream.flush()
    if name == "zstd":
        import zstandard

        level = PACKED_ZSTD_LEVEL if packed else 1
        zstd_stream = zstandard.ZstdCompressor(level=level).compressobj()
        return zstd_stream.compress, zstd_stream.flush
    import brotli

    brotli_stream = brotli.Compressor(quality=PACKED_BROTLI_QUALITY if packed else 1)
    return brotli_stream.process, brotli_stream.finish


class ConnectFailed(Exception):
    """Connecting failed; `cause` is what adb-shell raised, `prompted` whether the device
    showed its "Allow USB debugging?" dialog meanwhile (a timeout then means: nobody tapped)."""

    def __init__(self, cause: Exception, prompted: bool) -> None:
        super().__init__(str(cause))
        self.cause, self.prompted = cause, prompted


def authorize(
    session: AdbDevice,
    key: PythonRSASigner,
    *,
    timeout_s: float,
    auth_timeout_s: float,
    on_auth_prompt: Callable[[], None] | None,
) -> None:
    """Connect and authorize with the station key, over USB or TCP alike; on failure the
    session is closed and ConnectFailed says whether a person was asked to tap Allow."""
    prompted = False

    def prompt(_session: object) -> None:
        nonlocal prompted
        prompted = True
        if on_auth_prompt is not None:
            on_auth_prompt()

    try:
        session.connect(
            rsa_keys=[key],
            transport_timeout_s=timeout_s,
            read_timeout_s=timeout_s,
            auth_timeout_s=auth_timeout_s,
            auth_callback=prompt,
        )
    except Exception as exc:
        session.close()
        raise ConnectFailed(exc, prompted) from exc
