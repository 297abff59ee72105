"""`pm` (alias `cmd package`) and `dumpsys package`: what hosts use to manage apps.

The texts are PackageManagerShellCommand's: `package:NAME versionCode:N` lines, `Success` /
`Failure [CODE: message]` for installs, `Package NAME new state: disabled-user`, and framework
exceptions (exit status 255) for unknown packages and permissions.
"""

from app.sim.commands_core import Command, Invocation, local_time, take_option
from app.sim.device_state import FsError, Package
from app.sim.file_system import resolve

PM_FRAMES = [
    "com.android.server.pm.PackageManagerShellCommand.onCommand",
    "com.android.modules.utils.BasicShellCommandHandler.exec",
    "android.os.ShellCommand.exec",
    "android.os.Binder.shellCommand",
]
INSTALL_OPTIONS_WITH_VALUE = {"-i", "--user", "--install-location", "--abi", "-p", "--referrer"}
INSTALL_FLAGS = {"-r", "-g", "-d", "-t", "-f", "-l", "-s", "--dont-kill", "--instant", "--full",
                 "--force-queryable", "--staged", "--wait"}  # fmt: skip
ENABLED_STATES = {0: "default", 1: "enabled", 2: "disabled", 3: "disabled-user"}
RUNTIME_PERMISSIONS = {
    "CAMERA": 23, "RECORD_AUDIO": 23, "ACCESS_FINE_LOCATION": 23, "ACCESS_COARSE_LOCATION": 23,
    "ACCESS_BACKGROUND_LOCATION": 29, "READ_CONTACTS": 23, "WRITE_CONTACTS": 23,
    "GET_ACCOUNTS": 23, "READ_PHONE_STATE": 23, "CALL_PHONE": 23, "READ_CALENDAR": 23,
    "WRITE_CALENDAR": 23, "READ_EXTERNAL_STORAGE": 23, "WRITE_EXTERNAL_STORAGE": 23,
    "BODY_SENSORS": 23, "SEND_SMS": 23, "RECEIVE_SMS": 23, "READ_SMS": 23,
    "ACTIVITY_RECOGNITION": 29, "BLUETOOTH_CONNECT": 31, "BLUETOOTH_SCAN": 31,
    "POST_NOTIFICATIONS": 33, "READ_MEDIA_IMAGES": 33, "READ_MEDIA_VIDEO": 33,
    "NEARBY_WIFI_DEVICES": 33,
}  # fmt: skip
DEVELOPMENT_PERMISSIONS = {"WRITE_SECURE_SETTINGS", "DUMP", "READ_LOGS", "PACKAGE_USAGE_STATS",
                           "SET_DEBUG_APP", "CHANGE_CONFIGURATION"}  # fmt: skip
NORMAL_PERMISSIONS = {"INTERNET", "ACCESS_NETWORK_STATE", "ACCESS_WIFI_STATE", "WAKE_LOCK",
                      "RECEIVE_BOOT_COMPLETED", "VIBRATE", "FOREGROUND_SERVICE", "WRITE_SETTINGS",
                      "REQUEST_INSTALL_PACKAGES", "SYSTEM_ALERT_WINDOW"}  # fmt: skip
PM_HELP = """Package manager (package) commands:
  help
    Print this help text.
  path [--user USER_ID] PACKAGE
  list packages [-f] [-d] [-e] [-s] [-3] [-i] [-l] [-u] [-U] [--show-versioncode] [FILTER]
  install [-rtfdg] [-i PACKAGE] [--user USER_ID] [-S BYTES] [PATH|-]
  install-create [-rtfdg] [-i PACKAGE] [--user USER_ID] [-p INHERIT_PACKAGE] [-S BYTES]
  install-write [-S BYTES] SESSION_ID SPLIT_NAME [PATH|-]
  install-commit SESSION_ID
  install-abandon SESSION_ID
  uninstall [-k] [--user USER_ID] PACKAGE
  enable [--user USER_ID] PACKAGE
  disable-user [--user USER_ID] PACKAGE
  grant [--user USER_ID] PACKAGE PERMISSION
  revoke [--user USER_ID] PACKAGE PERMISSION
  install-existing [--user USER_ID] PACKAGE
  clear [--user USER_ID] PACKAGE
"""


