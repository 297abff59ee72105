"""A USB device's usbdevfs data path, answered in Python through umockdev's ioctl API.

libusb (its Linux backend) talks to `/dev/bus/usb/BBB/DDD` only through ioctls: it submits
URBs (USBDEVFS_SUBMITURB), polls the fd and reaps finished URBs (USBDEVFS_REAPURBNDELAY).
Under umockdev's preload library every ioctl on that fd travels over a Unix socket to the
testbed's one worker thread, where the "handle-ioctl" signal of the `UMockdev.IoctlBase`
attached with `Testbed.attach_ioctl(devnode, handler)` answers it. `UsbfsNode` is that
handler: per open fd a queue of URBs, the housekeeping ioctls, EP0's descriptor requests,
and a `sink` that takes the bulk OUT bytes and answers through `send_in`.

Everything that touches a client runs on umockdev's worker thread (its `resolve` and
`complete` talk to the client's socket); `send_in` and `unplug` may be called from any thread
and are handed to that thread. Facts behind the details are in
docs/simulator.md (Emulated USB).
"""

from __future__ import annotations

import collections
import errno
import struct
import threading
from collections.abc import Callable
from typing import Any

from app.sim.gi_umockdev import require

GLib, UMockdev = require()  # raises UmockdevMissing, which says what to install

# linux/usbdevice_fs.h on x86_64
IOCTL_NAMES = {
    0xC0185500: "CONTROL",
    0xC0185502: "BULK",
    0x80045503: "RESETEP",
    0x80085504: "SETINTERFACE",
    0x80045505: "SETCONFIGURATION",
    0x41045508: "GETDRIVER",
    0x8038550A: "SUBMITURB",
    0x0000550B: "DISCARDURB",
    0x4008550C: "REAPURB",
    0x4008550D: "REAPURBNDELAY",
    0x8004550F: "CLAIMINTERFACE",
    0x80045510: "RELEASEINTERFACE",
    0x40085511: "CONNECTINFO",
    0xC0105512: "IOCTL",
    0x00005514: "RESET",
    0x80045515: "CLEAR_HALT",
    0x8004551A: "GET_CAPABILITIES",
    0x8108551B: "DISCONNECT_CLAIM",
    0x4004551E: "DROP_PRIVILEGES",
    0x0000551F: "GET_SPEED",
}
ACCEPTED = frozenset(
    {"CLAIMINTERFACE", "RELEASEINTERFACE", "SETINTERFACE", "SETCONFIGURATION", "CLEAR_HALT",
     "RESETEP", "RESET", "DISCONNECT_CLAIM", "DROP_PRIVILEGES"}
)  # fmt: skip
# ZERO_PACKET, BULK_CONTINUATION, NO_PACKET_SIZE_LIM, BULK_SCATTER_GATHER (a transfer is one
# URB; without it libusb splits it into 16 KiB URBs), REAP_AFTER_DISCONNECT
CAPABILITIES = 0x01 | 0x02 | 0x04 | 0x08 | 0x10
URB = struct.Struct("<BBxxiI4xQiiiiiIQ")  # struct usbdevfs_urb, 56 bytes
URB_TYPE_CONTROL, URB_TYPE_BULK = 2, 3
OFFSET_STATUS, OFFSET_BUFFER, OFFSET_ACTUAL = 4, 16, 28
USB_SPEED_HIGH = 3
PARK_MS = 10  # how long an empty non-blocking reap is held (see `_reap`)

Sink = Callable[["UsbfsNode", int, bytes], None]  # (node, endpoint, data) for bulk OUT


class Urb:
    """One submitted URB: its header and buffer in the client, resolved through umockdev."""

    def __init__(self, data: Any) -> None:
        self.data = data
        fields = URB.unpack(bytes(data.retrieve()))
        self.type, self.endpoint, self.flags, self.length = (
            fields[0], fields[1], fields[3], fields[5]
        )  # fmt: skip
        # resolve() copies the client's buffer to this side; a zero-length URB has none
        self.buffer = data.resolve(OFFSET_BUFFER, self.length) if self.length else None

    @property
    def address(self) -> int:
        return int(self.data.client_addr)

    def payload(self) -> bytes:
        return bytes(self.buffer.retrieve()) if self.buffer is not None else b""

    def finish(self, status: int = 0, data: bytes = b"", *, actual: int | None = None,
               offset: int = 0) -> None:  # fmt: skip
        """What the kernel fills in: the IN data, actual_length and status."""
        if data and self.buffer is not None:
            self.buffer.update(offset, data)
        self.data.update(OFFSET_STATUS, struct.pack("<i", status))
        self.data.update(OFFSET_ACTUAL, struct.pack("<i", len(data) if actual is None else actual))


class OpenFile:
    """What one open fd of the node has in flight (usbfs keeps URBs per file)."""

    def __init__(self) -> None:
        self.reapable: collections.deque[Urb] = collections.deque()
        self.parked: tuple[Any, Any] | None = None  # (client, resolved pointer) of a held reap
        self.empty_reaps = 0  # empty reaps since the last URB was reaped


