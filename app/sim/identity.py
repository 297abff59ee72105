"""Each simulated device's hardware identity and the commands that reveal it, per Android version.

IMEIs (valid Luhn; the Pixel 8 has two: SIM and eSIM), the Nexus 5X's MEID, the factory Wi-Fi
and Bluetooth MACs: all derived from the serial, so they survive a factory reset as real ones
do. The commands answer as those releases do to the shell user:

- `service call iphonesubinfo 1|4 …` prints a parcel: the String16, a null string on a device
  without a modem, or a SecurityException on a build that denies the shell device IDs.
- `/sys/class/net/wlan0/address` holds the factory MAC, except on Android 10 and later while
  connected with a randomized MAC.
- `settings get secure bluetooth_address` answers up to Android 11; `dumpsys
  bluetooth_manager` masks all but the last two bytes from Android 13.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from app.core.identity import luhn_digit
from app.sim.commands_core import Command, Invocation

WLAN_ADDRESS = "/sys/class/net/wlan0/address"


@dataclass(frozen=True)
class Radio:
    """What a model's modem and radios are: how many IMEIs, an MEID, and what the shell may read."""

    tac: str  # the 8-digit Type Allocation Code of the model's IMEIs ("" without a modem)
    imei_slots: int
    meid: bool = False
    shell_may_read_ids: bool = True


RADIOS = {
    "pixel8": Radio(tac="35391234", imei_slots=2),
    "galaxy_tab": Radio(tac="35260211", imei_slots=1, shell_may_read_ids=False),
    "zebra_tc52": Radio(tac="", imei_slots=0),  # the TC52 is the WLAN-only model
    "legacy_phone": Radio(tac="35396807", imei_slots=1, meid=True),
}
DEFAULT_RADIO = Radio(tac="35000000", imei_slots=1)


@dataclass(frozen=True)
class HardwareIds:
    imeis: tuple[str, ...]
    meid: str | None
    wifi_mac: str
    bluetooth_mac: str


def hardware_ids(profile_name: str, serial: str) -> HardwareIds:
    """The identifiers burnt into this device: stable for its serial."""
    radio = RADIOS.get(profile_name, DEFAULT_RADIO)
    digest = hashlib.sha256(f"hardware:{serial}".encode()).digest()
    imeis = []
    for slot in range(radio.imei_slots):
        body = radio.tac + f"{int.from_bytes(digest[slot * 4 : slot * 4 + 4], 'big') % 10**6:06d}"
        imeis.append(body + luhn_digit(body))
    meid = digest[8:15].hex().upper() if radio.meid else None
    oui = "3c:28:6d" if profile_name == "pixel8" else "f4:7b:09"  # universally administered
    tail = ":".join(f"{byte:02x}" for byte in digest[16:19])
    bt_tail = ":".join(f"{byte:02x}" for byte in digest[19:22])
    return HardwareIds(tuple(imeis), meid, f"{oui}:{tail}", f"{oui}:{bt_tail}")


def randomized_mac(serial: str, ssid_id: int) -> str:
    """The per-network random MAC Android 10+ uses: locally administered, unicast."""
    digest = hashlib.sha256(f"random-mac:{serial}:{ssid_id}".encode()).digest()
    first = (digest[0] | 0x02) & 0xFE
    return ":".join(f"{byte:02x}" for byte in (first, *digest[1:6]))


def wlan_address(device) -> bytes:  # device: app.sim.android.AndroidDevice
    """/sys/class/net/wlan0/address as the shell reads it."""
    state = device.state
    if device.sdk >= 29 and state.wifi_connected is not None:
        return (randomized_mac(state.serial, state.wifi_connected) + "\n").encode()
    return (hardware_ids(state.profile, state.serial).wifi_mac + "\n").encode()


def factory_secure_settings(profile_name: str, sdk: int, serial: str) -> dict[str, str]:
    """The secure settings a factory image holds about its radios (bluetooth_address ≤ 11)."""
    if sdk > 30:
        return {}
    return {"bluetooth_address": hardware_ids(profile_name, serial).bluetooth_mac.upper()}


def format_parcel(words: list[int]) -> str:
    """`service call`'s output: 32-bit words, four a line, with their ASCII column."""
    lines = []
    for offset in range(0, len(words), 4):
        chunk = words[offset : offset + 4]
        data = b"".join(struct.pack("<I", word) for word in chunk)
        ascii_column = "".join(chr(b) if 32 <= b < 127 else "." for b in data)
        hex_column = " ".join(f"{word:08x}" for word in chunk)
        lines.append(f"  0x{offset * 4:08x}: {hex_column:<35} '{ascii_column:<16}'")
    return "Result: Parcel(\n" + "\n".join(lines) + ")\n"


def _string16_words(text: str | None) -> list[int]:
    if text is None:
        return [0xFFFFFFFF]
    units = text.encode("utf-16-le") + b"\x00\x00"
    units += b"\x00" * (-len(units) % 4)
    return [len(text), *struct.unpack(f"<{len(units) // 4}I", units)]


def service(ctx: Invocation) -> int:
    """`service call iphonesubinfo CODE [i32 SLOT] [s16 PACKAGE]` and `service check NAME`."""
    args = ctx.args
    if args[:1] == ["check"] and len(args) > 1:
        found = "found" if args[1] in {"iphonesubinfo", "bluetooth_manager"} else "not found"
        ctx.out(f"Service {args[1]}: {found}\n")
        return 0
    if len(args) < 3 or args[0] != "call":
        ctx.err("usage: service [-h|-?]\n       service check SERVICE\n"
                "       service call SERVICE CODE [i32 N | s16 STR] ...\n")  # fmt: skip
        return 0
    if args[1] != "iphonesubinfo":
        ctx.out('Result: Parcel(Error: 0xffffffb6 "Not a data message")\n')
        return 0
    device = ctx.device
    radio = RADIOS.get(device.state.profile, DEFAULT_RADIO)
    code = args[2]
    slot = int(args[4]) if code == "4" and args[3:4] == ["i32"] and args[4:5] else 0
    if code not in {"1", "4"}:
        ctx.out(format_parcel([0, 0xFFFFFFFF]))
        return 0
    if device.sdk >= 29 and not radio.shell_may_read_ids:
        message = ("getDeviceId: The user 2000 does not meet the requirements"
                   " to access device identifiers.")  # fmt: skip
        ctx.out(format_parcel([0xFFFFFFFF, *_string16_words(message)]))
        return 0
    ids = hardware_ids(device.state.profile, device.state.serial)
    phone_ids: list[str] = list(ids.imeis) + ([ids.meid] if ids.meid else [])
    value = phone_ids[slot] if slot < len(phone_ids) else None
    ctx.out(format_parcel([0, *_string16_words(value)]))
    return 0


def dumpsys_bluetooth_manager(ctx: Invocation, args: list[str]) -> int:
    device = ctx.device
    address = hardware_ids(device.state.profile, device.state.serial).bluetooth_mac.upper()
    if device.sdk >= 33:
        address = "XX:XX:XX:XX:" + address[-5:]
    name = device.state.settings.get("secure", {}).get("bluetooth_name", "")
    ctx.out(f"Bluetooth Status\n  enabled: true\n  state: ON\n  address: {address}\n"
            f"  name: {name}\n")  # fmt: skip
    return 0


IDENTITY_COMMANDS: dict[str, Command] = {"service": service}
