"""USB discovery: which Android devices are plugged in, on which port, and what they need.

A device is named by its slot, the bus and port path ("1-1.4": bus 1, root port 1, hub port
4), so the same port gives the same slot after a reboot or a swap, and a port map can label
it. Devices with an ADB interface are `attached`; a phone from a known Android maker without
one is `no-adb` (USB debugging is off); hubs, keyboards, sticks and the rest are ignored.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import usb.core
import usb.util

from app.core import DeviceInfo, DeviceState
from app.devices.usb import LIBUSB_ERROR_ACCESS, UsbError, explain, pyusb_backend

log = logging.getLogger("kitbench.usb")

ADB_INTERFACE = (0xFF, 0x42, 0x01)  # class, subclass, protocol
HUB_CLASS = 0x09
# Interfaces a phone shows with debugging off: MTP/PTP, tethering (CDC, RNDIS), vendor ones.
PHONE_INTERFACE_CLASSES = frozenset({0x06, 0x02, 0x0A, 0xE0, 0xEF, 0xFF})
SLOT_PATTERN = re.compile(r"^(?P<bus>\d+)-(?P<ports>\d+(?:\.\d+)*)$")
SYSFS_DEVICES = Path("/sys/bus/usb/devices")
NO_ADB_HINT = "turn on USB debugging (Settings › Developer options)"

ANDROID_VENDORS = {
    0x18D1: "Google",
    0x04E8: "Samsung",
    0x05E0: "Zebra",  # Symbol
    0x0C2E: "Honeywell",
    0x17EF: "Lenovo",
    0x22B8: "Motorola",
    0x2A70: "OnePlus",
    0x2717: "Xiaomi",
    0x1004: "LG",
    0x0BB4: "HTC",
    0x0FCE: "Sony",
    0x12D1: "Huawei",
    0x19D2: "ZTE",
    0x0B05: "Asus",
    0x2A45: "Meizu",
    0x2D95: "Vivo",
    0x22D9: "Oppo",
    0x1EBF: "Datalogic",
    0x0502: "Acer",
    0x413C: "Dell",
    0x0489: "Foxconn",
    0x2E17: "Nokia",
    0x1BBB: "TCL",
    0x0E8D: "MediaTek",
    0x2207: "Rockchip",
    0x1F3A: "Allwinner",
    0x0955: "Nvidia",
    0x2B0E: "Urovo",
    0x2C7C: "Quectel",
    0x1782: "Spreadtrum",
}


@dataclass(frozen=True)
class UsbDevice:
    """One Android device on USB, as discovery sees it before any ADB session."""

    slot: str  # bus-port path, "1-1.4"
    bus: int
    address: int  # changes whenever the device re-enumerates
    vendor_id: int
    product_id: int
    state: DeviceState  # ATTACHED (has an ADB interface) or NO_ADB
    manufacturer: str | None = None
    product: str | None = None
    serial: str | None = None  # the USB serial number; Android uses its ADB serial
    message: str | None = None

    @property
    def endpoint(self) -> str:
        return f"usb:{self.slot}"

    @property
    def ids(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"

    def device_info(self, label: str | None = None) -> DeviceInfo:
        """As the station shows it; `label` is the port map's name for the slot."""
        return DeviceInfo(
            endpoint=self.endpoint,
            slot=label or self.slot,
            state=self.state,
            serial=self.serial,
            model=self.product,  # until a session reads ro.product.model
            manufacturer=self.manufacturer or ANDROID_VENDORS.get(self.vendor_id),
            message=self.message,
        )


def slot_of(bus: int, ports: Iterable[int]) -> str:
    return f"{bus}-{'.'.join(str(port) for port in ports)}"


def parse_slot(slot: str) -> tuple[int, tuple[int, ...]]:
    """ "1-1.4" -> (1, (1, 4)); ValueError for anything else."""
    match = SLOT_PATTERN.match(slot)
    if not match:
        raise ValueError(f"{slot!r} is not a USB slot; expected BUS-PORT[.PORT...], e.g. 1-1.4")
    return int(match["bus"]), tuple(int(port) for port in match["ports"].split("."))


