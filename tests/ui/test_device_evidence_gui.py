"""Evidence from the device in the window: the screen preview shows the simulator's screen,
and a failed install shows what the device logged, in the details panel and in History."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt

from app.core import DeviceState
from app.sim.profiles import PROFILES
from app.ui.details_panel import SCREEN_BOX

TIMEOUT_MS = 60_000


def scaled_size(profile: str) -> QSize:
    """The sim's screen, as the preview must show it: its PNG's size scaled into the box."""
    width, height = PROFILES[profile].screen_size
    return QSize(width, height).scaled(SCREEN_BOX, Qt.AspectRatioMode.KeepAspectRatio)


def test_the_preview_shows_the_simulators_screen_on_demand(open_bench, qtbot):
    bench = open_bench(devices=1, profile="galaxy_tab")
    tab = bench.window.bench
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=TIMEOUT_MS)
    tab.select(bench.model.tiles()[0].endpoint)
    details = tab.details
    assert details.screen_view.pixmap().isNull()  # a ready device is not watched by itself

    details.screen_button.click()

    qtbot.waitUntil(lambda: not details.screen_view.pixmap().isNull(), timeout=TIMEOUT_MS)
    picture = details.screen_view.pixmap()
    assert picture.size() == scaled_size("galaxy_tab") == QSize(180, 288)
    # the home screen's wallpaper, not an empty or black picture
    top = picture.toImage().pixelColor(picture.width() // 2, picture.height() // 3)
    assert top.blue() > top.red() and top.blue() > 80
    assert "1200 × 1920" in details.screen_note.toolTip()


def test_a_failed_install_shows_the_devices_log_and_its_screen(open_bench, qtbot):
    bench = open_bench(devices=1, profile="pixel8", faults="install_fail=1")
    tab, window = bench.window.bench, bench.window
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=TIMEOUT_MS)
    tile = bench.model.tiles()[0]
    tab.select(tile.endpoint)
    details = tab.details
    assert not details.evidence.isVisibleTo(details)
    tab.start()
    qtbot.waitUntil(lambda: tile.state is DeviceState.FAILED, timeout=TIMEOUT_MS)

    qtbot.waitUntil(lambda: details.evidence.isVisibleTo(details), timeout=TIMEOUT_MS)
    excerpt = details.evidence.toPlainText()
    assert excerpt.startswith("$ logcat -d -t 200\n")
    assert "E PackageManager: session" in excerpt  # the package manager's refusal
    assert "$ dumpsys package com.example.pos" in excerpt
    # a failed device waits on a person: its screen is shown without asking
    qtbot.waitUntil(lambda: not details.screen_view.pixmap().isNull(), timeout=TIMEOUT_MS)
    assert details.screen_view.pixmap().size() == scaled_size("pixel8")

    history = window.history
    window.tabs.setCurrentWidget(history)
    history.apply_filter()
    qtbot.waitUntil(lambda: history.model.rowCount() == 1, timeout=TIMEOUT_MS)
    history.table.selectRow(0)
    qtbot.waitUntil(lambda: "What the device logged" in history.steps.toPlainText())
    assert "E PackageManager: session" in history.steps.toPlainText()


def test_a_device_waiting_for_allow_says_why_there_is_no_picture(open_bench, qtbot):
    bench = open_bench(devices=1, auth="prompt", faults="never_auth=1")
    tab = bench.window.bench
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.UNAUTHORIZED), timeout=TIMEOUT_MS)
    tab.select(bench.model.tiles()[0].endpoint)
    details = tab.details
    # looked at by itself (it waits on a person), and answered at once: no session to look through
    qtbot.waitUntil(
        lambda: details.screen_note.text() == "No picture until Allow is tapped on the device",
        timeout=TIMEOUT_MS,
    )
    assert details.screen_view.pixmap().isNull()
