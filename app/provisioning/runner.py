"""The per-device runner: `requires` first, then each step in order, reported as events.

The station announces a run (RunStarted) and finishes it (RunFinished); in between the runner
emits per step StepStarted, StepProgress*, StepFinished, and returns the RunResult. Every
message and output is masked for secrets before it leaves the runner. A step is retried as
its template says; a failed optional step is reported `skipped` and the run goes on; a device
that goes away ends the run at once.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from app.core import (
    Cause,
    LogLine,
    RunEvent,
    RunOutcome,
    RunResult,
    RunStarted,
    StepFinished,
    StepProgress,
    StepResult,
    StepStarted,
    StepStatus,
)
from app.core.identity import DeviceIdentity, is_imei
from app.core.reasons import Arg, Phase, Reason, Why
from app.devices.device import Device, DeviceError, Problem
from app.devices.identity import read_identity
from app.provisioning.checks import refusal
from app.provisioning.context import (
    ArtifactCache,
    Cancelled,
    DeviceFacts,
    Outcome,
    StepContext,
    StepFailed,
)
from app.provisioning.evidence import failure_evidence
from app.provisioning.marker import (
    MARKER_STEP_ACTION,
    MARKER_STEP_NAME,
    Marker,
    kept,
    write_marker_command,
)
from app.provisioning.reason_text import english
from app.provisioning.steps import EXECUTORS
from app.templates import LoadedTemplate, SecretStore, VariableError, mask, render
from app.templates.model import AnyStep, Install

# Seconds a step may take when the template does not say.
DEFAULT_TIMEOUTS = {"install": 300.0, "push": 300.0, "reboot": 180.0, "wait_for": 120.0}
DEFAULT_TIMEOUT = 60.0
RETRY_PAUSE_S = 1.0
PROGRESS_STEP = 0.02  # report transfer progress in steps of 2 %
# local paths, never rendered
FILE_FIELDS = {("install", "apk"), ("install", "splits"), ("push", "src")}

log = logging.getLogger("kitbench.provisioning")


@dataclass
class Batch:
    """What every device of one template application shares."""

    template: LoadedTemplate
    artifacts: ArtifactCache = field(default_factory=ArtifactCache)
    secrets: SecretStore = field(default_factory=SecretStore)
    station: str = ""
    operator: str = ""
    order: str = ""  # the kitting order runs of this batch are made for


@dataclass
class DeviceRun:
    """One device's run request: where it starts and how to stop it."""

    endpoint: str
    slot: str
    seq: int = 0  # filled in from the ledger once the serial is known
    start_index: int = 0
    asset_tag: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    cancel_cause: Cause = Cause.STOPPED  # why `cancel` was set: the operator, or an unplug
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    announced: bool = False  # RunStarted was sent (only the station's worker sets it)
    identity: DeviceIdentity | None = None  # read before the run started (an order's IMEIs)
    props: dict[str, str] | None = None  # read with the marker before the run started

    def cancel_for(self, cause: Cause) -> None:
        if not self.cancel.is_set():
            self.cancel_cause = cause
        self.cancel.set()


@dataclass(frozen=True)
class Failure:
    """Why a run stops: `cause` for code (None for a refusal), `why` for people (the record
    says it in English, the window in the bench's language)."""

    cause: Cause | None
    why: Reason


def step_count(template: LoadedTemplate) -> int:
    """The steps of a run: the template's, then writing the marker (app/provisioning/marker.py)."""
    return len(template.template.steps) + 1


def run_started(batch: Batch, request: DeviceRun, at: datetime) -> RunStarted:
    template = batch.template.template
    release = batch.template.release
    return RunStarted(request.run_id, request.endpoint, template.name, template.version,
                      step_count(batch.template), at, batch.template.sha256,
                      operator=batch.operator, station=batch.station,
                      release_manifest=release.manifest_sha256 if release else "",
                      release_channel=release.channel if release else "",
                      order=batch.order)  # fmt: skip


