"""One host connection to a simulated device: handshake, auth, and multiplexed streams.

The device side of AOSP's protocol.md. Each OPEN becomes a `Stream` served by its own
task. Without delayed acks a write waits for the host's OKAY (one packet in flight per
stream); with them (both banners list `delayed_ack`, adbd since Android 14) a stream may
send as many bytes as the host's window allows, and each OKAY carries the bytes acked as a
32-bit payload, in both directions (AOSP adb.cpp handle_packet, sockets.cpp). The host's WRTEs
are acknowledged as adbd acknowledges them: at once while they fit in the service's socket
buffer, else when the service has read enough of them, so a slow service slows the host down
instead of buffering without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import struct
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, cast

from app.sim import protocol as p

if TYPE_CHECKING:
    from app.sim.device import SimDevice

log = logging.getLogger("kitbench.sim")

SEPARATE_PAYLOAD_WRITE = 64 * 1024
RECEIVE_CHUNK = 64 * 1024
UNREAD_LIMIT = 2 * 1024 * 1024  # stop reading from a host that sends far ahead
ACKED_BYTES = struct.Struct("<i")  # an OKAY's payload under delayed_ack (it may be negative)
# What a service's socket takes before adbd must wait for the service to read (Linux's
# default socket buffer, net.core.wmem_default): adbd acks a host's WRTE once it is written.
SERVICE_SOCKET_BUFFER = 212992


class ConnectionLost(Exception):
    """The host went away or the stream was closed under a service."""


class PacketReceiver(asyncio.BufferedProtocol):
    """Takes over a connection's reading, so a large payload arrives straight in its buffer.

    asyncio's StreamReader copies each byte three times on the way in (into its buffer, out
    of it, into bytes): on a fleet's pushes that was the simulator's largest cost and capped
    it near 400 MB/s. Here the socket reads a large payload into the payload's own buffer,
    and headers and small packets through one scratch buffer. Writing, flow control and
    closing stay with the StreamWriter's protocol, to which the events are passed on.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._streams = transport.get_protocol()
        self._scratch = bytearray(RECEIVE_CHUNK)
        self._unread = bytearray()  # received, not asked for yet
        self._target: bytearray | None = None  # what `readexactly` waits to fill
        self._filled = 0
        self._direct = False
        self._waiter: asyncio.Future[None] | None = None
        self._eof = False

    @classmethod
    async def take_over(
        cls, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> PacketReceiver:
        """Read `writer`'s connection from now on, starting with what `reader` holds."""
        # typeshed types a StreamWriter's transport as write-only; a socket's reads too
        transport = cast(asyncio.Transport, writer.transport)
        receiver = cls(transport)
        transport.set_protocol(receiver)  # no byte can arrive in between: this is the loop
        reader.feed_eof()  # the StreamReader gets nothing more; take what it already has
        receiver._unread += await reader.read()
        receiver._eof = transport.is_closing()
        if not transport.is_reading():
            transport.resume_reading()
        return receiver

    async def readexactly(self, size: int) -> bytes | bytearray:
        if len(self._unread) >= size:
            data = bytes(memoryview(self._unread)[:size])
            del self._unread[:size]
            self._resume()
            return data
        self._target, self._filled = bytearray(size), 0
        self._take_unread()
        try:
            while self._filled < size:
                if self._eof:
                    raise asyncio.IncompleteReadError(bytes(self._target[: self._filled]), size)
                self._waiter = asyncio.get_running_loop().create_future()
                await self._waiter
            return self._target
        finally:
            self._target = self._waiter = None

    def get_buffer(self, sizehint: int) -> memoryview | bytearray:
        target = self._target
        if target is not None and not self._unread and len(target) - self._filled >= RECEIVE_CHUNK:
            self._direct = True
            return memoryview(target)[self._filled :]
        self._direct = False
        return self._scratch

    def buffer_updated(self, nbytes: int) -> None:
        if self._direct:
            self._filled += nbytes
        else:
            self._unread += memoryview(self._scratch)[:nbytes]
            self._take_unread()
            if len(self._unread) > UNREAD_LIMIT:
                self._transport.pause_reading()
        if self._target is not None and self._filled == len(self._target):
            self._wake()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        return False  # let the transport close

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        self._wake()
        self._streams.connection_lost(exc)

    def pause_writing(self) -> None:
        self._streams.pause_writing()

    def resume_writing(self) -> None:
        self._streams.resume_writing()

    def _take_unread(self) -> None:
        if self._target is None or not self._unread:
            return
        count = min(len(self._target) - self._filled, len(self._unread))
        self._target[self._filled : self._filled + count] = memoryview(self._unread)[:count]
        del self._unread[:count]
        self._filled += count
        self._resume()

    def _resume(self) -> None:
        if len(self._unread) <= UNREAD_LIMIT and not self._transport.is_reading():
            self._transport.resume_reading()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class Stream:
    """A service's view of one ADB stream: read the host's bytes, write ours, close."""

    def __init__(
        self, connection: Connection, local_id: int, remote_id: int, window: int | None = None
    ) -> None:
        self.connection = connection
        self.local_id = local_id
        self.remote_id = remote_id
        # a payload of a packet as read: large ones are the bytearray they were received into
        self._incoming: asyncio.Queue[bytes | bytearray | None] = asyncio.Queue()
        self._unread = memoryview(b"")  # the rest of the host's last packet
        self._may_send = asyncio.Event()
        self._may_send.set()
        # With delayed acks: the bytes the host still accepts (its OPEN's arg1, plus each ack)
        self.window = window
        # the host's packets: sizes of those not read by the service yet, in order; how many
        # arrived, were acked (always the first ones) and were read; acked bytes not yet read
        self._sizes: deque[int] = deque()
        self._arrived = self._acked = self._consumed = 0
        self._buffered = 0
        self.closed = False

    # -- host -> service
    async def deliver(self, data: bytes | bytearray) -> None:
        self._incoming.put_nowait(data)
        self._sizes.append(len(data))
        self._arrived += 1
        await self._ack_what_fits()

    async def _ack_what_fits(self) -> None:
        """Ack, in order, the packets that fit in the service's socket buffer."""
        while self._acked < self._arrived:
            size = self._sizes[self._acked - self._consumed]
            if self._buffered + size > SERVICE_SOCKET_BUFFER:
                return
            self._buffered += size
            self._acked += 1
            await self.connection.send_ready(self.local_id, self.remote_id, size)

    async def _consumed_packet(self, size: int) -> None:
        self._sizes.popleft()
        if self._consumed < self._acked:
            self._buffered -= size
        else:  # bigger than the buffer: acked once the service has read it
            self._acked += 1
            await self.connection.send_ready(self.local_id, self.remote_id, size)
        self._consumed += 1
        await self._ack_what_fits()

    async def read(self) -> bytes | bytearray | None:
        """The next chunk the host wrote, or None once the stream is closed."""
        if self._unread:
            data, self._unread = bytes(self._unread), memoryview(b"")
            return data
        return await self._next_packet()

    async def read_exactly(self, size: int) -> bytes:
        return bytes(await self.read_view(size))

    async def read_view(self, size: int) -> memoryview | bytes:
        """`size` bytes, without copying them when one packet holds them all (a push's data)."""
        if len(self._unread) >= size:
            chunk, self._unread = self._unread[:size], self._unread[size:]
            return chunk
        pieces, missing = [self._unread], size - len(self._unread)
        while missing:
            data = await self._next_packet()
            if data is None:
                raise ConnectionLost("stream closed by host")
            view = memoryview(data)
            pieces.append(view[:missing])
            self._unread = view[missing:]
            missing -= len(pieces[-1])
        return b"".join(pieces)

    async def _next_packet(self) -> bytes | bytearray | None:
        if self.closed and self._incoming.empty():
            return None
        data = await self._incoming.get()
        if data is not None:
            await self._consumed_packet(len(data))
        return data

    # -- service -> host
    def acknowledged(self, acked_bytes: int | None) -> None:
        if self.window is None:
            self._may_send.set()
            return
        if acked_bytes is None:
            return  # adbd logs a delayed-ack mismatch and ignores the OKAY
        self.window += acked_bytes
        if self.window > 0:
            self._may_send.set()

    async def write(self, data: bytes) -> None:
        limit = self.connection.max_payload
        for start in range(0, len(data), limit):
            await self._may_send.wait()
            if self.closed:
                raise ConnectionLost("stream closed by host")
            chunk = data[start : start + limit]
            if self.window is None:
                self._may_send.clear()
            else:
                self.window -= len(chunk)
                if self.window <= 0:
                    self._may_send.clear()
            await self.connection.send(p.A_WRTE, self.local_id, self.remote_id, chunk)

    async def close(self) -> None:
        if not self.closed:
            self.mark_closed()
            await self.connection.send(p.A_CLSE, self.local_id, self.remote_id)

    def mark_closed(self) -> None:
        self.closed = True
        self._may_send.set()
        self._incoming.put_nowait(None)


Service = Callable[[Stream, str], Awaitable[None]]


class Connection:
    """Serves one TCP connection until the host leaves, misbehaves, or the device goes away."""

    def __init__(
        self,
        device: SimDevice,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.device = device
        self.reader = reader
        self.writer = writer
        host, port = writer.get_extra_info("peername", ("?", "?"))[:2]
        self.peer = f"{host}:{port}"
        self.max_payload = device.max_payload
        self.adbd_version = p.adbd_version(device.model.sdk)
        self.version = p.A_VERSION_MIN  # until the host's CNXN says more
        self.delayed_ack = False  # both banners list delayed_ack (from the host's CNXN)
        self._incoming: PacketReceiver  # reads the connection once `serve` has begun
        self.online = False
        self.streams: dict[int, Stream] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self._next_local_id = 1
        self._token = b""
        self._offered_key: bytes | None = None
        self._prompt: asyncio.Task[None] | None = None
        self._closing = False

    async def send(self, command: int, arg0: int, arg1: int, data: bytes = b"") -> None:
        # As adbd's send_packet: a zero checksum once the negotiated version allows it.
        header = p.encode_header(
            command, arg0, arg1, data, with_checksum=self.version < p.A_VERSION_SKIP_CHECKSUM
        )
        if len(data) > SEPARATE_PAYLOAD_WRITE:
            self.writer.write(header)  # no copy of a large payload just to prepend 24 bytes
            self.writer.write(data)
        else:
            self.writer.write(header + data)
        await self.writer.drain()

    async def serve(self) -> None:
        try:
            self._incoming = await PacketReceiver.take_over(self.reader, self.writer)
            while True:
                packet = await self._read_packet()
                await self._handle(packet)
        except p.ProtocolError as exc:
            log.warning("%s: dropping connection from %s: %s", self.device.label, self.peer, exc)
        except (asyncio.IncompleteReadError, ConnectionError, ConnectionLost):
            pass
        finally:
            await self.shutdown()

    async def shutdown(self) -> None:
        if self._closing:
            return
        self._closing = True
        if self._prompt:
            self._prompt.cancel()
        for stream in self.streams.values():
            stream.mark_closed()
        current = asyncio.current_task()
        for task in list(self.tasks):
            if task is not current:
                task.cancel()
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()

    async def send_ready(self, local_id: int, remote_id: int, acked_bytes: int) -> None:
        """OKAY; under delayed_ack its payload is the bytes acked (adb.cpp send_ready)."""
        payload = ACKED_BYTES.pack(acked_bytes) if self.delayed_ack else b""
        await self.send(p.A_OKAY, local_id, remote_id, payload)

    async def _read_packet(self) -> p.Packet:
        try:
            raw = await self._incoming.readexactly(p.HEADER_SIZE)
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise p.ProtocolError(
                    f"connection closed after {len(exc.partial)} bytes of a header"
                ) from None
            raise
        header = p.decode_header(raw, self.device.max_payload)
        try:
            data = await self._incoming.readexactly(header.length)
        except asyncio.IncompleteReadError:
            raise p.ProtocolError(
                f"connection closed inside a {header.length}-byte payload"
            ) from None
        # adbd since Android 9 checks only a header's magic and payload length, never the
        # payload's checksum (AOSP packages/modules/adb, transport.cpp: check_header; the
        # old check_data is gone). Older adbd did check it, and so do old devices here.
        if self.adbd_version < p.A_VERSION_SKIP_CHECKSUM and (
            p.checksum(data) != header.data_checksum
        ):
            raise p.ProtocolError("payload checksum mismatch")
        return p.Packet(header.command, header.arg0, header.arg1, data)

    async def _handle(self, packet: p.Packet) -> None:
        if packet.command == p.A_CNXN:
            await self._on_connect(packet)
        elif packet.command == p.A_AUTH:
            await self._on_auth(packet)
        elif not self.online:
            raise p.ProtocolError(f"{packet.name} before the connection was authorized")
        elif packet.command == p.A_OPEN:
            await self._on_open(packet)
        elif packet.command == p.A_WRTE:
            stream = self.streams.get(packet.arg1)
            if stream and not stream.closed:
                await stream.deliver(packet.data)
        elif packet.command == p.A_OKAY:
            stream = self.streams.get(packet.arg1)
            if stream:
                stream.acknowledged(_acked_bytes(packet.data))
        elif packet.command == p.A_CLSE:
            # adbd answers a host's close with its own, unless it closed the stream first.
            stream = self.streams.pop(packet.arg1, None)
            if stream and not stream.closed:
                await stream.close()
        else:
            raise p.ProtocolError(f"unexpected {packet.name}")

    # -- handshake and authentication
    async def _on_connect(self, packet: p.Packet) -> None:
        if packet.arg0 < p.A_VERSION_MIN:
            raise p.ProtocolError(f"unsupported protocol version 0x{packet.arg0:08x}")
        self.version = min(packet.arg0, self.adbd_version)
        # as adbd's update_version: the smaller payload, which its CNXN then announces
        self.max_payload = min(packet.arg1, self.device.max_payload)
        if self.max_payload <= 0:
            raise p.ProtocolError("the host accepts no payload")
        _, _, host_features = p.parse_banner(bytes(packet.data))
        self.delayed_ack = p.DELAYED_ACK in host_features and p.DELAYED_ACK in self.device.features
        if self.device.auth_mode == "none":
            await self._go_online()
        else:
            await self._send_token()

    async def _send_token(self) -> None:
        self._token = os.urandom(p.TOKEN_SIZE)
        await self.send(p.A_AUTH, p.AUTH_TOKEN, 0, self._token)

    async def _on_auth(self, packet: p.Packet) -> None:
        if self.online:
            return
        data = bytes(packet.data)  # at most a key's size; bytes keep the fingerprint hashable
        if packet.arg0 == p.AUTH_SIGNATURE:
            for key in self.device.model.trusted_keys():
                if p.signature_matches(key, self._token, data):
                    await self._go_online()
                    return
            await self._send_token()
        elif packet.arg0 == p.AUTH_RSAPUBLICKEY:
            try:
                p.decode_android_pubkey(data)
            except ValueError as exc:
                raise p.ProtocolError(f"malformed public key: {exc}") from None
            if self._prompt is None:
                self._offered_key = p.key_fingerprint(data)
                self._prompt = asyncio.create_task(self._allow_prompt())
        else:
            raise p.ProtocolError(f"unknown AUTH type {packet.arg0}")

    async def _allow_prompt(self) -> None:
        """The "Allow USB debugging?" dialog: someone taps Allow after a while, or never. It
        is on the device's screen until then, or until the host goes away."""
        behaviour = self.device.behaviour
        if self.device.auth_mode == "deny":
            return
        assert self._offered_key is not None
        key, showing = self._offered_key, self.device.model.allow_prompts
        showing.append(key)
        try:
            if behaviour.never_auth:
                await asyncio.Future()  # nobody ever taps: shown until the host leaves
            await asyncio.sleep(behaviour.uniform(behaviour.latency.allow_prompt))
        finally:
            showing.remove(key)
        self.device.model.trust_key(key)
        log.info("%s: USB debugging allowed for a new host key", self.device.label)
        await self._go_online()

    async def _go_online(self) -> None:
        self.online = True
        banner = self.device.banner().encode()
        version = p.connect_reply_version(self.device.model.sdk, self.version)
        await self.send(p.A_CNXN, version, self.max_payload, banner)

    # -- streams
    async def _on_open(self, packet: p.Packet) -> None:
        if packet.arg0 == 0:
            return  # adbd ignores an OPEN without a local id
        if self.delayed_ack != bool(packet.arg1):
            # adbd: "unexpected value of A_OPEN arg1" (a window iff delayed acks were agreed)
            log.info(
                "%s: refusing an OPEN whose window disagrees with delayed_ack", self.device.label
            )
            await self.send(p.A_CLSE, 0, packet.arg0)
            return
        destination = packet.data.rstrip(b"\0").decode("utf-8", "replace")
        service = self.device.service_for(destination)
        if service is None:
            log.info("%s: refusing unknown service %r", self.device.label, _service(destination))
            await self.send(p.A_CLSE, 0, packet.arg0)
            return
        local_id = self._next_local_id
        self._next_local_id += 1
        window = packet.arg1 if self.delayed_ack else None
        stream = Stream(self, local_id, packet.arg0, window)
        self.streams[local_id] = stream
        await self.send_ready(local_id, packet.arg0, p.INITIAL_DELAYED_ACK_BYTES)
        task = asyncio.create_task(self._run_service(service, stream, destination))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run_service(self, service: Service, stream: Stream, destination: str) -> None:
        try:
            await service(stream, destination)
            await stream.close()
        except (ConnectionLost, ConnectionError):
            pass
        except Exception:
            log.exception("%s: service %r crashed", self.device.label, _service(destination))
            await stream.close()
        finally:
            self.streams.pop(stream.local_id, None)


def _acked_bytes(payload: bytes | bytearray) -> int | None:
    """The bytes an OKAY acks under delayed_ack; None for an OKAY without them."""
    if len(payload) == ACKED_BYTES.size:
        return int(ACKED_BYTES.unpack(payload)[0])
    return None


def _service(destination: str) -> str:
    """A destination fit for a log: the service and program, never a command's arguments."""
    name, _, command = destination.partition(":")
    program = command.split(maxsplit=1)[0] if command.strip() else ""
    return f"{name}:{program}" if program else name
