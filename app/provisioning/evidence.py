"""What the device itself says about a failed step, kept with the step for whoever looks later.

The end of its log (`logcat -d -t N`) and, for an install, what the package manager says of
the package (`dumpsys package`, only the lines about its state: the rest of that dump is
hundreds of lines of resolver tables). Masked for secrets, then capped, before it leaves the
runner. Reading it is best effort: a device that cannot give it leaves a note instead, and
the step's failure stands as it was.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable

from app.core.evidence import EVIDENCE_MAX_BYTES, LOGCAT_LINES, capped
from app.devices.device import Device, DeviceError

EVIDENCE_TIMEOUT_S = 15.0
# The lines of a package's block in `dumpsys package` that say what is installed and how.
PACKAGE_KEYS = re.compile(
    r"^\s*(Package \[|codePath=|versionCode=|versionName=|splits=|flags=|firstInstallTime=|"
    r"lastUpdateTime=|installerPackageName=|User \d+:|Unable to find package)"
)


def failure_evidence(device: Device, package: str, mask: Callable[[str], str]) -> str:
    """The device's log lines (and the package's state, when `package` is set), masked and
    capped; a note where the device would not give them (none asked of a device gone)."""
    sections: list[tuple[str, Callable[[str], str]]] = [
        (f"logcat -d -t {LOGCAT_LINES}", lambda text: text)
    ]
    if package:
        sections.append((f"dumpsys package {shlex.quote(package)}",
                         lambda text: package_lines(text, package)))  # fmt: skip
    parts = []
    for command, keep in sections:
        try:
            result = device.shell(command, timeout=EVIDENCE_TIMEOUT_S)
        except DeviceError as exc:
            parts.append(f"$ {command}\n(not read: {exc})")
            if exc.lost_session:
                break
            continue
        text = keep(result.output.rstrip("\n"))
        if not result.ok and not text:
            text = f"(exit status {result.exit_code})"
        parts.append(f"$ {command}\n{text}")
    return capped(mask("\n".join(parts)), EVIDENCE_MAX_BYTES)


def package_lines(dump: str, package: str) -> str:
    """The lines of `dump` that say how `package` stands (from its own block only)."""
    lines, inside = [], False
    for line in dump.splitlines():
        if line.lstrip().startswith("Package ["):
            inside = f"[{package}]" in line
        elif line and not line.startswith(" "):
            inside = "Unable to find package" in line
        if (inside or "Unable to find package" in line) and PACKAGE_KEYS.match(line):
            lines.append(line)
    return "\n".join(dict.fromkeys(lines)) or f"(nothing about {package})"
