"""A device's identity for the asset register: what a reseller portal needs to know it by.

Read once per run from the device (`app/devices/identity.py`); a field the device would not
give is empty, with a typed reason in `gaps`, so the register says why and a box-label scan
can fill it. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class IdentityGap(StrEnum):
    """Why an identity field is empty."""

    REFUSED = "refused"  # Android refused the shell (e.g. SecurityException for device IDs)
    NO_RADIO = "no-radio"  # the device has no modem (Wi-Fi-only) or no such radio
    RANDOMIZED = "randomized"  # only a randomized MAC was visible, never the factory one
    UNREADABLE = "unreadable"  # the command failed or answered something else


@dataclass(frozen=True)
class DeviceIdentity:
    """The identifiers of one device, as it reported them (or as scanned from its box)."""

    serial: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    imei: tuple[str, ...] = ()  # 0, 1 or 2 IMEIs (15 digits each)
    meid: str | None = None  # 14 hex digits, CDMA devices only
    wifi_mac: str | None = None  # the factory MAC, lower case aa:bb:…, never a randomized one
    bluetooth_mac: str | None = None
    build_fingerprint: str | None = None
    security_patch: str | None = None
    hardware_serial: str | None = None  # only where it differs from ro.serialno
    gaps: dict[str, IdentityGap] = field(default_factory=dict)  # field name -> why it is empty
    scanned: tuple[str, ...] = ()  # the fields that came from a box-label scan

    def with_scanned_imei(self, imei: str) -> DeviceIdentity:
        """This identity with a scanned IMEI added, if the device did not report it."""
        if imei in self.imei or len(self.imei) >= 2:
            return self
        gaps = {name: gap for name, gap in self.gaps.items() if name != "imei"}
        return replace(self, imei=(*self.imei, imei), gaps=gaps,
                       scanned=(*self.scanned, "imei"))  # fmt: skip


def luhn_valid(digits: str) -> bool:
    """Whether `digits` is all digits and ends with a correct Luhn check digit."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def luhn_digit(body: str) -> str:
    """The Luhn check digit that completes `body` (digits only)."""
    return next(d for d in "0123456789" if luhn_valid(body + d))


def is_imei(text: str) -> bool:
    """An IMEI: 15 digits with a correct Luhn check digit (what a box label's barcode holds)."""
    return len(text) == 15 and luhn_valid(text)
