"""libusb for USB discovery and sessions: which library is loaded, and errors people understand.

Discovery enumerates through pyusb; adb-shell's USB transport and the hotplug callbacks go
through python-libusb1 (`usb1`). Both load the libusb the `libusb-package` wheel ships, so a
station needs no system libusb; `$KITBENCH_LIBUSB` names another one (the umockdev tests use
the system libusb, whose udev backend sees umockdev's simulated hotplug events).
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import sys
from types import ModuleType

import libusb_package
import usb.backend
import usb.backend.libusb1

log = logging.getLogger("kitbench.usb")

LIBRARY_ENV = "KITBENCH_LIBUSB"

# libusb error codes (libusb.h); pyusb and usb1 both carry them on their exceptions.
LIBUSB_ERROR_ACCESS = -3
LIBUSB_ERROR_NO_DEVICE = -4
LIBUSB_ERROR_NOT_FOUND = -5
LIBUSB_ERROR_BUSY = -6
LIBUSB_ERROR_OVERFLOW = -8  # the device sent more than was asked for: not ADB
LIBUSB_ERROR_NOT_SUPPORTED = -12

UDEV_HINT = (
    "no permission to open the device: install the udev rules Kitbench ships: "
    "sudo cp installer/linux/60-kitbench-adb.rules /etc/udev/rules.d/ "
    "&& sudo udevadm control --reload && replug"
)
BUSY_HINT = "an adb server holds the device: run `adb kill-server`"
WINUSB_HINT = (
    "Windows has no WinUSB driver for its ADB interface: install the Google USB Driver "
    "(Android SDK Manager) or the maker's ADB driver, or bind WinUSB to the "
    '"ADB Interface" with Zadig, then replug'
)
GONE_HINT = "the device was unplugged"


class UsbError(Exception):
    """A USB problem; str(e) says what to do, `.code` is the libusb error code (0 if none)."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


def explain(code: int, platform: str = sys.platform) -> str:
    """The one thing to do about a libusb error code on this platform."""
    windows = platform.startswith("win")
    if code == LIBUSB_ERROR_ACCESS:
        if windows:
            return WINUSB_HINT
        if platform.startswith("linux"):
            return UDEV_HINT
        return "no permission to open the device: another program holds it"
    if code == LIBUSB_ERROR_BUSY:
        return BUSY_HINT
    if code in (LIBUSB_ERROR_NOT_SUPPORTED, LIBUSB_ERROR_NOT_FOUND) and windows:
        return WINUSB_HINT
    if code in (LIBUSB_ERROR_NO_DEVICE, LIBUSB_ERROR_NOT_FOUND):
        return GONE_HINT
    return f"USB error {code}"


def library_path() -> str | None:
    """The libusb to load: `$KITBENCH_LIBUSB`, else the one in the libusb-package wheel."""
    override = os.environ.get(LIBRARY_ENV)
    if override:
        return override
    packaged = libusb_package.get_library_path()
    return str(packaged) if packaged else None


@functools.cache
def pyusb_backend() -> usb.backend.IBackend:
    """pyusb's libusb 1.0 backend over `library_path()` (pyusb keeps one per process)."""
    path = library_path()
    backend = usb.backend.libusb1.get_backend(
        find_library=(lambda _name: path) if path else libusb_package.find_library
    )
    if backend is None:
        if os.environ.get(LIBRARY_ENV):
            raise UsbError(f"cannot load libusb from ${LIBRARY_ENV} ({path})")
        raise UsbError(f"cannot load libusb ({path or 'not found'}): install libusb-1.0")
    return backend


@functools.cache
def usb1_module() -> ModuleType:
    """python-libusb1, loaded over the same libusb as pyusb when it has not been loaded yet."""
    import usb1

    path = library_path()
    if sys.platform == "win32":
        loader: type[ctypes.CDLL] = ctypes.WinDLL
    else:
        loader = ctypes.CDLL
    library = loader(path, use_errno=True, use_last_error=True) if path else None
    try:
        if not usb1.loadLibrary(library):
            log.debug("usb1 already uses another libusb than %s", path)
    except OSError as exc:
        raise UsbError(f"cannot load libusb for USB sessions: {exc}") from None
    module: ModuleType = usb1  # python-libusb1 has no types: the module is Any to mypy
    return module
