"""Provisioning without a window: what `kitbench provision` runs once its arguments are checked."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

from app.core import RunEvent, RunStarted, StationProblem
from app.core.orders import Order
from app.devices.slots import PortMapError
from app.provisioning.order_gate import OrderGate
from app.provisioning.report import ProgressView
from app.provisioning.runner import DEFAULT_TIMEOUT, DEFAULT_TIMEOUTS, RETRY_PAUSE_S
from app.provisioning.seq_lease import SeqLeasing
from app.provisioning.station import Station
from app.provisioning.station_words import describe_station_problem
from app.templates import LoadedTemplate

REFRESH_S = 0.1
MARGIN_S = 120.0  # per device, on top of its template's timeouts: connecting, reading, checks
STOP_WAIT_S = 60.0


def provision(
    template: LoadedTemplate,
    endpoints: Sequence[str],
    *,
    stream: TextIO,
    live: bool,
    as_json: bool,
    jobs: int | None = None,
    force: bool = False,
    operator: str = "",
    station_name: str = "",
    auth_timeout_s: float = 60.0,
    listeners: Sequence[Callable[[RunEvent], None]] = (),
    before_run: Callable[[RunStarted], StationProblem | None] | None = None,
    order: Order | None = None,
    seq_leasing: SeqLeasing | None = None,
) -> int:
    """Provision `endpoints` and report; the exit code is 0 when every device is done.

    `listeners` also receive every event (e.g. the store's recorder); `before_run` records a
    run before it starts and says why it cannot (the station then starts none); runs are
    made for `order`, and a device not on its expected list is held back; `{seq}` numbers
    come from the backend's blocks through `seq_leasing` (None: the station's own counter).
    """
    view = ProgressView(stream, live=live and not as_json)
    view.watch(endpoints)
    try:
        station = Station(
            on_event=view.on_event,
            station_name=station_name,
            operator=operator,
            jobs=jobs,
            auth_timeout_s=auth_timeout_s,
            before_run=before_run,
            hold_back=OrderGate(order) if order else None,
        )
        station.order = order.number if order else ""
        station.ledger.lease_from(seq_leasing)
    except PortMapError as exc:  # the labels runs record come from it: fix it first
        sys.stderr.write(f"{exc}\n")
        return 1
    for listener in listeners:
        station.add_listener(listener)
    try:
        station.set_template(template)
        for endpoint in endpoints:
            station.add_endpoint(endpoint)
        station.start(endpoints, force=force)
        deadline = time.monotonic() + time_budget(template, len(endpoints), auth_timeout_s)
        try:
            while not station.wait_idle(REFRESH_S):
                if not as_json:
                    view.refresh()
                if time.monotonic() > deadline:
                    sys.stderr.write("kitbench: the runs took longer than their timeouts allow; "
                                     "stopping them\n")  # fmt: skip
                    station.stop()
                    station.wait_idle(STOP_WAIT_S)
                    break
        except KeyboardInterrupt:
            stream.write("\nstopping…\n")
            station.stop()
            station.wait_idle(STOP_WAIT_S)
    finally:
        station.close()
    if as_json:
        for line in view.json_lines():
            stream.write(json.dumps(line, ensure_ascii=False) + "\n")
    else:
        view.refresh()
        stream.write(view.summary() + "\n")
    stream.flush()
    problem = view.station_problem()
    if problem is not None:  # once, not per device
        sys.stderr.write(f"kitbench: {describe_station_problem(problem)}\n")
    return 0 if view.all_done() else 1


def time_budget(template: LoadedTemplate, devices: int, auth_timeout_s: float) -> float:
    """Seconds after which runs can only be stuck: every device's every step, one at a time,
    taking all its tries to the step's timeout."""
    per_device = auth_timeout_s + MARGIN_S
    for step in template.template.steps:
        timeout = step.timeout or DEFAULT_TIMEOUTS.get(step.action, DEFAULT_TIMEOUT)
        per_device += (step.retries + 1) * (timeout + RETRY_PAUSE_S)
    return per_device * max(1, devices)
