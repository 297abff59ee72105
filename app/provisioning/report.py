"""What `kitbench provision` shows: live per-device progress, a summary, or JSON lines.

Events arrive on worker threads; `ProgressView.on_event` only records them under a lock.
The command's own thread calls `refresh()` to draw: on a terminal one line per device,
redrawn in place; otherwise plain lines as steps and runs finish.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from app.core import (
    AlreadyDone,
    Blocked,
    Cause,
    Connecting,
    Detached,
    DeviceChanged,
    DeviceInfo,
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
    RunEvent,
    RunFinished,
    RunResult,
    RunStarted,
    StationProblem,
    StepFinished,
    StepProgress,
    StepStarted,
    StepStatus,
    Stopped,
    WaitingForAllow,
    endpoint_of,
)
from app.provisioning.station_words import describe_no_numbers, describe_station_problem

CLEAR_LINE = "\x1b[2K"


def run_json(result: RunResult) -> dict[str, Any]:
    """One device's outcome in the `provision --json` format of DESIGN.md, plus the typed
    `cause` of a run that is not done and `already_provisioned`."""
    return {
        "endpoint": result.endpoint,
        "serial": result.serial,
        "model": result.model,
        "slot": result.slot,
        "result": str(result.outcome),
        "cause": str(result.cause) if result.cause else None,
        "already_provisioned": False,
        "error": result.error,
        "steps": [
            {
                "action": step.action,
                "name": step.name,
                "status": str(step.status),
                "duration_ms": step.duration_ms,
                "message": step.message,
            }
            for step in result.steps
        ],
    }


def no_run_json(endpoint: str, info: DeviceInfo | None) -> dict[str, Any]:
    """A device that needed no run (already provisioned) or never got one: why, typed."""
    status = info.status if info else None
    already = isinstance(status, AlreadyDone)
    held = isinstance(status, NotOnOrder)
    line: dict[str, Any] = {
        "endpoint": endpoint,
        "serial": info.serial if info else None,
        "model": info.model if info else None,
        "slot": info.slot if info else endpoint.removeprefix("tcp:"),
        "result": "done" if already else "refused" if held else "failed",
        "cause": None if already or held else str(_cause_of(status)),
        "already_provisioned": already,
        "error": None if already else status_text(info),
        "steps": [],
    }
    if isinstance(status, AlreadyDone):
        line["provisioned_version"] = status.version
    if isinstance(status, NotOnOrder):
        line["not_on_order"] = status.order
    return line


def status_text(info: DeviceInfo | None) -> str:
    """A device's status in a few words for the terminal."""
    if info is None:
        return "connecting"
    status = info.status
    match status:
        case None:
            return f"{info.state}: {info.message}" if info.message else str(info.state)
        case Connecting():
            return "connecting"
        case WaitingForAllow():
            return "waiting for USB debugging to be allowed on the device"
        case Ready():
            return "ready"
        case Queued(template=template):
            return f"waiting to start {template}"
        case Provisioning(template=template, step=step, total=total):
            return f"provisioning with {template}" + (f" ({step + 1}/{total})" if step >= 0 else "")
        case Done(template=template):
            return f"done with {template}"
        case AlreadyDone(template=template, version=version):
            return f"already provisioned with {template} v{version}"
        case Failed(detail=detail, cause=cause):
            return f"failed: {detail or cause}"
        case Refused(reason=reason):
            return f"refused: {reason}"
        case Stopped():
            return "stopped"
        case Lost(problem=problem, detail=detail):
            return f"{_LOST_WORDS[problem]}: {detail}" if detail else _LOST_WORDS[problem]
        case Blocked(problem=problem):
            return describe_station_problem(problem)
        case NotOnOrder(order=order):
            return f"not on order {order}: held back (an admin may let it in)"
        case NoNumbers(series=series):
            return describe_no_numbers(series)
        case Detached(unplugged=unplugged):
            return "unplugged" if unplugged else "no longer watched"
    return str(info.state)


_LOST_WORDS = {
    Problem.DISCONNECTED: "not reachable",
    Problem.UNAUTHORIZED: "not authorized",
    Problem.GARBAGE: "answered with garbage",
    Problem.TIMEOUT: "not answering",
    Problem.FAILED: "refused the connection",
}


def _cause_of(status: DeviceStatus | None) -> Cause:
    """Why a device that got no run failed, typed."""
    if isinstance(status, Blocked):
        return Cause.STORAGE
    if isinstance(status, NoNumbers):
        return Cause.NO_NUMBERS
    if isinstance(status, Failed):
        return status.cause
    if isinstance(status, Stopped):
        return Cause.STOPPED
    if isinstance(status, Detached) and status.unplugged:
        return Cause.UNPLUGGED
    return Cause.UNREACHABLE