def pm(ctx: Invocation) -> int:
    args = list(ctx.args)
    if not args or args[0] in ("help", "-h"):
        ctx.out(PM_HELP)
        return 0 if args else 255
    subcommand, rest = args[0], args[1:]
    take_option(rest, "--user")
    handler = SUBCOMMANDS.get(subcommand)
    if handler is None:
        ctx.out(f"Unknown command: {subcommand}\n")
        return 255
    return handler(ctx, rest)


def _unknown_package(ctx: Invocation, subcommand: str, name: str) -> int:
    return ctx.crash(
        subcommand, "java.lang.IllegalArgumentException", f"Unknown package: {name}", PM_FRAMES
    )


def list_command(ctx: Invocation, args: list[str]) -> int:
    what = args[0] if args else ""
    if what == "users":
        tag = "c13" if ctx.sdk >= 28 else "13"
        ctx.out(f"Users:\n\tUserInfo{{0:Owner:{tag}}} running\n")
        return 0
    if what != "packages":
        ctx.out(f"Error: unknown list type '{what}'\n")
        return 255
    flags = {arg for arg in args[1:] if arg.startswith("-")}
    filters = [arg for arg in args[1:] if not arg.startswith("-")]
    for package in ctx.device.packages(include_uninstalled="-u" in flags):
        if not _listed(package, flags) or (filters and filters[0] not in package.name):
            continue
        line = "package:" + (f"{package.path}=" if "-f" in flags else "") + package.name
        if "--show-versioncode" in flags:
            line += f" versionCode:{package.version_code}"
        if "-i" in flags:
            line += f"  installer={package.installer}"
        if "-U" in flags:
            line += f" uid:{package.uid}"
        ctx.out(line + "\n")
    return 0


def _listed(package: Package, flags: set[str]) -> bool:
    disabled = package.enabled in (2, 3)
    return not (
        ("-s" in flags and not package.system)
        or ("-3" in flags and package.system)
        or ("-d" in flags and not disabled)
        or ("-e" in flags and disabled)
    )


def path_command(ctx: Invocation, args: list[str]) -> int:
    package = ctx.device.package(args[0]) if args else None
    if package is None:
        return 1
    ctx.out(f"package:{package.path}\n")
    return 0


def install(ctx: Invocation, args: list[str]) -> int:
    """`pm install [options] FILE`, or `-S SIZE` with the APK on stdin."""
    size = take_option(args, "-S")
    options, paths, words = [], [], iter(args)
    for word in words:
        if word in INSTALL_OPTIONS_WITH_VALUE:
            options += [word, next(words, "")]
        elif word in INSTALL_FLAGS:
            options.append(word)
        elif word.startswith("-") and word != "-":
            return ctx.crash("install", "java.lang.IllegalArgumentException",
                             f"Unknown option {word}", PM_FRAMES)  # fmt: skip
        else:
            paths.append(word)
    if size is not None:
        if not size.isdigit():
            return ctx.crash("install", "java.lang.NumberFormatException",
                             f'For input string: "{size}"', PM_FRAMES)  # fmt: skip
        data = ctx.input.read(int(size))
    elif paths and paths[0] != "-":
        try:
            data = ctx.device.read_file(resolve(paths[0], ctx.session.cwd))
        except FsError:
            message = f"Error: Can't open file: {paths[0]}"
            ctx.err(message + "\n")
            return ctx.crash("install", "java.lang.IllegalArgumentException", message, PM_FRAMES)
    else:
        ctx.err("Error: must either specify a package size or an APK file\n")
        return 1
    result = ctx.device.install_apk(data, options)
    ctx.out(result.stdout)
    ctx.err(result.stderr)
    ctx.session.install_bytes += result.install_bytes
    return result.exit_code


def install_create(ctx: Invocation, args: list[str]) -> int:
    """`pm install-create [options]`: a session the APKs of one app are written to."""
    take_option(args, "-S")  # the expected total size: a hint for staging, unchecked
    for word in args:
        if word.startswith("-") and word not in INSTALL_FLAGS | INSTALL_OPTIONS_WITH_VALUE:
            return ctx.crash("install-create", "java.lang.IllegalArgumentException",
                             f"Unknown option {word}", PM_FRAMES)  # fmt: skip
    session = ctx.device.create_install_session(args)
    ctx.out(f"Success: created install session [{session}]\n")
    return 0


