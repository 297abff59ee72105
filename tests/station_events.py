"""One collector of a station's events for the tests: record them, wait on them (never on time)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.core import (
    DeviceChanged,
    DeviceInfo,
    DeviceState,
    DeviceStatus,
    RunEvent,
    RunFinished,
    RunResult,
    endpoint_of,
)

WAIT_S = 30


class StationEvents:
    """Every event a station sends, in order; `hooks` see each one first (on its thread)."""

    def __init__(self) -> None:
        self.events: list[RunEvent] = []
        self.hooks: list[Callable[[RunEvent], None]] = []
        self._changed = threading.Condition()

    def __call__(self, event: RunEvent) -> None:
        for hook in self.hooks:
            hook(event)
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def __len__(self) -> int:
        with self._changed:
            return len(self.events)

    def of(self, kind: type, endpoint: str | None = None) -> list:
        with self._changed:
            found = [e for e in self.events if isinstance(e, kind)]
        return [e for e in found if endpoint is None or endpoint_of(e) == endpoint]

    def devices(self, endpoint: str) -> list[DeviceInfo]:
        return [e.device for e in self.of(DeviceChanged, endpoint)]

    @property
    def results(self) -> dict[str, RunResult]:
        """Each device's latest finished run."""
        return {e.result.endpoint: e.result for e in self.of(RunFinished)}

    def result(self, endpoint: str) -> RunResult:
        return self.results[endpoint]

    def wait_for(self, match: Callable[[RunEvent], bool], after: int = 0) -> RunEvent | None:
        """The first event from index `after` on for which `match` is true; None on timeout."""
        with self._changed:
            found: list[RunEvent] = []

            def seen() -> bool:
                found[:] = [e for e in self.events[after:] if match(e)]
                return bool(found)

            return found[0] if self._changed.wait_for(seen, WAIT_S) else None

    def wait_device(
        self, endpoint: str, state: DeviceState, status: DeviceStatus | None = None
    ) -> DeviceInfo:
        """The latest report of the device in `state` (and `status`, if given), waiting for it."""

        def seen() -> DeviceInfo | None:
            for info in reversed(self.devices(endpoint)):
                if info.state is state and status in (None, info.status):
                    return info
            return None

        with self._changed:
            assert self._changed.wait_for(seen, timeout=WAIT_S), f"{endpoint} never {state}"
        found = seen()
        assert found is not None
        return found


def changed_to(endpoint: str, state: DeviceState) -> Callable[[RunEvent], bool]:
    return lambda e: (
        isinstance(e, DeviceChanged) and e.device.endpoint == endpoint and e.device.state is state
    )


def finished(endpoint: str) -> Callable[[RunEvent], bool]:
    return lambda e: isinstance(e, RunFinished) and e.result.endpoint == endpoint


def bus_bytes_after_forced_runs(fleet, template, home, runs: int = 2) -> list[int]:
    """Run `template` with --force on a simulated fleet's first device `runs` times, each by a
    fresh station in `home`; the bytes its bus had carried after each run (each run done)."""
    from app.provisioning.station import Station

    bus = fleet.devices[0].behaviour.bus
    assert bus is not None
    carried = []
    for _ in range(runs):
        events = StationEvents()
        station = Station(on_event=events, data_dir=home)
        try:
            station.set_template(template)
            station.start([fleet.endpoints[0].spec], force=True)
            assert station.wait_idle(60)
        finally:
            station.close()
        assert [e.result.outcome.value for e in events.of(RunFinished)] == ["done"]
        carried.append(bus.carried)
    return carried
