"""The toybox utilities a provisioning host uses: files, hashes, text filters and identity.

Messages follow toybox (Android's /system/bin userland since 6.0): `NAME: PATH: reason` on
stderr and exit status 1, with the quoting toybox uses for each tool.
"""

import hashlib
import posixpath
import re
import stat
import time
from datetime import UTC

from app.sim.commands_core import Command, Invocation, local_time
from app.sim.device_state import FileStat, FsError
from app.sim.file_system import SYMLINKS, resolve

SHELL_GROUPS = (
    "2000(shell),1004(input),1007(log),1011(adb),1015(sdcard_rw),1028(sdcard_r),"
    "1078(ext_data_rw),1079(ext_obb_rw),3001(net_bt_admin),3002(net_bt),3003(inet),"
    "3006(net_bw_stats),3009(readproc),3011(uhid),3012(readtracefs)"
)


class UsageError(Exception):
    """An unknown option; str(e) is toybox's message."""


def parse_flags(args: list[str], flags: str, valued: str = "") -> tuple[dict[str, str], list[str]]:
    """Short options the toybox way: combined (-la), values attached or separate (-n5, -n 5)."""
    options: dict[str, str] = {}
    rest: list[str] = []
    words = iter(args)
    for word in words:
        if word == "--":
            rest.extend(words)
            break
        if not word.startswith("-") or word == "-" or word[1:].isdigit():
            rest.append(word)
            continue
        for index, letter in enumerate(word[1:], start=1):
            if letter in valued:  # a repeated option accumulates, one value a line (grep -e)
                value = word[index + 1 :] or next(words, "")
                options[letter] = f"{options[letter]}\n{value}" if letter in options else value
                break
            if letter not in flags:
                raise UsageError(f"Unknown option '{letter}'")
            options[letter] = ""
    return options, rest


def toybox(function) -> Command:
    """Turn UsageError into toybox's usage failure."""

    def command(ctx: Invocation) -> int:
        try:
            return function(ctx)
        except UsageError as error:
            return ctx.fail(f'{error} (see "{ctx.name} --help")', 1)

    command.__doc__ = function.__doc__
    return command


def owner(ctx: Invocation, path: str) -> tuple[int, str, int, str]:
    """(uid, user, gid, group) of a path, as the areas of a real device are owned."""
    return path_owner(ctx.sdk, path)


def path_owner(sdk: int, path: str) -> tuple[int, str, int, str]:
    """(uid, user, gid, group) of a path on a device of this SDK level."""
    if path.startswith("/data/local/tmp/"):
        return 2000, "shell", 2000, "shell"
    if path.startswith("/storage/emulated/0"):
        if sdk >= 29:
            return 0, "root", 9997, "everybody"
        return 0, "root", 1015, "sdcard_rw"
    if path == "/data" or path.startswith(("/data/app", "/data/data", "/data/misc")):
        return 1000, "system", 1000, "system"
    return 0, "root", 0, "root"


def each_path(ctx: Invocation, paths: list[str], action, quote: bool = False) -> int:
    """Run action(resolved_path, given_path) per path; report FsError toybox-style."""
    status = 0
    for given in paths:
        try:
            action(resolve(given, ctx.session.cwd), given)
        except FsError as error:
            shown = f"'{given}'" if quote else given
            status = ctx.fail(f"{shown}: {error.reason}")
    return status


def read_inputs(ctx: Invocation, paths: list[str]) -> list[tuple[str, bytes | None]]:
    """(name, content) per input file, stdin for none or "-"; None where reading failed."""
    if not paths:
        return [("-", ctx.stdin)]
    inputs: list[tuple[str, bytes | None]] = []
    for given in paths:
        if given == "-":
            inputs.append(("-", ctx.stdin))
            continue
        try:
            inputs.append((given, ctx.device.read_file(resolve(given, ctx.session.cwd))))
        except FsError as error:
            ctx.fail(f"{given}: {error.reason}")
            inputs.append((given, None))
    return inputs


def lines_of(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


# --- output ------------------------------------------------------------------------------------


def echo(ctx: Invocation) -> int:
    args = list(ctx.args)
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        newline &= "n" not in args[0]
        escapes = "e" in args[0] or (escapes and "E" not in args[0])
        args.pop(0)
    text = " ".join(args)
    if escapes:
        text = _unescape(text)
    ctx.out(text + ("\n" if newline else ""))
    return 0


def _unescape(text: str) -> str:
    table = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "a": "\a", "b": "\b", "0": "\0"}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), "\\" + m.group(1)), text)


