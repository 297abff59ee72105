"""The transfer scheduler fills a bus by its bandwidth, hands it on in arrival order, and lets a
stopped run leave the queue."""

from __future__ import annotations

import threading

import pytest

from app.provisioning.context import Cancelled
from app.provisioning.scheduler import LARGE_TRANSFER_BYTES, BusSchedule, TransferScheduler

BIG = 8 * LARGE_TRANSFER_BYTES


class Transfer:
    """A transfer on its own thread that holds the bus until told to finish."""

    def __init__(self, bus: BusSchedule, device: str, cancel: threading.Event | None = None):
        self.started, self.finish, self.cancelled = threading.Event(), threading.Event(), False
        self.thread = threading.Thread(target=self._run, args=(bus, device, cancel))
        self.thread.start()

    def _run(self, bus: BusSchedule, device: str, cancel: threading.Event | None) -> None:
        try:
            with bus.transfer(device, BIG, cancel):
                self.started.set()
                self.finish.wait(10)
        except Cancelled:
            self.cancelled = True

    def end(self) -> None:
        self.finish.set()
        self.thread.join(10)


def test_an_unmeasured_bus_takes_two_at_once_then_hands_on_in_arrival_order():
    bus = TransferScheduler().bus("usb1", 40e6)
    first, second = Transfer(bus, "a"), Transfer(bus, "b")
    assert first.started.wait(5) and second.started.wait(5)
    third = Transfer(bus, "c")
    with bus._lock:  # queued before the fourth asks
        assert bus._lock.wait_for(lambda: len(bus._waiting) == 1, 5)
    fourth = Transfer(bus, "d")
    assert not third.started.wait(0.3)
    first.end()
    assert third.started.wait(5)
    assert not fourth.started.is_set()
    for transfer in (second, third, fourth):
        transfer.end()
    assert fourth.started.is_set()


def test_a_fast_bus_admits_as_many_as_their_measured_rates_fill():
    bus = TransferScheduler().bus("usb2", 350e6)
    for device in "abcdefghij":
        bus._rates[device] = 35e6  # measured before: each device takes 35 MB/s
    transfers = [Transfer(bus, device) for device in "abcdefghijk"]
    assert all(t.started.wait(5) for t in transfers[:10])
    assert not transfers[10].started.wait(0.3)  # ten fill 350 MB/s
    for transfer in transfers:
        transfer.end()


def test_a_ceiling_and_a_bus_without_bandwidth():
    capped = TransferScheduler(ceiling=1).bus("usb1", 350e6)
    first, second = Transfer(capped, "a"), Transfer(capped, "b")
    assert first.started.wait(5) and not second.started.wait(0.3)
    first.end()
    second.end()
    free = TransferScheduler().bus("tcp:h:1", None)
    transfers = [Transfer(free, str(n)) for n in range(5)]
    assert all(t.started.wait(5) for t in transfers)
    for transfer in transfers:
        transfer.end()


def test_a_stopped_run_leaves_the_queue_and_small_transfers_never_wait():
    bus = TransferScheduler().bus("usb1", 40e6)
    holders = [Transfer(bus, "a"), Transfer(bus, "b")]
    assert all(h.started.wait(5) for h in holders)
    with bus.transfer("c", LARGE_TRANSFER_BYTES - 1):
        pass  # a small file passes a full bus
    cancel = threading.Event()
    waiting = Transfer(bus, "c", cancel)
    with bus._lock:
        assert bus._lock.wait_for(lambda: len(bus._waiting) == 1, 5)
    behind = Transfer(bus, "d")
    cancel.set()
    waiting.thread.join(5)
    assert waiting.cancelled and not waiting.started.is_set()
    holders[0].end()
    assert behind.started.wait(5)  # the next in line, not the stopped one
    holders[1].end()
    behind.end()


def test_an_unknown_order_is_refused():
    with pytest.raises(ValueError, match="arrival"):
        TransferScheduler(order="random")
