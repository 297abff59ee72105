"""The window's words for why a step failed, a run stopped or a device was refused: a typed
`Reason` (app/core/reasons.py) worded in the bench's language through Qt's translation system
(context "Reasons"). The device's own words (`android`, `device`) and data (packages, files,
step names) go in as they were said; the record keeps its English
(app/provisioning/reason_text.py).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale

from app.core import Cause
from app.core.reasons import Arg, Notice, Phase, Reason, Trouble, Why
from app.labels.printer import PrinterProblem, PrinterTarget


def _number(value: Arg) -> str:
    """A count or a duration in the locale's digits ("2,5" in German)."""
    if isinstance(value, float) and not value.is_integer():
        return QLocale().toString(value, "g", 6)
    return QLocale().toString(int(value))


def where_words(reason: Reason) -> str:
    """ "step 2 (install app.apk)", or the phase before the first step."""
    phase = reason.get("phase")
    if phase == Phase.BATTERY_CHECK:
        return QCoreApplication.translate("Reasons", "the battery check")
    if phase == Phase.IDENTITY:
        return QCoreApplication.translate("Reasons", "reading the device's identity")
    return QCoreApplication.translate("Reasons", "step {number} ({name})").format(
        number=reason["step"], name=reason["name"]
    )


def reason_words(reason: Reason) -> str:
    """One sentence for a tile, the details panel or the status bar."""
    a = reason.get
    parts = "; ".join(reason_words(part) for part in reason.parts)
    match reason.kind:
        # requires
        case Why.NOT_ANDROID:
            return QCoreApplication.translate("Reasons", "Not an Android device")
        case Why.SDK_TOO_OLD:
            return QCoreApplication.translate(
                "Reasons",
                "Android {release} (SDK {sdk}) is too old: the template needs SDK {needed} or "
                "newer",
            ).format(release=a("release"), sdk=a("sdk"), needed=a("needed"))
        case Why.SDK_TOO_NEW:
            return QCoreApplication.translate(
                "Reasons",
                "Android {release} (SDK {sdk}) is too new: the template allows up to SDK {allowed}",
            ).format(release=a("release"), sdk=a("sdk"), allowed=a("allowed"))
        case Why.MODEL_NOT_LISTED:
            return QCoreApplication.translate(
                "Reasons", "The model {model} is not one of {listed}"
            ).format(model=a("model"), listed=a("listed"))
        case Why.MANUFACTURER_NOT_LISTED:
            return QCoreApplication.translate(
                "Reasons", "The manufacturer {manufacturer} is not one of {listed}"
            ).format(manufacturer=a("manufacturer"), listed=a("listed"))
        case Why.BATTERY_UNKNOWN:
            return QCoreApplication.translate(
                "Reasons", "The device does not report its battery level"
            )
        case Why.BATTERY_UNREADABLE:
            return QCoreApplication.translate(
                "Reasons", "The battery level cannot be read: {device}"
            ).format(device=a("device"))
        case Why.BATTERY_LOW:
            return QCoreApplication.translate(
                "Reasons", "Battery {level}%: charge it to {needed}% first"
            ).format(level=_number(a("level")), needed=_number(a("needed")))
        # files and APKs on the station
        case Why.FILE_UNREADABLE:
            return QCoreApplication.translate("Reasons", "Cannot read {file}: {system}").format(
                file=a("file"), system=a("system")
            )
        case Why.NOT_AN_APK:
            return QCoreApplication.translate(
                "Reasons", "{file} is not an APK Android can install: {detail}"
            ).format(file=a("file"), detail=a("detail"))
        case Why.NOT_AN_APK_SET:
            if not a("detail"):
                return QCoreApplication.translate(
                    "Reasons",
                    "{file} has no splits/*.apk (built with --mode=universal or for Android "
                    "before 5?): install its APK directly",
                ).format(file=a("file"))
            return QCoreApplication.translate(
                "Reasons", "{file} is not a readable .apks archive: {detail}"
            ).format(file=a("file"), detail=a("detail"))
        case Why.SHA256_MISMATCH:
            return QCoreApplication.translate(
                "Reasons", "{file} does not match its pinned sha256"
            ).format(file=a("file"))
        case Why.WRONG_PACKAGE:
            return QCoreApplication.translate(
                "Reasons", "{file} holds {package}, not {wanted}"
            ).format(file=a("file"), package=a("package"), wanted=a("wanted"))
        case Why.SPLIT_SET_BASES:
            return QCoreApplication.translate(
                "Reasons", "A split set needs exactly one base APK; {file} has {count}"
            ).format(file=a("file"), count=_number(a("count")))
        case Why.SPLIT_MISMATCH:
            return QCoreApplication.translate(
                "Reasons",
                "{file} is {package} {version}, not {base_package} {base_version} as the base",
            ).format(
                file=a("file"),
                package=a("package"),
                version=a("version"),
                base_package=a("base_package"),
                base_version=a("base_version"),
            )
        case Why.NEWER_INSTALLED:
            return QCoreApplication.translate(
                "Reasons",
                "{package} {installed} is installed, newer than {version}; the template must "
                "say downgrade: true",
            ).format(package=a("package"), installed=a("installed"), version=a("version"))
        case Why.APP_NEEDS_NEWER_ANDROID:
            return QCoreApplication.translate(
                "Reasons", "{package} needs Android SDK {needed}; this device runs SDK {sdk}"
            ).format(package=a("package"), needed=a("needed"), sdk=a("sdk"))
        # the device said no: its own words verbatim
        case Why.INSTALL_REFUSED:
            return QCoreApplication.translate(
                "Reasons", "Android refused the installation: {android}"
            ).format(android=a("android"))
        case Why.UNINSTALL_REFUSED:
            return QCoreApplication.translate(
                "Reasons", "Android refused the removal: {android}"
            ).format(android=a("android"))
        case Why.LISTING_PACKAGES_REFUSED:
            return QCoreApplication.translate(
                "Reasons", "Android would not list the apps: {android}"
            ).format(android=a("android"))
        case Why.ENABLE_REFUSED:
            return QCoreApplication.translate(
                "Reasons", "Android would not enable {package}: {android}"
            ).format(package=a("package"), android=a("android"))
        case Why.DISABLE_REFUSED:
            return QCoreApplication.translate(
                "Reasons", "Android would not disable {package}: {android}"
            ).format(package=a("package"), android=a("android"))
        case Why.GRANT_REFUSED:
            return QCoreApplication.translate(
                "Reasons", "Android would not grant {permission}: {android}"
            ).format(permission=a("permission"), android=a("android"))
        case Why.SETTING_READ_REFUSED:
            return QCoreApplication.translate(
                "Reasons", "Android would not read the setting: {android}"
            ).format(android=a("android"))
        case Why.SETTING_WRITE_REFUSED:
            return QCoreApplication.translate(
                "Reasons", "Android would not change the setting: {android}"
            ).format(android=a("android"))
        case Why.TIMEZONE_REFUSED:
            return QCoreApplication.translate(
                "Reasons", "Android would not set the time zone: {android}"
            ).format(android=a("android"))
        case Why.WIFI_NEEDS_ANDROID_11:
            return QCoreApplication.translate(
                "Reasons",
                "Wi-Fi setup needs Android 11 or newer; this device runs Android {release}",
            ).format(release=a("release"))
        case Why.WIFI_JOIN_REFUSED:
            return QCoreApplication.translate(
                "Reasons", "The device did not join {ssid}: {android}"
            ).format(ssid=a("ssid"), android=a("android"))
        case Why.DEVICE_OWNER_REFUSED:
            return QCoreApplication.translate(
                "Reasons", "Android refused the device owner: {android}"
            ).format(android=a("android"))
        case Why.BOOT_TIMEOUT:
            return QCoreApplication.translate(
                "Reasons", "The device did not finish booting within {seconds} s"
            ).format(seconds=_number(a("seconds")))
        case Why.SHELL_EXIT:
            return QCoreApplication.translate(
                "Reasons", "The command ended with exit status {status}: {android}"
            ).format(status=a("exit_code"), android=a("android"))
        case Why.EXPECT_INVALID:
            return QCoreApplication.translate(
                "Reasons", "The template's expect {pattern} is not a valid pattern: {detail}"
            ).format(pattern=a("pattern"), detail=a("detail"))
        case Why.OUTPUT_MISMATCH:
            return QCoreApplication.translate(
                "Reasons", "The command's output does not match {pattern}"
            ).format(pattern=a("pattern"))
        case Why.STEP_NEEDS_ANDROID:
            return QCoreApplication.translate(
                "Reasons", "Not an Android device: the {action} step needs Android"
            ).format(action=a("action"))
        case Why.DEVICE_ERROR:
            if a("problem") == "timeout":
                return QCoreApplication.translate(
                    "Reasons", "The device did not answer in time: {device}"
                ).format(device=a("device"))
            return QCoreApplication.translate("Reasons", "The device refused: {device}").format(
                device=a("device")
            )
        case Why.VARIABLE:
            return QCoreApplication.translate(
                "Reasons", "A placeholder cannot be filled in: {detail}"
            ).format(detail=a("detail"))
        case Why.MARKER_NOT_KEPT:
            return QCoreApplication.translate(
                "Reasons", "The device did not keep the provisioned marker"
            )
        # verify and wait_for
        case Why.PACKAGE_MISSING:
            return QCoreApplication.translate("Reasons", "{package} is not installed").format(
                package=a("package")
            )
        case Why.VERSION_OLDER:
            return QCoreApplication.translate(
                "Reasons", "{package} is version {found}, older than {wanted}"
            ).format(package=a("package"), found=a("found"), wanted=a("wanted"))
        case Why.SETTING_UNREADABLE:
            return QCoreApplication.translate(
                "Reasons", "{setting} cannot be read: exit status {status}"
            ).format(setting=a("setting"), status=a("exit_code"))
        case Why.SETTING_DIFFERS:
            return QCoreApplication.translate(
                "Reasons", "{setting} is {found}, not {wanted}"
            ).format(setting=a("setting"), found=a("found"), wanted=a("wanted"))
        case Why.PROP_DIFFERS:
            if not a("found"):
                return QCoreApplication.translate(
                    "Reasons", "{name} is unset, not {wanted}"
                ).format(name=a("name"), wanted=a("wanted"))
            return QCoreApplication.translate("Reasons", "{name} is {found}, not {wanted}").format(
                name=a("name"), found=a("found"), wanted=a("wanted")
            )
        case Why.PROP_NOT_NUMBER:
            if not a("found"):
                return QCoreApplication.translate(
                    "Reasons", "{name} is unset, not a number"
                ).format(name=a("name"))
            return QCoreApplication.translate("Reasons", "{name} is {found}, not a number").format(
                name=a("name"), found=a("found")
            )
        case Why.PROP_BELOW:
            return QCoreApplication.translate(
                "Reasons", "{name} is {found}, below {wanted}"
            ).format(name=a("name"), found=a("found"), wanted=a("wanted"))
        case Why.CONDITIONS_UNMET:
            return parts
        case Why.STILL_WAITING:
            return QCoreApplication.translate(
                "Reasons", "Still waiting after {seconds} s: {conditions}"
            ).format(seconds=_number(a("seconds")), conditions=parts)
        # the runner
        case Why.DONE_EARLIER:
            return QCoreApplication.translate("Reasons", "Done in an earlier run")
        case Why.NO_MARKER:
            return QCoreApplication.translate(
                "Reasons", "Not an Android device: no marker kept, so it runs in full next time"
            )
        case Why.STOPPED_BY_OPERATOR:
            return QCoreApplication.translate("Reasons", "Stopped by the operator")
        case Why.OPTIONAL_NOT_DONE:
            return QCoreApplication.translate("Reasons", "Optional, not done: {reason}").format(
                reason=parts
            )
        case Why.INTERNAL:
            return QCoreApplication.translate(
                "Reasons", "Internal error (the log has the details): {detail}"
            ).format(detail=a("detail"))
        case Why.UNREACHABLE:
            return QCoreApplication.translate(
                "Reasons", "The device could not be reached: {device}"
            ).format(device=a("device"))
        case Why.STEP_FAILED:
            return QCoreApplication.translate("Reasons", "{where} failed: {reason}").format(
                where=where_words(reason), reason=parts
            )
        case Why.STOPPED_DURING:
            return QCoreApplication.translate("Reasons", "Stopped during {where}").format(
                where=where_words(reason)
            )
        case Why.DISCONNECTED_DURING:
            return QCoreApplication.translate("Reasons", "Disconnected during {where}").format(
                where=where_words(reason)
            )
        case Why.UNAUTHORIZED_DURING:
            return QCoreApplication.translate(
                "Reasons", "No longer allowed during {where}: tap Allow on the device"
            ).format(where=where_words(reason))
        case Why.GARBAGE_DURING:
            return QCoreApplication.translate(
                "Reasons", "The device answered with garbage during {where}"
            ).format(where=where_words(reason))
    return str(reason.kind)