def printf(ctx: Invocation) -> int:
    """printf FORMAT [ARG...]: %s %d %x %o %c %%, the format reused while arguments remain."""
    if not ctx.args:
        return ctx.fail("Needs 1 argument", 1)
    template, values = _unescape(ctx.args[0]), list(ctx.args[1:])
    specs = re.compile(r"%[-0-9.]*[sdixXoc%]")
    while True:
        pieces, position, consumed = [], 0, 0
        for match in specs.finditer(template):
            pieces.append(template[position : match.start()])
            position = match.end()
            spec = match.group()
            if spec == "%%":
                pieces.append("%")
                continue
            value = values[consumed] if consumed < len(values) else ""
            consumed += 1
            if spec[-1] in "di":
                pieces.append((spec[:-1] + "d") % int(value or 0))
            elif spec[-1] in "xXo":
                pieces.append(spec % int(value or 0))
            else:
                pieces.append((spec[:-1] + "s") % value)
        ctx.out("".join(pieces) + template[position:])
        values = values[consumed:]
        if not values or not consumed:
            return 0


def cat(ctx: Invocation) -> int:
    status = 0
    for _, content in read_inputs(ctx, ctx.args):
        if content is None:
            status = 1
        else:
            ctx.out(content)
    return status


# --- files -------------------------------------------------------------------------------------


@toybox
def ls(ctx: Invocation) -> int:
    options, paths = parse_flags(ctx.args, "laAdR1hnstSrFZ")
    long, show_all = "l" in options or "n" in options, "a" in options or "A" in options
    status = 0
    files, directories = [], []
    for given in paths or ["."]:
        path = resolve(given, ctx.session.cwd)
        try:
            info = ctx.device.stat_path(path)
        except FsError as error:
            status = ctx.fail(f"{given}: {error.reason}")
            continue
        if stat.S_ISDIR(info.mode) and "d" not in options:
            directories.append((given, path))
        else:
            files.append((given, path, info))
    if files:
        _list_entries(ctx, [(given, path, info) for given, path, info in files], long)
    for index, (given, path) in enumerate(directories):
        try:
            entries = ctx.device.list_dir(path)
        except FsError as error:
            status = ctx.fail(f"{given}: {error.reason}")
            continue
        if len(paths) > 1:
            ctx.out(("\n" if index or files else "") + f"{given}:\n")
        if show_all and "A" not in options:
            entries = [
                (".", ctx.device.stat_path(path)),
                ("..", ctx.device.stat_path(path)),
                *entries,
            ]
        shown = [(n, posixpath.join(path, n), i) for n, i in entries if show_all or n[0] != "."]
        if long:
            ctx.out(f"total {sum((i.size + 4095) // 4096 * 4 for _, _, i in shown)}\n")
        _list_entries(ctx, shown, long)
    return status


def _list_entries(ctx: Invocation, entries: list[tuple[str, str, FileStat]], long: bool) -> None:
    if not long:
        ctx.out("".join(f"{name}\n" for name, _, _ in entries))
        return
    rows = []
    for name, path, info in entries:
        _, user, _, group = owner(ctx, path)
        when = local_time(ctx.device, info.mtime).strftime("%Y-%m-%d %H:%M")
        link = SYMLINKS.get(path)
        shown = f"{name} -> {link}" if link and stat.S_ISLNK(info.mode) else name
        link_count = 2 if stat.S_ISDIR(info.mode) else 1
        rows.append(
            (stat.filemode(info.mode), str(link_count), user, group, str(info.size), when, shown)
        )
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    for mode, links, user, group, size, when, shown in rows:
        ctx.out(
            f"{mode} {links:>{widths[1]}} {user:<{widths[2]}} {group:<{widths[3]}} "
            f"{size:>{widths[4]}} {when} {shown}\n"
        )


