"""Provisioning without a window: what `kitbench provision` runs once its arguments are checked."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from app.core import RunEvent
from app.devices.slots import PortMapError
from app.provisioning.report import ProgressView, run_json
from app.provisioning.station import Station
from app.templates import LoadedTemplate

REFRESH_S = 0.1


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
) -> int:
    """Provision `endpoints` and report; the exit code is 0 when every device is done.

    `listeners` also receive every event (e.g. the store's recorder).
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
        )
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
        try:
            while not station.wait_idle(REFRESH_S):
                if not as_json:
                    view.refresh()
        except KeyboardInterrupt:
            stream.write("\nstopping…\n")
            station.stop()
            station.wait_idle(60)
    finally:
        station.close()
    if as_json:
        for endpoint, result, note in view.outcomes():
            line = run_json(result) if result else _no_run_json(endpoint, view, note)
            stream.write(json.dumps(line, ensure_ascii=False) + "\n")
    else:
        view.refresh()
        stream.write(view.summary() + "\n")
    stream.flush()
    done = all(
        (result is not None and result.outcome == "done") or (result is None and note)
        for _endpoint, result, note in view.outcomes()
    )
    return 0 if done else 1


def _no_run_json(endpoint: str, view: ProgressView, note: str | None) -> dict:
    """A device that needed no run (already provisioned) or never got one."""
    row = view.rows[endpoint]
    return {
        "endpoint": endpoint,
        "serial": row.serial,
        "model": row.model,
        "slot": row.slot,
        "result": "done" if note else "failed",
        "error": None if note else row.status,
        "steps": [],
        "message": note,
    }
