"""Recording runs from the Station's events: a row when a run starts, the whole result when it ends.

`RunRecorder.on_event` is cheap and thread-safe (it only queues), so it can be the Station's
`on_event` hook directly or be called from one. All writing happens on the store's writer
thread; `on_recorded` fires there once a RunStarted or RunFinished is committed, which is
when the CLI or GUI may show the run as started or finished.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.core import (
    DeviceChanged,
    DeviceInfo,
    RunEvent,
    RunFinished,
    RunOutcome,
    RunResult,
    RunStarted,
    StepFinished,
    StepResult,
)
from app.storage.models import DeviceRecord, OutboxEntry, Run, StepRecord
from app.storage.writer import StoreWriter
from app.templates import mask

log = logging.getLogger(__name__)

DEVICE_SEEN_INTERVAL_S = 60  # how often a device that stays plugged in refreshes last_seen


class RunRecorder:
    def __init__(
        self,
        writer: StoreWriter,
        *,
        secret_values: Callable[[], Iterable[str]] = list,
        on_recorded: Callable[[RunEvent], None] | None = None,
    ) -> None:
        self._writer = writer
        self._secret_values = secret_values
        self._on_recorded = on_recorded
        # Touched only on the writer thread:
        self._devices: dict[str, DeviceInfo] = {}
        self._device_written: dict[str, datetime] = {}

    def on_event(self, event: RunEvent) -> Future | None:
        """Queue what the event means for the database; the future resolves once it is on disk."""
        if not isinstance(event, RunStarted | StepFinished | RunFinished | DeviceChanged):
            return None
        future = self._writer.submit(lambda session: self._write(session, event))
        if self._on_recorded and isinstance(event, RunStarted | RunFinished):
            future.add_done_callback(lambda _done: self._tell(event))
        return future

    def record(self, event: RunEvent, timeout: float = 60) -> None:
        """`on_event` that returns only once a run's start or end is on disk (or the write
        failed, which is logged): a listener for callers that show results right after."""
        future = self.on_event(event)
        if future is not None and isinstance(event, RunStarted | RunFinished):
            try:
                future.result(timeout)
            except Exception as exc:
                log.error("run %s could not be recorded: %s", _run_id(event), exc)

    def _tell(self, event: RunEvent) -> None:
        """Runs after the commit (or after a failed write, which the writer has logged)."""
        try:
            self._on_recorded(event)
        except Exception:
            log.exception("on_recorded callback failed")

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every event recorded so far is on disk."""
        return self._writer.flush(timeout)

    def _write(self, session: Session, event: RunEvent) -> None:
        if isinstance(event, DeviceChanged):
            self._device_changed(session, event.device)
        elif isinstance(event, RunStarted):
            self._run_started(session, event)
        elif isinstance(event, StepFinished):
            session.merge(self._step_record(event.run_id, event.result, self._secrets()))
        elif isinstance(event, RunFinished):
            self._run_finished(session, event.result)

    def _secrets(self) -> list[str]:
        try:
            return [value for value in self._secret_values() if value]
        except Exception as exc:  # an unreadable secrets file must not lose the run
            log.warning("cannot read the station secrets to mask run output: %s", exc)
            return []

    def _device_changed(self, session: Session, device: DeviceInfo) -> None:
        self._devices[device.endpoint] = device
        if not device.serial:
            return
        now = datetime.now(UTC)
        last = self._device_written.get(device.serial)
        if last is None or (now - last).total_seconds() >= DEVICE_SEEN_INTERVAL_S:
            self._device_written[device.serial] = now
            _seen(session, device.serial, device.model, now)

    def _run_started(self, session: Session, event: RunStarted) -> None:
        device = self._devices.get(event.endpoint)
        session.merge(
            Run(
                id=event.run_id,
                serial=device.serial if device else None,
                model=device.model if device else None,
                android_release=device.android_release if device else None,
                slot=device.slot if device else "",
                endpoint=event.endpoint,
                template_name=event.template_name,
                template_version=event.template_version,
                template_hash=event.template_hash,
                operator=event.operator,
                station=event.station,
                started_at=event.started_at,
                result=RunOutcome.RUNNING.value,
            )
        )

    def _run_finished(self, session: Session, result: RunResult) -> None:
        """The final run, its steps and its outbox row: one transaction, so none is half-written."""
        secrets = self._secrets()
        now = datetime.now(UTC)
        session.merge(
            Run(
                id=result.run_id,
                serial=result.serial,
                model=result.model,
                android_release=result.android_release,
                slot=result.slot,
                endpoint=result.endpoint,
                template_name=result.template_name,
                template_version=result.template_version,
                template_hash=result.template_hash,
                operator=result.operator,
                station=result.station,
                asset_tag=result.asset_tag,
                started_at=result.started_at,
                finished_at=result.finished_at or now,
                result=result.outcome.value,
                error=mask(result.error, secrets) if result.error else None,
            )
        )
        session.execute(delete(StepRecord).where(StepRecord.run_id == result.run_id))
        session.add_all(self._step_record(result.run_id, step, secrets) for step in result.steps)
        outbox = session.get(OutboxEntry, result.run_id)
        if outbox is None:
            session.add(OutboxEntry(run_id=result.run_id, created_at=now, attempts=0))
        else:  # recovered as interrupted by another process, then finished after all
            outbox.sent_at = None
        if result.serial:
            device = _seen(session, result.serial, result.model, now)
            device.last_template = result.template_name
            device.last_result = result.outcome.value

    @staticmethod
    def _step_record(run_id: str, step: StepResult, secrets: list[str]) -> StepRecord:
        return StepRecord(
            run_id=run_id,
            index=step.index,
            action=step.action,
            name=step.name,
            status=step.status.value,
            duration_ms=step.duration_ms,
            message=mask(step.message, secrets),
            output=mask(step.output, secrets),
        )


def _seen(session: Session, serial: str, model: str | None, at: datetime) -> DeviceRecord:
    device = session.get(DeviceRecord, serial)
    if device is None:
        device = DeviceRecord(serial=serial, model=model, first_seen=at, last_seen=at)
        session.add(device)
    else:
        device.last_seen = at
        device.model = model or device.model
    return device


def _run_id(event: RunStarted | RunFinished) -> str:
    return event.run_id if isinstance(event, RunStarted) else event.result.run_id
