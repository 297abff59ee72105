"""The sound of a failing device: a short falling two-tone that carries across a bench.

`QApplication.beep()` is silent on most Linux desktops, and QtMultimedia is not part of
PySide6-Essentials. So the tone is made here with the standard library and played by the
system's own player: winsound on Windows, afplay on macOS, pw-play, paplay or aplay on
Linux. Where there is none, Qt's beep is what is left. Players run on a short-lived
thread, so the GUI never waits for one; twenty devices failing together ring once.
"""

from __future__ import annotations

import contextlib
import io
import math
import shutil
import struct
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.core.paths import write_atomically

FILE_NAME = "failure.wav"
PLAYERS: tuple[tuple[str, ...], ...] = (("pw-play",), ("paplay",), ("aplay", "-q"), ("afplay",))
RATE = 22_050
TONES = ((880.0, 0.16), (587.3, 0.26))  # A5 then D5, seconds: falling, as alarms do
FADE_S = 0.01  # no click at either end of a tone
MIN_INTERVAL_S = 1.5  # failures closer together than this share one sound
PLAYER_TIMEOUT_S = 10.0

Play = Callable[[], None]


def tone() -> bytes:
    """The failure sound as a 16-bit mono WAV file."""
    samples = bytearray()
    for frequency, seconds in TONES:
        count = int(RATE * seconds)
        fade = int(RATE * FADE_S)
        for n in range(count):
            envelope = min(1.0, n / fade, (count - n) / fade)
            value = 0.6 * envelope * math.sin(2 * math.pi * frequency * n / RATE)
            samples += struct.pack("<h", int(value * 32767))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(bytes(samples))
    return out.getvalue()


def find_player(directory: Path, players: Sequence[Sequence[str]] = PLAYERS) -> Play | None:
    """Write the tone and find what plays it; None when nothing can. Reads the disk and
    PATH, so call it off the GUI thread; what it returns never waits."""
    path = directory / FILE_NAME
    if not path.exists():
        write_atomically(path, tone())
    if sys.platform == "win32":
        import winsound

        return lambda: winsound.PlaySound(str(path), winsound.SND_FILENAME | winsound.SND_ASYNC)
    for command in players:
        if shutil.which(command[0]):
            return partial(_in_background, [*command, str(path)])
    return None


def _in_background(command: list[str]) -> None:
    """Fire and forget, on its own short-lived thread rather than the task manager's pool:
    there is no result for the window, a failure is silent on purpose (the tile flashes),
    and a player stuck for `PLAYER_TIMEOUT_S` must not hold a worker the window needs."""

    def play() -> None:
        quiet = subprocess.DEVNULL
        # No sound this time if the player fails: the tile flashes all the same.
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            subprocess.run(command, stdin=quiet, stdout=quiet, stderr=quiet,
                           timeout=PLAYER_TIMEOUT_S, check=False)  # fmt: skip

    threading.Thread(target=play, name="failure sound", daemon=True).start()


class FailureSound:
    """Rings for failed runs, at most once per `MIN_INTERVAL_S`; Qt's beep until (or unless)
    a player is found."""

    def __init__(self) -> None:
        self._play: Play = QApplication.beep
        self._last = -math.inf

    def use(self, play: Play | None) -> None:
        if play is not None:
            self._play = play

    def ring(self) -> None:
        now = time.monotonic()
        if now - self._last < MIN_INTERVAL_S:
            return
        self._last = now
        self._play()
