"""Plain dataclasses and enums shared by every layer. No I/O.

Workers report through callbacks carrying these frozen objects; the Qt bridge
re-emits them as signals, the store writes them, the CLI prints them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from app.core.identity import DeviceIdentity
from app.core.reasons import Reason
from app.core.status import (
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
    NoNumbers,
    NotOnOrder,
    Problem,
    Provisioning,
    Queued,
    Ready,
    Refused,
    StationProblem,
    Stopped,
    StorageProblem,
    WaitingForAllow,
)

__all__ = [
    "AlreadyDone",
    "Blocked",
    "Cause",
    "Connecting",
    "Detached",
    "DeviceChanged",
    "DeviceInfo",
    "DeviceState",
    "DeviceStatus",
    "Done",
    "Failed",
    "LogLine",
    "Lost",
    "NoNumbers",
    "NotOnOrder",
    "Problem",
    "Provisioning",
    "Queued",
    "Ready",
    "Refused",
    "RunEvent",
    "RunFinished",
    "RunOutcome",
    "RunResult",
    "RunStarted",
    "StationProblem",
    "StepFinished",
    "StepProgress",
    "StepResult",
    "StepStarted",
    "StepStatus",
    "Stopped",
    "StorageProblem",
    "WaitingForAllow",
    "endpoint_of",
]


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"  # already as wanted
    CHANGED = "changed"
    SKIPPED = "skipped"
    FAILED = "failed"


class RunOutcome(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    REFUSED = "refused"
    INTERRUPTED = "interrupted"  # the station died mid-run


@dataclass(frozen=True)
class DeviceInfo:
    """What the station knows about one device; fields fill in as it connects."""

    endpoint: str  # a device spec: tcp:HOST:PORT, usb:1-1.4
    slot: str  # the bench label: a port-map name, the USB path, or HOST:PORT
    state: DeviceState
    serial: str | None = None
    model: str | None = None
    manufacturer: str | None = None
    android_release: str | None = None
    sdk: int | None = None
    battery: int | None = None
    message: str | None = None  # discovery's own detail (e.g. why USB cannot open it)
    status: DeviceStatus | None = None  # where the station's worker has it; None: not watched


@dataclass(frozen=True)
class StepResult:
    index: int  # 0-based position in the template
    action: str  # install, setting, ...
    name: str
    status: StepStatus
    duration_ms: int = 0
    message: str = ""  # a reason a person understands, in English for the record; secrets masked
    output: str = ""  # device output, secrets masked
    # A failed step: the end of the device's log (and, for an install, what the package
    # manager says of the package), secrets masked, capped (app.core.evidence)
    evidence: str = ""
    why: Reason | None = None  # a failed or skipped step's `message`, typed for the window


@dataclass(frozen=True)
class RunResult:
    run_id: str  # uuid4 hex string, the idempotency key for sync
    endpoint: str
    slot: str
    serial: str | None
    model: str | None
    android_release: str | None
    template_name: str
    template_version: int
    template_hash: str
    started_at: datetime
    finished_at: datetime | None
    outcome: RunOutcome
    error: str | None = None
    steps: tuple[StepResult, ...] = ()
    operator: str = ""
    station: str = ""
    asset_tag: str | None = None
    cause: Cause | None = None  # why it is not done; None when done or refused
    # The release the template came from (docs/releases.md); "" for a local template file.
    release_manifest: str = ""  # sha256 hex of the signed release manifest
    release_channel: str = ""  # the channel the station pulled it from
    order: str = ""  # the kitting order's number (app.core.orders), or ""
    identity: DeviceIdentity | None = None  # read once per run; None: never reached the device
    device_name: str = ""  # the name the template's device_name step gave it (masked), or ""
    why: Reason | None = None  # `error` typed (secrets masked), for the window to word

    @property
    def failed_step(self) -> int | None:
        """The index of the step the run failed at, if it failed at one."""
        return next((s.index for s in self.steps if s.status is StepStatus.FAILED), None)


# Events a runner emits, in order: RunStarted, (StepStarted, StepProgress*, StepFinished)*,
# RunFinished. DeviceChanged comes from discovery and sessions at any time.


@dataclass(frozen=True)
class DeviceChanged:
    device: DeviceInfo


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    endpoint: str
    template_name: str
    template_version: int
    total_steps: int
    started_at: datetime
    template_hash: str = ""
    operator: str = ""  # who was at the bench when the run started (may be nobody)
    station: str = ""
    release_manifest: str = ""  # as in RunResult: the release's manifest sha256, or ""
    release_channel: str = ""
    order: str = ""  # as in RunResult


@dataclass(frozen=True)
class StepStarted:
    run_id: str
    endpoint: str
    index: int
    total: int
    name: str


@dataclass(frozen=True)
class StepProgress:
    run_id: str
    endpoint: str
    index: int
    fraction: float  # 0.0 .. 1.0 within the step
    detail: str = ""


@dataclass(frozen=True)
class StepFinished:
    run_id: str
    endpoint: str
    result: StepResult


@dataclass(frozen=True)
class LogLine:
    endpoint: str
    text: str  # secrets masked; in English, as the runner says it
    at: datetime = field(default_factory=datetime.now)
    step: StepResult | None = None  # the step this line says finished, for the window to word
    attempt: int = 0  # the attempt of a retried step that failed, with `why` it failed
    why: Reason | None = None


@dataclass(frozen=True)
class RunFinished:
    result: RunResult


RunEvent = (
    DeviceChanged | RunStarted | StepStarted | StepProgress | StepFinished | LogLine | RunFinished
)


def endpoint_of(event: RunEvent) -> str:
    """The device an event is about."""
    if isinstance(event, DeviceChanged):
        return event.device.endpoint
    if isinstance(event, RunFinished):
        return event.result.endpoint
    return event.endpoint
