"""One executor per template action. Each is idempotent: it looks before it changes.

An executor returns `ok` when the device is already as wanted, `changed` when it made it
so, and raises `StepFailed` with Android's own words when the device refused. Parameters
arrive with their placeholders already filled in for this device. A failure's reason is typed
(`app.core.reasons`), Android's own words verbatim inside it.
"""

from __future__ import annotations

import logging
import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core import StepStatus
from app.core.reasons import Arg, Reason, Why
from app.devices import installs
from app.devices.adb_protocol import PackedFile
from app.devices.device import DeviceError, ShellResult
from app.provisioning.apk_sets import NotAnApkSet, archive_splits
from app.provisioning.checks import (
    component_name,
    current_device_owner,
    installed_version,
    verify,
    wait_for,
)
from app.provisioning.context import ApkArtifact, Cancelled, Outcome, StepContext, StepFailed
from app.templates.model import (
    DeviceOwner,
    Grant,
    Install,
    Packages,
    Push,
    Reboot,
    Setting,
    Shell,
    Uninstall,
    Wifi,
)

log = logging.getLogger(__name__)

FIRST_CMD_WIFI_SDK = 30  # Android 11 opened `cmd wifi` to the shell user
ANDROID_EXCEPTION = re.compile(r"^(?:[\w.$]+(?:Exception|Error)|Error|Security exception): (.+)$")
GRANTED = re.compile(r"^\s+([\w.]+): granted=true", re.MULTILINE)
INSTALLED_SPLITS = re.compile(r"^\s+splits=\[(.*)\]$", re.MULTILINE)
FIRST_SPLIT_SDK = 21  # Android 5 brought split APKs and install sessions
# Android 7 brought shell v2: stdout apart from stderr, so a setting's old value is read
# and changed in one command line and a failed read tells itself from a failed write
FIRST_SHELL_V2_SDK = 24


def _run(ctx: StepContext, command: str) -> ShellResult:
    ctx.check_cancel()
    return ctx.device.shell(command, timeout=ctx.timeout)


def _checked(ctx: StepContext, command: str, why: Why, **args: Arg) -> ShellResult:
    """Run a command that must succeed; a failure is `why`, with Android's reason."""
    result = _run(ctx, command)
    if not result.ok:
        raise StepFailed(Reason.of(why, **args, android=android_reason(result)), result.output)
    return result


def android_reason(result: ShellResult) -> str:
    """The line of output that says why: an exception's message, `Failure […]`, or the last line."""
    lines = [line.strip() for line in result.output.splitlines() if line.strip()]
    for line in lines:
        match = ANDROID_EXCEPTION.match(line)
        if match:
            return match.group(1)
    for line in lines:
        if line.startswith("Failure"):
            return line
    return lines[-1] if lines else f"exit status {result.exit_code}"


def _quote(text: str) -> str:
    return shlex.quote(text)


# -- apps -----------------------------------------------------------------------------------


def install(params: Install, ctx: StepContext) -> Outcome:
    """One APK, or a split set through one install session (all or nothing). Nothing crosses
    the bus when the same versionCode (with the same splits) is installed."""
    plan = _plan(params, ctx)
    if plan.done is not None:
        return plan.done
    paths = [apk.path for apk in plan.apks]
    name = ctx.resolve_path(params.apk).name
    options = ["-r"] + (["-g"] if params.grant_permissions else []) + (["-d"] * params.downgrade)
    packed = _packed(ctx, paths)
    prefetched = ctx.prefetched.pop(tuple(paths), None) if packed else None
    if prefetched:
        ctx.report(1.0, f"sent {name} ahead")
    meanwhile = _prefetch_next(ctx, plan.package) if packed else None
    sent = sum(pack.size for pack in packed) if packed else sum(apk.size for apk in plan.apks)
    progress = ctx.transfer_progress(f"sending {name}")
    if plan.splits is None:
        result = installs.install(
            ctx.device, paths[0], options, progress=progress, timeout=ctx.timeout,
            transfer_slot=ctx.transfer_slot(sent), packed=packed[0] if packed else None,
            prefetched=prefetched[0] if prefetched else None, meanwhile=meanwhile,
        )  # fmt: skip
    else:
        result = installs.install_set(
            ctx.device, paths, options, progress=progress, timeout=ctx.timeout,
            transfer_slot=ctx.transfer_slot(sent), packed=packed, prefetched=prefetched,
            meanwhile=meanwhile,
        )  # fmt: skip
    if "Success" not in result.output:
        raise StepFailed(_install_refused(result, plan.package), result.output,
                         package=plan.package)  # fmt: skip
    before = f" (was {plan.present})" if plan.present is not None else ""
    splits = f" with {len(plan.splits)} splits" if plan.splits is not None else ""
    return Outcome(StepStatus.CHANGED,
                   f"installed {plan.package} {plan.version}{splits}{before}",
                   result.output)  # fmt: skip


