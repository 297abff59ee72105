"""Stand-ins the engine process builds in tests, for hardware it cannot have here.

They cross to the engine process pickled by name, so they live in a module of their own
without Qt (the engine process never loads it).
"""

from __future__ import annotations

from collections.abc import Callable

from app.devices.usb import LIBUSB_ERROR_ACCESS, UsbError, explain

USB_DENIED = explain(LIBUSB_ERROR_ACCESS, "linux")


class DeniedUsbWatcher:
    """A USB stack the station may not open (no udev rule): starting it fails."""

    def subscribe(self, _subscriber: Callable[..., None]) -> Callable[[], None]:
        return lambda: None

    def start(self) -> list:
        raise UsbError(USB_DENIED, LIBUSB_ERROR_ACCESS)

    def stop(self) -> None:
        pass
