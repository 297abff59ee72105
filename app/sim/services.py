"""The device services a host can OPEN: shell (v1 and v2), exec, abb, sync, reboot.

See AOSP's docs/dev/services.md and sync.md. Each service gets one stream and runs
in its own task; the Android model underneath is synchronous and instant, so all
waiting (latency, transfer rate) happens here, except a command's reading of its stdin,
which waits for the host's bytes (app.sim.greenlets) only when the command reads them.
Services that a release's adbd lacks (abb before Android 10) are refused as it refuses them.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import struct
from typing import TYPE_CHECKING

from app.sim.commands_core import Stdin
from app.sim.connection import ConnectionLost, Service, Stream
from app.sim.device_state import CommandResult
from app.sim.greenlets import run_sync, wait_for
from app.sim.sync_service import IncomingFile, serve_sync

if TYPE_CHECKING:
    from app.sim.device import SimDevice

# Shell protocol v2 packet ids (adb's shell_protocol.h).
V2_STDIN, V2_STDOUT, V2_STDERR, V2_EXIT, V2_CLOSE_STDIN, V2_WINDOW_SIZE = range(6)
V2_HEADER = struct.Struct("<BI")

INSTALL_COMMAND = re.compile(r"^\s*(?:pm|cmd\s+package)\s+'?install'?(?:\s|$)")
INSTALL_WRITE_COMMAND = re.compile(r"^\s*(?:pm|cmd\s+package)\s+'?install-write'?(?:\s|$)")


def route(device: SimDevice, destination: str) -> Service | None:
    """Pick the service for an OPEN destination, or None to refuse it as adbd would."""
    name, _, rest = destination.partition(":")
    if name == "shell" or (name.startswith("shell,") and destination.find(":") >= 0):
        options = name.split(",")[1:]
        if "v2" in options:
            return lambda stream, _: ShellV2(device, stream, rest, "pty" in options).run()
        return lambda stream, _: shell_v1(device, stream, rest)
    if name == "exec":
        return lambda stream, _: exec_service(device, stream, rest)
    if name in ("abb_exec", "abb") and name in device.features:
        # abb runs a binder service's shell command in process: what `cmd ARGS` runs, the
        # arguments NUL-separated instead of parsed by a shell (AOSP daemon/abb.cpp).
        command = "cmd " + shlex.join(arg for arg in rest.split("\0") if arg)
        if name == "abb":  # the shell protocol's framing, with an exit status
            return lambda stream, _: ShellV2(device, stream, command, pty=False).run()
        return lambda stream, _: exec_service(device, stream, command)
    if name == "sync":
        return lambda stream, _: serve_sync(device, stream)
    if name == "reboot":
        return lambda stream, _: reboot_service(device, stream)
    if name == "root":
        return lambda stream, _: stream.write(b"adbd cannot run as root in production builds\n")
    return None


async def run_command(
    device: SimDevice, stream: Stream, command: str, stdin: Stdin | None = None
) -> CommandResult:
    """Run one command line with the device's latency and faults; `stdin` is the host's."""
    behaviour = device.behaviour
    await behaviour.shell_delay()
    await device.strike_transport_faults(stream, command)
    # an install_fail fault strikes inside pm
    result = await run_sync(device.model.run_shell, command, stdin or Stdin())
    if result.install_bytes:
        await behaviour.install_delay(result.install_bytes)
    return result


def after_command(device: SimDevice, result: CommandResult) -> None:
    if result.reboot:
        device.drop_off(device.behaviour.latency.reboot, reboot=True)


async def shell_v1(device: SimDevice, stream: Stream, command: str) -> None:
    """`shell:` (no exit status on the wire: stdout and stderr interleave, like a pty)."""
    if not command.strip():
        await interactive(device, stream, lambda data: stream.write(data))
        return
    await answer(device, stream, command)


async def exec_service(device: SimDevice, stream: Stream, command: str) -> None:
    """`exec:` is raw, without a pty; adb uses it to stream installs."""
    await answer(device, stream, command)


async def answer(device: SimDevice, stream: Stream, command: str) -> None:
    """Run a command, or an install whose APK follows on the stream, and write its output.

    The stream's bytes are the command's stdin; without a shell protocol there is no end
    to it but the host closing the stream."""
    size = streamed_install_size(command)
    split_size = streamed_write_size(command)
    if size is not None:
        result = await streamed_install(device, stream, command, size)
    elif split_size is not None:  # an install session's APK: on the bus like any other
        refusal = device.model.refuse_install_of(split_size)  # no room: refused unread
        if refusal is not None:
            await device.behaviour.shell_delay()
            result = refusal
        else:
            apk = await receive(device, stream, split_size)
            result = await run_command(device, stream, command, Stdin(apk))
    else:
        result = await run_command(device, stream, command, raw_stdin(stream))
    await stream.write(result.terminal_output)
    after_command(device, result)


def raw_stdin(stream: Stream) -> Stdin:
    """The stream's bytes as stdin, read from the host only when a command reads them."""

    def more(_size: int) -> bytes:
        data = wait_for(stream.read())
        return bytes(data) if data is not None else b""

    return Stdin(more=more)


async def reboot_service(device: SimDevice, stream: Stream) -> None:
    """adbd's reboot never answers: its connection ends as the device goes down, so a host
    that reconnects once it ended finds the device gone, not the one before the reboot."""
    await device.behaviour.shell_delay()
    device.drop_off(device.behaviour.latency.reboot, reboot=True)
    while device.online.is_set():
        await asyncio.sleep(0)
    raise ConnectionLost("rebooting")


