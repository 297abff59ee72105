"""The transfer scheduler: which large transfers cross each bus, and when.

Every device behind one bus shares its bandwidth (`app.core.buses`). Letting every device
transfer at once shares it fairly, so all of them finish their transfers together and then
all install together while the bus idles; a fixed cap per bus leaves a fast bus half empty.
The scheduler admits transfers onto a bus while the rates of those already on it fall short
of its bandwidth, and hands the bus to waiting transfers in the order they asked for it, so
one device installs (on-device CPU, bus idle) while others transfer. Why this order, and not
another, is measured in docs/architecture.md ("Transfers").

A device's rate is the fastest it has taken data so far (a transfer sharing the bus shows
less than the device could take alone, never more); a device not measured yet counts as
half the bus, so two start at once and the bus fills from there. A bus of unknown bandwidth
(a network device without a bus in the port map) is a domain of its own: nothing waits.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from app.provisioning.context import Cancelled

LARGE_TRANSFER_BYTES = 1024 * 1024  # smaller transfers never wait for the bus
WAIT_POLL_S = 0.2  # a waiting transfer looks at its cancel event this often


ORDERS = ("arrival", "progress")  # first come first served | the device furthest along first


@dataclass
class _Waiter:
    order: int
    device: str
    progress: int  # bytes the device's run has moved so far
    admitted: bool = False


@dataclass
class BusSchedule:
    """One bandwidth domain: the transfers on it and those waiting, in order."""

    name: str
    bytes_per_s: float | None  # None: no shared cap
    ceiling: int | None = None  # at most this many at once (an operator's setting), or none
    order: str = "arrival"  # which waiting transfer goes next (ORDERS)
    _active: dict[int, float] = field(default_factory=dict)  # transfer -> its device's rate
    _waiting: list[_Waiter] = field(default_factory=list)
    _rates: dict[str, float] = field(default_factory=dict)  # device -> fastest rate seen
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _counter: Iterator[int] = field(default_factory=itertools.count)

    def rate_of(self, device: str) -> float:
        """What `device` is expected to take: its fastest so far, else half the bus."""
        assert self.bytes_per_s is not None
        return self._rates.get(device, self.bytes_per_s / 2)

    @contextmanager
    def transfer(
        self, device: str, size: int, cancel: threading.Event | None = None, progress: int = 0
    ) -> Iterator[None]:
        """Hold the bus for one transfer of `size` bytes by `device` (whose run has moved
        `progress` bytes before it); measures the device's rate.

        Raises Cancelled if `cancel` is set while it waits."""
        if self.bytes_per_s is None or size < LARGE_TRANSFER_BYTES:
            yield
            return
        ticket = self._admit(device, progress, cancel)
        started = time.monotonic()
        try:
            yield
        finally:
            elapsed = time.monotonic() - started
            with self._lock:
                del self._active[ticket]
                if elapsed > 0:
                    rate = size / elapsed
                    self._rates[device] = max(rate, self._rates.get(device, 0.0))
                self._admit_waiting()
                self._lock.notify_all()

    def _admit(self, device: str, progress: int, cancel: threading.Event | None) -> int:
        with self._lock:
            waiter = _Waiter(next(self._counter), device, progress)
            self._waiting.append(waiter)
            self._admit_waiting()
            while not waiter.admitted:
                self._lock.wait(WAIT_POLL_S)
                if not waiter.admitted and cancel is not None and cancel.is_set():
                    self._waiting.remove(waiter)
                    self._admit_waiting()
                    self._lock.notify_all()
                    raise Cancelled
            return waiter.order

    def _admit_waiting(self) -> None:
        """Admit waiters in this bus's order while it has room (lock held)."""
        while self._waiting and self._has_room():
            if self.order == "progress":
                waiter = min(self._waiting, key=lambda w: (-w.progress, w.order))
            else:
                waiter = self._waiting[0]
            self._waiting.remove(waiter)
            waiter.admitted = True
            self._active[waiter.order] = self.rate_of(waiter.device)
        self._lock.notify_all()

    def _has_room(self) -> bool:
        assert self.bytes_per_s is not None
        if self.ceiling and len(self._active) >= self.ceiling:
            return False
        return not self._active or sum(self._active.values()) < self.bytes_per_s


class TransferScheduler:
    """Every bus of a station, made on first use."""

    def __init__(self, ceiling: int | None = None, order: str = "arrival") -> None:
        if order not in ORDERS:
            raise ValueError(f"transfer order must be one of {', '.join(ORDERS)}")
        self.ceiling, self.order = ceiling, order
        self._buses: dict[str, BusSchedule] = {}
        self._lock = threading.Lock()

    def bus(self, name: str, bytes_per_s: float | None) -> BusSchedule:
        with self._lock:
            schedule = self._buses.get(name)
            if schedule is None:
                schedule = BusSchedule(name, bytes_per_s, self.ceiling, self.order)
                self._buses[name] = schedule
            return schedule