@dataclass(frozen=True)
class _Plan:
    """What an install step sends: its APKs (base first), or nothing when `done`."""

    apks: list[ApkArtifact]
    package: str
    version: int
    present: int | None  # the versionCode installed now
    splits: list[str] | None  # a split set's split names; None: one APK
    done: Outcome | None = None


def _plan(params: Install, ctx: StepContext) -> _Plan:
    """Check an install step's files and what the device has; StepFailed if it cannot go."""
    if params.splits or params.apk.endswith(".apks"):
        return _split_set_plan(params, ctx)
    apk = ctx.artifacts.apk(ctx.resolve_path(params.apk))
    if params.sha256 and apk.sha256 != params.sha256.lower():
        raise StepFailed(Reason.of(Why.SHA256_MISMATCH, file=apk.path.name, found=apk.sha256))
    package, version = apk.info.package, apk.info.version_code
    if params.package and params.package != package:
        raise StepFailed(
            Reason.of(Why.WRONG_PACKAGE, file=apk.path.name, package=package, wanted=params.package)
        )
    present = installed_version(ctx, package)
    if present == version:
        done = Outcome(StepStatus.OK, f"{package} {version} already installed")
        return _Plan([apk], package, version, present, None, done)
    if present is not None and present > version and not params.downgrade:
        raise StepFailed(_newer_installed(package, present, version))
    if apk.info.min_sdk and apk.info.min_sdk > ctx.facts.sdk:
        raise StepFailed(_needs_sdk(package, apk.info.min_sdk, ctx.facts.sdk))
    return _Plan([apk], package, version, present, None)


def _newer_installed(package: str, installed: int, version: int) -> Reason:
    return Reason.of(Why.NEWER_INSTALLED, package=package, installed=installed, version=version)


def _needs_sdk(package: str, needed: int, sdk: int) -> Reason:
    return Reason.of(Why.APP_NEEDS_NEWER_ANDROID, package=package, needed=needed, sdk=sdk)


def _install_refused(result: ShellResult, package: str) -> Reason:
    return Reason.of(Why.INSTALL_REFUSED, android=android_reason(result), package=package)


def _split_set_plan(params: Install, ctx: StepContext) -> _Plan:
    """A base APK and its splits, installed as one app."""
    local = ctx.resolve_path(params.apk)
    if params.sha256 and ctx.artifacts.sha256(local) != params.sha256.lower():
        raise StepFailed(Reason.of(Why.SHA256_MISMATCH, file=local.name, found=""))
    if params.apk.endswith(".apks"):
        try:
            paths = archive_splits(local, ctx.artifacts.sha256(local))
        except NotAnApkSet as exc:
            raise StepFailed(
                Reason.of(Why.NOT_AN_APK_SET, file=local.name, detail=exc.detail)
            ) from None
    else:
        paths = [local, *(ctx.resolve_path(split) for split in params.splits)]
    apks = [ctx.artifacts.apk(path) for path in paths]
    bases = [apk for apk in apks if apk.info.split is None]
    if len(bases) != 1:
        raise StepFailed(Reason.of(Why.SPLIT_SET_BASES, file=local.name, count=len(bases)))
    base = bases[0].info
    package, version = base.package, base.version_code
    for apk in apks:
        if (apk.info.package, apk.info.version_code) != (package, version):
            mismatch = Reason.of(Why.SPLIT_MISMATCH, file=apk.path.name, package=apk.info.package,
                                 version=apk.info.version_code, base_package=package,
                                 base_version=version)  # fmt: skip
            raise StepFailed(mismatch)
    if params.package and params.package != package:
        raise StepFailed(
            Reason.of(Why.WRONG_PACKAGE, file=local.name, package=package, wanted=params.package)
        )
    wanted = sorted(apk.info.split for apk in apks if apk.info.split is not None)
    present = installed_version(ctx, package)
    if present == version and installed_splits(ctx, package) == wanted:
        done = Outcome(StepStatus.OK, f"{package} {version} already installed with its splits")
        return _Plan(apks, package, version, present, wanted, done)
    if present is not None and present > version and not params.downgrade:
        raise StepFailed(_newer_installed(package, present, version))
    if ctx.facts.sdk < FIRST_SPLIT_SDK or (base.min_sdk or 0) > ctx.facts.sdk:
        needed = max(FIRST_SPLIT_SDK, base.min_sdk or 0)
        raise StepFailed(_needs_sdk(package, needed, ctx.facts.sdk))
    return _Plan(apks, package, version, present, wanted)


