"""One device's lifecycle: what happened to it (an event) moves it from one status to the next.

`advance(status, event)` is pure and total over the events a worker can see: a pair that
cannot happen raises `IllegalTransition`, so a bug shows where it is made rather than as a
tile stuck in the wrong state. Only a device's worker calls it (see docs/architecture.md).

    Connecting ─ opened ─> Ready ─ asked ─> Queued ─ began ─> Provisioning k/n ─ ended ─┬> Done
     │ └ prompted ─> WaitingForAllow ─ opened ┘  ├ nothing to do ─> AlreadyDone  ├> Failed(k, why)
     └ session failed ─> Lost ─ opened ─> Ready  ├ not recordable ─> Blocked     ├> Refused(reason)
                                                 ├ stopped ─> Stopped            ├> Stopped(k)
                                                 └ unplugged ─> Lost             └> Lost(problem)
    any ─ crashed ─> Failed(internal);  any ─ unplugged for good / shut down ─> Detached
    Ready/Done/Failed/… ─ not on the active order ─> NotOnOrder(order)
    Queued ─ no {seq} number to be had ─> NoNumbers(series)
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core import (
    AlreadyDone,
    Blocked,
    Cause,
    Connecting,
    Detached,
    DeviceStatus,
    Done,
    Failed,
    Lost,
    NoNumbers,
    NotOnOrder,
    Problem,
    Provisioning,
    Queued,
    Ready,
    Refused,
    RunOutcome,
    RunResult,
    StationProblem,
    Stopped,
    WaitingForAllow,
)
from app.core.reasons import Reason

# Where a run may be asked for: a connected device that is not already busy.
IDLE = (Ready, Done, AlreadyDone, Failed, Refused, Stopped, Blocked, NotOnOrder, NoNumbers)
CONNECTED = (*IDLE, Queued, Provisioning)


class IllegalTransition(Exception):
    """An event that cannot happen in this status: a bug in whoever reported it."""

    def __init__(self, status: DeviceStatus, event: LifecycleEvent) -> None:
        super().__init__(f"{type(event).__name__} cannot happen while {status!r}")
        self.status, self.event = status, event


# -- what a worker sees ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AllowPrompted:
    """The device asks its user to allow this station."""


@dataclass(frozen=True)
class SessionOpened:
    """Connected, authorized and read."""


@dataclass(frozen=True)
class SessionFailed:
    """Connecting, or checking on the idle device, failed."""

    problem: Problem
    detail: str = ""


@dataclass(frozen=True)
class RunAsked:
    template: str


@dataclass(frozen=True)
class NothingToDo:
    template: str
    version: int


@dataclass(frozen=True)
class RunBegan:
    template: str
    total: int


@dataclass(frozen=True)
class StepBegan:
    index: int


@dataclass(frozen=True)
class RunEnded:
    result: RunResult


@dataclass(frozen=True)
class NotStarted:
    """The run ended before it reached the device: stopped, unplugged, shutting down."""

    cause: Cause
    detail: str = ""
    why: Reason | None = None  # `detail` typed, where the cause alone does not say it


@dataclass(frozen=True)
class Crashed:
    """A bug ended the run; the log has the traceback."""

    detail: str
    why: Reason | None = None


@dataclass(frozen=True)
class NotRecordable:
    problem: StationProblem


@dataclass(frozen=True)
class HeldBack:
    """The device is not on the active order's expected list: no run is made for it."""

    order: str


@dataclass(frozen=True)
class NumbersRanOut:
    """The station holds no fleet `{seq}` number of `series` and the backend gave none."""

    series: str
    detail: str = ""


@dataclass(frozen=True)
class Unplugged:
    pass


@dataclass(frozen=True)
class ShutDown:
    pass


LifecycleEvent = (
    AllowPrompted
    | SessionOpened
    | SessionFailed
    | RunAsked
    | NothingToDo
    | RunBegan
    | StepBegan
    | RunEnded
    | NotStarted
    | Crashed
    | NotRecordable
    | HeldBack
    | NumbersRanOut
    | Unplugged
    | ShutDown
)


def advance(status: DeviceStatus, event: LifecycleEvent) -> DeviceStatus:
    """The status after `event`; IllegalTransition if it cannot happen in `status`."""
    if isinstance(event, Unplugged):
        return Detached(unplugged=True)
    if isinstance(event, ShutDown):
        return Detached(unplugged=False)
    if isinstance(event, Crashed):
        return Failed(Cause.INTERNAL, None, event.detail, event.why)
    if isinstance(event, AllowPrompted) and isinstance(status, Connecting | Lost | WaitingForAllow):
        return WaitingForAllow()
    if isinstance(event, SessionOpened) and isinstance(status, Connecting | Lost | WaitingForAllow):
        return Ready()
    if isinstance(event, SessionFailed):
        if event.problem is Problem.UNAUTHORIZED and not isinstance(status, CONNECTED):
            return WaitingForAllow()
        return Lost(event.problem, event.detail)
    if isinstance(event, RunAsked) and isinstance(status, (*IDLE, Queued)):
        return Queued(event.template)
    if isinstance(status, (*IDLE, Queued)):
        if isinstance(event, HeldBack):
            return NotOnOrder(event.order)
        if isinstance(event, NothingToDo):
            return AlreadyDone(event.template, event.version)
        if isinstance(event, NotStarted):
            return _not_started(event)
    if isinstance(status, Queued):
        if isinstance(event, NotRecordable):
            return Blocked(event.problem)
        if isinstance(event, NumbersRanOut):
            return NoNumbers(event.series, event.detail)
        if isinstance(event, RunBegan):
            return Provisioning(event.template, -1, event.total)
    if isinstance(status, Provisioning):
        if isinstance(event, StepBegan):
            return Provisioning(status.template, event.index, status.total)
        if isinstance(event, RunEnded):
            return _ended(event.result)
    raise IllegalTransition(status, event)


def _ended(result: RunResult) -> DeviceStatus:
    if result.outcome is RunOutcome.DONE:
        return Done(result.template_name)
    if result.outcome is RunOutcome.REFUSED:
        return Refused(result.error or "", result.why)
    cause = result.cause or Cause.INTERNAL
    if cause is Cause.STOPPED:
        return Stopped(result.failed_step)
    if cause.loses_session:
        return Lost(_problem_of(cause), result.error or "")
    return Failed(cause, result.failed_step, result.error or "", result.why)


def _not_started(event: NotStarted) -> DeviceStatus:
    if event.cause is Cause.STOPPED:
        return Stopped()
    if event.cause is Cause.UNPLUGGED or event.cause.loses_session:
        return Lost(_problem_of(event.cause), event.detail)
    return Failed(event.cause, None, event.detail, event.why)


def _problem_of(cause: Cause) -> Problem:
    return {Cause.UNAUTHORIZED: Problem.UNAUTHORIZED, Cause.GARBAGE: Problem.GARBAGE}.get(
        cause, Problem.DISCONNECTED
    )
