"""Why a step failed, a run stopped or a device was refused, as typed facts: a `Why` kind
and its parameters as data (a step's name, a package, the device's own words verbatim).

The runner and the checks make a `Reason` beside the English sentence they record, so the
window can word it in the bench's language (`app/ui/reason_words.py`) while the record, the
sync payload and the terminal keep their English (`app/provisioning/reason_text.py`). Nothing
decides on a Reason's words; code that decides reads `kind`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

Arg = str | int | float


class Why(StrEnum):
    """The kinds of reasons; the comment names each kind's arguments."""

    # -- `requires`: why a device is refused
    NOT_ANDROID = "not-android"  # no getprop: not an Android device
    SDK_TOO_OLD = "sdk-too-old"  # release, sdk, needed
    SDK_TOO_NEW = "sdk-too-new"  # release, sdk, allowed
    MODEL_NOT_LISTED = "model-not-listed"  # model, listed (", "-joined globs)
    MANUFACTURER_NOT_LISTED = "manufacturer-not-listed"  # manufacturer, listed
    BATTERY_UNKNOWN = "battery-unknown"  # the device reports no battery level
    BATTERY_UNREADABLE = "battery-unreadable"  # device (the session's words)
    BATTERY_LOW = "battery-low"  # level, needed (percent)

    # -- a step: files and APKs on the station
    FILE_UNREADABLE = "file-unreadable"  # file, system (the operating system's words)
    NOT_AN_APK = "not-an-apk"  # file, detail
    NOT_AN_APK_SET = "not-an-apk-set"  # file, detail ("" when it holds no splits/*.apk)
    SHA256_MISMATCH = "sha256-mismatch"  # file, found ("" when not told)
    WRONG_PACKAGE = "wrong-package"  # file, package, wanted
    SPLIT_SET_BASES = "split-set-bases"  # file, count (base APKs found, not 1)
    SPLIT_MISMATCH = "split-mismatch"  # file, package, version, base_package, base_version
    NEWER_INSTALLED = "newer-installed"  # package, installed, version
    APP_NEEDS_NEWER_ANDROID = "app-needs-newer-android"  # package, needed, sdk

    # -- a step: the device said no (`android`: its own words, verbatim)
    INSTALL_REFUSED = "install-refused"  # android, package
    UNINSTALL_REFUSED = "uninstall-refused"  # android
    LISTING_PACKAGES_REFUSED = "listing-packages-refused"  # android
    ENABLE_REFUSED = "enable-refused"  # package, android
    DISABLE_REFUSED = "disable-refused"  # package, android
    GRANT_REFUSED = "grant-refused"  # permission, android
    SETTING_READ_REFUSED = "setting-read-refused"  # android
    SETTING_WRITE_REFUSED = "setting-write-refused"  # android
    TIMEZONE_REFUSED = "timezone-refused"  # android
    WIFI_NEEDS_ANDROID_11 = "wifi-needs-android-11"  # release
    WIFI_JOIN_REFUSED = "wifi-join-refused"  # ssid, android
    DEVICE_OWNER_REFUSED = "device-owner-refused"  # android
    BOOT_TIMEOUT = "boot-timeout"  # seconds
    SHELL_EXIT = "shell-exit"  # exit_code, android
    EXPECT_INVALID = "expect-invalid"  # pattern, detail (the regular expression's error)
    OUTPUT_MISMATCH = "output-mismatch"  # pattern
    STEP_NEEDS_ANDROID = "step-needs-android"  # action
    DEVICE_ERROR = "device-error"  # problem (app.core.Problem's value), device (its words)
    VARIABLE = "variable"  # detail: a placeholder that cannot be filled (no secret in it)
    MARKER_NOT_KEPT = "marker-not-kept"  # the device did not keep the provisioned marker

    # -- `verify` and `wait_for`: a condition that does not hold
    PACKAGE_MISSING = "package-missing"  # package
    VERSION_OLDER = "version-older"  # package, found, wanted
    SETTING_UNREADABLE = "setting-unreadable"  # setting (namespace/key), exit_code
    SETTING_DIFFERS = "setting-differs"  # setting, found, wanted
    PROP_DIFFERS = "prop-differs"  # name, found ("" when unset), wanted
    PROP_NOT_NUMBER = "prop-not-number"  # name, found
    PROP_BELOW = "prop-below"  # name, found, wanted
    CONDITIONS_UNMET = "conditions-unmet"  # parts: each condition that does not hold
    STILL_WAITING = "still-waiting"  # seconds; parts: the conditions still not holding

    # -- a step's end, as the runner says it
    DONE_EARLIER = "done-earlier"  # skipped: an earlier run of this template did it
    NO_MARKER = "no-marker"  # skipped: not an Android device, so no marker kept; runs in full
    STOPPED_BY_OPERATOR = "stopped-by-operator"
    OPTIONAL_NOT_DONE = "optional-not-done"  # parts: (the step's own reason,)
    INTERNAL = "internal"  # detail: the exception's words (a bug; the log has the rest)

    # -- a run's end (`step`: 1-based number, `name`: the step's name)
    UNREACHABLE = "unreachable"  # device: why the session could not be opened, its words
    STEP_FAILED = "step-failed"  # step, name; parts: (the step's own reason,)
    STOPPED_DURING = "stopped-during"  # step, name
    # the session went away during a step (step, name) or a phase (`phase`: a Phase value)
    DISCONNECTED_DURING = "disconnected-during"
    UNAUTHORIZED_DURING = "unauthorized-during"
    GARBAGE_DURING = "garbage-during"


