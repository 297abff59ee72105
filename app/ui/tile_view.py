"""What a device's tile says, without widgets: the state a person sees, its colour, word, icon
and the one line to read under it, as pure functions of what the GUI knows about the device.
The words go through Qt's translation system (`QCoreApplication.translate`, context
"TileView"), so they read in the bench staff's language; Android's own texts stay as said.

The palette is Okabe–Ito, which stays distinguishable with the common colour-vision
deficiencies; each state also has its own word and its own icon shape, so no one has to rely
on colour. Only this module turns a device's typed status into the bench's words.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication

from app.core import (
    AlreadyDone,
    Blocked,
    Detached,
    DeviceInfo,
    DeviceState,
    Failed,
    LogLine,
    Lost,
    NoNumbers,
    NotOnOrder,
    Problem,
    Queued,
    Refused,
    RunOutcome,
    RunResult,
    StepStatus,
)
from app.core.reasons import Reason
from app.core.status import StationProblem, StorageProblem
from app.ui.language import QT_TRANSLATE_NOOP
from app.ui.reason_words import failure_words, reason_words

LOG_LINES_KEPT = 2000

# The state a finished run leaves its tile in, until the next run starts.
OUTCOME_STATES = {
    RunOutcome.DONE: DeviceState.DONE,
    RunOutcome.FAILED: DeviceState.FAILED,
    RunOutcome.REFUSED: DeviceState.REFUSED,
    RunOutcome.INTERRUPTED: DeviceState.FAILED,
}


@dataclass(frozen=True)
class StateStyle:
    colour: str
    text: str  # text colour on that fill, chosen for contrast
    source_word: str  # English, marked for translation; `word` is what the bench reads
    icon: str

    @property
    def word(self) -> str:
        return QCoreApplication.translate("TileView", self.source_word)


STYLES: dict[DeviceState, StateStyle] = {
    DeviceState.ATTACHED: StateStyle(
        "#BBBBBB", "#000000", QT_TRANSLATE_NOOP("TileView", "Connecting"), "plug"
    ),
    DeviceState.NO_ADB: StateStyle(
        "#F0E442", "#000000", QT_TRANSLATE_NOOP("TileView", "No USB debugging"), "alert"
    ),
    DeviceState.UNAUTHORIZED: StateStyle(
        "#E69F00", "#000000", QT_TRANSLATE_NOOP("TileView", "Tap Allow"), "hand"
    ),
    DeviceState.READY: StateStyle(
        "#009E73", "#000000", QT_TRANSLATE_NOOP("TileView", "Ready"), "dot"
    ),
    DeviceState.PROVISIONING: StateStyle(
        "#56B4E9", "#000000", QT_TRANSLATE_NOOP("TileView", "Working"), "spinner"
    ),
    DeviceState.DONE: StateStyle(
        "#0072B2", "#FFFFFF", QT_TRANSLATE_NOOP("TileView", "Done"), "check"
    ),
    DeviceState.FAILED: StateStyle(
        "#D55E00", "#FFFFFF", QT_TRANSLATE_NOOP("TileView", "Failed"), "cross"
    ),
    DeviceState.REFUSED: StateStyle(
        "#CC79A7", "#000000", QT_TRANSLATE_NOOP("TileView", "Refused"), "forbidden"
    ),
    DeviceState.DETACHED: StateStyle(
        "#555555", "#FFFFFF", QT_TRANSLATE_NOOP("TileView", "Unplugged"), "dashed"
    ),
}

# A step's status in the details panel's table and the log.
STEP_STATUS_WORDS = {
    StepStatus.PENDING: "·",
    StepStatus.RUNNING: QT_TRANSLATE_NOOP("DetailsPanel", "▶ running"),
    StepStatus.OK: QT_TRANSLATE_NOOP("DetailsPanel", "✓ ok"),
    StepStatus.CHANGED: QT_TRANSLATE_NOOP("DetailsPanel", "✓ changed"),
    StepStatus.SKIPPED: QT_TRANSLATE_NOOP("DetailsPanel", "– skipped"),
    StepStatus.FAILED: QT_TRANSLATE_NOOP("DetailsPanel", "✗ failed"),
}

_LOST = {
    Problem.DISCONNECTED: QT_TRANSLATE_NOOP("TileView", "Connection lost"),
    Problem.UNAUTHORIZED: QT_TRANSLATE_NOOP(
        "TileView", "No longer allowed: tap Allow on the device"
    ),
    Problem.GARBAGE: QT_TRANSLATE_NOOP("TileView", "The device answered with garbage"),
    Problem.TIMEOUT: QT_TRANSLATE_NOOP("TileView", "The device stopped answering"),
    Problem.FAILED: QT_TRANSLATE_NOOP("TileView", "The device refused the connection"),
}


@dataclass
class StepView:
    index: int
    name: str
    status: StepStatus = StepStatus.PENDING
    duration_ms: int = 0
    message: str = ""  # the runner's English, for a step it gave no reason
    why: Reason | None = None  # a failed or skipped step's reason, worded by `words`

    @property
    def words(self) -> str:
        """What the step table says of the step, in the bench's language where typed."""
        return reason_words(self.why) if self.why else self.message


