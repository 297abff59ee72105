"""The failure sound: a real WAV file, played by the system's player, once per burst."""

from __future__ import annotations

import io
import stat
import sys
import wave

import pytest

from app.ui.failure_sound import FILE_NAME, MIN_INTERVAL_S, FailureSound, find_player, tone


def test_the_tone_is_a_short_audible_wav():
    with wave.open(io.BytesIO(tone())) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        seconds = wav.getnframes() / wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    assert 0.3 <= seconds <= 0.6
    loudest = max(abs(int.from_bytes(frames[i : i + 2], "little", signed=True))
                  for i in range(0, len(frames), 2))  # fmt: skip
    assert loudest > 10_000


@pytest.mark.skipif(sys.platform == "win32", reason="Windows plays through winsound")
def test_the_first_player_found_plays_the_written_file(tmp_path, monkeypatch, qtbot):
    bin_dir, played = tmp_path / "bin", tmp_path / "played.txt"
    bin_dir.mkdir()
    player = bin_dir / "fake-player"
    player.write_text(f'#!/bin/sh\necho "$@" > {played}\n')
    player.chmod(player.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")

    play = find_player(tmp_path, players=[("no-such-player",), ("fake-player", "--quiet")])
    assert play is not None
    play()

    qtbot.waitUntil(played.exists, timeout=5000)
    qtbot.waitUntil(lambda: played.read_text().strip() != "", timeout=5000)
    assert played.read_text().split() == ["--quiet", str(tmp_path / FILE_NAME)]
    assert (tmp_path / FILE_NAME).read_bytes() == tone()


@pytest.mark.skipif(sys.platform == "win32", reason="Windows always has winsound")
def test_no_player_means_none(tmp_path):
    assert find_player(tmp_path, players=[("no-such-player",)]) is None


def test_failures_together_ring_once(monkeypatch, qtbot):
    clock = [1000.0]
    monkeypatch.setattr("app.ui.failure_sound.time.monotonic", lambda: clock[0])
    rang: list[int] = []
    sound = FailureSound()
    sound.use(lambda: rang.append(1))
    for _ in range(20):
        sound.ring()
    assert rang == [1]
    clock[0] += MIN_INTERVAL_S
    sound.ring()
    assert rang == [1, 1]
