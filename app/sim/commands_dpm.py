"""`dpm` and the device-policy views: making an app the device owner from the bench.

Android 12 (SDK 31) turned `dpm` into `cmd device_policy`, whose failures are framework
exceptions with exit status 255. Earlier releases ran the Dpm app_process tool: an
IllegalArgumentException printed the usage and `Error: …` yet exited 0, any other exception
printed its stack trace and exited 1. A device with a Google account refuses a device owner.
"""

from collections.abc import Callable

from app.sim.commands_core import SHELL_CRASH_STATUS, Invocation, stack_trace, take_option

FIRST_CMD_DPM_SDK = 31
DPM_FRAMES = [
    "com.android.server.devicepolicy.DevicePolicyManagerService.setDeviceOwner",
    "com.android.server.devicepolicy.DevicePolicyManagerServiceShellCommand.runSetDeviceOwner",
    "com.android.modules.utils.BasicShellCommandHandler.exec",
]
LEGACY_FRAMES = [
    "android.os.Parcel.createException",
    "android.os.Parcel.readException",
    "android.app.admin.IDevicePolicyManager$Stub$Proxy.setDeviceOwner",
    "com.android.commands.dpm.Dpm.runSetDeviceOwner",
    "com.android.internal.os.BaseCommand.run",
]
LEGACY_USAGE = """usage: dpm [subcommand] [options]
usage: dpm set-active-admin [ --user <USER_ID> | current ] <COMPONENT>
usage: dpm set-device-owner [ --user <USER_ID> | current *EXPERIMENTAL* ] [ --name <NAME> ] \
<COMPONENT>
usage: dpm set-profile-owner [ --user <USER_ID> | current ] [ --name <NAME> ] <COMPONENT>
usage: dpm remove-active-admin [ --user <USER_ID> | current ] [ --name <NAME> ] <COMPONENT>
"""


class DpmError(Exception):
    def __init__(self, exception: str, message: str) -> None:
        super().__init__(message)
        self.exception = exception


def dpm(ctx: Invocation) -> int:
    args = list(ctx.args)
    take_option(args, "--user")
    take_option(args, "--name")
    args = [arg for arg in args if arg != "--device-owner-only"]
    subcommand = args[0] if args else ""
    actions: dict[str, Callable[[Invocation, list[str]], int]] = {
        "set-device-owner": set_device_owner,
        "set-active-admin": set_active_admin,
        "remove-active-admin": remove_active_admin,
    }
    modern = ctx.sdk >= FIRST_CMD_DPM_SDK or ctx.name == "cmd"
    if modern:
        actions["list-owners"] = list_owners
    if subcommand not in actions:
        if modern:
            ctx.out(f"Unknown command: {subcommand}\n" if subcommand else "")
            return SHELL_CRASH_STATUS
        ctx.err(f"{LEGACY_USAGE}\nError: unknown command '{subcommand}'\n")
        return 0
    try:
        return actions[subcommand](ctx, args[1:])
    except DpmError as error:
        if modern:
            return ctx.crash(subcommand, error.exception, str(error), DPM_FRAMES)
        if error.exception == "java.lang.IllegalArgumentException":
            ctx.err(f"{LEGACY_USAGE}\nError: {error}\n")
            return 0
        ctx.err(f"{error.exception}: {error}\n{stack_trace(LEGACY_FRAMES)}")
        return 1


def component_of(ctx: Invocation, args: list[str]) -> tuple[str, str]:
    """(package, class) of the COMPONENT argument, `.Cls` expanded as ComponentName does."""
    if not args:
        raise DpmError("java.lang.IllegalArgumentException", "Missing argument")
    package, slash, cls = args[0].partition("/")
    if not slash or not package or not cls:
        raise DpmError("java.lang.IllegalArgumentException", f"Invalid component {args[0]}")
    return package, package + cls if cls.startswith(".") else cls


def _info(component: tuple[str, str]) -> str:
    return f"ComponentInfo{{{component[0]}/{component[1]}}}"


