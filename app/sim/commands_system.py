"""Framework commands: properties, settings, dumpsys, am, input, svc, wm, cmd and reboot.

Each keeps its real tool's contract: `settings get` of an unset key prints `null`, `setprop` of a
read-only property fails with toolbox's text, `cmd` names a missing service with exit status 20.
"""

from app.sim.commands_core import SHELL_CRASH_STATUS, Command, Invocation, take_option
from app.sim.commands_dpm import dpm, dumpsys_account, dumpsys_device_policy
from app.sim.commands_pm import dumpsys_package, pm
from app.sim.commands_wifi import wifi
from app.sim.identity import dumpsys_bluetooth_manager

CMD_SERVICE_MISSING = 20  # frameworks/native/cmds/cmd: the service is not registered
SETTINGS_NAMESPACES = ("system", "secure", "global")
SHELL_SETTABLE_PROPS = ("persist.", "debug.", "log.tag.", "service.adb.", "ctl.")
STAY_ON_VALUES = {"false": 0, "ac": 1, "usb": 2, "wireless": 4, "true": 7}
KEYCODES = {"HOME": 3, "BACK": 4, "POWER": 26, "ENTER": 66, "MENU": 82, "WAKEUP": 224,
            "SLEEP": 223, "APP_SWITCH": 187, "VOLUME_UP": 24, "VOLUME_DOWN": 25}  # fmt: skip
DUMPSYS_SERVICES = ("account", "activity", "battery", "device_policy", "package", "wifi",
                    "window", "power", "settings")  # fmt: skip


# --- properties and settings -------------------------------------------------------------------


def getprop(ctx: Invocation) -> int:
    properties = ctx.device.properties()
    if ctx.args:
        fallback = ctx.args[1] if len(ctx.args) > 1 else ""
        ctx.out(properties.get(ctx.args[0], fallback) + "\n")
    else:
        ctx.out("".join(f"[{name}]: [{value}]\n" for name, value in sorted(properties.items())))
    return 0


def setprop(ctx: Invocation) -> int:
    """Only what the shell's SELinux domain may set; read-only properties never change."""
    if len(ctx.args) != 2:
        ctx.err("usage: setprop NAME VALUE\n\nSets an Android system property.\n")
        return 1
    name, value = ctx.args
    allowed = name.startswith(SHELL_SETTABLE_PROPS) and len(value) < 92
    if not allowed:
        if ctx.sdk >= 29:  # toolbox's setprop
            ctx.err(f"Failed to set property '{name}' to '{value}'.\nSee dmesg for error reason.\n")
        else:  # toybox's
            ctx.err(f"setprop: failed to set property '{name}' to '{value}'\n")
        return 1
    ctx.device.set_property(name, value)
    return 0


def settings(ctx: Invocation) -> int:
    """SettingsService's shell command: get, put, delete and list per namespace; the
    settings provider logs a request it refused."""
    status = _settings(ctx)
    if status != 0:
        reason = ctx.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        verb = ctx.args[0] if ctx.args else ""
        ctx.device.log.write("E", "SettingsProvider",
                             f"shell request '{verb}' refused: {reason[0]}")  # fmt: skip
    return status


def _settings(ctx: Invocation) -> int:
    args = list(ctx.args)
    take_option(args, "--user")
    verb = args[0].lower() if args else ""
    if verb not in ("get", "put", "delete", "list"):
        ctx.err(f"Invalid command: {args[0]}\n" if args else "Bad arguments\n")
        return SHELL_CRASH_STATUS
    if len(args) < 2:
        ctx.err("Bad arguments\n")
        return SHELL_CRASH_STATUS
    namespace = args[1].lower()
    if namespace not in SETTINGS_NAMESPACES:
        ctx.err(f"Invalid namespace '{args[1]}'\n")
        return SHELL_CRASH_STATUS
    table = ctx.device.state.settings[namespace]
    if verb == "list":
        ctx.out("".join(f"{key}={value}\n" for key, value in sorted(table.items())))
        return 0
    needed = 4 if verb == "put" else 3
    if len(args) < needed:
        ctx.err("Bad arguments\n")
        return SHELL_CRASH_STATUS
    key = args[2]
    if verb == "get":
        ctx.out(table.get(key, "null") + "\n")
        return 0
    if verb == "delete":
        deleted = table.pop(key, None) is not None
        ctx.device.save()
        ctx.out(f"Deleted {int(deleted)} rows\n")
        return 0
    table[key] = args[3]
    ctx.device.save()
    return 0


# --- dumpsys -----------------------------------------------------------------------------------


def dumpsys(ctx: Invocation) -> int:
    if not ctx.args or ctx.args[0] == "-l":
        ctx.out("Currently running services:\n" + "".join(f"  {s}\n" for s in DUMPSYS_SERVICES))
        return 0
    service, args = ctx.args[0], ctx.args[1:]
    handler = {
        "battery": dumpsys_battery,
        "package": dumpsys_package,
        "account": dumpsys_account,
        "device_policy": dumpsys_device_policy,
        "bluetooth_manager": dumpsys_bluetooth_manager,
    }.get(service)
    if handler is not None:
        return handler(ctx, args)
    if service not in DUMPSYS_SERVICES:
        ctx.err(f"Can't find service: {service}\n")
    return 0


