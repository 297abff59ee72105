"""USB hotplug: `attached` and `detached` events for Android devices, matched by slot.

One background thread watches the bus. Where libusb has hotplug callbacks (Linux, macOS) a
plug or unplug wakes it at once; elsewhere (Windows) it polls. Either way every wake-up
enumerates again and compares by slot, so a device that re-enumerates (a reboot, debugging
switched on) is reported detached and attached again on the same slot, and the station can
carry on with whatever it was doing for that slot.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from app.devices.usb import UsbError, usb1_module
from app.devices.usb_discovery import UsbDevice, enumerate_usb, parse_slot

log = logging.getLogger("kitbench.usb")

POLL_INTERVAL_S = 0.5  # without hotplug callbacks
HOTPLUG_RESCAN_S = 2.0  # with them: a safety net for an event libusb did not deliver


class UsbChange(StrEnum):
    ATTACHED = "attached"
    DETACHED = "detached"


@dataclass(frozen=True)
class UsbEvent:
    change: UsbChange
    device: UsbDevice  # for DETACHED, the device as it was last seen


Subscriber = Callable[[UsbEvent], None]


def same_plug_in(before: UsbDevice, after: UsbDevice) -> bool:
    """Still the same plug-in: not re-enumerated (new address) and not switched mode."""

    def unnamed(device: UsbDevice) -> UsbDevice:
        return replace(device, manufacturer=None, product=None, serial=None, message=None)

    return unnamed(before) == unnamed(after)


class UsbWatcher:
    """Calls every subscriber, from the watcher thread, for each device that comes or goes.

    Subscribers must be cheap and thread-safe (the Qt bridge re-emits them as signals).
    """

    def __init__(
        self, *, poll_interval_s: float = POLL_INTERVAL_S, use_hotplug: bool = True
    ) -> None:
        self._poll_interval_s = poll_interval_s
        self._use_hotplug = use_hotplug
        self._subscribers: list[Subscriber] = []
        self._known: dict[str, UsbDevice] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._context: Any = None  # usb1.USBContext when hotplug callbacks are in use

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns the function that removes it again."""
        with self._lock:
            self._subscribers.append(subscriber)
        return lambda: self._unsubscribe(subscriber)

    def start(self) -> list[UsbDevice]:
        """Enumerate once (raises UsbError if USB is unusable), report those, then watch."""
        if self._thread is not None:
            raise RuntimeError("the USB watcher is already running")
        self._rescan()
        self._context = self._hotplug_context() if self._use_hotplug else None
        self._thread = threading.Thread(target=self._watch, name="usb-watcher", daemon=True)
        self._thread.start()
        return self.devices()

    @property
    def uses_hotplug(self) -> bool:
        return self._context is not None

    def devices(self) -> list[UsbDevice]:
        with self._lock:
            return sorted(self._known.values(), key=lambda device: parse_slot(device.slot))

    def stop(self) -> None:
        self._stopping.set()
        if self._context is not None:
            self._context.interruptEventHandler()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._context is not None:
            self._context.close()
            self._context = None

    def __enter__(self) -> UsbWatcher:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- the watcher thread ---------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stopping.is_set():
            if self._context is not None:
                try:
                    self._context.handleEventsTimeout(tv=HOTPLUG_RESCAN_S)
                except Exception as exc:  # a broken callback context: keep watching by polling
                    log.warning("USB hotplug events failed (%s); polling instead", exc)
                    self._context = None
            else:
                self._stopping.wait(self._poll_interval_s)
            if self._stopping.is_set():
                return
            try:
                self._rescan()
            except Exception as exc:  # the bench must keep seeing plug-ins after one bad scan
                log.warning("USB enumeration failed: %s", exc)

    def _hotplug_context(self) -> Any:
        """A libusb context whose hotplug callback wakes the watcher, or None to poll."""
        try:
            usb1 = usb1_module()
        except UsbError as exc:
            log.info(
                "no USB hotplug callbacks (%s); polling every %g s", exc, self._poll_interval_s
            )
            return None
        if not usb1.hasCapability(usb1.CAP_HAS_HOTPLUG):
            return None
        context = usb1.USBContext()
        try:
            context.open()
            context.hotplugRegisterCallback(lambda *_event: False, flags=0)
        except usb1.USBError as exc:
            context.close()
            log.info(
                "no USB hotplug callbacks (%s); polling every %g s", exc, self._poll_interval_s
            )
            return None
        return context

    def _rescan(self) -> None:
        with self._lock:
            previous = self._known
        current = {device.slot: device for device in enumerate_usb(previous)}
        with self._lock:
            self._known = current
            subscribers = list(self._subscribers)
        events = [
            UsbEvent(UsbChange.DETACHED, old)
            for slot, old in previous.items()
            if slot not in current or not same_plug_in(old, current[slot])
        ] + [
            UsbEvent(UsbChange.ATTACHED, new)
            for slot, new in current.items()
            if slot not in previous or not same_plug_in(previous[slot], new)
        ]
        for event in events:
            for subscriber in subscribers:
                try:
                    subscriber(event)
                except Exception:
                    log.exception("a USB event subscriber failed on %s", event)

    def _unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)
