"""Typed facts about a device and its runs that code decides on: never message text.

`DeviceStatus` is one device's place in its lifecycle (what the station's worker knows);
the pure transition function lives in `app.provisioning.lifecycle`. `Cause` says why a run
did not end done, `Problem` why a session failed, `StationProblem` why the station cannot
record. Presentation (tiles, the terminal report) turns these into words; nothing below it
does.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.core.reasons import Reason


class DeviceState(StrEnum):
    """The coarse state: one colour, icon and filter per value."""

    ATTACHED = "attached"
    NO_ADB = "no-adb"  # USB debugging is off
    UNAUTHORIZED = "unauthorized"  # waiting for someone to tap Allow
    READY = "ready"
    PROVISIONING = "provisioning"
    DONE = "done"
    FAILED = "failed"
    REFUSED = "refused"  # outside the template's `requires`
    DETACHED = "detached"


class Problem(StrEnum):
    """Why a session call failed."""

    DISCONNECTED = "disconnected"
    UNAUTHORIZED = "unauthorized"
    GARBAGE = "garbage"
    TIMEOUT = "timeout"
    FAILED = "failed"  # the device answered, and said no

    @property
    def loses_session(self) -> bool:
        """The device is gone or unusable, as opposed to refusing one request."""
        return self in (Problem.DISCONNECTED, Problem.GARBAGE, Problem.UNAUTHORIZED)


class Cause(StrEnum):
    """Why a run ended without being done."""

    STEP_FAILED = "step-failed"  # a step failed: the device said no, or a check did not hold
    STOPPED = "stopped"  # the operator stopped it
    DISCONNECTED = "disconnected"  # the session went away mid-run
    UNAUTHORIZED = "unauthorized"  # the device withdrew its authorization mid-run
    GARBAGE = "garbage"  # the device answered with something that is not ADB
    UNREACHABLE = "unreachable"  # the device could not be reached to start the run
    UNPLUGGED = "unplugged"  # the device left its port before the run could start
    SHUTTING_DOWN = "shutting-down"  # the station closed before the run could start
    STORAGE = "storage"  # the station could not record the run, so it did not start it
    NO_NUMBERS = "no-numbers"  # no fleet {seq} number left offline, so the run did not start
    INTERNAL = "internal"  # a bug; the log has the traceback

    @classmethod
    def of_lost_session(cls, problem: Problem) -> Cause:
        return {Problem.UNAUTHORIZED: cls.UNAUTHORIZED, Problem.GARBAGE: cls.GARBAGE}.get(
            problem, cls.DISCONNECTED
        )

    @property
    def loses_session(self) -> bool:
        """The station must drop the session and reconnect before anything else."""
        return self in (Cause.DISCONNECTED, Cause.UNAUTHORIZED, Cause.GARBAGE)


class StorageProblem(StrEnum):
    DISK_FULL = "disk-full"
    NOT_WRITABLE = "not-writable"
    LOCKED = "locked"  # another program holds the database
    CORRUPT = "corrupt"


@dataclass(frozen=True)
class StationProblem:
    """The station cannot record runs, so it starts none: what is wrong, and where."""

    kind: StorageProblem
    folder: str  # the data folder, for the person who has to fix it
    detail: str = ""  # the operating system's own words, for the log and the details view


# -- the device lifecycle ------------------------------------------------------------------------


@dataclass(frozen=True)
class Connecting:
    """Seen, no session yet."""

    state = DeviceState.ATTACHED


@dataclass(frozen=True)
class WaitingForAllow:
    """The device shows the "Allow USB debugging?" prompt."""

    state = DeviceState.UNAUTHORIZED


@dataclass(frozen=True)
class Ready:
    state = DeviceState.READY


@dataclass(frozen=True)
class Queued:
    """Asked to run `template`, waiting for a free job slot."""

    template: str
    state = DeviceState.PROVISIONING


@dataclass(frozen=True)
class Provisioning:
    """Running; `step` is 0-based, -1 before the first step."""

    template: str
    step: int
    total: int
    state = DeviceState.PROVISIONING


@dataclass(frozen=True)
class Done:
    template: str
    state = DeviceState.DONE


@dataclass(frozen=True)
class AlreadyDone:
    """Nothing to do: the evidence says this template version is already on the device."""

    template: str
    version: int
    state = DeviceState.DONE


@dataclass(frozen=True)
class Failed:
    """The run ended at `step` (0-based; None outside the steps) for `cause`."""

    cause: Cause
    step: int | None = None
    detail: str = ""  # the masked error, in English for the log and the terminal
    why: Reason | None = None  # `detail` typed, for the window to word; None: `cause` says it
    state = DeviceState.FAILED


@dataclass(frozen=True)
class Refused:
    """Outside the template's `requires`."""

    reason: str  # in English, for the log and the terminal
    why: Reason | None = None  # `reason` typed, for the window to word
    state = DeviceState.REFUSED


@dataclass(frozen=True)
class Stopped:
    """Stopped by the operator before or during a run; startable again."""

    step: int | None = None
    state = DeviceState.READY


@dataclass(frozen=True)
class Lost:
    """The session failed; the worker tries to reconnect."""

    problem: Problem
    detail: str = ""
    state = DeviceState.DETACHED


@dataclass(frozen=True)
class Blocked:
    """The station cannot record a run, so it started none on this device."""

    problem: StationProblem
    state = DeviceState.FAILED


@dataclass(frozen=True)
class NotOnOrder:
    """Held back: the device is not on the active order's expected list (an admin may let
    it in)."""

    order: str
    state = DeviceState.REFUSED


@dataclass(frozen=True)
class NoNumbers:
    """No run started: the station holds no fleet `{seq}` number of `series` and the backend
    gave none (offline with its blocks used up). Start it again once the backend answers."""

    series: str
    detail: str = ""  # why the backend gave none, for the log and the details view
    state = DeviceState.FAILED


@dataclass(frozen=True)
class Detached:
    """No longer watched: unplugged, or the station shut down."""

    unplugged: bool
    state = DeviceState.DETACHED


DeviceStatus = (
    Connecting
    | WaitingForAllow
    | Ready
    | Queued
    | Provisioning
    | Done
    | AlreadyDone
    | Failed
    | Refused
    | Stopped
    | Lost
    | Blocked
    | NotOnOrder
    | NoNumbers
    | Detached
)