def enumerate_usb(previous: Mapping[str, UsbDevice] | None = None) -> list[UsbDevice]:
    """Every Android device on USB now, sorted by slot; raises UsbError if libusb is missing.

    `previous` (by slot) is reused for devices still on the same address, so a rescan of a
    full bench reads no descriptors or names again.
    """
    try:
        found = usb.core.find(find_all=True, backend=pyusb_backend())
        candidates = list(found)
    except usb.core.USBError as exc:
        raise UsbError(f"cannot list USB devices: {exc}", exc.backend_error_code or 0) from None
    devices = []
    for candidate in candidates:
        ports = candidate.port_numbers
        if not ports or candidate.bDeviceClass == HUB_CLASS:
            continue  # root hubs have no port path
        slot = slot_of(candidate.bus, ports)
        known = (previous or {}).get(slot)
        if known is None or known.address != candidate.address:
            known = _classify(candidate, slot)
        if known is not None:
            devices.append(known)
    return sorted(devices, key=lambda device: parse_slot(device.slot))


def _classify(device: usb.core.Device, slot: str) -> UsbDevice | None:
    try:
        interfaces = {
            (setting.bInterfaceClass, setting.bInterfaceSubClass, setting.bInterfaceProtocol)
            for configuration in device
            for setting in configuration
        }
    except (usb.core.USBError, NotImplementedError) as exc:
        log.info("%s: cannot read configuration descriptors: %s", slot, exc)
        return None
    if ADB_INTERFACE in interfaces:
        state = DeviceState.ATTACHED
    elif device.idVendor in ANDROID_VENDORS and _looks_like_phone(interfaces):
        state = DeviceState.NO_ADB
    else:
        return None
    names = _names(device, slot)
    message = NO_ADB_HINT if state is DeviceState.NO_ADB else _access_problem(device)
    return UsbDevice(
        slot=slot,
        bus=device.bus,
        address=device.address,
        vendor_id=device.idVendor,
        product_id=device.idProduct,
        state=state,
        message=message,
        **names,
    )


def _looks_like_phone(interfaces: set[tuple[int, int, int]]) -> bool:
    """No interfaces (charge only) or a phone's; a maker's keyboard or stick is not one."""
    return not interfaces or any(cls in PHONE_INTERFACE_CLASSES for cls, _, _ in interfaces)


def _names(device: usb.core.Device, slot: str) -> dict[str, str | None]:
    """Manufacturer, product and serial from sysfs (no permission needed), else descriptors."""
    fields = {"manufacturer": "iManufacturer", "product": "iProduct", "serial": "iSerialNumber"}
    names: dict[str, str | None] = {}
    try:
        for name, index_field in fields.items():
            value = _sysfs_attribute(slot, name)
            if value is None:
                value = _descriptor_string(device, getattr(device, index_field))
            names[name] = value
    finally:
        usb.util.dispose_resources(device)  # let go of the handle reading strings opened
    return names


def _sysfs_attribute(slot: str, name: str) -> str | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        value = (SYSFS_DEVICES / slot / name).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return value.strip() or None


def _descriptor_string(device: usb.core.Device, index: int) -> str | None:
    """A string descriptor; needs the device opened, so unreadable ones are None."""
    if not index:
        return None
    try:
        value = usb.util.get_string(device, index)
    except (usb.core.USBError, ValueError, NotImplementedError):
        return None
    return value.strip() if value else None


def _access_problem(device: usb.core.Device) -> str | None:
    """On Linux, a device node the station may not open means the udev rules are missing."""
    if not sys.platform.startswith("linux"):
        return None
    node = f"/dev/bus/usb/{device.bus:03d}/{device.address:03d}"
    if os.path.exists(node) and not os.access(node, os.R_OK | os.W_OK):
        return explain(LIBUSB_ERROR_ACCESS)
    return None