@dataclass
class Tile:
    """What the GUI knows about one device: its info, its current or last run, its log."""

    info: DeviceInfo
    run_id: str | None = None
    running: bool = False
    total_steps: int = 0
    step_index: int = -1
    step_name: str = ""
    fraction: float = 0.0
    steps: list[StepView] = field(default_factory=list)
    started: float | None = None  # time.monotonic() of the run's start
    finished: float | None = None
    result: RunResult | None = None
    log: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_LINES_KEPT))
    flash_until: float = 0.0
    asset_tag: str | None = None
    label_waiting: str | None = None  # why its label is not printed yet (it stays queued)

    @property
    def endpoint(self) -> str:
        return self.info.endpoint

    @property
    def label(self) -> str:
        """The port's bench label, as the Station gives it and runs record it."""
        return self.info.slot

    @property
    def state(self) -> DeviceState:
        return tile_state(self)

    @property
    def reason(self) -> str:
        """Why a device failed or was refused, or what is wrong with it now."""
        # the station's problem or the order's, not the run's
        blocked = isinstance(self.info.status, Blocked | NotOnOrder | NoNumbers)
        result = self.result
        if result and not self.running and result.error and not blocked:
            return failure_words(result.cause, result.why, result.error)
        return status_words(self.info)

    def elapsed(self, now: float | None = None) -> float | None:
        if self.started is None:
            return None
        end = self.finished if self.finished is not None else (now or time.monotonic())
        return max(0.0, end - self.started)

    @property
    def failed_step(self) -> int | None:
        for step in self.steps:
            if step.status == StepStatus.FAILED:
                return step.index
        return None


def tile_state(tile: Tile) -> DeviceState:
    """The state a person should see: a run's outcome outlives the session reconnecting."""
    if tile.running:
        return DeviceState.PROVISIONING
    device_state = tile.info.state
    outcome = OUTCOME_STATES.get(tile.result.outcome) if tile.result else None
    if device_state == DeviceState.DETACHED:
        return DeviceState.FAILED if outcome == DeviceState.FAILED else device_state
    if device_state in (DeviceState.ATTACHED, DeviceState.UNAUTHORIZED, DeviceState.NO_ADB):
        return device_state
    if isinstance(tile.info.status, AlreadyDone | Blocked | NotOnOrder | NoNumbers | Queued):
        return device_state  # no run was made for them: their status says it all
    return outcome or device_state


def status_words(info: DeviceInfo) -> str:
    """What the device's own status says, in the bench's words ("" when its state says it);
    the device's own words inside a failure or refusal stay as it said them."""
    match info.status:
        case None if info.state is DeviceState.NO_ADB:  # discovery's hint, in the bench's words
            return QCoreApplication.translate(
                "TileView", "Turn on USB debugging (Settings › Developer options)"
            )
        case None:  # discovery's own detail (e.g. the udev rules USB access needs), as said
            return info.message or ""
        case AlreadyDone(template=template, version=version):
            return QCoreApplication.translate(
                "TileView", "Already provisioned with {template} v{version}"
            ).format(template=template, version=version)
        case Failed(cause=cause, why=why, detail=detail):
            return failure_words(cause, why, detail)
        case Refused(why=why, reason=reason):
            return failure_words(None, why, reason)
        case Lost(problem=problem):
            return QCoreApplication.translate("TileView", _LOST[problem])
        case Blocked(problem=problem):
            return station_problem_words(problem)
        case NotOnOrder(order=order):
            return QCoreApplication.translate(
                "TileView", "Not on this order ({order}): ask an admin"
            ).format(order=order)
        case NoNumbers(series=series):
            return QCoreApplication.translate(
                "TileView", "No {{seq}} number of {series} left: backend offline"
            ).format(series=series)
        case Detached(unplugged=False):
            return QCoreApplication.translate("TileView", "No longer watched")
        case Queued(template=template):
            return QCoreApplication.translate("TileView", "Waiting to start {template}").format(
                template=template
            )
    return ""