def dumpsys_battery(ctx: Invocation, args: list[str]) -> int:
    override = ctx.device.battery_override
    if args:  # set level N | set ac|usb|wireless 0|1 | unplug | reset
        if args[0] == "reset":
            override.clear()
        elif args[0] == "unplug":
            override.update(ac=0, usb=0, wireless=0)
        elif args[0] == "set" and len(args) == 3 and args[2].lstrip("-").isdigit():
            override[args[1]] = int(args[2])
        else:
            ctx.err(f"Unknown set option: {args[1] if len(args) > 1 else ''}\n")
            return SHELL_CRASH_STATUS
        return 0
    battery = ctx.device.state.battery
    level = override.get("level", battery.level)
    ac = bool(override.get("ac", battery.ac))
    usb = bool(override.get("usb", battery.usb))
    wireless = bool(override.get("wireless", 0))
    plugged = ac or usb or wireless
    status = (5 if level >= 100 else 2) if plugged else 3
    lines = ["Current Battery Service state:"]
    if override:
        lines.append("  (UPDATES STOPPED -- use 'reset' to restart)")
    lines += [
        f"  AC powered: {str(ac).lower()}",
        f"  USB powered: {str(usb).lower()}",
        f"  Wireless powered: {str(wireless).lower()}",
    ]
    if ctx.sdk >= 33:
        lines.append("  Dock powered: false")
    lines += [
        "  Max charging current: 500000" if plugged else "  Max charging current: 0",
        "  Max charging voltage: 5000000" if plugged else "  Max charging voltage: 0",
        f"  Charge counter: {level * 31_000}",
        f"  status: {override.get('status', status)}",
        f"  health: {battery.health}",
        "  present: true",
        f"  level: {level}",
        "  scale: 100",
        f"  voltage: {battery.voltage}",
        f"  temperature: {override.get('temp', battery.temperature)}",
        "  technology: Li-ion",
    ]
    ctx.out("\n".join(lines) + "\n")
    return 0


# --- activities, input and power ---------------------------------------------------------------


def am(ctx: Invocation) -> int:
    subcommand, args = (ctx.args[0], ctx.args[1:]) if ctx.args else ("", [])
    if subcommand in ("start", "start-activity", "startservice", "start-service"):
        intent = _intent(args)
        ctx.out(f"Starting: Intent {{ {intent['text']} }}\n" if "start" in subcommand[:5] else "")
        component = intent.get("cmp")
        if component and ctx.device.package(component.split("/")[0]) is None:
            package, _, cls = component.partition("/")
            full = package + cls if cls.startswith(".") else cls
            ctx.err(f"Error type 3\nError: Activity class {{{package}/{full}}} does not exist.\n")
        return 0
    if subcommand == "broadcast":
        intent = _intent(args, flags="0x400000")
        ctx.out(f"Broadcasting: Intent {{ {intent['text']} }}\nBroadcast completed: result=0\n")
        return 0
    if subcommand in ("force-stop", "kill", "kill-all"):
        return 0
    if subcommand == "get-current-user":
        ctx.out("0\n")
        return 0
    ctx.out(f"Unknown command: {subcommand}\n" if subcommand else "Activity manager (activity)\n")
    return SHELL_CRASH_STATUS


def _intent(args: list[str], flags: str = "") -> dict[str, str]:
    """Intent.toString()'s short form for the -a/-c/-d/-n/-p/-f and extra options given."""
    fields: dict[str, str] = {}
    categories, extras, words = [], False, iter(args)
    for word in words:
        if word in ("-a", "-d", "-t", "-n", "-p", "-f"):
            fields[word] = next(words, "")
        elif word == "-c":
            categories.append(next(words, ""))
        elif word.startswith("--e") and word not in ("--user",):
            extras = True
            next(words, None)
            if word not in ("--esn",):
                next(words, None)
        elif word == "--user":
            next(words, None)
        elif not word.startswith("-") and "-n" not in fields and "/" in word:
            fields["-n"] = word
    parts = []
    if "-a" in fields:
        parts.append(f"act={fields['-a']}")
    if categories:
        parts.append(f"cat=[{','.join(categories)}]")
    if "-d" in fields:
        parts.append(f"dat={fields['-d']}")
    if "-t" in fields:
        parts.append(f"typ={fields['-t']}")
    if flags or "-f" in fields:
        parts.append(f"flg={fields.get('-f', flags)}")
    if "-p" in fields:
        parts.append(f"pkg={fields['-p']}")
    if "-n" in fields:
        parts.append(f"cmp={fields['-n']}")
    if extras:
        parts.append("(has extras)")
    return {"text": " ".join(parts), **({"cmp": fields["-n"]} if "-n" in fields else {})}