def run_result(
    batch: Batch,
    request: DeviceRun,
    facts: DeviceFacts | None,
    *,
    started_at: datetime,
    outcome: RunOutcome,
    cause: Cause | None = None,
    error: str | None = None,
    why: Reason | None = None,
    steps: tuple[StepResult, ...] = (),
    identity: DeviceIdentity | None = None,
    device_name: str = "",
) -> RunResult:
    """The RunResult of one run of `batch` on a device, however it ended."""
    template = batch.template.template
    release = batch.template.release
    return RunResult(
        run_id=request.run_id,
        endpoint=request.endpoint,
        slot=request.slot,
        serial=facts.serial if facts else None,
        model=facts.model if facts else None,
        android_release=facts.android_release if facts else None,
        template_name=template.name,
        template_version=template.version,
        template_hash=batch.template.sha256,
        started_at=started_at,
        finished_at=datetime.now(UTC),
        outcome=outcome,
        error=error,
        steps=steps,
        operator=batch.operator,
        station=batch.station,
        asset_tag=request.asset_tag,
        cause=cause,
        release_manifest=release.manifest_sha256 if release else "",
        release_channel=release.channel if release else "",
        order=batch.order,
        identity=identity,
        device_name=device_name,
        why=why,
    )


def run_identity(
    device: Device, facts: DeviceFacts, asset_tag: str | None, props: dict[str, str] | None
) -> DeviceIdentity | None:
    """Who the device is, read once per run (None for a device that is not Android); an IMEI
    scanned as the asset tag fills in one the device would not give. `props` are the ones
    read for this run already, if any."""
    if not facts.android:
        return None
    identity = read_identity(device, device.props() if props is None else props)
    tag = (asset_tag or "").strip()
    return identity.with_scanned_imei(tag) if is_imei(tag) else identity


def step_name(step: AnyStep) -> str:
    """The step's own name, or a short description of what it does."""
    if step.name:
        return step.name
    params = step.params
    describers: dict[str, Callable[[], str]] = {
        "install": lambda: f"install {PurePosixPath(params.apk).name}",
        "uninstall": lambda: f"uninstall {params.package}",
        "setting": lambda: f"setting {params.namespace}/{params.key}",
        "push": lambda: f"push {PurePosixPath(params.src).name}",
        "wifi": lambda: f"Wi-Fi {params.ssid}",
        "timezone": lambda: f"time zone {params}",
        "device_name": lambda: "device name",
        "device_owner": lambda: "device owner",
        "shell": lambda: f"shell {params.command.split()[0] if params.command.split() else ''}",
    }
    describe = describers.get(step.action)
    return describe() if describe else step.action.replace("_", " ")


def lost_reason(exc: DeviceError, **where: Arg) -> Reason:
    """Why a run ended because the session went away during `where` (a step's `step` and
    `name`, or a `phase`); the typed Cause goes beside it."""
    kind = {Problem.GARBAGE: Why.GARBAGE_DURING, Problem.UNAUTHORIZED: Why.UNAUTHORIZED_DURING}
    return Reason.of(kind.get(exc.problem, Why.DISCONNECTED_DURING), **where)


def _step(index: int, name: str) -> dict[str, Arg]:
    """Where in the run: the step's 1-based number and its name."""
    return {"step": index + 1, "name": name}


def device_error(exc: DeviceError) -> Reason:
    """A request the device refused or did not answer in time, in the session's words."""
    return Reason.of(Why.DEVICE_ERROR, problem=str(exc.problem), device=str(exc))


def variable_error(exc: VariableError) -> Reason:
    """A placeholder that cannot be filled for this device (the words name no secret)."""
    return Reason.of(Why.VARIABLE, detail=str(exc))


class _NoMarker(Exception):
    """The device cannot keep the provisioned marker."""