def step_status_words(status: StepStatus) -> str:
    return QCoreApplication.translate("DetailsPanel", STEP_STATUS_WORDS[status])


def log_words(line: LogLine) -> str:
    """A line of the device's log in the bench's words where the runner typed it (a step
    that finished, a failed attempt), else as the runner said it."""
    step = line.step
    if step is not None:
        said = reason_words(step.why) if step.why else step.message
        return QCoreApplication.translate("TileView", "{step}: {status} — {said}").format(
            step=step.name, status=step_status_words(step.status), said=said
        )
    if line.why is not None and line.attempt:
        return QCoreApplication.translate("TileView", "attempt {number} failed: {reason}").format(
            number=line.attempt, reason=reason_words(line.why)
        )
    return line.text


def station_problem_words(problem: StationProblem) -> str:
    """What stops the station recording runs, where, and the fix, in one sentence (the
    window's words for what `provisioning/station_words.py` tells the terminal)."""
    folder = problem.folder
    if problem.kind is StorageProblem.DISK_FULL:
        return QCoreApplication.translate(
            "TileView",
            "The data folder {folder} is full: free space there (or point KITBENCH_HOME at a "
            "bigger disk), then start again.",
        ).format(folder=folder)
    if problem.kind is StorageProblem.NOT_WRITABLE:
        return QCoreApplication.translate(
            "TileView",
            "Kitbench cannot write to its data folder {folder}: make it writable for the user "
            "running Kitbench (or point KITBENCH_HOME at a folder that is), then start again.",
        ).format(folder=folder)
    if problem.kind is StorageProblem.LOCKED:
        return QCoreApplication.translate(
            "TileView",
            "The station database in {folder} is locked by another program: close it (another "
            "Kitbench, a backup or a database browser holding kitbench.db), then start again.",
        ).format(folder=folder)
    return QCoreApplication.translate(
        "TileView",
        "The station database in {folder} is damaged: move kitbench.db out of that folder "
        "(keep it for recovery; Kitbench starts a new one), then start again.",
    ).format(folder=folder)


def instruction(tile: Tile) -> str:
    """The one line a person at the bench should read under the state word: short, so it
    stays whole in the tile's big type."""
    state = tile.state
    if state == DeviceState.PROVISIONING:
        if isinstance(tile.info.status, Queued) and not tile.running:
            return status_words(tile.info)
        if tile.step_index < 0:
            return QCoreApplication.translate("TileView", "starting…")
        return QCoreApplication.translate("TileView", "step {number}/{total}: {name}").format(
            number=tile.step_index + 1, total=tile.total_steps, name=tile.step_name
        )
    if state == DeviceState.DONE:
        if tile.label_waiting:
            # the status bar and the details say why
            return QCoreApplication.translate("TileView", "Unplug · label waits")
        # already provisioned or not: the details say which
        return QCoreApplication.translate("TileView", "Unplug")
    if state == DeviceState.UNAUTHORIZED:
        return QCoreApplication.translate("TileView", "Tap Allow on the device")
    if state == DeviceState.NO_ADB:
        return QCoreApplication.translate("TileView", "Turn on USB debugging")
    if state in (DeviceState.FAILED, DeviceState.REFUSED):
        return tile.reason or STYLES[state].word
    if state == DeviceState.READY:
        return QCoreApplication.translate("TileView", "Press Start (F5)")
    return status_words(tile.info)


@dataclass(frozen=True)
class TileView:
    """Everything a tile shows in words and colour."""

    state: DeviceState
    style: StateStyle
    instruction: str
    can_retry: bool


def view_of(tile: Tile) -> TileView:
    state = tile.state
    return TileView(state, STYLES[state], instruction(tile), state == DeviceState.FAILED)
