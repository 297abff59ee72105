"""Stand-ins the engine process builds for the USB attach benchmark (no Qt: they cross to the
engine pickled by name): plug-ins sent by the benchmark over a connection, as the USB stack
would report them, and `usb:SLOT` sessions opened on simulated devices."""

from __future__ import annotations

import threading
from collections.abc import Callable
from multiprocessing.connection import Client, Connection

from app.devices.device import Device
from app.devices.usb_hotplug import UsbEvent


class RemoteUsbWatcher:
    """Reports each UsbEvent the benchmark sends to `address`."""

    def __init__(self, address: str, authkey: bytes) -> None:
        self._address, self._authkey = address, authkey
        self._subscribers: list[Callable[[UsbEvent], None]] = []
        self._connection: Connection | None = None

    def subscribe(self, subscriber: Callable[[UsbEvent], None]) -> Callable[[], None]:
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def start(self) -> list:
        self._connection = Client(self._address, authkey=self._authkey)
        threading.Thread(target=self._relay, name="bench-usb", daemon=True).start()
        return []

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()

    def _relay(self) -> None:
        assert self._connection is not None
        try:
            while True:
                event = self._connection.recv()
                for subscriber in list(self._subscribers):
                    subscriber(event)
        except (EOFError, OSError):
            pass


def open_by_slot(spec: str, key, *, ports: tuple[str, ...], **options) -> Device:
    """`usb:1-1.N` opens the Nth simulated device."""
    index = int(spec.rsplit(".", 1)[1]) - 1
    return Device.open(ports[index], key, **options)
