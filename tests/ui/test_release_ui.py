"""What the window shows of releases: their download on the Templates tab, and whether the
station installs any at all in Settings."""

from __future__ import annotations

from pathlib import Path

from app.storage import Config
from app.sync import ReleaseState, ReleaseStatus
from app.sync.releases import Refusal
from app.templates.release import new_private_key


def release(state: ReleaseState, **fields) -> ReleaseStatus:
    values = dict(name="retail-pos", version=3, channel="canary", manifest_sha256="ab" * 32,
                  state=state, files_total=5, files_done=3, bytes_total=48_000_000,
                  bytes_done=31_000_000)  # fmt: skip
    return ReleaseStatus(**{**values, **fields})


def test_the_templates_tab_shows_each_release_downloading_refused_or_ready(open_bench, qtbot):
    window = open_bench().window
    downloading = release(ReleaseState.DOWNLOADING)
    refused = release(ReleaseState.REFUSED, name="kiosk", version=2,
                      refusal=Refusal.FILE_MISMATCH, refused_file="apps/kiosk.apk")  # fmt: skip
    ready = release(ReleaseState.READY, name="scanner", version=1, files_done=5,
                    signed_by="ed25519:x", path=Path("/tmp/scanner-v1.yaml"))  # fmt: skip

    window.services.engine.releases.emit((downloading, refused, ready))

    text = window.templates.releases.text()
    assert "retail-pos v3 (canary): downloading 3/5 files, 31 MB of 48 MB" in text
    assert "kiosk v2 (canary): refused: apps/kiosk.apk does not match its published hash" in text
    assert "scanner v1 (canary): ready" in text


def test_settings_say_when_no_release_is_installed_and_take_a_trusted_key(
    open_bench, qtbot, kitbench_home
):
    tab = open_bench().window.settings_tab
    qtbot.waitUntil(lambda: tab.trust.text() != "")
    assert tab.trust.text().startswith("No trusted publisher key: releases from the backend")
    _private, public = new_private_key()

    tab.channel.setText("canary")
    tab.trusted_keys.setPlainText(public + "\n")
    tab.save()

    qtbot.waitUntil(lambda: tab.status.text() == "Saved.")
    config = Config(kitbench_home)
    assert (config.channel, config.trusted_keys) == ("canary", (public,))
    qtbot.waitUntil(lambda: tab.trust.text().startswith("Releases are installed only when"))