@dataclass
class _Row:
    endpoint: str
    slot: str
    serial: str | None = None
    model: str | None = None
    status: str = "connecting"
    result: RunResult | None = None
    info: DeviceInfo | None = None  # the latest DeviceChanged
    total: int = 0
    fraction: float = 0.0

    @property
    def label(self) -> str:
        return " ".join(filter(None, [self.model, self.serial]))


@dataclass
class ProgressView:
    stream: TextIO
    live: bool  # redraw in place (a terminal) rather than print lines
    rows: dict[str, _Row] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _lines: list[str] = field(default_factory=list)
    _drawn: int = 0

    def watch(self, endpoints: Iterable[str]) -> None:
        for endpoint in endpoints:
            self.rows[endpoint] = _Row(endpoint, endpoint.removeprefix("tcp:"))

    def on_event(self, event: RunEvent) -> None:
        """Cheap and thread-safe: record the event, draw later."""
        with self._lock:
            row = self.rows.get(endpoint_of(event))
            if row is not None:
                self._apply(row, event)

    def _apply(self, row: _Row, event: RunEvent) -> None:
        if isinstance(event, DeviceChanged):
            info = event.device
            if info.status != Detached(unplugged=False):  # the station closing says nothing new
                row.info = info
            row.slot, row.serial, row.model = info.slot, info.serial, info.model
            if row.result is None:
                row.status = status_text(info)
        elif isinstance(event, RunStarted):
            row.total, row.result, row.fraction = event.total_steps, None, 0.0
            row.status = "starting"
        elif isinstance(event, StepStarted):
            row.status = f"step {event.index + 1}/{event.total} {event.name}"
            row.fraction = event.index / max(1, event.total)
        elif isinstance(event, StepProgress):
            row.fraction = (event.index + event.fraction) / max(1, row.total)
        elif isinstance(event, StepFinished):
            step = event.result
            if not self.live:
                self._lines.append(
                    f"{row.slot}  step {step.index + 1}/{row.total} {step.name}: "
                    f"{step.status} — {step.message}"
                )
        elif isinstance(event, RunFinished):
            row.result = event.result
            row.status = _outcome_text(event.result)
            row.fraction = 1.0
            if not self.live:
                self._lines.append(f"{row.slot}  {row.status}")

    def refresh(self) -> None:
        """Draw what changed; call from the command's thread only."""
        with self._lock:
            lines, self._lines = self._lines, []
            rows = [(r.slot, r.label, r.status, r.fraction) for r in self.rows.values()]
        if not self.live:
            for line in lines:
                self.stream.write(line + "\n")
            self.stream.flush()
            return
        out = [f"\x1b[{self._drawn}F"] if self._drawn else []
        for slot, label, status, fraction in rows:
            bar = f"{round(fraction * 100):3d}%"
            out.append(f"{CLEAR_LINE}{slot:<21} {label[:32]:<32} {bar}  {status}"[:200] + "\n")
        self.stream.write("".join(out))
        self.stream.flush()
        self._drawn = len(rows)

    def outcomes(self) -> list[tuple[str, RunResult | None, DeviceInfo | None]]:
        """(endpoint, final run or None, the device as last reported) for every watched device."""
        with self._lock:
            return [(r.endpoint, r.result, r.info) for r in self.rows.values()]

    def json_lines(self) -> list[dict[str, Any]]:
        return [
            run_json(result) if result else no_run_json(endpoint, info)
            for endpoint, result, info in self.outcomes()
        ]

    def all_done(self) -> bool:
        """Every device is done, by a run now or already before."""
        return all(line["result"] == "done" for line in self.json_lines())

    def station_problem(self) -> StationProblem | None:
        """Why the station could not record runs, if that stopped any device."""
        for _endpoint, _result, info in self.outcomes():
            if info is not None and isinstance(info.status, Blocked):
                return info.status.problem
        return None

    def summary(self) -> str:
        counts: dict[str, int] = {}
        problems = []
        for line in self.json_lines():
            kind = line["result"]
            counts[kind] = counts.get(kind, 0) + 1
            if line["error"]:
                problems.append(
                    f"  {line['endpoint'].removeprefix('tcp:')}: {kind}: {line['error']}"
                )
        order = ["done", "failed", "refused"]
        parts = [
            f"{counts[k]} {k}" for k in order + sorted(set(counts) - set(order)) if k in counts
        ]
        noun = "device" if len(self.rows) == 1 else "devices"
        return "\n".join([f"{len(self.rows)} {noun}: " + ", ".join(parts), *problems])


def _outcome_text(result: RunResult) -> str:
    if result.error:
        return f"{result.outcome}: {result.error}"
    changed = sum(1 for step in result.steps if step.status is StepStatus.CHANGED)
    return f"{result.outcome} ({changed} of {len(result.steps)} steps changed)"
