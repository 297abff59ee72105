"""Bandwidth domains of a simulated bench: the USB bus every device behind one hub shares.

On a real bench the devices behind one hub's USB 2.0 side (or one root port) share about
40 MB/s of bulk bandwidth, whichever host talks to them and in whichever direction. A `Bus`
models that: each transfer's chunk reserves the bus for `size / bytes_per_s` after the
chunks reserved before it, and the device for `size / its own write rate`; the chunk is done
when both are. Reservations are made in arrival order, chunk by chunk, so concurrent
transfers share the bus fairly (round robin at the grain of one ADB packet), and the bytes a
bus carries by any moment never exceed its bandwidth by more than the chunks in flight.

The model lives in the device's services (sync and streamed installs), so Kitbench, stock
adb and any other host all see the same bus.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from app.core.buses import BUS_SPEEDS

SLEEP_GRAIN_S = 0.005  # ahead by less than this: no sleep (cheap on CPU)


@dataclass
class Bus:
    """One bandwidth domain, shared fairly by every transfer on it."""

    number: int
    speed: str = "usb2"
    carried: int = 0  # bytes carried so far, for tests and the bench
    _free_at: float = field(default=0.0, repr=False)

    @property
    def bytes_per_s(self) -> float:
        return BUS_SPEEDS[self.speed]

    def reserve(self, size: int, now: float) -> float:
        """Reserve the bus for `size` bytes; when they will have crossed it."""
        self._free_at = max(now, self._free_at) + size / self.bytes_per_s
        self.carried += size
        return self._free_at


def buses_for(count: int, buses: int, speed: str) -> list[Bus | None]:
    """The bus of each of `count` devices spread over `buses` buses in blocks (the first
    count/buses on bus 1, …); no buses: every device on none (a private pipe, as before)."""
    if not buses:
        return [None] * count
    made = [Bus(number, speed) for number in range(1, buses + 1)]
    return [made[index * buses // count] for index in range(count)]


class Throttle:
    """One transfer's pace: the device's own write rate and, on a bench, its bus's share.

    Sleeps only when the transfer runs ahead of its reservations (cheap on CPU)."""

    def __init__(self, bytes_per_s: float | None, bus: Bus | None = None) -> None:
        self.bytes_per_s = bytes_per_s
        self.bus = bus if bytes_per_s else None  # `fast` latency: no bus either
        self._device_free_at = time.monotonic()

    async def account(self, size: int) -> None:
        if not self.bytes_per_s or not size:
            return
        now = time.monotonic()
        self._device_free_at = max(now, self._device_free_at) + size / self.bytes_per_s
        done = self._device_free_at
        if self.bus is not None:
            done = max(done, self.bus.reserve(size, now))
        if done - now > SLEEP_GRAIN_S:
            await asyncio.sleep(done - now)
