"""Text filters for pipes (grep, head, tail, wc, cut, tr, sort, uniq) and `test`/`[`.

Hosts pipe command output through these on the device (`pm list packages | grep -c foo`), so
they follow toybox's options, output and exit statuses: grep exits 1 when nothing matched and 2
on an error.
"""

import posixpath
import re
import stat

from app.sim.commands_core import Command, Invocation
from app.sim.commands_toybox import UsageError, lines_of, parse_flags, read_inputs, toybox
from app.sim.device_state import FsError
from app.sim.file_system import resolve

BRE_SWAP = {"(", ")", "{", "}", "|", "+", "?"}


def _bre_to_python(pattern: str) -> str:
    """POSIX basic regex to Python: escaped ( ) { } | + ? are operators, bare ones literal."""
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            out.append(escaped if escaped in BRE_SWAP else "\\" + escaped)
            index += 2
            continue
        out.append("\\" + char if char in BRE_SWAP else char)
        index += 1
    return "".join(out)


@toybox
def grep(ctx: Invocation) -> int:
    options, args = parse_flags(ctx.args, "vicqFEwxnolLsHhrz", valued="em")
    options.update({"egrep": {"E": ""}, "fgrep": {"F": ""}}.get(ctx.name, {}))
    patterns = options["e"].split("\n") if "e" in options else args[:1]
    files = args if "e" in options else args[1:]
    if not patterns:
        raise UsageError("Needs 1 argument")
    flags = re.IGNORECASE if "i" in options else 0
    sources = [re.escape(p) if "F" in options else p for p in patterns]
    if "E" not in options and "F" not in options:
        sources = [_bre_to_python(p) for p in sources]
    if "w" in options:
        sources = [rf"(?<!\w)(?:{p})(?!\w)" for p in sources]
    if "x" in options:
        sources = [rf"(?:{p})\Z" for p in sources]
    try:
        matchers = [re.compile(p, flags) for p in sources]
    except re.error:
        return ctx.fail(f"bad regex '{patterns[0]}'", 2)
    inputs = read_inputs(ctx, files)
    errors = any(content is None for _, content in inputs)
    prefix = (len(files) > 1 and "h" not in options) or "H" in options
    matched_any = False
    for name, content in inputs:
        if content is None:
            continue
        count = 0
        for number, raw in enumerate(lines_of(content), start=1):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            hits = [m for matcher in matchers for m in matcher.finditer(line)]
            if bool(hits) == ("v" in options):
                continue
            count += 1
            if {"q", "c", "l", "L"} & options.keys():
                continue
            lead = (f"{name}:" if prefix else "") + (f"{number}:" if "n" in options else "")
            texts = [m.group() for m in hits] if "o" in options and hits else [line]
            ctx.out("".join(f"{lead}{text}\n" for text in texts))
        matched_any |= count > 0
        if "c" in options:
            ctx.out((f"{name}:" if prefix else "") + f"{count}\n")
        elif ("l" in options and count) or ("L" in options and not count):
            ctx.out(f"{name}\n")
        if "q" in options and matched_any:
            return 0
    if errors and "q" not in options:
        return 2
    return 0 if matched_any else 1


def _count_option(ctx: Invocation, default: int = 10) -> tuple[dict[str, str], list[str], str]:
    """head/tail's -n N, -c N and the old -N spelling; the count stays a string (tail's +N)."""
    words = []
    for word in ctx.args:
        words.extend(["-n", word[1:]] if re.fullmatch(r"-\d+", word) else [word])
    options, files = parse_flags(words, "qvf", valued="nc")
    count = options.get("c") or options.get("n") or str(default)
    if not re.fullmatch(r"[+-]?\d+", count):
        raise UsageError(f"Not integer '{count}'")
    return options, files, count


@toybox
def head(ctx: Invocation) -> int:
    options, files, count = _count_option(ctx)
    status = 0
    for _, content in read_inputs(ctx, files):
        if content is None:
            status = 1
        elif "c" in options:
            ctx.out(content[: int(count)])
        else:
            ctx.out(b"".join(lines_of(content)[: int(count)]))
    return status