def _activate(ctx: Invocation, component: tuple[str, str]) -> None:
    if ctx.device.package(component[0]) is None:
        raise DpmError("java.lang.IllegalArgumentException", f"Unknown admin: {_info(component)}")
    flat = f"{component[0]}/{component[1]}"
    if flat not in ctx.device.state.active_admins:
        ctx.device.state.active_admins.append(flat)


def set_device_owner(ctx: Invocation, args: list[str]) -> int:
    """Activate the admin, then make it the owner; a refusal deactivates it again."""
    component = component_of(ctx, args)
    state = ctx.device.state
    flat = f"{component[0]}/{component[1]}"
    was_active = flat in state.active_admins
    _activate(ctx, component)
    try:
        _check_can_set_owner(ctx, component)
    except DpmError:
        if not was_active:
            state.active_admins.remove(flat)
        raise
    state.device_owner = flat
    ctx.device.save()
    ctx.out(
        f"Success: Device owner set to package {_info(component)}\n"
        f"Active admin set to component {{{component[0]}/{component[1]}}}\n"
    )
    return 0


def _check_can_set_owner(ctx: Invocation, component: tuple[str, str]) -> None:
    state = ctx.device.state
    if state.device_owner:
        package, _, name = state.device_owner.partition("/")  # stored as package/class
        owner = (package, name)
        raise DpmError(
            "java.lang.IllegalStateException",
            f"Trying to set the device owner ({_info(component)}), but device owner "
            f"({_info(owner)}) is already set.",
        )
    if state.accounts:
        raise DpmError(
            "java.lang.IllegalStateException",
            "Not allowed to set the device owner because there are already some accounts on "
            "the device",
        )


def set_active_admin(ctx: Invocation, args: list[str]) -> int:
    component = component_of(ctx, args)
    _activate(ctx, component)
    ctx.device.save()
    ctx.out(f"Success: Active admin set to component {{{component[0]}/{component[1]}}}\n")
    return 0


def remove_active_admin(ctx: Invocation, args: list[str]) -> int:
    component = component_of(ctx, args)
    flat = f"{component[0]}/{component[1]}"
    state = ctx.device.state
    if flat == state.device_owner:  # only test-only admins may be removed from the shell
        raise DpmError("java.lang.SecurityException",
                       f"Attempt to remove non-test admin {_info(component)} 0")  # fmt: skip
    if flat in state.active_admins:
        state.active_admins.remove(flat)
        ctx.device.save()
    ctx.out(f"Success: Admin removed {{{flat}}}\n")
    return 0


def list_owners(ctx: Invocation, _args: list[str]) -> int:
    owner = ctx.device.state.device_owner
    if owner is None:
        ctx.out("none\n")
        return 0
    package, cls = owner.split("/", 1)
    short = cls[len(package) :] if cls.startswith(package + ".") else cls
    ctx.out(f"1 owner:\nUser  0: admin={package}/{short},DeviceOwner,Affiliated\n")
    return 0


def dumpsys_device_policy(ctx: Invocation, _args: list[str]) -> int:
    state = ctx.device.state
    lines = ["Current Device Policy Manager state:", "  Immutable state:", "    mHasFeature=true"]
    if state.device_owner:
        package = state.device_owner.split("/", 1)[0]
        lines += [
            "  Device Owner: ",
            f"    admin=ComponentInfo{{{state.device_owner}}}",
            "    name=",
            f"    package={package}",
            "    isOrganizationOwnedDevice=true",
            "    User ID: 0",
        ]
    lines.append("  Enabled Device Admins (User 0, provisioningState: 3):")
    for admin in state.active_admins:
        lines += [f"    {admin}:", "      uid=10000", "      testOnlyAdmin=false"]
    ctx.out("\n".join(lines) + "\n")
    return 0


def dumpsys_account(ctx: Invocation, _args: list[str]) -> int:
    accounts = ctx.device.state.accounts
    tag = "c13" if ctx.sdk >= 28 else "13"
    ctx.out(f"User UserInfo{{0:Owner:{tag}}}:\n  Accounts: {len(accounts)}\n")
    for account in accounts:
        ctx.out(f"    Account {{name={account}, type=com.google}}\n")
    return 0