def monkey(ctx: Invocation) -> int:
    package = ctx.args[ctx.args.index("-p") + 1] if "-p" in ctx.args[:-1] else ""
    if package and ctx.device.package(package) is None:
        ctx.err("** No activities found to run, monkey aborted.\n")
        return 252
    ctx.out(f"  bash arg: -p\n  bash arg: {package}\nEvents injected: 1\n")
    ctx.out("## Network stats: elapsed time=12ms (0ms mobile, 0ms wifi, 12ms not connected)\n")
    return 0


def input_command(ctx: Invocation) -> int:
    args = [arg for arg in ctx.args if arg not in ("touchscreen", "keyboard", "dpad")]
    if not args:
        ctx.err("Usage: input [<source>] <command> [<arg>...]\n")
        return 1
    if args[0] == "keyevent":
        for code in args[1:] or [""]:
            name = code.removeprefix("KEYCODE_")
            if not (code.isdigit() or name in KEYCODES or name.isalnum()):
                ctx.err(f"Error: Unknown keycode: {code}\n")
                return 1
    return 0


def svc(ctx: Invocation) -> int:
    args = ctx.args
    if args[:2] == ["power", "reboot"]:
        ctx.session.reboot = True
        return 0
    if args[:2] == ["power", "stayon"] and len(args) == 3 and args[2] in STAY_ON_VALUES:
        ctx.device.state.settings["global"]["stay_on_while_plugged_in"] = str(
            STAY_ON_VALUES[args[2]]
        )
        ctx.device.save()
        return 0
    if args[:1] == ["wifi"] and len(args) == 2 and args[1] in ("enable", "disable"):
        ctx.device.state.settings["global"]["wifi_on"] = "1" if args[1] == "enable" else "0"
        ctx.device.save()
        return 0
    ctx.err(
        "Control the power manager\n\nusage: svc power stayon [true|false|usb|ac|wireless]\n"
        "         Set the 'keep awake while plugged in' setting.\n"
        "       svc power reboot [reason]\n         Perform a runtime shutdown and reboot.\n"
    )
    return 1


def wm(ctx: Invocation) -> int:
    profile, table = ctx.device.profile, ctx.device.state.settings["global"]
    what, value = [*ctx.args, "", ""][:2]
    if what == "size":
        key, physical = "display_size_forced", "{}x{}".format(*profile.screen_size)
        label = "size"
    elif what == "density":
        key, physical, label = "display_density_forced", str(profile.density), "density"
    else:
        ctx.err(f"Error: unknown command '{what}'\n")
        return SHELL_CRASH_STATUS
    if value == "reset":
        table.pop(key, None)
    elif value:
        table[key] = value
    else:
        ctx.out(f"Physical {label}: {physical}\n")
        if key in table:
            ctx.out(f"Override {label}: {table[key]}\n")
        return 0
    ctx.device.save()
    return 0


def reboot(ctx: Invocation) -> int:
    ctx.session.reboot = True
    return 0


# --- cmd ---------------------------------------------------------------------------------------


def cmd(ctx: Invocation) -> int:
    """`cmd SERVICE ...`: a binder service's shell command, or exit 20 if there is none."""
    if not ctx.args:
        ctx.err("cmd: No service specified; use -l to list all running services. Use -w to "
                "start and wait for a service.\n")  # fmt: skip
        return CMD_SERVICE_MISSING
    if ctx.args[0] == "-l":
        ctx.out("Currently running services:\n" + "".join(f"  {s}\n" for s in sorted(CMD_SERVICES)))
        return 0
    service = ctx.args[0]
    handler = CMD_SERVICES.get(service)
    if handler is None or (service == "device_policy" and ctx.sdk < 30):
        ctx.err(f"cmd: Can't find service: {service}\n")
        return CMD_SERVICE_MISSING
    ctx.args = ctx.args[1:]
    return handler(ctx)


def alarm(ctx: Invocation) -> int:
    if ctx.args[:1] == ["set-timezone"] and len(ctx.args) == 2:
        ctx.device.set_property("persist.sys.timezone", ctx.args[1])
        return 0
    ctx.out(f"Unknown command: {ctx.args[0] if ctx.args else ''}\n")
    return SHELL_CRASH_STATUS


def statusbar(ctx: Invocation) -> int:
    if ctx.args[:1] and ctx.args[0] in ("expand-notifications", "expand-settings", "collapse"):
        return 0
    ctx.out(f"Unknown command: {ctx.args[0] if ctx.args else ''}\n")
    return SHELL_CRASH_STATUS


CMD_SERVICES: dict[str, Command] = {
    "package": pm, "settings": settings, "activity": am, "wifi": wifi, "alarm": alarm,
    "statusbar": statusbar, "device_policy": dpm, "input": input_command, "window": wm,
}  # fmt: skip

SYSTEM_COMMANDS: dict[str, Command] = {
    "getprop": getprop, "setprop": setprop, "settings": settings, "dumpsys": dumpsys, "am": am,
    "monkey": monkey, "input": input_command, "svc": svc, "wm": wm, "reboot": reboot,
    "cmd": cmd, "dpm": dpm,
}  # fmt: skip
