"""Reading device state: what `requires`, `verify` and `wait_for` ask, and steps look at."""

from __future__ import annotations

import fnmatch
import re
import shlex
import time

from app.core import StepStatus
from app.core.reasons import Reason, Why
from app.provisioning.context import DeviceFacts, Outcome, StepContext, StepFailed
from app.provisioning.reason_text import english
from app.templates.model import PropCheck, Requires, SettingCheck, Verify, VersionCheck, WaitFor

VERSION_LINE = re.compile(r"^package:(\S+) versionCode:(\d+)\s*$", re.MULTILINE)
OWNER_LINE = re.compile(r"^\s*admin=ComponentInfo\{([^}]+)\}", re.MULTILINE)


def refusal(requires: Requires, facts: DeviceFacts, battery: int | None) -> Reason | None:
    """Why this device is outside the template's `requires`, or None when it qualifies."""
    release, sdk = facts.android_release, facts.sdk
    if not facts.android and _asks_for_android(requires):
        return Reason.of(Why.NOT_ANDROID)
    if requires.sdk_min is not None and sdk < requires.sdk_min:
        return Reason.of(Why.SDK_TOO_OLD, release=release, sdk=sdk, needed=requires.sdk_min)
    if requires.sdk_max is not None and sdk > requires.sdk_max:
        return Reason.of(Why.SDK_TOO_NEW, release=release, sdk=sdk, allowed=requires.sdk_max)
    if requires.models and not _matches(facts.model, requires.models):
        return Reason.of(Why.MODEL_NOT_LISTED, model=facts.model,
                         listed=", ".join(requires.models))  # fmt: skip
    if requires.manufacturers and not _matches(facts.manufacturer, requires.manufacturers):
        return Reason.of(Why.MANUFACTURER_NOT_LISTED, manufacturer=facts.manufacturer,
                         listed=", ".join(requires.manufacturers))  # fmt: skip
    if requires.battery_min is not None:
        if battery is None:
            return Reason.of(Why.BATTERY_UNKNOWN)
        if battery < requires.battery_min:
            return Reason.of(Why.BATTERY_LOW, level=battery, needed=requires.battery_min)
    return None


def _asks_for_android(requires: Requires) -> bool:
    return any(
        value is not None and value != []
        for value in (requires.sdk_min, requires.sdk_max, requires.models,
                      requires.manufacturers, requires.battery_min)
    )  # fmt: skip


def _matches(value: str, globs: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(value.lower(), glob.lower()) for glob in globs)


def installed_version(ctx: StepContext, package: str) -> int | None:
    """The installed versionCode of `package`, None when it is not installed."""
    listed = ctx.device.shell(
        f"pm list packages --show-versioncode {shlex.quote(package)}", timeout=ctx.timeout
    ).stdout
    for name, version in VERSION_LINE.findall(listed):
        if name == package:
            return int(version)
    return None


def component_name(component: str) -> str:
    """`pkg/.Cls` in the long form Android prints: `pkg/pkg.Cls`."""
    package, _, cls = component.partition("/")
    return f"{package}/{package + cls if cls.startswith('.') else cls}"


def current_device_owner(ctx: StepContext) -> str | None:
    dump = ctx.device.shell("dumpsys device_policy", timeout=ctx.timeout).output
    owner_section = dump.split("Device Owner:", 1)
    match = OWNER_LINE.search(owner_section[1]) if len(owner_section) == 2 else None
    return component_name(match.group(1)) if match else None


# -- conditions: each returns None when it holds, else what was found -----------------------


def _package_problem(ctx: StepContext, package: str) -> Reason | None:
    if installed_version(ctx, package) is None:
        return Reason.of(Why.PACKAGE_MISSING, package=package)
    return None


def _version_problem(ctx: StepContext, check: VersionCheck) -> Reason | None:
    found = installed_version(ctx, check.package)
    if found is None:
        return Reason.of(Why.PACKAGE_MISSING, package=check.package)
    if found < check.version_code:
        return Reason.of(Why.VERSION_OLDER, package=check.package, found=found,
                         wanted=check.version_code)  # fmt: skip
    return None


def _setting_problem(ctx: StepContext, check: SettingCheck) -> Reason | None:
    result = ctx.device.shell(
        f"settings get {check.namespace} {shlex.quote(check.key)}", timeout=ctx.timeout
    )
    setting = f"{check.namespace}/{check.key}"
    if not result.ok:  # its error text is no value to compare
        return Reason.of(Why.SETTING_UNREADABLE, setting=setting, exit_code=result.exit_code)
    found = result.stdout.strip()
    if found != check.equals:
        return Reason.of(Why.SETTING_DIFFERS, setting=setting, found=found, wanted=check.equals)
    return None


def _prop_problem(ctx: StepContext, check: PropCheck) -> Reason | None:
    found = ctx.device.getprop(check.name)
    if check.equals is not None and found != check.equals:
        return Reason.of(Why.PROP_DIFFERS, name=check.name, found=found, wanted=check.equals)
    if check.min is not None:
        if not found.lstrip("-").isdigit():
            return Reason.of(Why.PROP_NOT_NUMBER, name=check.name, found=found)
        if int(found) < check.min:
            return Reason.of(Why.PROP_BELOW, name=check.name, found=found, wanted=check.min)
    return None


def _problems(ctx: StepContext, conditions: Verify | WaitFor) -> list[Reason]:
    problems: list[Reason | None] = []
    if getattr(conditions, "boot_completed", None):
        problems.append(_prop_problem(ctx, PropCheck(name="sys.boot_completed", equals="1")))
    if conditions.package_installed:
        problems.append(_package_problem(ctx, conditions.package_installed))
    if isinstance(conditions, Verify) and conditions.package_version_min:
        problems.append(_version_problem(ctx, conditions.package_version_min))
    if isinstance(conditions, Verify) and conditions.setting:
        problems.append(_setting_problem(ctx, conditions.setting))
    if conditions.getprop:
        problems.append(_prop_problem(ctx, conditions.getprop))
    return [problem for problem in problems if problem]


def verify(params: Verify, ctx: StepContext) -> Outcome:
    problems = _problems(ctx, params)
    if problems:
        raise StepFailed(Reason.of(Why.CONDITIONS_UNMET, *problems))
    return Outcome(StepStatus.OK, "as wanted")


def wait_for(params: WaitFor, ctx: StepContext) -> Outcome:
    """Poll until every condition holds; waiting changes nothing, so it reports ok."""
    started = time.monotonic()
    while True:
        problems = _problems(ctx, params)
        if not problems:
            waited = time.monotonic() - started
            return Outcome(
                StepStatus.OK, "ready" + (f" after {waited:.0f} s" if waited >= 1 else "")
            )
        if time.monotonic() - started >= ctx.timeout:
            raise StepFailed(Reason.of(Why.STILL_WAITING, *problems, seconds=ctx.timeout))
        ctx.report(min(0.99, (time.monotonic() - started) / ctx.timeout), english(problems[0]))
        ctx.pause()
