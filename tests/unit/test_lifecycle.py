"""The device lifecycle as a pure function: every path a device takes through the station."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from app.core import (
    AlreadyDone,
    Blocked,
    Cause,
    Connecting,
    Detached,
    DeviceState,
    DeviceStatus,
    Done,
    Failed,
    Lost,
    Problem,
    Provisioning,
    Queued,
    Ready,
    Refused,
    RunOutcome,
    RunResult,
    StationProblem,
    StepResult,
    StepStatus,
    Stopped,
    StorageProblem,
    WaitingForAllow,
)
from app.provisioning.lifecycle import (
    AllowPrompted,
    Crashed,
    IllegalTransition,
    LifecycleEvent,
    NothingToDo,
    NotRecordable,
    NotStarted,
    RunAsked,
    RunBegan,
    RunEnded,
    SessionFailed,
    SessionOpened,
    ShutDown,
    StepBegan,
    Unplugged,
    advance,
)

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def result(
    outcome: RunOutcome,
    cause: Cause | None = None,
    error: str | None = None,
    failed_at: int | None = None,
) -> RunResult:
    steps = tuple(
        StepResult(
            i, "setting", f"step {i}", StepStatus.FAILED if i == failed_at else StepStatus.OK
        )
        for i in range((failed_at or 0) + 1)
    )
    return RunResult(
        "run1", "tcp:h:1", "A1", "SER1", "Pixel 8", "14", "pos", 3, "hash", NOW, NOW,
        outcome, error, steps, cause=cause,
    )  # fmt: skip


def walk(*events: LifecycleEvent, start: DeviceStatus | None = None) -> list[DeviceStatus]:
    status: DeviceStatus = start or Connecting()
    seen = []
    for event in events:
        status = advance(status, event)
        seen.append(status)
    return seen


CONNECT = (SessionOpened(),)
RUN = (RunAsked("pos"), RunBegan("pos", 3), StepBegan(0), StepBegan(1))


def test_a_device_connects_runs_every_step_and_is_done():
    seen = walk(*CONNECT, *RUN, StepBegan(2), RunEnded(result(RunOutcome.DONE)))
    assert seen == [
        Ready(),
        Queued("pos"),
        Provisioning("pos", -1, 3),
        Provisioning("pos", 0, 3),
        Provisioning("pos", 1, 3),
        Provisioning("pos", 2, 3),
        Done("pos"),
    ]
    assert [s.state for s in seen] == [DeviceState.READY, *[DeviceState.PROVISIONING] * 5,
                                       DeviceState.DONE]  # fmt: skip


def test_a_device_that_asks_for_allow_waits_then_connects():
    assert walk(AllowPrompted(), SessionOpened()) == [WaitingForAllow(), Ready()]
    assert walk(SessionFailed(Problem.UNAUTHORIZED, "denied")) == [WaitingForAllow()]


def test_a_device_that_cannot_be_reached_is_lost_until_it_answers():
    assert walk(SessionFailed(Problem.DISCONNECTED, "refused"), SessionOpened()) == [
        Lost(Problem.DISCONNECTED, "refused"),
        Ready(),
    ]


def test_unplug_mid_step_loses_the_session_and_the_worker_ends_detached():
    lost = result(RunOutcome.FAILED, Cause.DISCONNECTED, "disconnected during step 2", 1)
    seen = walk(*CONNECT, *RUN, RunEnded(lost), Unplugged())
    assert seen[-2:] == [
        Lost(Problem.DISCONNECTED, "disconnected during step 2"),
        Detached(unplugged=True),
    ]


def test_unplug_while_queued_ends_the_run_unstarted_and_loses_the_device():
    seen = walk(*CONNECT, RunAsked("pos"), NotStarted(Cause.UNPLUGGED, "unplugged"), Unplugged())
    assert seen[-2:] == [Lost(Problem.DISCONNECTED, "unplugged"), Detached(unplugged=True)]


def test_stop_while_queued_leaves_the_device_startable():
    seen = walk(*CONNECT, RunAsked("pos"), NotStarted(Cause.STOPPED), RunAsked("pos"))
    assert seen[-2:] == [Stopped(), Queued("pos")]
    assert Stopped().state is DeviceState.READY


def test_stop_while_running_says_at_which_step():
    stopped = result(RunOutcome.FAILED, Cause.STOPPED, "stopped during step 2", 1)
    assert walk(*CONNECT, *RUN, RunEnded(stopped))[-1] == Stopped(step=1)


def test_authorization_lost_mid_run_drops_the_session_then_asks_again():
    revoked = result(RunOutcome.FAILED, Cause.UNAUTHORIZED, "lost authorization", 1)
    seen = walk(*CONNECT, *RUN, RunEnded(revoked), AllowPrompted(), SessionOpened())
    assert seen[-3:] == [
        Lost(Problem.UNAUTHORIZED, "lost authorization"),
        WaitingForAllow(),
        Ready(),
    ]


def test_garbage_mid_run_drops_the_session():
    garbage = result(RunOutcome.FAILED, Cause.GARBAGE, "answered with garbage", 0)
    lost = Lost(Problem.GARBAGE, "answered with garbage")
    assert walk(*CONNECT, *RUN, RunEnded(garbage))[-1] == lost


def test_a_reboot_step_keeps_the_run_provisioning_while_the_device_is_away():
    """The worker applies Unplugged only when it gives the device up, never mid-run: a
    device that reboots leaves the bus and comes back inside its step."""
    seen = walk(*CONNECT, *RUN, StepBegan(2), RunEnded(result(RunOutcome.DONE)))
    assert all(isinstance(s, Provisioning) for s in seen[2:-1])
    assert seen[-1] == Done("pos")


def test_a_failed_step_fails_the_run_there_and_retry_starts_from_it():
    failed = result(RunOutcome.FAILED, Cause.STEP_FAILED, "step 2 failed: no", 1)
    assert failed.failed_step == 1
    seen = walk(*CONNECT, *RUN, RunEnded(failed), RunAsked("pos"), RunBegan("pos", 3),
                StepBegan(1))  # fmt: skip
    assert seen[5] == Failed(Cause.STEP_FAILED, 1, "step 2 failed: no")
    assert seen[-1] == Provisioning("pos", 1, 3)


def test_already_provisioned_is_its_own_outcome():
    assert walk(*CONNECT, NothingToDo("pos", 3)) == [Ready(), AlreadyDone("pos", 3)]
    assert AlreadyDone("pos", 3).state is DeviceState.DONE


def test_refused_carries_the_reason():
    refused = result(RunOutcome.REFUSED, None, "battery 12 % is below 30 %")
    status = walk(*CONNECT, RunAsked("pos"), RunBegan("pos", 3), RunEnded(refused))[-1]
    assert status == Refused("battery 12 % is below 30 %")


def test_a_run_the_station_cannot_record_is_blocked_and_the_next_one_may_start():
    problem = StationProblem(StorageProblem.DISK_FULL, "/srv/kitbench")
    seen = walk(*CONNECT, RunAsked("pos"), NotRecordable(problem), RunAsked("pos"))
    assert seen[-2:] == [Blocked(problem), Queued("pos")]
    assert Blocked(problem).state is DeviceState.FAILED


def test_a_bug_fails_the_device_and_shutting_down_detaches_it():
    assert walk(*CONNECT, *RUN, Crashed("internal error: boom"))[-1] == Failed(
        Cause.INTERNAL, None, "internal error: boom"
    )
    assert walk(*CONNECT, ShutDown())[-1] == Detached(unplugged=False)


@pytest.mark.parametrize(
    ("status", "event"),
    [
        (Ready(), StepBegan(0)),  # a step of no run
        (Ready(), RunBegan("pos", 3)),  # began without being asked
        (Queued("pos"), RunAsked("pos")),  # asked twice at once is fine…
        (Provisioning("pos", 0, 3), RunAsked("pos")),  # …but not while running
        (Done("pos"), RunEnded(result(RunOutcome.DONE))),
        (Provisioning("pos", 0, 3), SessionOpened()),
        (Connecting(), NothingToDo("pos", 3)),  # not connected: nothing was looked at
    ],
)
def test_events_that_cannot_happen_are_bugs(status, event):
    if isinstance(status, Queued) and isinstance(event, RunAsked):
        assert advance(status, event) == Queued("pos")
        return
    with pytest.raises(IllegalTransition):
        advance(status, event)


def test_the_lifecycle_needs_no_qt_and_the_tile_words_no_widgets():
    """The lifecycle is pure; the tile words take Qt's translation (QtCore) and nothing drawn."""
    lifecycle_alone = "import sys, app.provisioning.lifecycle; sys.exit('PySide6' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", lifecycle_alone], check=False).returncode == 0
    words = (
        "import sys, app.ui.tile_view;"
        "sys.exit(any(m in sys.modules for m in ('PySide6.QtGui', 'PySide6.QtWidgets')))"
    )
    assert subprocess.run([sys.executable, "-c", words], check=False).returncode == 0