def _packed(ctx: StepContext, paths: list[Path]) -> list[PackedFile] | None:
    """The files compressed for an install from a compressed push, where the device's bus
    and the device take one (docs/architecture.md, "Compressed pushes"); None: install as
    `adb install` does. Made once per batch, whichever devices send them."""
    compression = ctx.device.install_compression()
    if compression is None:
        return None
    return [ctx.artifacts.packed(path, compression) for path in paths]


def _prefetch_next(ctx: StepContext, installing: str) -> Callable[[], None] | None:
    """What to do while `installing` installs from its pushed file: push the next step's
    APKs (an install step right after this one) to temporary files on the device, if that
    step will send them (not installed yet, another app), as a transfer on the device's bus
    in its turn (docs/architecture.md, "Prefetched installs"). It never fails the running
    step: the next step then sends its APKs itself."""
    params = ctx.next_install
    if params is None:
        return None

    def prefetch() -> None:
        try:
            plan = _plan(params, ctx)
            if plan.done is not None or plan.package == installing:
                return
            paths = [apk.path for apk in plan.apks]
            packed = _packed(ctx, paths)
            if packed is None:
                return
            with ctx.transfer_slot(sum(pack.size for pack in packed)):
                ctx.prefetched[tuple(paths)] = installs.prefetch(ctx.device, paths, packed)
        except StepFailed as exc:  # the step says so itself when it runs
            log.info("%s: next install not sent ahead: %s", ctx.facts.serial, exc.reason.kind)
        except DeviceError as exc:
            log.info("%s: next install not sent ahead: %s", ctx.facts.serial, exc.problem)
        except Cancelled:
            pass  # the run stops at the next step

    return prefetch


def installed_splits(ctx: StepContext, package: str) -> list[str]:
    """The split names installed beside base.apk, as the package manager lists them."""
    dump = _run(ctx, f"dumpsys package {_quote(package)}").output
    match = INSTALLED_SPLITS.search(dump)
    names = match.group(1).split(",") if match else []
    return sorted(name.strip() for name in names if name.strip() not in ("", "base"))


def uninstall(params: Uninstall, ctx: StepContext) -> Outcome:
    if installed_version(ctx, params.package) is None:
        return Outcome(StepStatus.OK, f"{params.package} is not installed")
    result = _run(ctx, f"pm uninstall {_quote(params.package)}")
    if "Success" not in result.output:
        raise StepFailed(
            Reason.of(Why.UNINSTALL_REFUSED, android=android_reason(result)), result.output
        )
    return Outcome(StepStatus.CHANGED, f"removed {params.package}", result.output)


def _package_list(ctx: StepContext, flag: str) -> set[str]:
    output = _checked(ctx, f"pm list packages {flag}", Why.LISTING_PACKAGES_REFUSED).output
    return {line.removeprefix("package:").strip() for line in output.splitlines() if line}


def _set_enabled(params: Packages, ctx: StepContext, *, enable: bool) -> Outcome:
    already = _package_list(ctx, "-e" if enable else "-d")
    todo = [name for name in params.packages if name not in already]
    verb, command = ("enabled", "pm enable") if enable else ("disabled", "pm disable-user --user 0")
    if not todo:
        return Outcome(StepStatus.OK, f"already {verb}: {', '.join(params.packages)}")
    refused = Why.ENABLE_REFUSED if enable else Why.DISABLE_REFUSED
    outputs = [
        _checked(ctx, f"{command} {_quote(name)}", refused, package=name).output for name in todo
    ]
    return Outcome(StepStatus.CHANGED, f"{verb} {', '.join(todo)}", "".join(outputs))


def disable(params: Packages, ctx: StepContext) -> Outcome:
    return _set_enabled(params, ctx, enable=False)


def enable(params: Packages, ctx: StepContext) -> Outcome:
    return _set_enabled(params, ctx, enable=True)