def _session(ctx: Invocation, subcommand: str, word: str | None) -> int | None:
    """The open session `word` names; None (with Android's exception printed) otherwise."""
    session = int(word) if word and word.isdigit() else -1
    if session not in ctx.device.install_sessions:
        ctx.crash(subcommand, "java.lang.SecurityException",
                  f"Caller has no access to session {session}", PM_FRAMES)  # fmt: skip
        return None
    return session


def install_write(ctx: Invocation, args: list[str]) -> int:
    """`pm install-write [-S SIZE] SESSION NAME [PATH|-]`: one APK into the session, from a
    file or (`-`, or no path) `SIZE` bytes of stdin."""
    size = take_option(args, "-S")
    session = _session(ctx, "install-write", args[0] if args else None)
    if session is None:
        return 255
    if len(args) < 2:
        ctx.err("Error: must specify a split name\n")
        return 1
    name, path = args[1], args[2] if len(args) > 2 else "-"
    if path != "-":
        try:
            data = ctx.device.read_file(resolve(path, ctx.session.cwd))
        except FsError:
            return ctx.crash("install-write", "java.lang.IllegalArgumentException",
                             f"Error: Can't open file: {path}", PM_FRAMES)  # fmt: skip
    elif size is None or not size.isdigit():
        ctx.err("Error: must specify a APK size\n")
        return 1
    else:
        data = ctx.input.read(int(size))
        if len(data) < int(size):
            return ctx.crash("install-write", "java.io.IOException",
                             "Unexpected EOF while writing", PM_FRAMES)  # fmt: skip
    apk_name = name if name.endswith(".apk") else f"{name}.apk"
    ctx.device.install_sessions[session][apk_name] = data
    ctx.out(f"Success: streamed {len(data)} bytes\n")
    return 0


def install_commit(ctx: Invocation, args: list[str]) -> int:
    session = _session(ctx, "install-commit", args[0] if args else None)
    if session is None:
        return 255
    result = ctx.device.commit_install_session(session)
    ctx.out(result.stdout.decode())
    ctx.session.install_bytes += result.install_bytes
    return result.exit_code


def install_abandon(ctx: Invocation, args: list[str]) -> int:
    session = _session(ctx, "install-abandon", args[0] if args else None)
    if session is None:
        return 255
    del ctx.device.install_sessions[session]
    del ctx.device.install_options[session]
    ctx.out("Success\n")
    return 0


def uninstall(ctx: Invocation, args: list[str]) -> int:
    names = [arg for arg in args if not arg.startswith("-")]
    if not names:
        ctx.err("Error: package name not specified\n")
        return 1
    for_user = "--user" in ctx.args
    verdict = ctx.device.uninstall(names[0], for_user_only=for_user)
    ctx.out(verdict + "\n")
    return 0 if verdict == "Success" else 1


def set_enabled(state: int):
    def handler(ctx: Invocation, args: list[str]) -> int:
        subcommand = ctx.args[0]
        if not args:
            ctx.err("Error: no package or component specified\n")
            return 1
        name = args[0]
        if "/" in name:  # a component: accepted, the simulator tracks packages only
            ctx.out(f"Component {{{name}}} new state: {ENABLED_STATES[state]}\n")
            return 0
        package = ctx.device.package(name)
        if package is None:
            return _unknown_package(ctx, subcommand, name)
        if state == 2:
            message = f"Shell cannot change component state for {name} to 2"
            return ctx.crash(subcommand, "java.lang.SecurityException", message, PM_FRAMES)
        package.enabled = state
        ctx.device.save()
        ctx.out(f"Package {name} new state: {ENABLED_STATES[state]}\n")
        return 0

    return handler


def grant(ctx: Invocation, args: list[str]) -> int:
    subcommand = ctx.args[0]
    if len(args) < 2:
        ctx.err("Error: no package specified\n" if not args else "Error: no permission specified\n")
        return 1
    name, permission = args[0], args[1]
    package = ctx.device.package(name)
    if package is None:
        return _unknown_package(ctx, subcommand, name)
    short = permission.removeprefix("android.permission.")
    known = permission.startswith("android.permission.") and (
        RUNTIME_PERMISSIONS.get(short, 99) <= ctx.sdk
        or short in DEVELOPMENT_PERMISSIONS | NORMAL_PERMISSIONS
    )
    if not known:
        return ctx.crash(subcommand, "java.lang.IllegalArgumentException",
                         f"Unknown permission: {permission}", PM_FRAMES)  # fmt: skip
    if short in NORMAL_PERMISSIONS:
        return ctx.crash(
            subcommand,
            "java.lang.SecurityException",
            f"Permission {permission} requested by {name} is not a changeable permission type",
            PM_FRAMES,
        )
    granted = set(package.granted)
    granted = granted | {permission} if subcommand == "grant" else granted - {permission}
    package.granted = sorted(granted)
    ctx.device.save()
    return 0


