"""An emulated USB bench: simulated devices plugged into hubs, as libusb and adb see them.

`kitbench sim --usb --count N --hubs H -- COMMAND` runs COMMAND with N simulated devices
on H hubs. umockdev describes the bus (sysfs records: slots, descriptors, serials) and
`UsbfsNode` answers each device node's usbdevfs ioctls; a device's ADB traffic goes through
a `UsbPort`, the adapter that turns USB transfers into a byte stream for the simulator's
own per-connection protocol handler (the one TCP hosts get) and its answers back into
transfers, framed as adbd frames them. Unplugging and replugging go through umockdev's
uevents, so the station's hotplug watcher sees them.

umockdev's preload library must be in a process from its start, and only a process under it
can send uevents, so `kitbench sim --usb` runs itself under `umockdev-wrapper` and COMMAND
inherits the preload and the testbed ($UMOCKDEV_DIR). $KITBENCH_SIM_USB names the bench's
control socket (`BenchControl`): tests unplug, replug and garble devices through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes.util
import json
import logging
import math
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import asdict
from typing import Any, TextIO

from app.signals import StopSignals
from app.sim import protocol as p
from app.sim.device import SimDevice
from app.sim.fleet import FleetConfig, SimFleet
from app.sim.usbfs import UMockdev, UsbfsNode

log = logging.getLogger("kitbench.sim.usb")

CONTROL_ENV = "KITBENCH_SIM_USB"
PRELOAD = "libumockdev-preload"
MAX_DEVICES = 100  # one bus: 127 addresses for the root hub, the hubs and the devices
MAX_PACKET = 512  # high-speed bulk endpoints
ADB_OUT, ADB_IN = 0x02, 0x83  # interface 1; MTP has interface 0 (0x81, 0x01, 0x82)
SDK_STREAM_READS = 29  # adbd since Android 10 reads a stream; before, header then payload
ROOT_HUB = "/devices/pci0000:00/0000:00:14.0/usb1"
HUB_IDS = (0x05E3, 0x0610, "GenesysLogic", "USB2.1 Hub")
# USB ids of a phone with MTP and ADB on, by ro.product.manufacturer
VENDOR_IDS = {
    "google": (0x18D1, 0x4EE7),
    "samsung": (0x04E8, 0x6860),
    "zebra technologies": (0x05E0, 0x2106),
    "lge": (0x1004, 0x633E),
}
OTHER_VENDOR = (0x18D1, 0x4EE7)
STATE_WAIT_S = 30.0


class BenchError(ValueError):
    """A bench that cannot be built as asked; str(e) says why."""


def slots_of(count: int, hubs: int) -> list[str]:
    """Devices fill hub 1's ports, then hub 2's: hub h on root port h, "1-h.p"."""
    if not 1 <= hubs <= count:
        raise BenchError(f"--hubs must be between 1 and the device count ({count})")
    if count > MAX_DEVICES:
        raise BenchError(f"an emulated USB bench has at most {MAX_DEVICES} devices")
    per_hub = math.ceil(count / hubs)
    return [f"1-{index // per_hub + 1}.{index % per_hub + 1}" for index in range(count)]


def _device_descriptor(vendor: int, product: int, device_class: int, serial: bool) -> bytes:
    return struct.pack(
        "<BBHBBBBHHHBBBB",
        *(18, 1, 0x0200, device_class, 0, 1 if device_class == 9 else 0, 64),
        *(vendor, product, 0x0100, 1, 2, 3 if serial else 0, 1),
    )


def _endpoint(address: int, kind: int, size: int, interval: int = 0) -> bytes:
    return struct.pack("<4BHB", 7, 5, address, kind, size, interval)


def _configuration(body: bytes, interfaces: int, attributes: int = 0x80) -> bytes:
    header = struct.pack("<BBHBBBBB", 9, 2, 9 + len(body), interfaces, 1, 0, attributes, 250)
    return header + body


def phone_descriptors(vendor: int, product: int) -> bytes:
    """The sysfs `descriptors` blob of a phone with MTP (interface 0) and ADB (interface 1)."""
    mtp = struct.pack("<9B", 9, 4, 0, 0, 3, 0x06, 0x01, 0x01, 0) + (
        _endpoint(0x81, 2, MAX_PACKET) + _endpoint(0x01, 2, MAX_PACKET) + _endpoint(0x82, 3, 28, 6)
    )
    adb = struct.pack("<9B", 9, 4, 1, 0, 2, 0xFF, 0x42, 0x01, 0) + (
        _endpoint(ADB_IN, 2, MAX_PACKET) + _endpoint(ADB_OUT, 2, MAX_PACKET)
    )
    return _device_descriptor(vendor, product, 0, True) + _configuration(mtp + adb, 2)


def hub_descriptors(vendor: int, product: int) -> bytes:
    interface = struct.pack("<9B", 9, 4, 0, 0, 1, 9, 0, 0, 0) + _endpoint(0x81, 3, 1, 12)
    return _device_descriptor(vendor, product, 9, False) + _configuration(interface, 1, 0xE0)


def usb_record(sysfs: str, devnum: int, ids: tuple[int, int], names: tuple[str, str, str | None],
               descriptors: bytes, device_class: int = 0) -> str:  # fmt: skip
    """One umockdev record (sysfs attributes and the device node) of a device on bus 1."""
    (vendor, product), (manufacturer, name, serial) = ids, names
    node = f"bus/usb/001/{devnum:03d}"
    lines = [
        f"P: {sysfs}", f"N: {node}", f"E: DEVNAME=/dev/{node}", "E: DEVTYPE=usb_device",
        "E: DRIVER=usb", f"E: PRODUCT={vendor:x}/{product:x}/100", "E: SUBSYSTEM=usb",
        "E: BUSNUM=001", f"E: DEVNUM={devnum:03d}", "A: bConfigurationValue=1",
        f"A: bDeviceClass={device_class:02x}", "A: busnum=1", f"A: devnum={devnum}",
        f"A: idProduct={product:04x}", f"A: idVendor={vendor:04x}",
        f"A: manufacturer={manufacturer}", f"A: product={name}", "A: speed=480",
        f"H: descriptors={descriptors.hex().upper()}",
    ]  # fmt: skip
    if serial:
        lines.append(f"A: serial={serial}")
    return "\n".join(lines) + "\n"


class HostFraming:
    """Where the host's packets begin in its OUT transfers, for what adbd does there.

    adbd before Android 10 reads a header's 24 bytes, then the payload, each with its own
    read: a transfer that is not exactly that overflows its buffer and adbd drops the
    connection (`strict`). From Android 10 adbd reads a stream and takes any framing. Both
    start the connection afresh when a CNXN arrives at a packet boundary: a new host (or a
    restarted one) on a device whose last host never said goodbye, which USB cannot say.
    """

    def __init__(self, *, strict: bool) -> None:
        self.strict = strict
        self.payload_left = 0

    def starts_connection(self, transfer: bytes) -> bool:
        if self.payload_left or len(transfer) < p.HEADER_SIZE:
            return False
        command, *_rest, magic = p.HEADER.unpack_from(transfer)
        return bool(command == p.A_CNXN and magic == command ^ 0xFFFFFFFF)

    def accepts(self, transfer: bytes) -> bool:
        """Follow the packets; False where a strict reader would overflow."""
        if self.strict and transfer:
            expected = self.payload_left or p.HEADER_SIZE
            if len(transfer) != expected and not (self.payload_left and len(transfer) < expected):
                return False
        position = 0
        while position < len(transfer):
            if self.payload_left:
                taken = min(self.payload_left, len(transfer) - position)
                self.payload_left -= taken
                position += taken
            elif len(transfer) - position >= p.HEADER_SIZE:
                self.payload_left = struct.unpack_from("<I", transfer, position + 12)[0]
                position += p.HEADER_SIZE
            else:  # a header split over transfers: no host does that; stop following
                return True
        return True


class UsbPort:
    """One hub port and the simulated device plugged into it (or not, after an unplug).

    Runs on the simulator's event loop, except `_sink`, which umockdev's worker calls.
    """

    def __init__(self, bench: UsbBench, slot: str, device: SimDevice, sysfs: str) -> None:
        self.bench = bench
        self.slot = slot
        self.device = device
        self.sysfs = sysfs
        model = device.model
        self.serial = model.serial
        self.product = model.getprop("ro.product.model")
        self.manufacturer = model.getprop("ro.product.manufacturer")
        self.ids = VENDOR_IDS.get(self.manufacturer.lower(), OTHER_VENDOR)
        self.legacy_framing = int(model.getprop("ro.build.version.sdk") or 0) < SDK_STREAM_READS
        self.framing = HostFraming(strict=self.legacy_framing)
        self.node: UsbfsNode | None = None
        self.devnum = 0
        self.session: UsbSession | None = None
        self.unplugged_by_device = False  # a reboot or a drawn `disconnect`: it comes back
        self.unplug_after: int | None = None  # host bytes still to take before an unplug
        self.garble_after: int | None = None  # host bytes still to take before garbage
        self.garbage_size = p.HEADER_SIZE  # the garbage transfer's size
        self.changed = asyncio.Event()

    @property
    def plugged(self) -> bool:
        return self.node is not None

    @property
    def devnode(self) -> str:
        return f"/dev/bus/usb/001/{self.devnum:03d}"

    def describe(self) -> dict[str, object]:
        devnode = self.devnode if self.plugged else None
        return {"slot": self.slot, "serial": self.serial, "model": self.product,
                "plugged": self.plugged, "devnode": devnode}  # fmt: skip

    def plug(self, *, announce: bool = True) -> None:
        if self.node is not None:
            return
        self.devnum = self.bench.next_devnum()
        node = UsbfsNode(
            self._sink, phone_descriptors(*self.ids),
            {1: self.manufacturer, 2: self.product, 3: self.serial}, max_packet=MAX_PACKET,
        )  # fmt: skip
        record = usb_record(
            self.sysfs, self.devnum, self.ids, (self.manufacturer, self.product, self.serial),
            phone_descriptors(*self.ids),
        )  # fmt: skip
        self.bench.add(node, self.devnode, record, self.sysfs, announce=announce)
        self.node = node
        self._changed()
        log.info("%s: %s plugged in as %s", self.slot, self.serial, self.devnode)

    def unplug(self) -> None:
        node, self.node = self.node, None
        if node is None:
            return
        self.unplug_after = None
        node.unplug()
        self.end_session()
        self.bench.remove(self.sysfs)
        self._changed()
        log.info("%s: %s unplugged", self.slot, self.serial)

    def end_session(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def _changed(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    def _sink(self, node: UsbfsNode, endpoint: int, transfer: bytes) -> None:
        """A bulk OUT transfer, on umockdev's worker thread: over to the event loop."""
        if endpoint == ADB_OUT:
            self.bench.loop.call_soon_threadsafe(self._from_host, node, transfer)

    def _from_host(self, node: UsbfsNode, transfer: bytes) -> None:
        if node is not self.node:
            return  # sent to a node unplugged since
        if self.unplug_after is not None:
            self.unplug_after -= len(transfer)
            if self.unplug_after <= 0:
                self.unplug()
                return
        if self.garble_after is not None:
            self.garble_after -= len(transfer)
        if self.framing.starts_connection(transfer) and self.session is not None:
            self.end_session()
            node.flush_in(ADB_IN)  # what the last host left unread goes with its connection
        session = self.session
        if session is None or session.closed:
            session = self.session = UsbSession(self)
            self.framing = HostFraming(strict=self.legacy_framing)
        if not self.framing.accepts(transfer):
            log.warning(
                "%s: dropping the ADB connection: a %d-byte transfer where adbd before "
                "Android 10 reads a header and its payload separately", self.slot, len(transfer),
            )  # fmt: skip
            self.end_session()
            return
        session.outgoing.put_nowait(transfer)

    def send_in(self, transfer: bytes) -> None:
        if self.node is not None:
            self.node.send_in(ADB_IN, transfer)