def failure_words(cause: Cause | None, why: Reason | None, said: str) -> str:
    """Why a run ended or a device was refused: its typed reason worded; without one, its
    cause (a run that never reached a step); a step's failure recorded untyped (an older
    station's) as it was said."""
    if why is not None:
        return reason_words(why)
    if cause is None or cause is Cause.STEP_FAILED:
        return said
    return cause_words(cause)


def cause_words(cause: Cause) -> str:
    """Why a run that made no reason of its own ended: it never reached a step."""
    match cause:
        case Cause.STOPPED:
            return QCoreApplication.translate("Reasons", "Stopped before it started")
        case Cause.UNPLUGGED:
            return QCoreApplication.translate("Reasons", "Unplugged before it started")
        case Cause.SHUTTING_DOWN:
            return QCoreApplication.translate("Reasons", "The station was shutting down")
        case Cause.UNREACHABLE:
            return QCoreApplication.translate("Reasons", "The device could not be reached")
        case Cause.DISCONNECTED:
            return QCoreApplication.translate("Reasons", "The device disconnected")
        case Cause.UNAUTHORIZED:
            return QCoreApplication.translate(
                "Reasons", "No longer allowed: tap Allow on the device"
            )
        case Cause.GARBAGE:
            return QCoreApplication.translate("Reasons", "The device answered with garbage")
        case Cause.STORAGE:
            return QCoreApplication.translate("Reasons", "The station could not record the run")
        case Cause.NO_NUMBERS:
            return QCoreApplication.translate(
                "Reasons", "No {{seq}} number left: backend offline"
            ).format()
        case Cause.INTERNAL:
            return QCoreApplication.translate("Reasons", "Internal error (the log has the details)")
    return QCoreApplication.translate("Reasons", "The step failed")