class Runner:
    """Runs one template on one connected device, in the calling (worker) thread."""

    def __init__(
        self,
        device: Device,
        facts: DeviceFacts,
        batch: Batch,
        request: DeviceRun,
        on_event: Callable[[RunEvent], None],
        transfer_slot: Callable[[int], AbstractContextManager[None]] = lambda _size: nullcontext(),
        *,
        prefetch_next: bool = True,
    ) -> None:
        """`prefetch_next`: an install step's next install sends its APKs while the first
        installs on the device (docs/architecture.md, "Prefetched installs")."""
        self.device, self.facts, self.batch, self.request = device, facts, batch, request
        self.on_event = on_event
        self.transfer_slot = transfer_slot
        self.prefetch_next = prefetch_next
        self._prefetched: dict[tuple[Path, ...], list[str]] = {}  # sent ahead, not installed
        self._secret_values = batch.secrets.values()
        template = batch.template.template
        self.variables = {
            **template.variables,
            "serial": facts.serial,
            "model": facts.model,
            "seq": request.seq,
            "port": request.slot,
            "station": batch.station,
        }
        self.device_name_given = ""  # what a device_name step set (masked), for the record

    def mask(self, text: str) -> str:
        return mask(text, self._secret_values) if text else text

    def run(self, started_at: datetime) -> RunResult:
        """Check `requires`, then run the steps; the station announces and finishes the run."""
        template = self.batch.template.template
        request = self.request
        results: list[StepResult] = []
        failure: Failure | None = None
        outcome = RunOutcome.DONE
        identity, reason = None, None
        doing = Phase.BATTERY_CHECK
        try:
            reason = self._refusal()
            doing = Phase.IDENTITY
            identity = self._identity()  # a refused device too goes into the register
        except DeviceError as exc:
            if exc.lost_session:  # the session is gone: a failure, not a refusal
                lost = lost_reason(exc, phase=doing)
                failure = Failure(Cause.of_lost_session(exc.problem), lost)
            else:  # the device would not say who it is: the run goes on without it
                log.warning("%s: identity not read: %s", request.endpoint, exc)
        if reason:
            outcome, failure = RunOutcome.REFUSED, Failure(None, reason)
        elif failure is None:
            for index, step in enumerate(template.steps):
                if index < request.start_index:
                    earlier = Reason.of(Why.DONE_EARLIER)
                    result = StepResult(
                        index, step.action, step_name(step), StepStatus.SKIPPED, 0,
                        english(earlier), why=earlier,
                    )  # fmt: skip
                    self._given_earlier(step)
                    self.on_event(StepFinished(request.run_id, request.endpoint, result))
                else:
                    result, failure = self._run_step(index, step)
                results.append(result)
                if failure:
                    break
            if self._prefetched:  # sent ahead for a step that did not run: none left behind
                self.device.remove_temporary(
                    [remote for remotes in self._prefetched.values() for remote in remotes]
                )
                self._prefetched.clear()
            if failure is None:  # last, and only when every step succeeded
                result, failure = self._mark_provisioned(len(template.steps))
                results.append(result)
        if failure is not None and outcome is RunOutcome.DONE:
            outcome = RunOutcome.FAILED
        why = failure.why.masked(self.mask) if failure else None
        return run_result(
            self.batch,
            request,
            self.facts,
            started_at=started_at,
            outcome=outcome,
            cause=failure.cause if failure else None,
            error=english(why) if why else None,
            why=why,
            steps=tuple(results),
            identity=identity,
            device_name=self.device_name_given,
        )

    def _identity(self) -> DeviceIdentity | None:
        """The run's identity: as read before the run began (for the order), else now."""
        if self.request.identity is not None:
            return self.request.identity
        return run_identity(self.device, self.facts, self.request.asset_tag, self.request.props)

    def _mark_provisioned(self, index: int) -> tuple[StepResult, Failure | None]:
        """Leave the marker that says this device is provisioned, and read it back."""
        request, batch = self.request, self.batch
        total = step_count(batch.template)
        self.on_event(StepStarted(request.run_id, request.endpoint, index, total, MARKER_STEP_NAME))
        began = time.monotonic()
        where = _step(index, MARKER_STEP_NAME)
        template = batch.template.template
        marker = Marker(template.name, template.version, batch.template.sha256, request.run_id)
        failure, why = None, None
        try:
            if not self.facts.android:  # nowhere to keep it: such a device runs in full each time
                raise _NoMarker()
            written = self.device.shell(write_marker_command(marker), timeout=20)
            if kept(written, marker):
                outcome = Outcome(StepStatus.CHANGED, marker.text())
            else:
                why = Reason.of(Why.MARKER_NOT_KEPT)
                outcome = Outcome(StepStatus.FAILED, english(why), written.output)
                failure = Failure(Cause.STEP_FAILED, Reason.of(Why.STEP_FAILED, why, **where))
        except _NoMarker:
            why = Reason.of(Why.NO_MARKER)
            outcome = Outcome(StepStatus.SKIPPED, english(why))
        except DeviceError as exc:
            if exc.lost_session:
                why = lost_reason(exc, **where)
                failure = Failure(Cause.of_lost_session(exc.problem), why)
            else:
                why = device_error(exc)
                failure = Failure(Cause.STEP_FAILED, Reason.of(Why.STEP_FAILED, why, **where))
            outcome = Outcome(StepStatus.FAILED, english(why))
        result = StepResult(index, MARKER_STEP_ACTION, MARKER_STEP_NAME, outcome.status,
                            round((time.monotonic() - began) * 1000), outcome.message,
                            self.mask(outcome.output), why=why)  # fmt: skip
        self.on_event(StepFinished(request.run_id, request.endpoint, result))
        return result, failure

    def _given_earlier(self, step: AnyStep) -> None:
        """A device_name step an earlier run did gave the name it renders to for this device
        (the same template, serial and {seq}), so a resumed run records it too."""
        if step.action != "device_name":
            return
        try:
            self.device_name_given = self.mask(self._render(step.params))
        except VariableError as exc:
            log.warning("%s: the name given earlier is unknown: %s", self.request.endpoint, exc)

    def _refusal(self) -> Reason | None:
        requires = self.batch.template.template.requires
        battery = None
        if requires.battery_min is not None:
            try:
                battery = self.device.battery()
            except DeviceError as exc:
                if exc.lost_session:
                    raise
                return Reason.of(Why.BATTERY_UNREADABLE, device=str(exc))
        return refusal(requires, self.facts, battery)

    def _run_step(self, index: int, step: AnyStep) -> tuple[StepResult, Failure | None]:
        """Run one step with its retries; a Failure when the run must stop here."""
        request, name = self.request, step_name(step)
        total = step_count(self.batch.template)
        self.on_event(StepStarted(request.run_id, request.endpoint, index, total, name))
        began = time.monotonic()
        where = _step(index, name)
        failure, evidence, why = None, "", None
        try:
            outcome = self._attempts(index, step)
        except Cancelled:
            why = Reason.of(Why.STOPPED_BY_OPERATOR)
            outcome = Outcome(StepStatus.FAILED, english(why))
            failure = Failure(request.cancel_cause, Reason.of(Why.STOPPED_DURING, **where))
        except DeviceError as exc:
            why = lost_reason(exc, **where)
            outcome = Outcome(StepStatus.FAILED, english(why))
            failure = Failure(Cause.of_lost_session(exc.problem), why)
        except (StepFailed, VariableError) as exc:
            output = getattr(exc, "output", "")
            said = exc.reason if isinstance(exc, StepFailed) else variable_error(exc)
            if step.optional:
                why = Reason.of(Why.OPTIONAL_NOT_DONE, said)
                outcome = Outcome(StepStatus.SKIPPED, english(why), output)
            else:
                why = said
                outcome = Outcome(StepStatus.FAILED, english(why), output)
                failure = Failure(Cause.STEP_FAILED, Reason.of(Why.STEP_FAILED, why, **where))
                if isinstance(exc, StepFailed):  # what the device says about it, kept
                    evidence = failure_evidence(self.device, exc.package, self.mask)
        except Exception as exc:  # a bug fails this run with the steps so far, never the station
            log.error("%s: step %d (%s) failed unexpectedly\n%s", request.endpoint, index + 1,
                      name, self.mask("".join(traceback.format_exception(exc))))  # fmt: skip
            why = Reason.of(Why.INTERNAL, detail=str(exc))
            outcome = Outcome(StepStatus.FAILED, english(why))
            failure = Failure(Cause.INTERNAL, Reason.of(Why.STEP_FAILED, why, **where))
        result = StepResult(
            index=index,
            action=step.action,
            name=name,
            status=outcome.status,
            duration_ms=round((time.monotonic() - began) * 1000),
            message=self.mask(outcome.message),
            output=self.mask(outcome.output),
            evidence=evidence,
            why=why.masked(self.mask) if why else None,
        )
        self.on_event(StepFinished(request.run_id, request.endpoint, result))
        line = f"{name}: {result.status} — {result.message}"
        self.on_event(LogLine(request.endpoint, line, step=result))
        return result, failure

    def _attempts(self, index: int, step: AnyStep) -> Outcome:
        """Retry failures the device reported; losing the device is never retried."""
        attempts = step.retries + 1
        for attempt in range(1, attempts + 1):
            context = self._context(index, step)
            try:
                context.check_cancel()
                params = self._rendered(step)
                outcome = EXECUTORS[step.action](params, context)
                if step.action == "device_name":
                    self.device_name_given = self.mask(params)
                return outcome
            except DeviceError as exc:
                if exc.lost_session:
                    raise
                failure = StepFailed(device_error(exc))
            except StepFailed as exc:
                failure = exc
            if attempt == attempts:
                raise failure
            line = self.mask(f"attempt {attempt} failed: {failure}")
            self.on_event(LogLine(self.request.endpoint, line, attempt=attempt,
                                  why=failure.reason.masked(self.mask)))  # fmt: skip
            context.pause(RETRY_PAUSE_S)
        raise AssertionError("unreachable")

    def _context(self, index: int, step: AnyStep) -> StepContext:
        timeout = step.timeout or DEFAULT_TIMEOUTS.get(step.action, DEFAULT_TIMEOUT)
        last = [-1.0]

        def report(fraction: float, detail: str) -> None:
            if fraction - last[0] >= PROGRESS_STEP or fraction >= 1.0:
                last[0] = fraction
                self.on_event(
                    StepProgress(
                        self.request.run_id,
                        self.request.endpoint,
                        index,
                        min(1.0, fraction),
                        self.mask(detail),
                    )
                )

        return StepContext(
            device=self.device,
            facts=self.facts,
            timeout=timeout,
            artifacts=self.batch.artifacts,
            resolve_path=self.batch.template.resolve_path,
            cancel=self.request.cancel,
            report=report,
            transfer_slot=self.transfer_slot,
            next_install=self._next_install(index),
            prefetched=self._prefetched,
        )

    def _next_install(self, index: int) -> Install | None:
        """The step after `index` if it is an install whose APKs may be sent ahead."""
        steps = self.batch.template.template.steps
        if not self.prefetch_next or index + 1 >= len(steps):
            return None
        following = steps[index + 1]
        if following.action != "install":
            return None
        try:
            params = self._rendered(following)
        except VariableError:
            return None
        return params if isinstance(params, Install) else None

    def _rendered(self, step: AnyStep) -> Any:
        """The step's parameters with placeholders filled in for this device (a model, or the
        text of a step that takes one string)."""
        params = step.params
        if isinstance(params, str):
            return self._render(params)
        data = self._render_tree(step.action, params.model_dump())
        return type(params).model_validate(data)

    def _render_tree(self, action: str, value: Any, key: str = "") -> Any:
        if isinstance(value, str):
            return value if (action, key) in FILE_FIELDS else self._render(value)
        if isinstance(value, dict):
            return {k: self._render_tree(action, v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._render_tree(action, item, key) for item in value]
        return value

    def _render(self, text: str) -> str:
        return render(text, self.variables, self.batch.secrets)
