"""Reading device state: what `requires`, `verify` and `wait_for` ask, and steps look at."""

from __future__ import annotations

import fnmatch
import re
import shlex
import time

from app.core import StepStatus
from app.devices.device import NOT_ANDROID
from app.provisioning.context import DeviceFacts, Outcome, StepContext, StepFailed
from app.templates.model import PropCheck, Requires, SettingCheck, Verify, VersionCheck, WaitFor

VERSION_LINE = re.compile(r"^package:(\S+) versionCode:(\d+)\s*$", re.MULTILINE)
OWNER_LINE = re.compile(r"^\s*admin=ComponentInfo\{([^}]+)\}", re.MULTILINE)


def refusal(requires: Requires, facts: DeviceFacts, battery: int | None) -> str | None:
    """Why this device is outside the template's `requires`, or None when it qualifies."""
    if not facts.android and _asks_for_android(requires):
        return NOT_ANDROID
    if requires.sdk_min is not None and facts.sdk < requires.sdk_min:
        return (
            f"Android {facts.android_release} (SDK {facts.sdk}) is too old: "
            f"the template needs SDK {requires.sdk_min} or newer"
        )
    if requires.sdk_max is not None and facts.sdk > requires.sdk_max:
        return (
            f"Android {facts.android_release} (SDK {facts.sdk}) is too new: "
            f"the template allows up to SDK {requires.sdk_max}"
        )
    if requires.models and not _matches(facts.model, requires.models):
        return f"model {facts.model} is not one of {', '.join(requires.models)}"
    if requires.manufacturers and not _matches(facts.manufacturer, requires.manufacturers):
        return (
            f"manufacturer {facts.manufacturer} is not one of {', '.join(requires.manufacturers)}"
        )
    if requires.battery_min is not None:
        if battery is None:
            return "the device does not report its battery level"
        if battery < requires.battery_min:
            return f"Battery {battery}% — charge to {requires.battery_min}% first"
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


def _package_problem(ctx: StepContext, package: str) -> str | None:
    if installed_version(ctx, package) is None:
        return f"{package} is not installed"
    return None


def _version_problem(ctx: StepContext, check: VersionCheck) -> str | None:
    found = installed_version(ctx, check.package)
    if found is None:
        return f"{check.package} is not installed"
    if found < check.version_code:
        return f"{check.package} is version {found}, older than {check.version_code}"
    return None


def _setting_problem(ctx: StepContext, check: SettingCheck) -> str | None:
    result = ctx.device.shell(
        f"settings get {check.namespace} {shlex.quote(check.key)}", timeout=ctx.timeout
    )
    if not result.ok:  # its error text is no value to compare
        return f"{check.namespace}/{check.key} cannot be read: exit status {result.exit_code}"
    found = result.stdout.strip()
    if found != check.equals:
        return f"{check.namespace}/{check.key} is {found}, not {check.equals}"
    return None


def _prop_problem(ctx: StepContext, check: PropCheck) -> str | None:
    found = ctx.device.getprop(check.name)
    if check.equals is not None and found != check.equals:
        return f"{check.name} is {found or 'unset'}, not {check.equals}"
    if check.min is not None:
        if not found.lstrip("-").isdigit():
            return f"{check.name} is {found or 'unset'}, not a number"
        if int(found) < check.min:
            return f"{check.name} is {found}, below {check.min}"
    return None


def _problems(ctx: StepContext, conditions: Verify | WaitFor) -> list[str]:
    problems: list[str | None] = []
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
        raise StepFailed("; ".join(problems))
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
            raise StepFailed(f"still waiting after {ctx.timeout:g} s: {'; '.join(problems)}")
        ctx.report(min(0.99, (time.monotonic() - started) / ctx.timeout), problems[0])
        ctx.pause()