@toybox
def tail(ctx: Invocation) -> int:
    options, files, count = _count_option(ctx)
    status = 0
    for _, content in read_inputs(ctx, files):
        if content is None:
            status = 1
            continue
        items = content if "c" in options else lines_of(content)
        if count.startswith("+"):
            chosen = items[max(int(count) - 1, 0) :]
        else:
            chosen = items[-abs(int(count)) :] if int(count) else items[:0]
        ctx.out(chosen if isinstance(chosen, bytes) else b"".join(chosen))
    return status


@toybox
def wc(ctx: Invocation) -> int:
    options, files = parse_flags(ctx.args, "lwcm")
    wanted = [k for k in "lwc" if k in options or (k == "c" and "m" in options)] or ["l", "w", "c"]
    status = 0
    for name, content in read_inputs(ctx, files):
        if content is None:
            status = 1
            continue
        counts = {"l": content.count(b"\n"), "w": len(content.split()), "c": len(content)}
        numbers = " ".join(str(counts[k]) for k in wanted)
        ctx.out(numbers + (f" {name}" if name != "-" else "") + "\n")
    return status


def _ranges(spec: str) -> list[tuple[int, int]]:
    ranges = []
    for piece in spec.split(","):
        start, dash, end = piece.partition("-")
        if not re.fullmatch(r"\d*", start) or not re.fullmatch(r"\d*", end) or not piece:
            raise UsageError(f"bad list '{spec}'")
        low = int(start or 1)
        ranges.append((low, int(end) if end else (10**9 if dash else low)))
    return ranges


@toybox
def cut(ctx: Invocation) -> int:
    options, files = parse_flags(ctx.args, "sn", valued="dfcb")
    delimiter = options.get("d", "\t")
    spec = options.get("f") or options.get("c") or options.get("b")
    if not spec:
        raise UsageError("Needs -fcb")
    ranges = _ranges(spec)
    for _, content in read_inputs(ctx, files):
        for raw in lines_of(content or b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if "f" in options:
                fields = line.split(delimiter)
                if len(fields) == 1:
                    picked = "" if "s" in options else line
                else:
                    keep = [
                        f for i, f in enumerate(fields, 1) if any(a <= i <= b for a, b in ranges)
                    ]
                    picked = delimiter.join(keep)
                if len(fields) > 1 or "s" not in options:
                    ctx.out(picked + "\n")
            else:
                ctx.out(
                    "".join(c for i, c in enumerate(line, 1) if any(a <= i <= b for a, b in ranges))
                    + "\n"
                )
    return 0


def _char_set(spec: str) -> str:
    spec = re.sub(
        r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), spec
    )
    spec = spec.replace("[:upper:]", "A-Z").replace("[:lower:]", "a-z").replace("[:digit:]", "0-9")
    spec = spec.replace("[:space:]", " \t\n\r")
    return re.sub(r"(.)-(.)", lambda m: "".join(map(chr, range(ord(m[1]), ord(m[2]) + 1))), spec)


@toybox
def tr(ctx: Invocation) -> int:
    options, sets = parse_flags(ctx.args, "dsc")
    if not sets or ("d" not in options and len(sets) < 2):
        raise UsageError("Needs 2 arguments" if "d" not in options else "Needs 1 argument")
    text = ctx.stdin.decode("utf-8", "replace")
    source = _char_set(sets[0])
    if "d" in options:
        text = text.translate({ord(c): None for c in source})
    else:
        target = _char_set(sets[1])
        target = target + target[-1:] * (len(source) - len(target))
        text = text.translate({ord(a): b for a, b in zip(source, target, strict=False)})
    if "s" in options:
        squeeze = _char_set(sets[-1])
        text = re.sub("([" + re.escape(squeeze) + "])\\1+", r"\1", text)
    ctx.out(text)
    return 0


@toybox
def sort(ctx: Invocation) -> int:
    options, files = parse_flags(ctx.args, "runf")
    lines = [
        raw.decode("utf-8", "replace").rstrip("\n")
        for _, content in read_inputs(ctx, files)
        for raw in lines_of(content or b"")
    ]
    if "n" in options:
        number = re.compile(r"\s*(-?\d+(\.\d+)?)")
        lines.sort(key=lambda s: float(m.group(1)) if (m := number.match(s)) else 0.0)
    else:
        lines.sort(key=str.lower if "f" in options else None)
    if "r" in options:
        lines.reverse()
    if "u" in options:
        lines = list(dict.fromkeys(lines))
    ctx.out("".join(line + "\n" for line in lines))
    return 0


