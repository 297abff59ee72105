"""Typed reasons: every kind is worded for the record (English) and for the window, the
device's own words go in as said, and a stored reason reads back as it was."""

from __future__ import annotations

import pytest

from app.core.reasons import Phase, Reason, Why, reason_data, reason_from_data
from app.provisioning.reason_text import english
from app.ui.reason_words import reason_words

ANDROID = "Failure [INSTALL_FAILED_VERSION_DOWNGRADE]"
# Every argument a kind names, with a value that shows where it lands.
ARGS = {
    "release": "13", "sdk": 33, "needed": 34, "allowed": 30, "model": "SM-T575",
    "manufacturer": "samsung", "listed": "Pixel *", "device": "timed out", "level": 12,
    "file": "pos.apk", "system": "No such file", "detail": "bad zip", "found": "3",
    "package": "com.example.pos", "wanted": "4", "count": 2, "version": 4,
    "base_package": "com.example.pos", "base_version": 5, "installed": 5, "android": ANDROID,
    "permission": "android.permission.CAMERA", "ssid": "Warehouse", "seconds": 2.5,
    "exit_code": 1, "pattern": "ok$", "action": "install", "problem": "failed",
    "setting": "global/stay_on", "name": "install pos.apk", "step": 2,
}  # fmt: skip


def reason_of(kind: Why) -> Reason:
    parts = (Reason.of(Why.PACKAGE_MISSING, package="com.example.pos"),)
    return Reason(kind, tuple(ARGS.items()), parts)


@pytest.mark.parametrize("kind", list(Why))
def test_every_kind_is_worded_for_the_record_and_for_the_window(kind):
    reason = reason_of(kind)
    assert english(reason)
    window = reason_words(reason)
    assert window and window != str(kind)  # worded, not its kind's name


@pytest.mark.parametrize(
    "kind", [Why.INSTALL_REFUSED, Why.SHELL_EXIT, Why.WIFI_JOIN_REFUSED, Why.DEVICE_OWNER_REFUSED]
)
def test_androids_own_words_go_in_as_android_said_them(kind):
    reason = reason_of(kind)
    assert ANDROID in english(reason) and ANDROID in reason_words(reason)


def test_a_run_ended_in_a_phase_says_which():
    lost = Reason.of(Why.DISCONNECTED_DURING, phase=Phase.BATTERY_CHECK.value)
    assert english(lost) == "disconnected during the battery check"
    assert reason_words(lost) == "Disconnected during the battery check"


def test_a_stored_reason_reads_back_as_it_was():
    refused = Reason.of(Why.INSTALL_REFUSED, android=ANDROID, package="com.example.pos")
    why = Reason.of(Why.STEP_FAILED, refused, step=2, name="install pos.apk")
    assert reason_from_data(reason_data(why)) == why
    assert reason_from_data({"kind": "from-a-newer-kitbench", "args": {}}) is None
    assert reason_from_data({"kind": "step-failed", "args": {"step": [2]}}) is None