def install_existing(ctx: Invocation, args: list[str]) -> int:
    name = args[0] if args else ""
    package = ctx.device.state.packages.get(name)
    if package is None:
        ctx.out(f"android.content.pm.PackageManager$NameNotFoundException: Package {name} "
                "doesn't exist\n")  # fmt: skip
        return 1
    package.installed = True
    ctx.device.save()
    ctx.out(f"Package {name} installed for user: 0\n")
    return 0


def clear(ctx: Invocation, args: list[str]) -> int:
    found = bool(args) and ctx.device.package(args[0]) is not None
    ctx.out("Success\n" if found else "Failed\n")
    return 0 if found else 1


SUBCOMMANDS = {
    "list": list_command,
    "path": path_command,
    "install": install,
    "install-create": install_create,
    "install-write": install_write,
    "install-commit": install_commit,
    "install-abandon": install_abandon,
    "uninstall": uninstall,
    "enable": set_enabled(1),
    "disable": set_enabled(2),
    "disable-user": set_enabled(3),
    "default-state": set_enabled(0),
    "grant": grant,
    "revoke": grant,
    "install-existing": install_existing,
    "clear": clear,
}


def dumpsys_package(ctx: Invocation, args: list[str]) -> int:
    """`dumpsys package PKG`: the package block engines read versionCode and grants from."""
    name = next((arg for arg in args if not arg.startswith("-")), "")
    package = ctx.device.state.packages.get(name)
    if package is None:
        ctx.out(f"Dexopt state:\n  Unable to find package: {name}\n\n"
                f"Compiler stats:\n  Unable to find package: {name}\n")  # fmt: skip
        return 0
    code_dir = package.path.rsplit("/", 1)[0]
    stamp = _timestamp(ctx, package.first_install_ms)
    updated = _timestamp(ctx, package.last_update_ms)
    identity = f"{abs(hash((package.name, package.uid))) % 0xFFFFFFF:07x}"
    flags = (
        "SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA"
        if package.system
        else ("HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP")
    )
    runtime = "".join(
        f"        {permission}: granted=true, flags=[ USER_SET ]\n"
        for permission in package.granted
    )
    ctx.out(
        f"Key Set Manager:\n  [{name}]\n      Signing KeySets: {package.uid % 97 + 1}\n\n"
        f"Packages:\n  Package [{name}] ({identity}):\n"
        f"    userId={package.uid}\n"
        f"    pkg=Package{{{identity[::-1]} {name}}}\n"
        f"    codePath={code_dir}\n"
        f"    resourcePath={code_dir}\n"
        f"    legacyNativeLibraryDir={code_dir}/lib\n"
        f"    primaryCpuAbi=null\n    secondaryCpuAbi=null\n"
        f"    versionCode={package.version_code} minSdk={package.min_sdk} "
        f"targetSdk={package.target_sdk}\n"
        f"    versionName={package.version_name}\n"
        f"    splits=[{', '.join(['base', *package.splits])}]\n    apkSigningVersion=2\n"
        f"    flags=[ {flags} ]\n"
        f"    dataDir=/data/user/0/{name}\n"
        f"    timeStamp={stamp}\n    firstInstallTime={stamp}\n    lastUpdateTime={updated}\n"
        f"    installerPackageName={package.installer}\n"
        f"    User 0: ceDataInode={package.uid * 31} installed={str(package.installed).lower()} "
        f"hidden=false suspended=false stopped=false notLaunched=false "
        f"enabled={package.enabled} instant=false virtual=false\n"
        f"      runtime permissions:\n{runtime}"
    )
    return 0


def _timestamp(ctx: Invocation, milliseconds: int) -> str:
    return local_time(ctx.device, milliseconds / 1000).strftime("%Y-%m-%d %H:%M:%S")


PM_COMMANDS: dict[str, Command] = {"pm": pm}