def notice_words(notice: Notice) -> str:
    """Trouble the station works around, for the status bar's notice."""
    if notice.trouble is Trouble.PORT_MAP_UNUSED:
        return QCoreApplication.translate("Reasons", "Port map not used: {problem}").format(
            problem=notice.detail
        )
    if notice.trouble is Trouble.LABELS_NO_PRINTER:
        return QCoreApplication.translate(
            "Reasons", "Labels not printed: label.auto_print is on, but no label.printer is set"
        )
    return QCoreApplication.translate("Reasons", "Labels not printed: {problem}").format(
        problem=notice.detail
    )


def printer_problem_words(problem: PrinterProblem, target: PrinterTarget, detail: str) -> str:
    """What keeps a label from the printer, in one clause; the system's own words (`detail`)
    in brackets as it said them."""
    if problem is PrinterProblem.UNREACHABLE:
        words = QCoreApplication.translate(
            "Reasons", "the label printer {printer} is off or unreachable"
        )
    elif problem is PrinterProblem.TIMEOUT:
        words = QCoreApplication.translate(
            "Reasons", "the label printer {printer} did not take the label in time"
        )
    elif problem is PrinterProblem.NOT_WRITABLE:
        words = QCoreApplication.translate("Reasons", "labels cannot be written to {printer}")
    elif problem is PrinterProblem.QUEUE_REFUSED:
        words = QCoreApplication.translate("Reasons", "CUPS refused the label for {printer}")
    else:
        words = QCoreApplication.translate(
            "Reasons", "CUPS is not installed (no lp command) for {printer}"
        )
    said = words.format(printer=target)
    return f"{said} ({detail})" if detail else said