class UsbfsNode:
    """usbdevfs for one emulated device node (one plug-in: a replug is a new node).

    `descriptors` is the blob of the sysfs `descriptors` attribute; `strings` maps string
    descriptor indexes to text, for GET_DESCRIPTOR on EP0. `max_packet` is the bulk
    endpoints' wMaxPacketSize, which decides what a device transfer longer than the URB does.
    """

    def __init__(self, sink: Sink, descriptors: bytes, strings: dict[int, str], *,
                 max_packet: int = 512) -> None:  # fmt: skip
        self.sink = sink
        self.descriptors = descriptors
        self.strings = strings
        self.max_packet = max_packet
        self.handler = UMockdev.IoctlBase()
        self.handler.connect("handle-ioctl", self._handle_ioctl)
        self.handler.connect("client-connected", self._connected)
        self._lock = threading.Lock()  # guards `_worker` and `gone` against other threads
        self._worker: Any = None  # umockdev's worker thread's GLib.MainContext, once seen
        self._files: dict[Any, OpenFile] = {}
        self._waiting_in: dict[int, collections.deque[tuple[OpenFile, Urb]]] = (
            collections.defaultdict(collections.deque)
        )
        self._in_data: dict[int, collections.deque[bytes]] = collections.defaultdict(
            collections.deque
        )  # device transfers no URB has taken yet, per endpoint
        self.gone = False
        self.stats: collections.Counter[str] = collections.Counter()

    def attach(self, testbed: Any, devnode: str) -> None:
        """Before the node's record is added (umockdev checks the handler when it opens)."""
        testbed.attach_ioctl(devnode, self.handler)

    # -- device side: any thread -------------------------------------------------------------

    def send_in(self, endpoint: int, data: bytes) -> None:
        """Queue one IN transfer (a zero-length one too) for the host to read."""
        self._on_worker(self._queue_in, endpoint, bytes(data))

    def flush_in(self, endpoint: int) -> None:
        """Drop the device transfers no URB has taken yet (the device reset its endpoint)."""
        self._on_worker(self._flush_in, endpoint)

    def unplug(self) -> None:
        """In-flight URBs end with -ESHUTDOWN, later ioctls fail with ENODEV."""
        self._on_worker(self._unplug)

    def _on_worker(self, function: Callable[..., None], *args: object) -> None:
        with self._lock:
            worker = self._worker
            if worker is None:  # no client ever opened the node: nothing waits on it
                function(*args)
                return

        def once(_data: object) -> bool:
            function(*args)
            return False

        source = GLib.idle_source_new()
        source.set_callback(once, None)
        source.attach(worker)

    # -- umockdev's worker thread ------------------------------------------------------------

    def _queue_in(self, endpoint: int, data: bytes) -> None:
        if not self.gone:
            self._in_data[endpoint].append(data)
            self._match(endpoint)

    def _flush_in(self, endpoint: int) -> None:
        self._in_data[endpoint].clear()

    def _unplug(self) -> None:
        self.gone = True
        for queue in self._waiting_in.values():
            while queue:
                file, urb = queue.popleft()
                urb.finish(-errno.ESHUTDOWN)
                file.reapable.append(urb)
        self._in_data.clear()
        for file in self._files.values():
            self._wake_parked(file)

    def _connected(self, _handler: Any, client: Any) -> None:
        self._files[client] = OpenFile()
        client.connect("notify::connected", self._closed)

    def _closed(self, client: Any, _spec: Any) -> None:
        if client.get_connected():
            return
        file = self._files.pop(client, None)
        for queue in self._waiting_in.values():
            for entry in [entry for entry in queue if entry[0] is file]:
                queue.remove(entry)

    def _handle_ioctl(self, _handler: Any, client: Any) -> bool:
        if self._worker is None:
            with self._lock:
                self._worker = GLib.MainContext.get_thread_default()
        request = client.get_request()
        name = IOCTL_NAMES.get(request, f"0x{request:08x}")
        self.stats[name] += 1
        argument = client.get_arg()
        file = self._files.setdefault(client, OpenFile())
        if self.gone and name not in ("REAPURB", "REAPURBNDELAY", "DISCARDURB"):
            client.complete(-1, errno.ENODEV)
        elif name == "GET_CAPABILITIES":
            argument.resolve(0, 4).update(0, struct.pack("<I", CAPABILITIES))
            client.complete(0, 0)
        elif name in ACCEPTED:
            client.complete(0, 0)
        elif name in ("GETDRIVER", "IOCTL"):  # no kernel driver is bound: nothing to detach
            client.complete(-1, errno.ENODATA)
        elif name == "GET_SPEED":
            client.complete(USB_SPEED_HIGH, 0)
        elif name == "CONNECTINFO":
            argument.resolve(0, 8).update(0, struct.pack("<IB3x", 2, 0))
            client.complete(0, 0)
        elif name == "SUBMITURB":
            self._submit(client, file, Urb(argument.resolve(0, URB.size)))
        elif name in ("REAPURB", "REAPURBNDELAY"):
            self._reap(client, file, argument.resolve(0, 8), blocking=name == "REAPURB")
        elif name == "DISCARDURB":
            self._discard(client, file, argument)
        else:
            client.complete(-1, errno.ENOTTY)
        return True

    def _submit(self, client: Any, file: OpenFile, urb: Urb) -> None:
        if urb.type == URB_TYPE_CONTROL:
            self._control(urb)
            file.reapable.append(urb)
        elif urb.type == URB_TYPE_BULK and not urb.endpoint & 0x80:
            self.stats["bytes out"] += urb.length
            urb.finish(0, actual=urb.length)  # the device takes a transfer whole
            file.reapable.append(urb)
            self.sink(self, urb.endpoint, urb.payload())
        elif urb.type == URB_TYPE_BULK:
            self._waiting_in[urb.endpoint].append((file, urb))
            self._match(urb.endpoint)
        else:
            client.complete(-1, errno.EINVAL)
            return
        client.complete(0, 0)

    def _match(self, endpoint: int) -> None:
        """Give device transfers to waiting IN URBs, as the bus would.

        A transfer longer than the URB fills it and goes on into the next one when the URB
        is a whole number of packets; otherwise a packet overflows the buffer (babble) and
        the URB fails with -EOVERFLOW, as a host that reads a 24-byte header sees when the
        device sent header and payload in one transfer.
        """
        urbs, data = self._waiting_in[endpoint], self._in_data[endpoint]
        while urbs and data:
            (file, urb), chunk = urbs.popleft(), data.popleft()
            if len(chunk) > urb.length and urb.length % self.max_packet:
                urb.finish(-errno.EOVERFLOW, chunk[: urb.length])
            else:
                if len(chunk) > urb.length:
                    data.appendleft(chunk[urb.length :])
                    chunk = chunk[: urb.length]
                urb.finish(0, chunk)
            self.stats["bytes in"] += len(chunk)
            file.reapable.append(urb)
            self._wake_parked(file)

    def _reap(self, client: Any, file: OpenFile, pointer: Any, *, blocking: bool) -> None:
        """Hand back a finished URB, or wait for one.

        The emulated node is a plain file that always polls ready, so libusb would spin on
        REAPURBNDELAY: after each completion it reaps until EAGAIN (answered at once), but a
        reap that comes back from poll() with nothing to give is held up to PARK_MS and
        answered early when a URB finishes. A blocking REAPURB waits until one does.
        """
        if file.reapable:
            urb = file.reapable.popleft()
            pointer.set_ptr(0, urb.data)  # the argument is the caller's `void *`: our URB
            file.empty_reaps = 0
            client.complete(0, 0)
        elif self.gone:
            client.complete(-1, errno.ENODEV)
        elif file.parked is None and (blocking or file.empty_reaps):
            file.parked = (client, pointer)
            if not blocking:
                timer = GLib.timeout_source_new(PARK_MS)
                timer.set_callback(self._park_expired, (client, file))
                timer.attach(GLib.MainContext.get_thread_default())
        else:
            file.empty_reaps += 1
            client.complete(-1, errno.EAGAIN)

    def _park_expired(self, parked: tuple[Any, OpenFile]) -> bool:
        client, file = parked
        if file.parked is not None and file.parked[0] is client:
            file.parked = None
            client.complete(-1, errno.EAGAIN)
        return False

    def _wake_parked(self, file: OpenFile) -> None:
        if file.parked is not None and (file.reapable or self.gone):
            client, pointer = file.parked
            file.parked = None
            self._reap(client, file, pointer, blocking=False)

    def _discard(self, client: Any, file: OpenFile, argument: Any) -> None:
        address = struct.unpack("<Q", bytes(argument.retrieve()))[0]  # the URB's pointer
        for queue in self._waiting_in.values():
            for entry in queue:
                if entry[0] is file and entry[1].address == address:
                    queue.remove(entry)
                    entry[1].finish(-errno.ENOENT)
                    file.reapable.append(entry[1])
                    client.complete(0, 0)
                    return
        client.complete(-1, errno.EINVAL)

    def _control(self, urb: Urb) -> None:
        """EP0: GET_DESCRIPTOR (device, configuration, strings); other requests succeed."""
        request_type, request, value, _index, length = struct.unpack("<BBHHH", urb.payload()[:8])
        if request_type != 0x80 or request != 6:
            urb.finish(0, actual=0)
            return
        kind, number = value >> 8, value & 0xFF
        if kind == 1:
            reply = self.descriptors[:18]
        elif kind == 2:
            reply = self.descriptors[18:]
        elif kind == 3 and number == 0:
            reply = bytes([4, 3, 0x09, 0x04])  # English (US)
        elif kind == 3 and number in self.strings:
            text = self.strings[number].encode("utf-16-le")
            reply = bytes([2 + len(text), 3]) + text
        else:
            urb.finish(-errno.EPIPE)  # a stall
            return
        urb.finish(0, reply[:length], offset=8)
