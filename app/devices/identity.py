"""Reading a device's identity as the ADB shell user can: props, IMEIs, MEID, factory MACs.

What each Android version refuses, and why, is in docs/troubleshooting.md ("The asset
register"). Every field the device does not give is left empty with a typed reason.
"""

from __future__ import annotations

import re
import secrets
import struct

from app.core.identity import DeviceIdentity, IdentityGap, is_imei
from app.devices.device import Device, DeviceError

# `service call iphonesubinfo CODE …`: getDeviceId (slot 0), getDeviceIdForPhone (slot 1).
# Since Android 10 the calling package is an argument and the caller needs
# READ_PRIVILEGED_PHONE_STATE; builds that deny it to the shell answer SecurityException.
IMEI_COMMANDS = (
    "service call iphonesubinfo 1 s16 com.android.shell",
    "service call iphonesubinfo 4 i32 1 s16 com.android.shell",
)
WIFI_MAC_COMMAND = "cat /sys/class/net/wlan0/address"
BLUETOOTH_SETTING_COMMAND = "settings get secure bluetooth_address"
BLUETOOTH_DUMPSYS_COMMAND = "dumpsys bluetooth_manager"
IDENTITY_COMMANDS = (
    *IMEI_COMMANDS,
    WIFI_MAC_COMMAND,
    BLUETOOTH_SETTING_COMMAND,
    BLUETOOTH_DUMPSYS_COMMAND,
)
IDENTITY_TIMEOUT_S = 60  # all of them together
_HEX_WORD = re.compile(r"\b[0-9a-f]{8}\b")
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_MEID = re.compile(r"^[0-9A-F]{14}$")


class ParcelError(ValueError):
    """The answer of `service call` is not a parcel."""


def parcel_string(output: str) -> tuple[str | None, bool]:
    """The String16 a `service call` parcel holds: (text or None for a null string, refused).

    Output looks like ``Result: Parcel(0x00000000: 00000000 0000000f 00350033 …  '…')``:
    little-endian 32-bit words; the first is the exception code (0: none), then the
    string's length in UTF-16 units and its units two to a word.
    """
    if "Parcel(" not in output:
        raise ParcelError(output.strip()[:80])
    words: list[int] = []
    for line in output.split("Parcel(", 1)[1].splitlines():
        body = line.split("'", 1)[0]  # the quoted ASCII column is lossy: read the words
        if ":" in body:
            body = body.split(":", 1)[1]
        words.extend(int(word, 16) for word in _HEX_WORD.findall(body))
    if not words:
        raise ParcelError("empty parcel")
    if words[0] != 0:
        return None, True  # an exception: SecurityException for device identifiers
    if len(words) < 2 or words[1] == 0xFFFFFFFF:
        return None, False
    length = words[1]
    data = b"".join(struct.pack("<I", word) for word in words[2:])
    return data[: length * 2].decode("utf-16-le", errors="replace"), False


def read_identity(device: Device, props: dict[str, str]) -> DeviceIdentity:
    """The device's identity; the session's loss (DeviceError.lost_session) propagates."""
    gaps: dict[str, IdentityGap] = {}
    serial = props.get("ro.serialno") or props.get("ro.boot.serialno") or None
    hardware = props.get("ril.serialnumber") or props.get("ro.boot.serialno") or None
    answers = _answers(device, IDENTITY_COMMANDS)
    imeis, meid = _radio_ids(answers, gaps)
    return DeviceIdentity(
        serial=serial,
        manufacturer=props.get("ro.product.manufacturer") or None,
        model=props.get("ro.product.model") or None,
        imei=imeis,
        meid=meid,
        wifi_mac=_wifi_mac(answers, gaps),
        bluetooth_mac=_bluetooth_mac(answers, gaps),
        build_fingerprint=props.get("ro.build.fingerprint") or None,
        security_patch=props.get("ro.build.version.security_patch") or None,
        hardware_serial=hardware if hardware and hardware != serial else None,
        gaps=gaps,
    )


def _answers(device: Device, commands: tuple[str, ...]) -> dict[str, str | None]:
    """Each command's output (stdout and stderr, in order) when it exits 0, else None; all in
    one round trip, each followed by a line with a fresh marker and its exit status."""
    marker = f"KBID{secrets.token_hex(8)}"
    script = "; ".join(f'{command} 2>&1; echo "{marker}:$?"' for command in commands)
    try:
        result = device.shell(script, timeout=IDENTITY_TIMEOUT_S)
    except DeviceError as exc:
        if exc.lost_session:
            raise
        return dict.fromkeys(commands)
    answers: dict[str, str | None] = {}
    rest = result.stdout
    for command in commands:
        output, found, rest = rest.partition(f"{marker}:")
        status, _, rest = rest.partition("\n")
        answers[command] = output if found and status.strip() == "0" else None
    return answers


def _radio_ids(
    answers: dict[str, str | None], gaps: dict[str, IdentityGap]
) -> tuple[tuple[str, ...], str | None]:
    imeis: list[str] = []
    meid = None
    refused = unreadable = False
    for command in IMEI_COMMANDS:
        output = answers[command]
        try:
            text, denied = parcel_string(output or "")
        except ParcelError:
            unreadable = True
            continue
        refused |= denied
        value = (text or "").strip()
        if is_imei(value) and value not in imeis:
            imeis.append(value)
        elif _MEID.match(value.upper()) and meid is None:
            meid = value.upper()
    if not imeis:
        if refused:
            gaps["imei"] = IdentityGap.REFUSED
        elif unreadable:
            gaps["imei"] = IdentityGap.UNREADABLE
        else:
            gaps["imei"] = IdentityGap.NO_RADIO
    return tuple(imeis), meid


def _wifi_mac(answers: dict[str, str | None], gaps: dict[str, IdentityGap]) -> str | None:
    mac = (answers[WIFI_MAC_COMMAND] or "").strip().lower()
    if not _MAC.match(mac):
        gaps["wifi_mac"] = IdentityGap.UNREADABLE
        return None
    if int(mac[:2], 16) & 0x02:  # locally administered: a randomized MAC, not the factory one
        gaps["wifi_mac"] = IdentityGap.RANDOMIZED
        return None
    return mac


def _bluetooth_mac(answers: dict[str, str | None], gaps: dict[str, IdentityGap]) -> str | None:
    setting = (answers[BLUETOOTH_SETTING_COMMAND] or "").strip().lower()
    if _MAC.match(setting):
        return setting
    dump = answers[BLUETOOTH_DUMPSYS_COMMAND] or ""
    found = re.search(r"^\s*address:\s*(\S+)", dump, re.MULTILINE)
    address = found.group(1).lower() if found else ""
    if _MAC.match(address):
        return address
    # Android 13 and later show the address masked (XX:XX:XX:XX:12:34) to the shell.
    gaps["bluetooth_mac"] = IdentityGap.REFUSED if found else IdentityGap.UNREADABLE
    return None
