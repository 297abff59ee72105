"""USB slots, the port map, device specs and the messages for the usual USB trouble."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import usb1
from adb_shell import exceptions as adb_errors

from app.core import DeviceState
from app.devices.slots import PortMap, PortMapError, SlotLabeller, generated_label, label_order
from app.devices.usb import LIBUSB_ERROR_ACCESS, LIBUSB_ERROR_BUSY, UsbError, explain
from app.devices.usb_discovery import UsbDevice, parse_slot
from app.devices.usb_hotplug import same_plug_in
from app.devices.usb_session import (
    NOT_AUTHORIZED,
    UsbAuthError,
    connect_error,
    open_usb_session,
    parse_usb_spec,
)

UDEV_FIX = (
    "sudo cp installer/linux/60-kitbench-adb.rules /etc/udev/rules.d/ "
    "&& sudo udevadm control --reload && replug"
)


def test_slot_is_bus_and_port_path():
    assert parse_slot("1-1.4") == (1, (1, 4))
    assert parse_slot("12-3") == (12, (3,))
    for bad in ("1-", "1.4", "usb1", "1-1..4", "a-1"):
        with pytest.raises(ValueError, match="not a USB slot"):
            parse_slot(bad)


def test_usb_specs_name_a_slot_or_a_serial():
    by_slot = parse_usb_spec("usb:1-1.4")
    assert (by_slot.slot, by_slot.serial, by_slot.spec, by_slot.bus) == (
        "1-1.4",
        None,
        "usb:1-1.4",
        "usb1",
    )
    by_serial = parse_usb_spec("usb:R52U4TNS62N")
    assert (by_serial.slot, by_serial.serial, by_serial.bus) == (None, "R52U4TNS62N", "usb")
    for bad in ("usb:", "tcp:1-1.4", "usb:a b"):
        with pytest.raises(ValueError, match=r"expected usb:1-1\.4 or usb:SERIAL"):
            parse_usb_spec(bad)


def test_device_info_shows_the_port_label_and_the_usb_names():
    device = UsbDevice("1-1.4", 1, 7, 0x18D1, 0x4EE1, DeviceState.NO_ADB, None, "Pixel 6", "19B2")
    info = device.device_info("A4")
    assert (info.endpoint, info.slot, info.state) == ("usb:1-1.4", "A4", DeviceState.NO_ADB)
    assert (info.serial, info.model, info.manufacturer) == ("19B2", "Pixel 6", "Google")
    assert device.device_info().slot == "1-1.4"


def test_a_new_address_on_the_same_slot_is_a_new_plug_in():
    before = UsbDevice("1-1.4", 1, 7, 0x18D1, 0x4EE1, DeviceState.NO_ADB, product="Pixel 6")
    renamed = UsbDevice("1-1.4", 1, 7, 0x18D1, 0x4EE1, DeviceState.NO_ADB, product="Pixel")
    rebooted = UsbDevice("1-1.4", 1, 9, 0x18D1, 0x4EE1, DeviceState.NO_ADB, product="Pixel 6")
    assert same_plug_in(before, renamed)
    assert not same_plug_in(before, rebooted)


def test_port_map_labels_slots(kitbench_home):
    kitbench_home.mkdir()
    (kitbench_home / "ports.yaml").write_text("# bench 1\n1-1.1: A1\n'1-1.2': A2\n2-1.4.1: 7\n")
    ports = PortMap.load()
    assert [ports.label(slot) for slot in ("1-1.1", "1-1.2", "2-1.4.1", "1-1.3")] == [
        "A1",
        "A2",
        "7",
        "1-1.3",
    ]


def test_no_port_map_means_paths(kitbench_home):
    assert PortMap.load().label("1-1.4") == "1-1.4"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1-1.1: A1\n1-1.2: A1\n", ":2: 'A1' already labels 1-1.1"),
        ("1-1.1: A1\n1-1.1: B1\n", ":2: 1-1.1 is labelled twice"),
        ("1-1.1: A1\nport 4: A4\n", ":2: 'port 4' is not a USB slot like 1-1.4"),
        ("1-1.1: ''\n", ":1: the label of 1-1.1 must be 1 to 32 characters"),
        ("1-1.1: [A, B]\n", ":1: the label of 1-1.1 must be 1 to 32 characters"),
        ("1-1.1: A1\n  - x: [\n", ":2: not valid YAML"),
        ("- 1-1.1\n", ":1: expected lines of PORT: LABEL"),
    ],
)
def test_a_broken_port_map_names_file_and_line(tmp_path, text, problem):
    path = tmp_path / "ports.yaml"
    path.write_text(text)
    with pytest.raises(PortMapError) as caught:
        PortMap.load(path)
    assert str(caught.value).startswith(f"{path}{problem}")


def test_network_ports_are_mapped_by_host_and_port(kitbench_home):
    kitbench_home.mkdir()
    (kitbench_home / "ports.yaml").write_text("127.0.0.1:7400: N1\ntcp:bench-pi.local:5555: N2\n")
    ports = PortMap.load()
    assert ports.labels == {"127.0.0.1:7400": "N1", "bench-pi.local:5555": "N2"}
    assert ports.label("tcp:127.0.0.1:7400") == "N1"
    with pytest.raises(PortMapError, match=r":1: '127.0.0.1:99999' is not a USB slot"):
        PortMap.parse("127.0.0.1:99999: N1\n")


def test_generated_labels_count_ports_per_ten_port_hub():
    assert [generated_label(i) for i in (0, 1, 9, 10, 19, 20, 259, 260)] == [
        "A1", "A2", "A10", "B1", "B10", "C1", "Z10", "AA1",
    ]  # fmt: skip
    assert sorted(["B1", "A10", "A2", "A1"], key=label_order) == ["A1", "A2", "A10", "B1"]


def test_the_labeller_gives_mapped_labels_then_free_generated_ones_for_good():
    labeller = SlotLabeller(PortMap({"1-1.4": "A1", "1-1.2": "A2", "127.0.0.1:7400": "A4"}))
    assert labeller.label("usb:1-1.9") == "A3"  # unmapped: the first label the map leaves free
    assert labeller.label("usb:1-1.2") == "A2"
    assert labeller.label("tcp:127.0.0.1:7401") == "A5"  # A4 belongs to a mapped port
    assert labeller.label("usb:1-1.4") == "A1"
    assert labeller.label("tcp:127.0.0.1:7400") == "A4"
    assert labeller.label("usb:1-1.9") == "A3"  # the same port keeps its label
    assert labeller.label("2-1") == "A6"


def test_a_saved_port_map_loads_back_and_replaces_the_old_file(tmp_path):
    path = tmp_path / "station" / "ports.yaml"
    first = PortMap({"1-1.1": "A1", "127.0.0.1:7400": "7", "2-1.3": "Dock: left"})
    assert first.save(path) == path
    assert PortMap.load(path) == first
    PortMap({"1-1.2": "B1"}).save(path)
    assert PortMap.load(path).labels == {"1-1.2": "B1"}
    assert [entry.name for entry in path.parent.iterdir()] == ["ports.yaml"]  # no temp left
    PortMap().save(path)
    assert PortMap.load(path).labels == {}


def test_usb_trouble_comes_with_the_fix():
    assert explain(LIBUSB_ERROR_ACCESS, "linux").endswith(UDEV_FIX)
    assert explain(LIBUSB_ERROR_BUSY, "linux") == (
        "an adb server holds the device: run `adb kill-server`"
    )
    assert explain(LIBUSB_ERROR_BUSY, "win32") == explain(LIBUSB_ERROR_BUSY, "linux")
    for code in (LIBUSB_ERROR_ACCESS, -12, -5):  # ACCESS, NOT_SUPPORTED, NOT_FOUND
        assert "WinUSB" in explain(code, "win32")
        assert "Google USB Driver" in explain(code, "win32")
    assert "udev" not in explain(LIBUSB_ERROR_ACCESS, "darwin")


def test_failed_usb_connects_say_what_to_do():
    access = connect_error(usb1.USBErrorAccess(), prompted=False)
    assert (access.code, str(access).endswith(UDEV_FIX)) == (LIBUSB_ERROR_ACCESS, True)
    busy = connect_error(usb1.USBErrorBusy(), prompted=False)
    assert "adb kill-server" in str(busy)
    read_failed = adb_errors.UsbReadFailedError("no data", usb1.USBErrorBusy())
    assert "adb kill-server" in str(connect_error(read_failed, prompted=False))


def test_nobody_tapping_allow_is_an_auth_error():
    waited = adb_errors.UsbReadFailedError("timed out", usb1.USBErrorTimeout())
    assert isinstance(connect_error(waited, prompted=True), UsbAuthError)
    assert str(connect_error(waited, prompted=True)) == NOT_AUTHORIZED
    silent = connect_error(waited, prompted=False)
    assert not isinstance(silent, UsbAuthError)
    assert "no answer" in str(silent)
    refused = connect_error(adb_errors.DeviceAuthError("refused"), prompted=False)
    assert isinstance(refused, UsbAuthError)


def test_opening_an_empty_slot_says_nothing_is_there(host_key):
    with pytest.raises(UsbError, match=r"no ADB device at usb:9-9\.9: unplugged, or USB debugging"):
        open_usb_session("9-9.9", host_key, auth_timeout_s=1)
    with pytest.raises(ValueError, match=r"expected usb:1-1\.4 or usb:SERIAL"):
        open_usb_session("usb:", host_key, auth_timeout_s=1)


def test_the_udev_rules_the_message_names_exist_and_cover_the_common_makers():
    rules = Path(__file__).parents[2] / "installer/linux/60-kitbench-adb.rules"
    assert f"sudo cp {rules.relative_to(rules.parents[2])} /etc/udev/rules.d/" in UDEV_FIX
    lines = [line for line in rules.read_text().splitlines() if line and not line.startswith("#")]
    udev_pair = r'[A-Z_]+(\{[A-Za-z_ =-]+\})?(==|!=|=|\+=)"[^"]*"'
    for line in lines:  # udev has no trailing comments: every line is only key-op-value pairs
        assert re.fullmatch(rf"{udev_pair}(, {udev_pair})*", line), line
    assert any('ENV{ID_USB_INTERFACES}=="*:ff4201:*"' in line for line in lines)
    grant = r'ATTR\{idVendor\}=="([0-9a-f]{4})", MODE="0660", GROUP="plugdev"'
    granted = set(re.findall(grant, rules.read_text()))
    makers = {  # Google Samsung Zebra Honeywell Lenovo Motorola OnePlus Xiaomi LG HTC Sony
        "18d1", "04e8", "05e0", "0c2e", "17ef", "22b8", "2a70", "2717", "1004", "0bb4", "0fce",
    }  # fmt: skip
    assert makers <= granted
