"""Writes the `.umockdev` USB testbeds in this folder (run it after changing a description).

umockdev files carry no comments, so the devices are described here, in words and code:
sysfs paths, attributes and the binary `descriptors` file libusb reads (device, configuration,
interface and endpoint descriptors). The benchmark imports `bench_of` for big benches.

    .venv/bin/python tests/integration/testbeds/make_testbeds.py
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent

ADB = (0xFF, 0x42, 0x01)
MTP = (0x06, 0x01, 0x01)
HID_KEYBOARD = (0x03, 0x01, 0x01)
MASS_STORAGE = (0x08, 0x06, 0x50)
HUB = (0x09, 0x00, 0x00)


@dataclass(frozen=True)
class Described:
    """One USB device: where it is plugged and what its descriptors say."""

    port_path: tuple[int, ...]  # (bus, port, port, ...); (bus,) is the root hub
    vendor: int
    product_id: int
    interfaces: tuple[tuple[int, int, int], ...]
    manufacturer: str
    product: str
    serial: str | None = None
    device_class: int = 0

    @property
    def bus(self) -> int:
        return self.port_path[0]

    @property
    def name(self) -> str:
        """The sysfs name: usb1 for a root hub, else 1-1.4."""
        bus, ports = self.port_path[0], self.port_path[1:]
        return f"{bus}-{'.'.join(map(str, ports))}" if ports else f"usb{bus}"


def descriptors(device: Described) -> bytes:
    """The sysfs `descriptors` file: device descriptor, then the one configuration."""
    body = b""
    endpoint = 1
    for number, (cls, subclass, protocol) in enumerate(device.interfaces):
        pipes = [(0x80 | endpoint, 3)] if cls == HUB[0] else [(0x80 | endpoint, 2), (endpoint, 2)]
        body += struct.pack("<9B", 9, 4, number, 0, len(pipes), cls, subclass, protocol, 0)
        for address, kind in pipes:
            body += struct.pack("<4BHB", 7, 5, address, kind, 512, 0)
        endpoint += 1
    config = struct.pack("<BBHBBBBB", 9, 2, 9 + len(body), len(device.interfaces), 1, 0, 0x80, 250)
    head = struct.pack(
        "<BBHBBBBHHHBBBB",
        *(18, 1, 0x0200, device.device_class, 0, 0, 64),
        *(device.vendor, device.product_id, 0x0100, 1, 2, 3 if device.serial else 0, 1),
    )
    return head + config + body


def record(device: Described, devnum: int, parent_sysfs: str) -> tuple[str, str]:
    """The umockdev record of one device and its sysfs path (children hang below it)."""
    sysfs = f"{parent_sysfs}/{device.name}"
    node = f"bus/usb/{device.bus:03d}/{devnum:03d}"
    lines = [
        f"P: {sysfs}",
        f"N: {node}",
        f"E: DEVNAME=/dev/{node}",
        "E: DEVTYPE=usb_device",
        "E: DRIVER=usb",
        f"E: PRODUCT={device.vendor:x}/{device.product_id:x}/100",
        "E: SUBSYSTEM=usb",
        f"E: BUSNUM={device.bus:03d}",
        f"E: DEVNUM={devnum:03d}",
        "A: bConfigurationValue=1",
        f"A: bDeviceClass={device.device_class:02x}",
        f"A: busnum={device.bus}",
        f"A: devnum={devnum}",
        f"A: idProduct={device.product_id:04x}",
        f"A: idVendor={device.vendor:04x}",
        f"A: manufacturer={device.manufacturer}",
        f"A: product={device.product}",
        "A: speed=480",
        f"H: descriptors={descriptors(device).hex().upper()}",
    ]
    if device.serial:
        lines.append(f"A: serial={device.serial}")
    return "\n".join(lines) + "\n", sysfs


def testbed(controllers: dict[int, str], devices: list[Described]) -> str:
    """Records for root hubs on the given PCI controllers and every device, parents first."""
    roots = [
        Described((bus,), 0x1D6B, 0x0002, (HUB,), "Linux", "xHCI Host Controller", pci, 9)
        for bus, pci in controllers.items()
    ]
    sysfs_of: dict[tuple[int, ...], str] = {}
    devnums = dict.fromkeys(controllers, 0)
    records = []
    for device in sorted(roots + devices, key=lambda d: (len(d.port_path), d.port_path)):
        devnums[device.bus] += 1
        if len(device.port_path) == 1:
            parent = f"/devices/pci0000:00/{controllers[device.bus]}"
        else:
            parent = sysfs_of[device.port_path[:-1]]
        text, sysfs_of[device.port_path] = record(device, devnums[device.bus], parent)
        records.append(text)
    return "\n".join(records)


def hub(*port_path: int) -> Described:
    return Described(port_path, 0x05E3, 0x0610, (HUB,), "GenesysLogic", "USB2.1 Hub", None, 9)


def phone(
    port_path: tuple[int, ...],
    vendor: int,
    product_id: int,
    name: str,
    serial: str,
    *,
    adb: bool = True,
    maker: str = "Google",
) -> Described:
    interfaces = (MTP, ADB) if adb else (MTP,)
    return Described(port_path, vendor, product_id, interfaces, maker, name, serial)


CONTROLLERS = {1: "0000:00:14.0", 2: "0000:03:00.0"}  # onboard xHCI and a PCIe card

BENCH = [
    # bus 1: a 4-port hub on root port 1; a keyboard and a stick straight on the PC
    hub(1, 1),
    phone((1, 1, 1), 0x18D1, 0x4EE7, "Pixel 7", "28A1KB0001"),
    phone((1, 1, 2), 0x04E8, 0x6860, "SAMSUNG_Android", "R52U4TNS62N", maker="SAMSUNG"),
    Described((1, 1, 3), 0x05E0, 0x2106, (ADB,), "Zebra Technologies", "TC52", "21093KB003"),
    phone((1, 1, 4), 0x18D1, 0x4EE1, "Pixel 6", "19B2KB0004", adb=False),
    Described((1, 2), 0x046D, 0xC31C, (HID_KEYBOARD,), "Logitech", "USB Keyboard"),
    Described((1, 3), 0x0781, 0x5583, (MASS_STORAGE,), "SanDisk", "Ultra Fit", "4C530001"),
    # bus 2: a hub on the PCIe card, one more hub behind its port 4
    hub(2, 1),
    Described((2, 1, 1), 0x0C2E, 0x0BA1, (ADB,), "Honeywell", "CT40", "19311KB011"),
    Described((2, 1, 2), 0x17EF, 0x6047, (HID_KEYBOARD,), "Lenovo", "ThinkPad Keyboard"),
    Described((2, 1, 3), 0x04E8, 0x61F5, (MASS_STORAGE,), "Samsung", "Flash Drive", "0371"),
    hub(2, 1, 4),
    phone((2, 1, 4, 1), 0x2717, 0xFF48, "Redmi Note 12", "a1b2KB0141", maker="Xiaomi"),
    phone((2, 1, 4, 2), 0x22B8, 0x2E81, "moto g54", "ZY22KB0142", maker="motorola"),
]

# Plugged in during the hotplug checks, one file each.
ARRIVALS = {
    "arrival-pixel8.umockdev": phone((2, 1, 4, 3), 0x18D1, 0x4EE7, "Pixel 8", "35KB0143"),
    "arrival-pixel6-debugging-on.umockdev": phone(
        (1, 1, 4), 0x18D1, 0x4EE7, "Pixel 6", "19B2KB0004"
    ),
}


def arrival(name: str, devnum: int) -> str:
    """The record of an arriving device, numbered after the bench's devices on its bus."""
    device = ARRIVALS[name]
    parent = {described.port_path: described for described in BENCH}
    path = f"/devices/pci0000:00/{CONTROLLERS[device.bus]}/usb{device.bus}"
    for depth in range(2, len(device.port_path)):
        path += f"/{parent[device.port_path[:depth]].name}"
    return record(device, devnum, path)[0]


def bench_of(count: int, *, buses: int = 5, hub_ports: int = 7) -> str:
    """A big bench: `count` ADB phones on 7-port hubs, spread over `buses` controllers."""
    controllers = {bus: f"0000:{bus + 9:02x}:00.0" for bus in range(1, buses + 1)}
    devices: list[Described] = []
    for index in range(count):
        bus = index % buses + 1
        slot = index // buses
        root_port, hub_port = slot // hub_ports + 1, slot % hub_ports + 1
        if hub_port == 1:
            devices.append(hub(bus, root_port))
        devices.append(
            phone((bus, root_port, hub_port), 0x18D1, 0x4EE7, "Pixel 7", f"KB{index:06d}")
        )
    return testbed(controllers, devices)


def main() -> None:
    (HERE / "bench.umockdev").write_text(testbed(CONTROLLERS, BENCH))
    for number, name in enumerate(ARRIVALS, start=20):
        (HERE / name).write_text(arrival(name, number))


if __name__ == "__main__":
    main()