class UsbHostWriter(asyncio.StreamWriter):
    """A StreamWriter whose peer is a USB slot: the simulator logs hosts by their peer."""

    def __init__(self, *args: Any, peer: tuple[str, str]) -> None:
        super().__init__(*args)
        self._peer = peer

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._peer if name == "peername" else super().get_extra_info(name, default)


class UsbSession:
    """One ADB connection over USB: a socket pair between the port and the simulator's
    per-connection protocol handler, which serves it exactly as it serves a TCP host."""

    def __init__(self, port: UsbPort) -> None:
        self.port = port
        self.outgoing: asyncio.Queue[bytes] = asyncio.Queue()
        self.closed = False
        host_side, device_side = socket.socketpair()
        self._task = asyncio.create_task(self._run(host_side, device_side))

    def close(self) -> None:
        self.closed = True
        self._task.cancel()

    async def _run(self, host_side: socket.socket, device_side: socket.socket) -> None:
        serving = asyncio.create_task(self._serve(device_side))
        reader, writer = await asyncio.open_connection(sock=host_side)
        pump = asyncio.create_task(self._pump(writer))
        try:
            await self._to_host(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.closed = True
            pump.cancel()
            writer.close()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, OSError):
                await serving

    async def _serve(self, device_side: socket.socket) -> None:
        """The device's end, as `asyncio.open_connection` makes it, named after the slot."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(loop=loop)
        protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
        transport, _ = await loop.create_connection(lambda: protocol, sock=device_side)
        writer = UsbHostWriter(transport, protocol, reader, loop, peer=("usb", self.port.slot))
        await self.port.device.accept(reader, writer)

    async def _pump(self, writer: asyncio.StreamWriter) -> None:
        while True:
            writer.write(await self.outgoing.get())
            await writer.drain()

    async def _to_host(self, reader: asyncio.StreamReader) -> None:
        """The device's byte stream as adbd sends it over USB: each header one transfer,
        each payload another. Bytes that are not ADB go out as they came."""
        while True:
            header = await reader.readexactly(p.HEADER_SIZE)
            command, _arg0, _arg1, length, _check, magic = p.HEADER.unpack(header)
            if self.port.garble_after is not None and self.port.garble_after <= 0:
                self.port.garble_after = None
                log.warning("%s: sending garbage instead of a packet", self.port.slot)
                self.port.send_in(os.urandom(self.port.garbage_size))
                return
            if magic != command ^ 0xFFFFFFFF:
                self.port.send_in(header + await reader.read(64 * 1024))
                continue
            self.port.send_in(header)
            if length:
                self.port.send_in(await reader.readexactly(length))


class UsbBench:
    """The testbed: a root hub, H hubs, and a port per simulated device of `fleet`.

    Build it in a process running under umockdev's preload (for uevents), before anything
    in that process initialises libusb.
    """

    def __init__(self, fleet: SimFleet, hubs: int) -> None:
        self.fleet = fleet
        self.slots = slots_of(len(fleet.devices), hubs)
        self.testbed = UMockdev.Testbed.new()  # sets $UMOCKDEV_DIR for child processes
        self.loop: asyncio.AbstractEventLoop = fleet.call(asyncio.get_running_loop)
        self._devnum = 1
        self._testbed_lock = threading.Lock()
        self.ports: dict[str, UsbPort] = {}
        self._control: asyncio.AbstractServer | None = None
        self._following: list[asyncio.Task[None]] = []
        self.control_path = os.path.join(self.testbed.get_root_dir(), "kitbench-bench.sock")
        self._add_hubs(hubs)
        self.fleet.call(self._plug_all)
        self._run(self._start_control())

    @property
    def root_dir(self) -> str:
        return str(self.testbed.get_root_dir())

    def next_devnum(self) -> int:
        """The kernel numbers each enumeration on a bus anew (1..127, then wraps)."""
        self._devnum = self._devnum % 127 + 1
        while any(port.devnum == self._devnum and port.plugged for port in self.ports.values()):
            self._devnum = self._devnum % 127 + 1
        return self._devnum

    def add(
        self, node: UsbfsNode, devnode: str, record: str, sysfs: str, *, announce: bool
    ) -> None:
        with self._testbed_lock:
            node.attach(self.testbed, devnode)  # before the node exists
            if not self.testbed.add_from_string(record):
                raise RuntimeError(f"umockdev refused the record of {sysfs}")
            if announce:
                self.testbed.uevent("/sys" + sysfs, "add")

    def remove(self, sysfs: str) -> None:
        with self._testbed_lock:
            self.testbed.uevent("/sys" + sysfs, "remove")
            self.testbed.remove_device("/sys" + sysfs)

    def _add_hubs(self, hubs: int) -> None:
        root = usb_record(
            ROOT_HUB, 1, (0x1D6B, 0x0002), ("Linux", "xHCI Host Controller", "0000:00:14.0"),
            hub_descriptors(0x1D6B, 0x0002), 9,
        )  # fmt: skip
        records = [root]
        vendor, product, maker, name = HUB_IDS
        for hub in range(1, hubs + 1):
            records.append(usb_record(
                f"{ROOT_HUB}/1-{hub}", self.next_devnum(), (vendor, product), (maker, name, None),
                hub_descriptors(vendor, product), 9,
            ))  # fmt: skip
        with self._testbed_lock:
            if not self.testbed.add_from_string("\n".join(records)):
                raise RuntimeError("umockdev refused the hubs' records")

    def _plug_all(self) -> None:
        for slot, device in zip(self.slots, self.fleet.devices, strict=True):
            hub = slot.split(".")[0]
            port = UsbPort(self, slot, device, f"{ROOT_HUB}/{hub}/{slot}")
            self.ports[slot] = port
            port.plug(announce=False)
            self._following.append(asyncio.get_running_loop().create_task(self._follow(port)))

    async def _follow(self, port: UsbPort) -> None:
        """A device that leaves by itself (reboot, drawn `disconnect`) leaves the bus too."""
        while True:
            await asyncio.sleep(0.05)
            online = port.device.online.is_set()
            if not online and port.plugged:
                port.unplug()
                port.unplugged_by_device = True
            elif online and port.unplugged_by_device:
                port.unplugged_by_device = False
                port.plug()

    # -- control ----------------------------------------------------------------------------

    async def _start_control(self) -> None:
        self._control = await asyncio.start_unix_server(self._serve_control, self.control_path)

    async def _serve_control(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while line := await reader.readline():
                try:
                    reply: dict[str, object] = {
                        "ok": True,
                        **await self._command(line.decode().split()),
                    }
                except (BenchError, KeyError, ValueError, TimeoutError) as exc:
                    reply = {"ok": False, "error": str(exc) or type(exc).__name__}
                writer.write(json.dumps(reply).encode() + b"\n")
                await writer.drain()
        finally:
            writer.close()

    async def _command(self, words: list[str]) -> dict[str, object]:
        """`list`, `plug SLOT`, `unplug SLOT [AFTER_BYTES]`, `garbage SLOT [AFTER_BYTES [SIZE]]`
        (random bytes, a header's 24 by default, instead of the device's next packet),
        `wait SLOT plugged|unplugged`. AFTER_BYTES: once the host has sent that many more."""
        if words == ["list"]:
            return {"ports": [port.describe() for port in self.ports.values()]}
        if len(words) < 2:
            raise BenchError(f"unknown command {' '.join(words)!r}")
        action, port = words[0], self._port(words[1])
        if action == "plug":
            port.unplugged_by_device = False
            port.plug()
        elif action == "unplug" and len(words) == 3:
            port.unplug_after = int(words[2])
        elif action == "unplug":
            port.unplug()
        elif action == "garbage" and len(words) <= 4:
            port.garble_after = int(words[2]) if len(words) > 2 else 0
            port.garbage_size = int(words[3]) if len(words) > 3 else p.HEADER_SIZE
        elif action == "wait" and words[2:] in (["plugged"], ["unplugged"]):
            async with asyncio.timeout(STATE_WAIT_S):
                while port.plugged != (words[2] == "plugged"):
                    await port.changed.wait()
        else:
            raise BenchError(f"unknown command {' '.join(words)!r}")
        return port.describe()

    def _port(self, slot: str) -> UsbPort:
        if slot not in self.ports:
            raise BenchError(f"no device on {slot}; the bench has {', '.join(self.ports)}")
        return self.ports[slot]

    def close(self) -> None:
        async def stop() -> None:
            if self._control is not None:
                self._control.close()
            for task in self._following:
                task.cancel()
            for port in self.ports.values():
                port.end_session()

        try:
            self._run(stop())
        finally:  # umockdev removes it when the Testbed is finalized, which exit never does
            shutil.rmtree(self.root_dir, ignore_errors=True)

    def _run(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout=30)


class BenchControl:
    """A client of a running bench's control socket (`$KITBENCH_SIM_USB`), for tests."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or os.environ[CONTROL_ENV]

    def __call__(self, *words: object) -> dict[str, Any]:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(self.path)
            connection.sendall(" ".join(map(str, words)).encode() + b"\n")
            reply: dict[str, Any] = json.loads(connection.makefile("rb").readline())
        if not reply.pop("ok"):
            raise BenchError(reply["error"])
        return reply


