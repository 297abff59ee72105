"""What a tile says for each typed status: the bench's words, chosen without Qt."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from app.core import (
    AlreadyDone,
    Blocked,
    Cause,
    DeviceInfo,
    DeviceState,
    DeviceStatus,
    Lost,
    Problem,
    Queued,
    Ready,
    RunOutcome,
    RunResult,
    StationProblem,
    StorageProblem,
)
from app.core.reasons import Reason, Why
from app.ui.tile_view import Tile, instruction, view_of

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def tile(status: DeviceStatus, result: RunResult | None = None) -> Tile:
    info = DeviceInfo("tcp:h:1", "A1", status.state, serial="SER1", status=status)
    return Tile(info, result=result)


def failed_run(error: str) -> RunResult:
    return RunResult("r", "tcp:h:1", "A1", "SER1", "Pixel 8", "14", "pos", 3, "h", NOW, NOW,
                     RunOutcome.FAILED, error, cause=Cause.STEP_FAILED)  # fmt: skip


def test_already_provisioned_says_to_unplug_and_with_what_in_the_details():
    done = tile(AlreadyDone("pos", 3))
    view = view_of(done)
    assert (view.state, view.style.word, view.instruction) == (DeviceState.DONE, "Done", "Unplug")
    assert done.reason == "Already provisioned with pos v3"


def test_a_failed_run_stays_failed_while_the_device_reconnects_and_offers_retry():
    run = failed_run("step 2 (install pos.apk) failed: INSTALL_FAILED_INSUFFICIENT_STORAGE")
    for status in (Lost(Problem.DISCONNECTED, "gone"), Ready()):
        view = view_of(tile(status, run))
        assert (view.state, view.can_retry) == (DeviceState.FAILED, True)
        assert view.instruction == run.error


def test_a_typed_failure_is_worded_by_the_window_with_androids_words_inside():
    android = "Failure [INSTALL_FAILED_INSUFFICIENT_STORAGE]"
    refused = Reason.of(Why.INSTALL_REFUSED, android=android, package="com.example.pos")
    why = Reason.of(Why.STEP_FAILED, refused, step=2, name="install pos.apk")
    run = replace(failed_run(f"step 2 (install pos.apk) failed: install failed: {android}"),
                  why=why)  # fmt: skip
    assert instruction(tile(Ready(), run)) == (
        f"step 2 (install pos.apk) failed: Android refused the installation: {android}"
    )


def test_a_run_that_never_started_says_its_cause():
    run = replace(failed_run("the station is shutting down"), cause=Cause.SHUTTING_DOWN)
    assert instruction(tile(Ready(), run)) == "The station was shutting down"


def test_a_station_that_cannot_record_names_the_data_folder_on_the_tile():
    problem = StationProblem(StorageProblem.DISK_FULL, "/srv/kitbench", "No space left")
    view = view_of(tile(Blocked(problem), failed_run("not started")))
    assert view.state is DeviceState.FAILED
    assert "/srv/kitbench" in view.instruction and "full" in view.instruction


def test_a_queued_device_waits_to_start_and_a_ready_one_asks_for_start():
    assert instruction(tile(Queued("pos"))) == "Waiting to start pos"
    assert instruction(tile(Ready())) == "Press Start (F5)"


def test_a_lost_device_says_what_happened_in_words():
    view = view_of(tile(Lost(Problem.UNAUTHORIZED)))
    assert view.state is DeviceState.DETACHED
    assert view.instruction == "No longer allowed: tap Allow on the device"


def test_a_device_with_usb_debugging_off_says_where_to_turn_it_on():
    info = DeviceInfo("usb:1-1.4", "A4", DeviceState.NO_ADB, message="discovery's English hint")
    assert Tile(info).reason == "Turn on USB debugging (Settings › Developer options)"
