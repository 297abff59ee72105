"""Recording runs from the Station's events: a row when a run starts, the whole result when it ends.

`RunRecorder.on_event` is cheap and thread-safe (it only queues), so it can be the Station's
`on_event` hook directly or be called from one. All writing happens on the store's writer
thread; `on_recorded` fires there once a RunStarted or RunFinished is committed, which is
when the CLI or GUI may show the run as started or finished.

`RunRecorder.record_start` is the Station's `before_run`: it writes a run's row and waits for
the commit, so no device is changed by a run the station could not record. When the station's
storage fails (disk full, folder not writable, database locked or damaged) it answers with the
typed `StationProblem` and the run does not start; a finish that could not be written is kept
and written before the next run starts (until then none does).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path

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
from app.core.evidence import capped
from app.core.identity import DeviceIdentity
from app.core.paths import data_dir
from app.core.reasons import Reason, reason_data
from app.core.status import StationProblem, StorageProblem
from app.storage.history import IDENTITY_COLUMNS
from app.storage.models import DeviceRecord, OutboxEntry, Run, StepRecord
from app.storage.orders import complete_if_reached
from app.storage.problems import SHOWN_ELSEWHERE, station_problem
from app.storage.writer import StoreWriter
from app.templates import mask

log = logging.getLogger(__name__)

DEVICE_SEEN_INTERVAL_S = 60  # how often a device that stays plugged in refreshes last_seen


class RunRecorder:
    def __init__(
        self,
        writer: StoreWriter,
        *,
        folder: Path | None = None,
        secret_values: Callable[[], Iterable[str]] = list,
        on_recorded: Callable[[RunEvent], None] | None = None,
    ) -> None:
        """`folder`: the data folder a storage problem names (the writer's by default)."""
        self._writer = writer
        self._folder = folder or writer.folder or data_dir()
        self._secret_values = secret_values
        self._on_recorded = on_recorded
        # Touched only on the writer thread:
        self._devices: dict[str, DeviceInfo] = {}
        self._device_written: dict[str, datetime] = {}
        # Shared by the writer thread and the callers' threads, under `_lock`:
        self._lock = threading.Lock()
        self._started: set[str] = set()  # runs whose row record_start wrote
        self._refused: set[str] = set()  # runs record_start could not record: they never ran
        self._unrecorded: dict[str, RunFinished] = {}  # finishes whose write failed
        self._problem: StationProblem | None = None
        self._last_problem: StationProblem | None = None
        self._refused_runs = 0

    @property
    def problem(self) -> StationProblem | None:
        """Why runs cannot be recorded now: the problem of the last write that failed, None
        again once a later run's start is recorded together with every earlier finish."""
        with self._lock:
            return self._problem

    @property
    def last_problem(self) -> StationProblem | None:
        """The last storage problem any write ran into, even if it has gone since."""
        with self._lock:
            return self._last_problem

    @property
    def refused_runs(self) -> int:
        """How many runs `record_start` refused (a problem it returned) so far."""
        with self._lock:
            return self._refused_runs

    @property
    def unrecorded_runs(self) -> int:
        """Finished runs whose finish is not on disk yet (their rows still say `running`)."""
        with self._lock:
            return len(self._unrecorded)

    def record_start(self, event: RunStarted, timeout: float = 30) -> StationProblem | None:
        """Write the run's row and return once it is committed (the Station's `before_run`).

        None: the run is recorded and may touch the device. A `StationProblem`: it could not
        be recorded, nothing of it is written, and it must not start; its later events are
        not written either. Finishes of earlier runs that could not be written are written
        first, in the same transaction, so while they cannot be no new run starts (and a run
        left `running` by them becomes `interrupted` when the database is next opened). The
        run's own RunStarted, when it reaches `on_event`, is not written again.
        """
        future = self._writer.submit(lambda session: self._start(session, event))
        try:
            written = future.result(timeout)
        except TimeoutError:
            if future.cancel():  # never ran: nothing of it will be written
                detail = f"the database did not answer within {timeout:g} s"
                return self._refuse(event, StationProblem(StorageProblem.LOCKED,
                                                          str(self._folder), detail))  # fmt: skip
            try:  # being written right now: its outcome decides
                written = future.result()
            except Exception as exc:
                return self._refuse(event, station_problem(exc, self._folder))
        except Exception as exc:  # the writer has logged the traceback
            return self._refuse(event, station_problem(exc, self._folder))
        with self._lock:
            for run_id in written:
                self._unrecorded.pop(run_id, None)
            self._started.add(event.run_id)
            if not self._unrecorded:
                self._problem = None
        return None

    def on_event(self, event: RunEvent) -> Future[None] | None:
        """Queue what the event means for the database; the future resolves once it is on disk."""
        if not isinstance(event, RunStarted | StepFinished | RunFinished | DeviceChanged):
            return None
        run_id = None if isinstance(event, DeviceChanged) else _run_id(event)
        with self._lock:
            if run_id in self._refused:  # never started: there is nothing to record
                if isinstance(event, RunFinished):
                    self._refused.discard(event.result.run_id)
                return None
            written = isinstance(event, RunStarted) and event.run_id in self._started
            if isinstance(event, RunFinished):
                self._started.discard(event.result.run_id)
        if written:  # by record_start: only tell, after what is queued before it
            future = self._writer.submit(_nothing)
        else:
            future = self._writer.submit(lambda session: self._write(session, event))
        if isinstance(event, RunFinished):
            future.add_done_callback(lambda done: self._finish_written(event, done))
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
            except TimeoutError:
                log.error("run %s is still not on disk after %g s", _run_id(event), timeout)
            except Exception:  # logged by the writer, and for a finish by _finish_written
                pass

    def _refuse(self, event: RunStarted, problem: StationProblem) -> StationProblem:
        with self._lock:
            self._refused.add(event.run_id)
            self._refused_runs += 1
            self._problem = self._last_problem = problem
        log.error("run %s on %s not started: the station cannot record it (%s in %s: %s)",
                  event.run_id, event.endpoint, problem.kind, problem.folder, problem.detail,
                  extra=SHOWN_ELSEWHERE)  # fmt: skip
        return problem

    def _finish_written(self, event: RunFinished, future: Future[None]) -> None:
        """On the writer thread, before anyone is told: remember a finish that failed."""
        if future.cancelled():
            return
        exc = future.exception()
        run_id = event.result.run_id
        if exc is None:
            with self._lock:
                self._unrecorded.pop(run_id, None)
            return
        problem = station_problem(exc, self._folder)
        with self._lock:
            self._unrecorded[run_id] = event
            self._problem = self._last_problem = problem
        log.error("run %s on %s finished %s but could not be recorded (%s in %s: %s); it stays "
                  "running until written, or is interrupted when the database is next opened",
                  run_id, event.result.endpoint, event.result.outcome, problem.kind,
                  problem.folder, problem.detail, extra=SHOWN_ELSEWHERE)  # fmt: skip

    def _tell(self, event: RunEvent) -> None:
        """Runs after the commit (or after a failed write, which the writer has logged)."""
        if self._on_recorded is None:
            return
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

    def _start(self, session: Session, event: RunStarted) -> list[str]:
        """record_start's transaction: the finishes that failed before, then the new run;
        returns the ids of the finishes it wrote."""
        with self._lock:
            pending = list(self._unrecorded.values())
        for finish in pending:
            self._run_finished(session, finish.result)
        self._run_started(session, event)
        return [finish.result.run_id for finish in pending]

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
                release_manifest=event.release_manifest or None,
                release_channel=event.release_channel or None,
                order_number=event.order or None,
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
                release_manifest=result.release_manifest or None,
                release_channel=result.release_channel or None,
                order_number=result.order or None,
                device_name=mask(result.device_name, secrets) or None,
                why=_why_json(result.why, secrets),
                **identity_columns(result.identity),
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
            if result.identity is not None:  # the device as last read; a run that never
                for name, value in identity_columns(result.identity).items():  # reached it
                    if name != "identity_gaps":  # leaves it as it was
                        setattr(device, name, value)
        if result.order and result.outcome is RunOutcome.DONE:
            complete_if_reached(session, result.order)

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
            evidence=capped(mask(step.evidence, secrets)),
            why=_why_json(step.why, secrets),
        )