def grant(params: Grant, ctx: StepContext) -> Outcome:
    dump = _run(ctx, f"dumpsys package {_quote(params.package)}").output
    granted = set(GRANTED.findall(dump))
    todo = [p for p in params.permissions if p not in granted]
    if not todo:
        return Outcome(
            StepStatus.OK, f"{params.package} already has {', '.join(params.permissions)}"
        )
    for permission in todo:
        _checked(ctx, f"pm grant {_quote(params.package)} {_quote(permission)}",
                 Why.GRANT_REFUSED, permission=permission)  # fmt: skip
    return Outcome(StepStatus.CHANGED, f"granted {', '.join(todo)} to {params.package}")


# -- settings and files ---------------------------------------------------------------------


def setting_command(namespace: str, key: str, value: str) -> str:
    """One round trip: print the setting's value, then change it only if it differs. A failed
    read exits at once with its status and prints nothing on stdout."""
    where, wanted = f"{namespace} {_quote(key)}", _quote(value)
    return (f'kb_was=$(settings get {where}) || exit; printf "%s\\n" "$kb_was"; '
            f'[ "$kb_was" = {wanted} ] || settings put {where} {wanted}')  # fmt: skip


def setting(params: Setting, ctx: StepContext) -> Outcome:
    if ctx.facts.sdk < FIRST_SHELL_V2_SDK:
        return _setting_in_two_round_trips(params, ctx)
    result = _run(ctx, setting_command(params.namespace, params.key, params.value))
    if not result.stdout:  # nothing printed: the read itself failed
        raise StepFailed(
            Reason.of(Why.SETTING_READ_REFUSED, android=android_reason(result)), result.output
        )
    if not result.ok:
        raise StepFailed(
            Reason.of(Why.SETTING_WRITE_REFUSED, android=android_reason(result)), result.output
        )
    current = result.stdout.removesuffix("\n")
    return _setting_outcome(params, current)


def _setting_in_two_round_trips(params: Setting, ctx: StepContext) -> Outcome:
    """Under shell v1 (stderr inside stdout): read, then write if it differs."""
    where = f"{params.namespace} {_quote(params.key)}"
    current = _checked(ctx, f"settings get {where}", Why.SETTING_READ_REFUSED).output.strip()
    if current != params.value:
        _checked(ctx, f"settings put {where} {_quote(params.value)}", Why.SETTING_WRITE_REFUSED)
    return _setting_outcome(params, current)


def _setting_outcome(params: Setting, current: str) -> Outcome:
    if current == params.value:
        return Outcome(StepStatus.OK, f"{params.namespace}/{params.key} is already {params.value}")
    return Outcome(
        StepStatus.CHANGED, f"{params.namespace}/{params.key}: {current} -> {params.value}"
    )


def push(params: Push, ctx: StepContext) -> Outcome:
    local = ctx.resolve_path(params.src)
    wanted = ctx.artifacts.sha256(local)
    found = _run(ctx, f"sha256sum {_quote(params.dest)}")
    if found.ok and found.output.split()[:1] == [wanted]:
        return Outcome(StepStatus.OK, f"{params.dest} already has this content")
    compression = ctx.device.offered_compression()
    packed = ctx.artifacts.packed(local, compression) if compression else None
    with ctx.transfer_slot(packed.size if packed else local.stat().st_size):
        ctx.device.push(local, params.dest, ctx.transfer_progress(f"sending {local.name}"), packed)
    return Outcome(StepStatus.CHANGED, f"copied {local.name} to {params.dest}")


def timezone(zone: str, ctx: StepContext) -> Outcome:
    current = ctx.device.getprop("persist.sys.timezone")
    if current == zone:
        return Outcome(StepStatus.OK, f"time zone is already {zone}")
    _checked(ctx, f"cmd alarm set-timezone {_quote(zone)}", Why.TIMEZONE_REFUSED)
    return Outcome(StepStatus.CHANGED, f"time zone: {current or 'unset'} -> {zone}")


def device_name(name: str, ctx: StepContext) -> Outcome:
    return setting(Setting(namespace="global", key="device_name", value=name), ctx)


# -- network and management -----------------------------------------------------------------