async def interactive(device: SimDevice, stream: Stream, emit) -> None:
    """An interactive shell: a prompt, one command per line, until `exit` or the host leaves."""
    prompt = f"{device.model.getprop('ro.product.device')}:/ $ ".encode()
    await emit(prompt)
    pending = b""
    while True:
        data = await stream.read()
        if data is None:
            return
        pending += data.replace(b"\r", b"\n")
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            command = line.decode("utf-8", "replace").strip()
            if command == "exit":
                return
            if command:
                result = await run_command(device, stream, command)
                await emit(result.terminal_output)
                after_command(device, result)
            await emit(prompt)


class ShellV2:
    """`shell,v2,...:` frames stdin/stdout/stderr/exit in packets of id + length + data."""

    def __init__(self, device: SimDevice, stream: Stream, command: str, pty: bool) -> None:
        self.device = device
        self.stream = stream
        self.command = command
        self.pty = pty

    async def emit(self, packet_id: int, data: bytes) -> None:
        if data or packet_id == V2_EXIT:
            await self.stream.write(V2_HEADER.pack(packet_id, len(data)) + data)

    async def read_stdin(self, size: int) -> bytes:
        """Collect `size` bytes of stdin packets (fewer if the host closes stdin first)."""
        received = bytearray()
        while len(received) < size:
            data = await self.next_stdin()
            if not data:
                break
            received += data
        return bytes(received)

    async def next_stdin(self) -> bytes:
        """The next stdin packet's data; b"" once the host closed stdin or the stream."""
        while True:
            try:
                header = await self.stream.read_exactly(V2_HEADER.size)
                packet_id, length = V2_HEADER.unpack(header)
                data = await self.stream.read_exactly(length)
            except ConnectionLost:
                return b""
            if packet_id == V2_CLOSE_STDIN:
                return b""
            if packet_id == V2_STDIN and data:
                return data

    def stdin(self) -> Stdin:
        """stdin packets as the command's stdin, read only if the command reads it."""
        return Stdin(more=lambda _size: wait_for(self.next_stdin()))

    async def run(self) -> None:
        if not self.command.strip():
            await interactive(self.device, self.stream, self._interactive_output)
            await self.emit(V2_EXIT, b"\0")
            return
        size = streamed_install_size(self.command)
        refusal = None if size is None else self.device.model.refuse_install_of(size)
        if refusal is not None:
            result = refusal
        elif size is not None:
            apk = await self.read_stdin(size)
            result = await install_apk(self.device, self.stream, self.command, apk)
        else:
            result = await run_command(self.device, self.stream, self.command, self.stdin())
        if self.pty:
            await self.emit(V2_STDOUT, result.terminal_output)
        else:
            await self.emit(V2_STDOUT, result.stdout)
            await self.emit(V2_STDERR, result.stderr)
        await self.emit(V2_EXIT, bytes([result.exit_code & 0xFF]))
        after_command(self.device, result)

    async def _interactive_output(self, data: bytes) -> None:
        await self.emit(V2_STDOUT, data)


def streamed_install_size(command: str) -> int | None:
    """The -S SIZE of `cmd package install -S SIZE …` (the APK follows on stdin), else None."""
    if not INSTALL_COMMAND.match(command):
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if "-S" not in words:
        return None
    index = words.index("-S")
    try:
        return int(words[index + 1])
    except (IndexError, ValueError):
        return None


def streamed_write_size(command: str) -> int | None:
    """The -S SIZE of `… install-write -S SIZE SESSION NAME [-]` reading stdin, else None."""
    if not INSTALL_WRITE_COMMAND.match(command):
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    start = words.index("install-write") + 1
    arguments = words[start:]
    if "-S" not in arguments:
        return None
    index = arguments.index("-S")
    size = arguments[index + 1] if index + 1 < len(arguments) else ""
    rest = arguments[:index] + arguments[index + 2 :]
    if not size.isdigit() or (len(rest) > 2 and rest[2] != "-"):
        return None
    return int(size)


async def receive(device: SimDevice, stream: Stream, size: int) -> bytes:
    """`size` bytes of the stream at the device's and its bus's rate, fewer if it closes;
    compared on the way with the fleet's known contents, as a push is."""
    throttle = device.behaviour.throttle()
    content = IncomingFile(device.model.files.known())
    while content.size < size:
        chunk = await stream.read()
        if chunk is None:
            break
        content.add(memoryview(chunk)[: size - content.size])
        await throttle.account(len(chunk))
    return content.data()


def install_options(command: str) -> list[str]:
    words = shlex.split(command)
    start = words.index("install") + 1
    options = words[start:]
    index = options.index("-S")
    return options[:index] + options[index + 2 :]


async def streamed_install(device: SimDevice, stream: Stream, command: str, size: int):
    """The APK arrives on stdin: compared on the way with the fleet's known contents, as a
    push is, so a hundred devices installing one APK hold no hundred copies of it. pm
    refuses an APK with no room to stage it before it reads any of it."""
    refusal = device.model.refuse_install_of(size)
    if refusal is not None:
        await device.behaviour.shell_delay()
        return refusal
    return await install_apk(device, stream, command, await receive(device, stream, size))


async def install_apk(device: SimDevice, stream: Stream, command: str, apk: bytes):
    behaviour = device.behaviour
    await behaviour.shell_delay()  # starting `cmd`, as any command costs (see run_command)
    await device.strike_transport_faults(stream, command)
    result = device.model.install_apk(apk, install_options(command))
    if result.install_bytes:
        await behaviour.install_delay(result.install_bytes)
    return result
