"""The mark a finished run leaves on the device: the device says whether it is provisioned.

The mark is the global setting `kitbench_provisioned`, e.g.
``kitbench/1 version=4 hash=9f…e1 run=5c…0a template=retail-pos``. A global setting rather than
a file under /data/local/tmp because the shell may write and read it on every Android release
(WRITE_SECURE_SETTINGS), the settings provider keeps it across reboots and a factory reset
wipes it with the rest of /data, and no app, no `adb install` staging and no one tidying
/data/local/tmp removes it by the way. Any station reads it: a device kitted elsewhere is
recognised, a reset device is kitted again.
"""

from __future__ import annotations

import secrets
import shlex
from dataclasses import dataclass
from urllib.parse import quote, unquote

from app.devices.device import Device, DeviceError, ShellResult, parse_props

MARKER_KEY = "kitbench_provisioned"
MARKER_FORMAT = "kitbench/1"
MARKER_STEP_ACTION = "marker"
MARKER_STEP_NAME = "mark as provisioned"


@dataclass(frozen=True)
class Marker:
    template: str
    version: int
    template_hash: str
    run_id: str

    def text(self) -> str:
        return (f"{MARKER_FORMAT} version={self.version} hash={self.template_hash}"
                f" run={self.run_id} template={quote(self.template, safe='')}")  # fmt: skip

    @classmethod
    def parse(cls, text: str) -> Marker | None:
        """The marker in a setting's value; None for `null`, nothing, or another format."""
        words = text.strip().split()
        if not words or words[0] != MARKER_FORMAT:
            return None
        fields = dict(word.split("=", 1) for word in words[1:] if "=" in word)
        try:
            return cls(unquote(fields["template"]), int(fields["version"]),
                       fields.get("hash", ""), fields.get("run", ""))  # fmt: skip
        except (KeyError, ValueError):
            return None


def read_marker(device: Device) -> Marker | None:
    """The device's marker; None when it has none or cannot say (the run then runs in full,
    and every step looks before it changes, so nothing is done twice)."""
    try:
        result = device.shell(f"settings get global {MARKER_KEY}", timeout=20)
    except DeviceError:
        return None
    return Marker.parse(result.output) if result.ok else None


@dataclass(frozen=True)
class StartOfRun:
    """What a run looks at before it starts, read in one round trip."""

    props: dict[str, str] | None  # None when getprop failed: the run reads them again, says why
    marker: Marker | None


def read_start_of_run(device: Device) -> StartOfRun:
    """The device's properties and its marker in one shell round trip: getprop's answer ends
    at a line with a fresh fence and its exit status, the marker's read follows. Whatever
    fails reads as unknown (no props, no marker), never as an error here."""
    fence = f"KBMK{secrets.token_hex(8)}"
    script = f'getprop; echo "{fence}:$?"; settings get global {MARKER_KEY}'
    try:
        result = device.shell(script, timeout=20)
    except DeviceError:
        return StartOfRun(None, None)
    props_text, found, rest = result.stdout.partition(f"{fence}:")
    status, _, marker_text = rest.partition("\n")
    props = parse_props(props_text) if found and status.strip() == "0" else None
    marker = Marker.parse(marker_text) if found and result.ok else None
    return StartOfRun(props, marker)


def write_marker_command(marker: Marker) -> str:
    """Write the marker and read it back in the same round trip: it prints what the device kept."""
    return (f"settings put global {MARKER_KEY} {shlex.quote(marker.text())}"
            f" && settings get global {MARKER_KEY}")  # fmt: skip


def kept(written: ShellResult, marker: Marker) -> bool:
    """Whether `write_marker_command` left `marker` on the device, by what it read back."""
    return written.ok and Marker.parse(written.stdout) == marker