def wifi(params: Wifi, ctx: StepContext) -> Outcome:
    if ctx.facts.sdk < FIRST_CMD_WIFI_SDK:
        raise StepFailed(Reason.of(Why.WIFI_NEEDS_ANDROID_11, release=ctx.facts.android_release))
    status = _run(ctx, "cmd wifi status").output
    if f'Wifi is connected to "{params.ssid}"' in status:
        return Outcome(StepStatus.OK, f"already connected to {params.ssid}")
    words = ["cmd wifi connect-network", _quote(params.ssid), params.security]
    if params.password:
        words.append(_quote(params.password))
    if params.hidden:
        words.append("-h")
    result = _run(ctx, " ".join(words))
    if not result.ok:
        raise StepFailed(
            Reason.of(Why.WIFI_JOIN_REFUSED, ssid=params.ssid, android=android_reason(result)),
            result.output,
        )
    return Outcome(StepStatus.CHANGED, f"joined {params.ssid}", result.output)


def device_owner(params: DeviceOwner, ctx: StepContext) -> Outcome:
    wanted = component_name(params.component)
    if current_device_owner(ctx) == wanted:
        return Outcome(StepStatus.OK, f"{params.component} is already the device owner")
    result = _run(ctx, f"dpm set-device-owner {_quote(params.component)}")
    if "Success" not in result.output:  # before Android 12 dpm may exit 0 on a refusal
        raise StepFailed(
            Reason.of(Why.DEVICE_OWNER_REFUSED, android=android_reason(result)), result.output
        )
    return Outcome(StepStatus.CHANGED, f"{params.component} is now the device owner")


def reboot(params: Reboot, ctx: StepContext) -> Outcome:
    started = time.monotonic()
    ctx.report(0.0, "rebooting")
    ctx.device.reboot()
    if not params.wait:
        return Outcome(StepStatus.CHANGED, "reboot requested")
    deadline = started + ctx.timeout
    while True:
        ctx.check_cancel()
        try:  # Stop ends this wait too, within a quarter second
            ctx.device.reconnect(max(1.0, deadline - time.monotonic()), cancel=ctx.cancel)
        except DeviceError:
            ctx.check_cancel()  # stopped while waiting: Cancelled, not a failed reconnect
            raise
        if ctx.device.getprop("sys.boot_completed") == "1":
            break
        if time.monotonic() >= deadline:
            raise StepFailed(Reason.of(Why.BOOT_TIMEOUT, seconds=ctx.timeout))
        ctx.report(0.5, "waiting for boot to complete")
        ctx.pause()
    return Outcome(StepStatus.CHANGED, f"rebooted in {time.monotonic() - started:.0f} s")


def shell(params: Shell, ctx: StepContext) -> Outcome:
    expect = None
    if params.expect is not None:  # checked before the command runs: nothing done in vain
        try:
            expect = re.compile(params.expect, re.MULTILINE)
        except re.error as exc:
            raise StepFailed(
                Reason.of(Why.EXPECT_INVALID, pattern=params.expect, detail=str(exc))
            ) from None
    result = _run(ctx, params.command)
    if not result.ok:
        raise StepFailed(
            Reason.of(Why.SHELL_EXIT, exit_code=result.exit_code, android=android_reason(result)),
            result.output,
        )
    if expect is None:
        return Outcome(StepStatus.CHANGED, "ran", result.output)
    if not expect.search(result.output):
        raise StepFailed(Reason.of(Why.OUTPUT_MISMATCH, pattern=expect.pattern), result.output)
    return Outcome(StepStatus.OK, f"output matches {params.expect!r}", result.output)


Executor = Callable[[Any, StepContext], Outcome]
ON_ANY_DEVICE = frozenset({"push", "shell"})  # all else needs Android's tools (pm, settings…)


def _on_android(action: str, executor: Executor) -> Executor:
    """`executor`, refused up front on a device that runs no Android."""

    def run(params: Any, ctx: StepContext) -> Outcome:
        if not ctx.facts.android:
            raise StepFailed(Reason.of(Why.STEP_NEEDS_ANDROID, action=action))
        return executor(params, ctx)

    return run


_EXECUTORS: dict[str, Executor] = {
    "install": install,
    "uninstall": uninstall,
    "disable": disable,
    "enable": enable,
    "grant": grant,
    "setting": setting,
    "push": push,
    "shell": shell,
    "wifi": wifi,
    "timezone": timezone,
    "device_name": device_name,
    "device_owner": device_owner,
    "reboot": reboot,
    "wait_for": wait_for,
    "verify": verify,
}
EXECUTORS: dict[str, Executor] = {
    action: executor if action in ON_ANY_DEVICE else _on_android(action, executor)
    for action, executor in _EXECUTORS.items()
}
