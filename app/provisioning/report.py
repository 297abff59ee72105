"""What `kitbench provision` shows: live per-device progress, a summary, or JSON lines.

Events arrive on worker threads; `ProgressView.on_event` only records them under a lock.
The command's own thread calls `refresh()` to draw: on a terminal one line per device,
redrawn in place; otherwise plain lines as steps and runs finish.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

from app.core import (
    DeviceChanged,
    DeviceState,
    RunEvent,
    RunFinished,
    RunResult,
    RunStarted,
    StepFinished,
    StepProgress,
    StepStarted,
)

CLEAR_LINE = "\x1b[2K"


def run_json(result: RunResult) -> dict:
    """One device's outcome in the `provision --json` format of DESIGN.md."""
    return {
        "endpoint": result.endpoint,
        "serial": result.serial,
        "model": result.model,
        "slot": result.slot,
        "result": str(result.outcome),
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


@dataclass
class _Row:
    endpoint: str
    slot: str
    serial: str | None = None
    model: str | None = None
    status: str = "connecting"
    result: RunResult | None = None
    note: str | None = None  # a device that needed no run, e.g. already provisioned
    state: DeviceState = DeviceState.ATTACHED
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
            endpoint = getattr(event, "endpoint", None) or _endpoint_of(event)
            row = self.rows.get(endpoint)
            if row is not None:
                self._apply(row, event)

    def _apply(self, row: _Row, event: RunEvent) -> None:
        if isinstance(event, DeviceChanged):
            info = event.device
            row.slot, row.state = info.slot, info.state
            row.serial, row.model = info.serial, info.model
            if row.result is None:
                row.status = f"{info.state}: {info.message}" if info.message else str(info.state)
            if info.state is DeviceState.DONE and row.result is None:
                row.note = info.message
        elif isinstance(event, RunStarted):
            row.total, row.result, row.note, row.fraction = event.total_steps, None, None, 0.0
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

    def outcomes(self) -> list[tuple[str, RunResult | None, str | None]]:
        """(endpoint, final run or None, note) for every watched device."""
        with self._lock:
            return [(r.endpoint, r.result, r.note) for r in self.rows.values()]

    def summary(self) -> str:
        counts: dict[str, int] = {}
        problems = []
        for endpoint, result, note in self.outcomes():
            kind = str(result.outcome) if result else ("done" if note else "failed")
            counts[kind] = counts.get(kind, 0) + 1
            if result is not None and result.error:
                problems.append(f"  {endpoint.removeprefix('tcp:')}: {kind}: {result.error}")
        order = ["done", "failed", "refused"]
        parts = [
            f"{counts[k]} {k}" for k in order + sorted(set(counts) - set(order)) if k in counts
        ]
        noun = "device" if len(self.rows) == 1 else "devices"
        return "\n".join([f"{len(self.rows)} {noun}: " + ", ".join(parts), *problems])


def _endpoint_of(event: RunEvent) -> str | None:
    if isinstance(event, DeviceChanged):
        return event.device.endpoint
    if isinstance(event, RunFinished):
        return event.result.endpoint
    return None


def _outcome_text(result: RunResult) -> str:
    if result.error:
        return f"{result.outcome}: {result.error}"
    changed = sum(1 for step in result.steps if step.status == "changed")
    return f"{result.outcome} ({changed} of {len(result.steps)} steps changed)"