def under_preload() -> bool:
    return PRELOAD in os.environ.get("LD_PRELOAD", "")


def run_bench(config: FleetConfig, hubs: int, command: Sequence[str], out: TextIO) -> int:
    """Build the bench, run COMMAND on it (or wait for SIGTERM or Ctrl-C), return its status."""
    options = {key: value for key, value in asdict(config).items() if key != "count"}
    # In place before the bench starts: a SIGTERM during start-up waits on the socket, and
    # the bench ends as soon as it is up.
    with StopSignals() as stop, SimFleet(config.count, **options) as fleet:
        bench = UsbBench(fleet, hubs)
        try:
            for port in bench.ports.values():
                print(f"{port.slot}\t{port.serial}\t{port.product}", file=out)
            out.flush()
            env = {**os.environ, CONTROL_ENV: bench.control_path, "UMOCKDEV_DIR": bench.root_dir}
            system_libusb = ctypes.util.find_library("usb-1.0")
            if system_libusb:  # its udev backend sees umockdev's uevents (hotplug)
                env.setdefault("KITBENCH_LIBUSB", system_libusb)
            if not command:
                return _wait_for_signal(env, out, stop)
            return _run_command(command, env, stop)
        finally:
            bench.close()


def _run_command(command: Sequence[str], env: dict[str, str], stop: StopSignals) -> int:
    try:
        child = subprocess.Popen(list(command), env=env)
    except OSError as exc:
        print(f"kitbench sim: cannot run {command[0]}: {exc.strerror}", file=sys.stderr)
        return 127
    exited = os.pidfd_open(child.pid)
    try:
        while exited not in select.select([exited, stop.fileno()], [], [])[0]:
            if stop.wait(0) == signal.SIGTERM:
                child.terminate()  # a Ctrl-C (SIGINT) reached the child from the terminal too
    finally:
        os.close(exited)
    code = child.wait()
    return 128 - code if code < 0 else code


def _wait_for_signal(env: dict[str, str], out: TextIO, stop: StopSignals) -> int:
    print(
        f"run programs on this bench with: UMOCKDEV_DIR={env['UMOCKDEV_DIR']} "
        f"{CONTROL_ENV}={env[CONTROL_ENV]} umockdev-wrapper COMMAND",
        file=out,
        flush=True,
    )
    stop.wait()
    return 0


def reexec_under_preload(argv: Sequence[str]) -> None:
    """Start `kitbench ARGV` again under umockdev-wrapper (returns only if it cannot)."""
    wrapper = shutil.which("umockdev-wrapper")
    if wrapper is None:
        return
    os.execv(wrapper, [wrapper, sys.executable, "-m", "app", *argv])
