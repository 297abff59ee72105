"""Evidence from the device: a look at its screen, and the log lines kept with a failed step.

A screen is asked for by the window and taken by the device's worker, which owns the session;
it comes back as a `ScreenShot` (the PNG as the device gave it) or a `ScreenMissed` saying
why there is none. A failed step keeps the end of the device's log (`StepResult.evidence`),
masked and capped at EVIDENCE_MAX_BYTES.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

EVIDENCE_MAX_BYTES = 16 * 1024  # per failed step: what the database, sync and screen carry
LOGCAT_LINES = 200  # the end of the device's log a failed step keeps (before the byte cap)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IHDR = struct.Struct(">4sII")  # chunk type, width, height: the first chunk of every PNG


class ScreenProblem(StrEnum):
    """Why a screen was not taken."""

    NOT_CONNECTED = "not-connected"  # no session: waiting for Allow, reconnecting, unplugged
    REFUSED = "refused"  # the device answered without a picture (no screencap, an error)
    NOT_WATCHED = "not-watched"  # the station does not know the device


@dataclass(frozen=True)
class ScreenShot:
    endpoint: str
    png: bytes
    width: int
    height: int
    at: datetime = field(default_factory=datetime.now)


@dataclass(frozen=True)
class ScreenMissed:
    endpoint: str
    problem: ScreenProblem
    detail: str = ""  # the device's or the session's own words, for the tooltip and the log


def png_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's width and height from its header; None when `data` is not a PNG."""
    if not data.startswith(PNG_SIGNATURE) or len(data) < 24:
        return None
    kind, width, height = _IHDR.unpack_from(data, 12)
    return (width, height) if kind == b"IHDR" else None


def capped(text: str, limit: int = EVIDENCE_MAX_BYTES) -> str:
    """The end of `text` within `limit` UTF-8 bytes, cut at a line where it can be, and
    saying so: the last lines of a log are the ones that tell."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    note = "[… earlier lines left out]\n"
    tail = data[len(data) - (limit - len(note.encode("utf-8"))) :]
    tail_text = tail.decode("utf-8", "ignore")
    newline = tail_text.find("\n")
    if 0 <= newline < len(tail_text) - 1:
        tail_text = tail_text[newline + 1 :]
    return note + tail_text
