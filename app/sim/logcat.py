"""A simulated device's log buffer, `logcat` to read it and `log` to write to it.

The device's own parts write what they do and, above all, why something failed (an install
the package manager refused, a setting it would not take, a file adbd could not write), in
the simulator's own words, so a station's failure evidence has something real to collect.
The buffer lives in memory and is lost on a reboot, as Android's ring buffer is.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.sim.commands_core import Command, Invocation, local_time

if TYPE_CHECKING:
    from app.sim.android import AndroidDevice

BUFFER_LINES = 2000
LEVELS = "VDIWEF"


@dataclass(frozen=True)
class LogEntry:
    at: float  # seconds since the epoch
    pid: int
    tid: int
    level: str  # one of LEVELS
    tag: str
    message: str


class LogBuffer:
    """The last BUFFER_LINES entries of the device's main log."""

    def __init__(self) -> None:
        self.entries: deque[LogEntry] = deque(maxlen=BUFFER_LINES)

    def write(self, level: str, tag: str, message: str) -> None:
        """One entry per line of `message`, from the process that owns `tag`."""
        pid = _pid_of(tag)
        now = time.time()
        for line in message.splitlines() or [""]:
            self.entries.append(LogEntry(now, pid, pid + _tid_offset(tag), level, tag, line))

    def clear(self) -> None:
        self.entries.clear()


def _pid_of(tag: str) -> int:
    """A stable process id per writer: system services share system_server's."""
    if tag in SYSTEM_SERVER_TAGS:
        return 1342
    if tag == "adbd":
        return 611
    return 2000 + int(hashlib.sha256(tag.encode()).hexdigest()[:4], 16) % 20000


def _tid_offset(tag: str) -> int:
    return int(hashlib.sha256(tag.encode()).hexdigest()[4:6], 16) % 60


SYSTEM_SERVER_TAGS = {"PackageManager", "PackageInstaller", "SettingsProvider", "ActivityManager",
                      "DevicePolicyManager", "WifiService", "BatteryService"}  # fmt: skip


def boot_messages(device: AndroidDevice) -> None:
    """What a device writes as it comes up (a few lines, so a fresh log is not empty)."""
    log = device.log
    log.write("I", "init", "starting service 'adbd'...")
    log.write("I", "ActivityManager", "System now ready")
    log.write("I", "BatteryService", f"level now {device.state.battery.level}%")
    log.write("I", "ActivityManager", "boot completed, user 0 unlocked")


def format_entry(entry: LogEntry, device: AndroidDevice) -> str:
    """logcat's default (threadtime) format."""
    moment = local_time(device, entry.at)
    stamp = f"{moment:%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d}"
    return f"{stamp} {entry.pid:5d} {entry.tid:5d} {entry.level} {entry.tag:<8s}: {entry.message}"


def logcat(ctx: Invocation) -> int:
    """`logcat -d [-t N] [-v threadtime] [-b main]`, `logcat -c`. Without -d a real logcat
    follows the log forever; here it prints what there is and ends, as -d does."""
    args = list(ctx.args)
    count: int | None = None
    words = iter(args)
    for word in words:
        if word in ("-d", "-D"):
            continue
        if word == "-c":
            ctx.device.log.clear()
            return 0
        if word in ("-t", "-T"):
            value = next(words, "")
            if not value.isdigit():
                return ctx.fail(f'-t "{value}" not a number')
            count = int(value)
        elif word in ("-v", "-b"):
            next(words, None)  # one format and one buffer: threadtime, main
        elif word.startswith("-"):
            return ctx.fail(f"unknown option -- '{word.lstrip('-')}'")
    entries = list(ctx.device.log.entries)
    if count is not None:
        entries = entries[-count:] if count else []
    if entries:
        ctx.out("--------- beginning of main\n")
    ctx.out("".join(format_entry(entry, ctx.device) + "\n" for entry in entries))
    return 0


def log_command(ctx: Invocation) -> int:
    """`log [-p PRIORITY] [-t TAG] MESSAGE...`: one entry in the log."""
    args = list(ctx.args)
    level, tag, words = "I", "log", []
    items = iter(args)
    for word in items:
        if word == "-p":
            level = (next(items, "i")[:1] or "i").upper()
        elif word == "-t":
            tag = next(items, "log")
        else:
            words.append(word)
    if level not in LEVELS:
        level = "I"
    ctx.device.log.write(level, tag, " ".join(words))
    return 0


LOG_COMMANDS: dict[str, Command] = {"logcat": logcat, "log": log_command}
