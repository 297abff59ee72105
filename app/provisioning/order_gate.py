"""Which devices the active kitting order lets in: the station's `hold_back` hook."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from app.core.orders import Order
from app.provisioning.context import DeviceFacts

ImeiReader = Callable[[], Sequence[str]]


def _no_imeis() -> Sequence[str]:
    return ()


class OrderGate:
    """Holds back a device that is not on the active order's expected list, unless an admin
    let that device in. Thread-safe: workers ask, the engine changes the order."""

    def __init__(self, order: Order | None = None) -> None:
        self._lock = threading.Lock()
        self._order = order
        self._admitted: set[str] = set()

    @property
    def order(self) -> Order | None:
        with self._lock:
            return self._order

    def set_order(self, order: Order | None) -> None:
        with self._lock:
            if order is None or self._order is None or order.number != self._order.number:
                self._admitted.clear()
            self._order = order

    def admit(self, serial: str) -> None:
        """An admin's word: this device runs under the order though it is not on its list."""
        with self._lock:
            self._admitted.add(serial)

    def __call__(self, facts: DeviceFacts, imeis: ImeiReader = _no_imeis) -> str | None:
        """The order's number when `facts` is a device it holds back, else None.

        A supplier's list may name a device by serial or by IMEI; the device's IMEIs are
        read (`imeis`, from the device) only when its serial is not on a list that names
        IMEIs, so an order of serials costs no extra reads."""
        with self._lock:
            order, admitted = self._order, facts.serial in self._admitted
        if order is None or admitted or order.expects(facts.serial):
            return None
        if any(line.imei for line in order.expected) and order.expects(facts.serial, imeis()):
            return None
        return order.number