@toybox
def rm(ctx: Invocation) -> int:
    options, paths = parse_flags(ctx.args, "rRfvi")
    recursive, force = "r" in options or "R" in options, "f" in options
    if not paths and not force:
        return ctx.fail("Needs 1 argument", 1)
    status = 0
    for given in paths:
        path = resolve(given, ctx.session.cwd)
        try:
            info = ctx.device.stat_path(path)
            if stat.S_ISDIR(info.mode) and not recursive:
                raise FsError("Is a directory")
            ctx.device.remove(path, recursive=True)
        except FsError as error:
            if not (force and error.reason == "No such file or directory"):
                status = ctx.fail(f"{given}: {error.reason}")
    return status


@toybox
def mkdir(ctx: Invocation) -> int:
    options, paths = parse_flags(ctx.args, "pv", valued="m")
    mode = int(options.get("m") or "755", 8)

    def make(path: str, _given: str) -> None:
        if "p" not in options:
            ctx.device.make_dir(path, mode)
            return
        missing = []
        while ctx.device.fs_stat(path) is None:
            missing.append(path)
            path = posixpath.dirname(path)
        for directory in reversed(missing):
            ctx.device.make_dir(directory, mode)

    return each_path(ctx, paths, make, quote=True) if paths else ctx.fail("Needs 1 argument")


def rmdir(ctx: Invocation) -> int:
    def remove(path: str, _given: str) -> None:
        if not stat.S_ISDIR(ctx.device.stat_path(path).mode):
            raise FsError("Not a directory")
        ctx.device.remove(path)

    return each_path(ctx, ctx.args, remove)


@toybox
def touch(ctx: Invocation) -> int:
    _, paths = parse_flags(ctx.args, "acmh", valued="dtr")
    now = int(time.time())
    return each_path(ctx, paths, lambda path, _: ctx.device.touch(path, now), quote=True)


@toybox
def chmod(ctx: Invocation) -> int:
    _, args = parse_flags(ctx.args, "Rvf")
    if len(args) < 2 or not re.fullmatch(r"[0-7]{1,4}", args[0]):
        return ctx.fail(f"bad mode '{args[0]}'" if args else "Needs 2 arguments", 1)
    mode = int(args[0], 8)
    return each_path(ctx, args[1:], lambda path, _: ctx.device.set_mode(path, mode))


@toybox
def cp(ctx: Invocation) -> int:
    return _copy_or_move(ctx, move=False)


@toybox
def mv(ctx: Invocation) -> int:
    return _copy_or_move(ctx, move=True)


def _copy_or_move(ctx: Invocation, *, move: bool) -> int:
    options, args = parse_flags(ctx.args, "rRfpaivnFHLP")
    if len(args) < 2:
        return ctx.fail("Needs 2 arguments", 1)
    *sources, destination = args
    device, cwd = ctx.device, ctx.session.cwd
    target = resolve(destination, cwd)
    into = (info := device.fs_stat(target)) is not None and stat.S_ISDIR(info.mode)
    status = 0
    for given in sources:
        source = resolve(given, cwd)
        final = posixpath.join(target, posixpath.basename(source)) if into else target
        try:
            info = device.stat_path(source)
            if move:
                device.rename(source, final)
            elif stat.S_ISDIR(info.mode) and not {"r", "R", "a"} & options.keys():
                status = ctx.fail(f"Skipped dir '{given}'")
            else:
                _copy_tree(ctx, source, final)
        except FsError as error:
            status = ctx.fail(f"bad '{given}': {error.reason}")
    return status


def _copy_tree(ctx: Invocation, source: str, target: str) -> None:
    device = ctx.device
    info = device.stat_path(source)
    if not stat.S_ISDIR(info.mode):
        device.write_file(target, device.read_file(source), mode=stat.S_IMODE(info.mode))
        return
    if device.fs_stat(target) is None:
        device.make_dir(target, 0o755)
    for name, _ in device.list_dir(source):
        _copy_tree(ctx, posixpath.join(source, name), posixpath.join(target, name))


@toybox
def stat_command(ctx: Invocation) -> int:
    options, paths = parse_flags(ctx.args, "LftQ", valued="c")
    if not paths:
        return ctx.fail("Needs 1 argument", 1)
    template = options.get("c")

    def show(path: str, given: str) -> None:
        info = ctx.device.stat_path(path)
        ctx.out(
            _stat_format(ctx, template, path, given, info)
            if template
            else _stat_text(ctx, path, given, info)
        )

    return each_path(ctx, paths, show, quote=True)