def _why_json(why: Reason | None, secrets: list[str]) -> str | None:
    """A typed reason as stored, masked again like the English beside it."""
    if why is None:
        return None
    return json.dumps(reason_data(why.masked(lambda text: mask(text, secrets))))


def identity_columns(identity: DeviceIdentity | None) -> dict[str, str | None]:
    """A run's identity columns (migration 0003); all empty when the run never read it."""
    if identity is None:
        return dict.fromkeys(IDENTITY_COLUMNS)
    imeis = (*identity.imei, None, None)
    gaps = {name: gap.value for name, gap in identity.gaps.items()}
    return {
        "manufacturer": identity.manufacturer,
        "imei1": imeis[0],
        "imei2": imeis[1],
        "meid": identity.meid,
        "wifi_mac": identity.wifi_mac,
        "bluetooth_mac": identity.bluetooth_mac,
        "build_fingerprint": identity.build_fingerprint,
        "security_patch": identity.security_patch,
        "hardware_serial": identity.hardware_serial,
        "identity_gaps": json.dumps(gaps, sort_keys=True) if gaps else None,
    }


def _seen(session: Session, serial: str, model: str | None, at: datetime) -> DeviceRecord:
    device = session.get(DeviceRecord, serial)
    if device is None:
        device = DeviceRecord(serial=serial, model=model, first_seen=at, last_seen=at)
        session.add(device)
    else:
        device.last_seen = at
        device.model = model or device.model
    return device


def _nothing(_session: Session) -> None:
    return None


def _run_id(event: RunStarted | StepFinished | RunFinished) -> str:
    return event.result.run_id if isinstance(event, RunFinished) else event.run_id
