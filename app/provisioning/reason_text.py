"""The English sentence of a `Reason`: what the run's record, the sync payload and the
terminal say. The window words the same reason in the bench's language
(`app/ui/reason_words.py`); the device's own words go into both as it said them.
"""

from __future__ import annotations

from app.core.reasons import Phase, Reason, Why
from app.devices.device import NOT_ANDROID

_PHASES = {
    Phase.BATTERY_CHECK: "the battery check",
    Phase.IDENTITY: "reading the device's identity",
}


def where(reason: Reason) -> str:
    """ "step 2 (install app.apk)", or the phase before the steps."""
    phase = reason.get("phase")
    if phase:
        return _PHASES[Phase(str(phase))]
    return f"step {reason['step']} ({reason['name']})"


def english(reason: Reason) -> str:
    """The reason in one English sentence (secrets already masked out of the reason)."""
    a = reason.get
    joined = "; ".join(english(part) for part in reason.parts)
    match reason.kind:
        case Why.NOT_ANDROID:
            return NOT_ANDROID
        case Why.SDK_TOO_OLD:
            return (f"Android {a('release')} (SDK {a('sdk')}) is too old: "
                    f"the template needs SDK {a('needed')} or newer")  # fmt: skip
        case Why.SDK_TOO_NEW:
            return (f"Android {a('release')} (SDK {a('sdk')}) is too new: "
                    f"the template allows up to SDK {a('allowed')}")  # fmt: skip
        case Why.MODEL_NOT_LISTED:
            return f"model {a('model')} is not one of {a('listed')}"
        case Why.MANUFACTURER_NOT_LISTED:
            return f"manufacturer {a('manufacturer')} is not one of {a('listed')}"
        case Why.BATTERY_UNKNOWN:
            return "the device does not report its battery level"
        case Why.BATTERY_UNREADABLE:
            return f"cannot read the battery level: {a('device')}"
        case Why.BATTERY_LOW:
            return f"Battery {a('level')}% — charge to {a('needed')}% first"
        case Why.FILE_UNREADABLE:
            return f"cannot read {a('file')}: {a('system')}"
        case Why.NOT_AN_APK:
            return f"{a('file')} is not an APK Android can install: {a('detail')}"
        case Why.NOT_AN_APK_SET:
            if not a("detail"):
                return (f"{a('file')} has no splits/*.apk (built with --mode=universal or for"
                        " Android before 5?): install its APK directly")  # fmt: skip
            return f"{a('file')} is not a readable .apks archive: {a('detail')}"
        case Why.SHA256_MISMATCH:
            found = f" (it is {a('found')})" if a("found") else ""
            return f"{a('file')} does not match its pinned sha256{found}"
        case Why.WRONG_PACKAGE:
            return f"{a('file')} holds {a('package')}, not {a('wanted')}"
        case Why.SPLIT_SET_BASES:
            return f"a split set needs exactly one base APK; {a('file')} gives {a('count')}"
        case Why.SPLIT_MISMATCH:
            return (f"{a('file')} is {a('package')} {a('version')}, "
                    f"not {a('base_package')} {a('base_version')} as the base")  # fmt: skip
        case Why.NEWER_INSTALLED:
            return (f"{a('package')} {a('installed')} is installed, newer than {a('version')}; "
                    "set downgrade: true")  # fmt: skip
        case Why.APP_NEEDS_NEWER_ANDROID:
            return f"{a('package')} needs Android SDK {a('needed')}; this device runs {a('sdk')}"
        case Why.INSTALL_REFUSED:
            return f"install failed: {a('android')}"
        case Why.UNINSTALL_REFUSED:
            return f"uninstall failed: {a('android')}"
        case Why.LISTING_PACKAGES_REFUSED:
            return f"listing packages failed: {a('android')}"
        case Why.ENABLE_REFUSED | Why.DISABLE_REFUSED:
            return f"{a('package')} failed: {a('android')}"
        case Why.GRANT_REFUSED:
            return f"{a('permission')} failed: {a('android')}"
        case Why.SETTING_READ_REFUSED:
            return f"reading the setting failed: {a('android')}"
        case Why.SETTING_WRITE_REFUSED:
            return f"changing the setting failed: {a('android')}"
        case Why.TIMEZONE_REFUSED:
            return f"setting the time zone failed: {a('android')}"
        case Why.WIFI_NEEDS_ANDROID_11:
            return ("Wi-Fi setup needs Android 11 (cmd wifi); "
                    f"this device runs Android {a('release')}")  # fmt: skip
        case Why.WIFI_JOIN_REFUSED:
            return f"joining {a('ssid')} failed: {a('android')}"
        case Why.DEVICE_OWNER_REFUSED:
            return str(a("android"))
        case Why.BOOT_TIMEOUT:
            return f"the device did not finish booting within {a('seconds'):g} s"
        case Why.SHELL_EXIT:
            return f"exit status {a('exit_code')}: {a('android')}"
        case Why.EXPECT_INVALID:
            return f"expect {a('pattern')!r} is not a valid regular expression: {a('detail')}"
        case Why.OUTPUT_MISMATCH:
            return f"output does not match {a('pattern')!r}"
        case Why.STEP_NEEDS_ANDROID:
            return f"{NOT_ANDROID}: {a('action')} needs Android"
        case Why.DEVICE_ERROR | Why.VARIABLE:
            return str(a("device") or a("detail"))
        case Why.MARKER_NOT_KEPT:
            return "the device did not keep the marker"
        case Why.PACKAGE_MISSING:
            return f"{a('package')} is not installed"
        case Why.VERSION_OLDER:
            return f"{a('package')} is version {a('found')}, older than {a('wanted')}"
        case Why.SETTING_UNREADABLE:
            return f"{a('setting')} cannot be read: exit status {a('exit_code')}"
        case Why.SETTING_DIFFERS:
            return f"{a('setting')} is {a('found')}, not {a('wanted')}"
        case Why.PROP_DIFFERS:
            return f"{a('name')} is {a('found') or 'unset'}, not {a('wanted')}"
        case Why.PROP_NOT_NUMBER:
            return f"{a('name')} is {a('found') or 'unset'}, not a number"
        case Why.PROP_BELOW:
            return f"{a('name')} is {a('found')}, below {a('wanted')}"
        case Why.CONDITIONS_UNMET:
            return joined
        case Why.STILL_WAITING:
            return f"still waiting after {a('seconds'):g} s: {joined}"
        case Why.DONE_EARLIER:
            return "done in an earlier run"
        case Why.NO_MARKER:
            return "not an Android device: no marker kept, so it runs again in full"
        case Why.STOPPED_BY_OPERATOR:
            return "stopped by the operator"
        case Why.OPTIONAL_NOT_DONE:
            return f"optional, not done: {joined}"
        case Why.INTERNAL:
            return f"internal error: {a('detail')}"
        case Why.UNREACHABLE:
            return str(a("device"))
        case Why.STEP_FAILED:
            return f"{where(reason)} failed: {joined}"
        case Why.STOPPED_DURING:
            return f"stopped during {where(reason)}"
        case Why.DISCONNECTED_DURING:
            return f"disconnected during {where(reason)}"
        case Why.UNAUTHORIZED_DURING:
            return f"lost authorization during {where(reason)}: tap Allow on the device"
        case Why.GARBAGE_DURING:
            return f"device answered with garbage during {where(reason)}"
    raise AssertionError(reason.kind)
