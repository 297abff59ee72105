"""What every simulated command receives and the output conventions they share.

A command is a function `(Invocation) -> exit status`. It reads its arguments and stdin, writes
bytes to its stdout and stderr, and changes the device through the `AndroidDevice` model. The
interpreter in `app.sim.shell` wires redirections and pipes around it.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from app.sim.android import AndroidDevice

SHELL_CRASH_STATUS = 255  # a framework command that threw: Java's -1 as an exit status


@dataclass
class Session:
    """The state of one `sh` process: working directory, variables and what it asked for."""

    cwd: str = "/"
    variables: dict[str, str] = field(default_factory=dict)
    reboot: bool = False
    install_bytes: int = 0


class Stdin:
    """A command's standard input, consumed as it is read, as a pipe is.

    `data` is what is already here (a pipe's or a file's bytes); `more(size)` brings up to
    `size` more bytes from the host (-1: all until it closes stdin) and b"" at the end, so a
    command line that never reads stdin never waits for the host.
    """

    def __init__(self, data: bytes = b"", more: Callable[[int], bytes] | None = None) -> None:
        self._data = data
        self._more = more

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (all with -1), fewer only at the end of the input."""
        while self._more is not None and (size < 0 or len(self._data) < size):
            chunk = self._more(-1 if size < 0 else size - len(self._data))
            if not chunk:
                self._more = None
            self._data += chunk
        if size < 0:
            data, self._data = self._data, b""
        else:
            data, self._data = self._data[:size], self._data[size:]
        return data


@dataclass
class Invocation:
    device: "AndroidDevice"
    name: str
    args: list[str]
    input: Stdin
    stdout: bytearray
    stderr: bytearray
    session: Session

    @property
    def stdin(self) -> bytes:
        """All of stdin: what a command that reads until end of file gets."""
        return self.input.read()

    def out(self, text: str | bytes) -> None:
        self.stdout += text.encode() if isinstance(text, str) else text

    def err(self, text: str | bytes) -> None:
        self.stderr += text.encode() if isinstance(text, str) else text

    def fail(self, message: str, status: int = 1) -> int:
        """toybox's error style: `NAME: message` on stderr."""
        self.err(f"{self.name}: {message}\n")
        return status

    def crash(self, command: str, exception: str, message: str, frames: list[str]) -> int:
        """A framework shell command that threw: the trace on stderr, exit status 255."""
        self.err(java_exception(self.device.sdk, command, exception, message, frames))
        return SHELL_CRASH_STATUS

    @property
    def sdk(self) -> int:
        return self.device.sdk


Command = Callable[[Invocation], int]


def java_exception(sdk: int, command: str, exception: str, message: str, frames: list[str]) -> str:
    """What a framework shell command prints when it throws (the caller exits 255).

    Android 11 added the command's name to the header. The stack frames are the real methods;
    their line numbers are made up but stable.
    """
    header = "Exception occurred while executing:"
    if sdk >= 30:
        header = f"Exception occurred while executing '{command}':"
    else:
        frames = [frame for frame in frames if "BasicShellCommandHandler" not in frame]
    return f"\n{header}\n{exception}: {message}\n{stack_trace(frames)}"


def stack_trace(frames: list[str]) -> str:
    """`\tat` lines for the given methods, as Throwable.printStackTrace writes them."""
    trace = ""
    for frame in frames:
        source = frame.rsplit(".", 2)[-2].split("$")[0]
        line = 100 + int(hashlib.sha256(frame.encode()).hexdigest()[:4], 16) % 3000
        trace += f"\tat {frame}({source}.java:{line})\n"
    return trace


def take_option(args: list[str], name: str) -> str | None:
    """Remove `name VALUE` from args and return VALUE (None if absent)."""
    if name in args:
        index = args.index(name)
        if index + 1 < len(args):
            value = args[index + 1]
            del args[index : index + 2]
            return value
        del args[index]
    return None


def device_timezone(device: "AndroidDevice") -> tzinfo:
    try:
        return ZoneInfo(device.getprop("persist.sys.timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_time(device: "AndroidDevice", seconds: float | None = None) -> datetime:
    """A moment (now by default) on the device's clock, in its configured time zone."""
    moment = datetime.now(UTC) if seconds is None else datetime.fromtimestamp(seconds, UTC)
    return moment.astimezone(device_timezone(device))
