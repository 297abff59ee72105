"""ADB sessions over USB through adb-shell, on a slot, with errors people understand.

The `Device` facade calls `open_usb_session` for `usb:1-1.4` (a slot) or `usb:SERIAL`
specs. The auth timeout must be long enough for a person to reach the device and tap
"Allow" while the tile says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from adb_shell import exceptions as adb_errors
from adb_shell.adb_device import AdbDevice
from adb_shell.auth.sign_pythonrsa import PythonRSASigner

from app.devices.adb_protocol import AdbSession, ConnectFailed, authorize
from app.devices.usb import LIBUSB_ERROR_OVERFLOW, UsbError, explain, usb1_module
from app.devices.usb_discovery import SLOT_PATTERN, parse_slot

TRANSPORT_TIMEOUT_S = 10.0
NOT_AUTHORIZED = "not authorized: tap Allow on the device"


class UsbAuthError(UsbError):
    """The device has not accepted the station's key (nobody tapped Allow in time)."""


@dataclass(frozen=True)
class UsbEndpoint:
    """A parsed `usb:` spec: a slot ("1-1.4") or a USB serial number."""

    slot: str | None
    serial: str | None

    @property
    def spec(self) -> str:
        return f"usb:{self.slot or self.serial}"

    @property
    def bus(self) -> str:
        """Transfers are limited per USB bus (a serial-only spec shares the generic pool)."""
        return f"usb{parse_slot(self.slot)[0]}" if self.slot else "usb"


def parse_usb_spec(spec: str) -> UsbEndpoint:
    """`usb:1-1.4` or `usb:SERIAL`; ValueError with the expected forms otherwise."""
    kind, _, rest = spec.strip().partition(":")
    rest = rest.strip()
    if kind != "usb" or not rest or any(char.isspace() for char in rest):
        raise ValueError(f"{spec!r} is not a USB device spec; expected usb:1-1.4 or usb:SERIAL")
    if SLOT_PATTERN.match(rest):
        return UsbEndpoint(slot=rest, serial=None)
    return UsbEndpoint(slot=None, serial=rest)


def open_usb_session(
    slot: str,
    key: PythonRSASigner,
    *,
    auth_timeout_s: float,
    on_auth_prompt: Callable[[], None] | None = None,
) -> AdbDevice:
    """A connected and authorized ADB session over USB, for a slot ("1-1.4") or a serial.

    It is what adb-shell's `AdbDeviceUsb` builds (an `AdbDevice` over its `UsbTransport`),
    made here so the transport is imported after `usb1_module()` chose the libusb, whatever
    imported adb-shell first.

    Raises UsbAuthError when nobody tapped Allow within `auth_timeout_s`, and UsbError with
    the fix for everything else (udev rules, `adb kill-server`, the WinUSB driver, unplugged).
    `on_auth_prompt` is called when the device shows its "Allow USB debugging?" dialog.
    """
    endpoint = parse_usb_spec(slot if slot.startswith("usb:") else f"usb:{slot}")
    usb1 = usb1_module()
    from adb_shell.transport.usb_transport import UsbTransport

    try:
        # adb-shell matches a "1-1.4" string (or a list), never a tuple.
        transport = UsbTransport.find_adb(
            serial=endpoint.serial,
            port_path=endpoint.slot,
            default_transport_timeout_s=TRANSPORT_TIMEOUT_S,
        )
    except adb_errors.UsbDeviceNotFoundError:
        raise UsbError(
            f"no ADB device at {endpoint.spec}: unplugged, or USB debugging is off"
        ) from None
    except usb1.USBError as exc:
        raise UsbError(explain(exc.value), exc.value) from None
    session = AdbSession(transport, default_transport_timeout_s=TRANSPORT_TIMEOUT_S)
    try:
        authorize(
            session,
            key,
            timeout_s=TRANSPORT_TIMEOUT_S,
            auth_timeout_s=auth_timeout_s,
            on_auth_prompt=on_auth_prompt,
        )
    except ConnectFailed as failure:
        raise connect_error(failure.cause, prompted=failure.prompted) from None
    return session


def connect_error(exc: Exception, *, prompted: bool) -> UsbError:
    """The one message for a failed USB connect or reconnect; the libusb code decides it.

    `prompted`: the device showed its "Allow USB debugging?" dialog during the attempt.
    """
    usb1 = usb1_module()
    if isinstance(exc, adb_errors.DeviceAuthError):
        message = NOT_AUTHORIZED if prompted else "the device refused this station's key"
        return UsbAuthError(message)
    usb_error = exc if isinstance(exc, usb1.USBError) else getattr(exc, "usb_error", None)
    if isinstance(usb_error, usb1.USBErrorTimeout) or isinstance(exc, adb_errors.AdbTimeoutError):
        if prompted:
            return UsbAuthError(NOT_AUTHORIZED)
        return UsbError(f"no answer from the device within {TRANSPORT_TIMEOUT_S:g} s")
    garbage = isinstance(usb_error, usb1.USBError) and usb_error.value == LIBUSB_ERROR_OVERFLOW
    if isinstance(usb_error, usb1.USBError) and not garbage:
        return UsbError(explain(usb_error.value), usb_error.value)
    if garbage or isinstance(exc, adb_errors.InvalidResponseError | adb_errors.InvalidCommandError):
        return UsbError("the device answered with garbage while connecting")
    return UsbError(f"USB connection failed: {exc or type(exc).__name__}")