def _stat_fields(ctx: Invocation, path: str, given: str, info: FileStat) -> dict[str, str]:
    uid, user, gid, group = owner(ctx, path)
    kind = (
        "directory"
        if stat.S_ISDIR(info.mode)
        else ("regular empty file" if info.size == 0 else "regular file")
    )
    stamp = local_time(ctx.device, info.mtime).strftime("%Y-%m-%d %H:%M:%S.000000000 %z")
    inode = int(hashlib.sha256(path.encode()).hexdigest()[:6], 16)
    return {
        "a": f"{stat.S_IMODE(info.mode):o}", "A": stat.filemode(info.mode),
        "b": str((info.size + 511) // 512), "B": "512", "d": "64772", "f": f"{info.mode:x}",
        "F": kind, "g": str(gid), "G": group, "h": "2" if stat.S_ISDIR(info.mode) else "1",
        "i": str(inode), "n": given, "N": f"'{given}'", "o": "4096", "s": str(info.size),
        "u": str(uid), "U": user, "x": stamp, "X": str(info.mtime), "y": stamp,
        "Y": str(info.mtime), "z": stamp, "Z": str(info.mtime), "%": "%",
    }  # fmt: skip


def _stat_format(ctx: Invocation, template: str, path: str, given: str, info: FileStat) -> str:
    fields = _stat_fields(ctx, path, given, info)
    return re.sub(r"%(.)", lambda m: fields.get(m.group(1), m.group()), template) + "\n"


def _stat_text(ctx: Invocation, path: str, given: str, info: FileStat) -> str:
    f = _stat_fields(ctx, path, given, info)
    return (
        f"  File: {given}\n  Size: {f['s']}\t Blocks: {f['b']}\t IO Blocks: 4096\t{f['F']}\n"
        f"Device: fd04h/64772d\t Inode: {f['i']}\t Links: {f['h']}\n"
        f"Access: (0{f['a']}/{f['A']})\tUid: ({f['u']:>5}/{f['U']:>8})\t"
        f"Gid: ({f['g']:>5}/{f['G']:>8})\n"
        f"Access: {f['x']}\nModify: {f['y']}\nChange: {f['z']}\n"
    )


def checksum(algorithm: str) -> Command:
    def command(ctx: Invocation) -> int:
        status = 0
        for name, content in read_inputs(ctx, ctx.args):
            if content is None:
                status = 1
            else:
                ctx.out(f"{hashlib.new(algorithm, content).hexdigest()}  {name}\n")
        return status

    return command


# --- identity and system -----------------------------------------------------------------------


def id_command(ctx: Invocation) -> int:
    options, _ = parse_flags(ctx.args, "ugGnrZ")
    if "u" in options or "g" in options:
        ctx.out("shell\n" if "n" in options else "2000\n")
    elif "G" in options:
        groups = re.findall(r"(\d+)\((\w+)\)", SHELL_GROUPS)
        ctx.out(" ".join(name if "n" in options else gid for gid, name in groups) + "\n")
    else:
        ctx.out(f"uid=2000(shell) gid=2000(shell) groups={SHELL_GROUPS} context=u:r:shell:s0\n")
    return 0


def uname(ctx: Invocation) -> int:
    profile = ctx.device.profile
    parts = {
        "s": "Linux", "n": "localhost", "r": profile.kernel,
        "v": f"#1 SMP PREEMPT {profile.build_date()}",
        "m": "aarch64", "o": "Toybox",
    }  # fmt: skip
    options, _ = parse_flags(ctx.args, "snrvmoa")
    wanted = "snrvmo" if "a" in options else "".join(options) or "s"
    ctx.out(" ".join(parts[letter] for letter in "snrvmo" if letter in wanted) + "\n")
    return 0


def date(ctx: Invocation) -> int:
    args = [arg for arg in ctx.args if arg != "-u"]
    if any(arg.startswith("-s") for arg in args) or (args and not args[0].startswith("+")):
        return ctx.fail("cannot set date: Operation not permitted")
    now = local_time(ctx.device)
    if "-u" in ctx.args:
        now = now.astimezone(UTC)
    template = args[0][1:] if args else "%a %b %e %H:%M:%S %Z %Y"
    ctx.out(now.strftime(template) + "\n")
    return 0


def df(ctx: Invocation) -> int:
    options, paths = parse_flags(ctx.args, "hkPaiT", valued="t")
    total = ctx.device.profile.storage_gb * 1_000_000_000 // 1024
    used = 9_851_472 + ctx.device.bytes_stored() // 1024
    mounts = [
        ("/dev/block/dm-4", 5_991_208, 5_974_560, "/"),
        ("tmpfs", 3_778_816, 1_576, "/dev"),
        ("/dev/block/dm-5", 1_046_276, 1_040_996, "/vendor"),
        ("/dev/block/dm-48", total, used, "/data"),
        ("/dev/fuse", total, used, "/storage/emulated"),
    ]
    if paths:
        wanted = [resolve(p, ctx.session.cwd) for p in paths]
        mounts = [
            max((m for m in mounts if w == m[3] or w.startswith(m[3].rstrip("/") + "/")),
                key=lambda m: len(m[3]))
            for w in wanted
        ]  # fmt: skip
    human = "h" in options
    header = "Size  Used Avail" if human else "1K-blocks    Used Available"
    ctx.out(f"Filesystem       {header} Use% Mounted on\n")
    for source, size, taken, target in mounts:
        free = size - taken
        percent = f"{-(-taken * 100 // size)}%"
        if human:
            numbers = f"{_human(size):>5} {_human(taken):>5} {_human(free):>5}"
        else:
            numbers = f"{size:>9} {taken:>7} {free:>9}"
        ctx.out(f"{source:<16} {numbers} {percent:>4} {target}\n")
    return 0


def _human(kilobytes: int) -> str:
    value = float(kilobytes)
    for unit in "KMGT":
        if value < 1024:
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
        value /= 1024
    return f"{value:.0f}P"


def sleep(ctx: Invocation) -> int:
    """Validates like toybox; never sleeps (latency is the server's business)."""
    for arg in ctx.args or [""]:
        if not re.fullmatch(r"\d+(\.\d*)?[smhd]?|\.\d+", arg):
            return ctx.fail(f"Not a number '{arg}'" if arg else "Needs 1 argument")
    return 0


def uptime(ctx: Invocation) -> int:
    up = int(ctx.device.uptime())
    days, rest = divmod(up, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    span = (f"{days} day{'s' if days != 1 else ''}, " if days else "") + f"{hours:2d}:{minutes:02d}"
    now = local_time(ctx.device).strftime("%H:%M:%S")
    ctx.out(f" {now} up {span},  0 users,  load average: 0.52, 0.58, 0.59\n")
    return 0


# --- mksh builtins that only touch the shell's own state ----------------------------------------


def cd(ctx: Invocation) -> int:
    given = ctx.args[0] if ctx.args else "/"
    target = resolve(given, ctx.session.cwd)
    try:
        ctx.device.list_dir(target)
    except FsError as error:
        ctx.err(f"/system/bin/sh: cd: {given}: {error.reason}\n")
        return 2
    ctx.session.cwd = target
    return 0


def pwd(ctx: Invocation) -> int:
    ctx.out(ctx.session.cwd + "\n")
    return 0


def export(ctx: Invocation) -> int:
    for arg in ctx.args:
        key, assigned, value = arg.partition("=")
        if assigned:
            ctx.session.variables[key] = value
    return 0


def unset(ctx: Invocation) -> int:
    for arg in ctx.args:
        ctx.session.variables.pop(arg, None)
    return 0


def whoami(ctx: Invocation) -> int:
    ctx.out("shell\n")
    return 0


def getenforce(ctx: Invocation) -> int:
    ctx.out("Enforcing\n")
    return 0


TOYBOX_COMMANDS: dict[str, Command] = {
    "echo": echo, "printf": printf, "cat": cat, "ls": ls, "rm": rm, "mkdir": mkdir,
    "rmdir": rmdir, "touch": touch, "chmod": chmod, "cp": cp, "mv": mv, "stat": stat_command,
    "md5sum": checksum("md5"), "sha1sum": checksum("sha1"), "sha256sum": checksum("sha256"),
    "id": id_command, "whoami": whoami, "uname": uname, "date": date, "df": df, "sleep": sleep,
    "uptime": uptime, "getenforce": getenforce, "cd": cd, "pwd": pwd, "export": export,
    "unset": unset,
}  # fmt: skip