@toybox
def uniq(ctx: Invocation) -> int:
    options, files = parse_flags(ctx.args, "cdu")
    previous, count, rows = None, 0, []
    for raw in lines_of(read_inputs(ctx, files[:1])[0][1] or b""):
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if line == previous:
            count += 1
            continue
        if previous is not None:
            rows.append((count, previous))
        previous, count = line, 1
    if previous is not None:
        rows.append((count, previous))
    for count, line in rows:
        if ("d" in options and count < 2) or ("u" in options and count > 1):
            continue
        ctx.out((f"{count:7d} " if "c" in options else "") + line + "\n")
    return 0


def test(ctx: Invocation) -> int:
    """`test EXPR` and `[ EXPR ]`: 0 true, 1 false, 2 for a malformed expression."""
    args = list(ctx.args)
    if ctx.name == "[":
        if not args or args[-1] != "]":
            return ctx.fail("missing ]", 2)
        args.pop()
    negate = False
    while args and args[0] == "!" and len(args) > 1:
        negate, args = not negate, args[1:]
    try:
        result = _evaluate(ctx, args)
    except ValueError as error:
        return ctx.fail(str(error), 2)
    return 0 if result != negate else 1


def _evaluate(ctx: Invocation, args: list[str]) -> bool:
    if not args:
        return False
    if len(args) == 1:
        return args[0] != ""
    if len(args) == 2:
        op, operand = args
        if op == "-z":
            return operand == ""
        if op == "-n":
            return operand != ""
        if op in ("-e", "-f", "-d", "-s", "-r", "-w", "-x", "-L", "-h"):
            return _file_test(ctx, op, operand)
        raise ValueError(f"unknown operator '{op}'")
    if len(args) == 3:
        left, op, right = args
        if op in ("=", "=="):
            return left == right
        if op == "!=":
            return left != right
        comparisons = {"-eq": int.__eq__, "-ne": int.__ne__, "-lt": int.__lt__,
                       "-le": int.__le__, "-gt": int.__gt__, "-ge": int.__ge__}  # fmt: skip
        if op in comparisons:
            try:
                return comparisons[op](int(left), int(right))
            except ValueError:
                raise ValueError(
                    f"bad number '{left if not left.lstrip('-').isdigit() else right}'"
                ) from None
        if op in ("-a", "-o"):
            joined = [_evaluate(ctx, [left]), _evaluate(ctx, [right])]
            return all(joined) if op == "-a" else any(joined)
    raise ValueError("too many arguments")


def _file_test(ctx: Invocation, op: str, operand: str) -> bool:
    path = resolve(operand, ctx.session.cwd)
    info = ctx.device.fs_stat(path)
    if info is None:
        return False
    if op == "-f":
        return stat.S_ISREG(info.mode)
    if op == "-d":
        return stat.S_ISDIR(info.mode)
    if op == "-s":
        return info.size > 0
    if op == "-w":
        return path.startswith(("/storage/emulated/0/", "/data/local/tmp/"))
    if op == "-x":
        return bool(info.mode & 0o111)
    if op in ("-L", "-h"):
        return False
    if op == "-r":
        try:
            ctx.device.read_file(path) if stat.S_ISREG(info.mode) else ctx.device.list_dir(path)
        except FsError:
            return False
    return True


def basename(ctx: Invocation) -> int:
    if not ctx.args:
        return ctx.fail("Needs 1 argument")
    name = posixpath.basename(ctx.args[0].rstrip("/")) or "/"
    if len(ctx.args) > 1 and name.endswith(ctx.args[1]) and name != ctx.args[1]:
        name = name[: -len(ctx.args[1])]
    ctx.out(name + "\n")
    return 0


def dirname(ctx: Invocation) -> int:
    if not ctx.args:
        return ctx.fail("Needs 1 argument")
    ctx.out((posixpath.dirname(ctx.args[0].rstrip("/")) or ".") + "\n")
    return 0


TEXT_COMMANDS: dict[str, Command] = {
    "grep": grep, "egrep": grep, "fgrep": grep, "head": head, "tail": tail, "wc": wc,
    "cut": cut, "tr": tr, "sort": sort, "uniq": uniq, "test": test, "[": test,
    "basename": basename, "dirname": dirname,
}  # fmt: skip