class Phase(StrEnum):
    """Where a run was before its first step."""

    BATTERY_CHECK = "battery-check"
    IDENTITY = "identity"


@dataclass(frozen=True)
class Reason:
    """One reason: its kind, its arguments by name, and the reasons it is made of."""

    kind: Why
    args: tuple[tuple[str, Arg], ...] = ()
    parts: tuple[Reason, ...] = ()

    @classmethod
    def of(cls, kind: Why, *parts: Reason, **args: Arg) -> Reason:
        return cls(kind, tuple(args.items()), parts)

    def __getitem__(self, name: str) -> Arg:
        for key, value in self.args:
            if key == name:
                return value
        raise KeyError(name)

    def get(self, name: str, default: Arg = "") -> Arg:
        try:
            return self[name]
        except KeyError:
            return default

    def masked(self, mask: Callable[[str], str]) -> Reason:
        """The same reason with `mask` applied to every text argument (secrets out)."""
        args = tuple((k, mask(v) if isinstance(v, str) else v) for k, v in self.args)
        return Reason(self.kind, args, tuple(part.masked(mask) for part in self.parts))


class Trouble(StrEnum):
    """Trouble the station works around at start-up, told to the window as a notice."""

    PORT_MAP_UNUSED = "port-map-unused"  # detail: what is wrong with the port map
    LABELS_NO_PRINTER = "labels-no-printer"  # label.auto_print is on, label.printer unset
    LABELS_UNUSABLE = "labels-unusable"  # detail: the label setting or layout's problem


@dataclass(frozen=True)
class Notice:
    trouble: Trouble
    detail: str = ""  # the file's or the setting's own problem, as its reader said it


def reason_data(reason: Reason) -> dict[str, object]:
    """The reason as plain data (JSON) for the station's store."""
    data: dict[str, object] = {"kind": reason.kind.value, "args": dict(reason.args)}
    if reason.parts:
        data["parts"] = [reason_data(part) for part in reason.parts]
    return data


def reason_from_data(data: object) -> Reason | None:
    """A stored reason back; None for one this version does not know (the record's English
    `error` and `message` still say it)."""
    if not isinstance(data, dict):
        return None
    args, parts = data.get("args", {}), data.get("parts", [])
    try:
        kind = Why(str(data.get("kind")))
    except ValueError:
        return None
    if not isinstance(args, dict) or not isinstance(parts, list):
        return None
    if not all(isinstance(value, str | int | float) for value in args.values()):
        return None
    read = [reason_from_data(part) for part in parts]
    if any(part is None for part in read):
        return None
    return Reason(kind, tuple(args.items()), tuple(part for part in read if part is not None))
