"""A small `sh` for the simulated device: what mksh does with the command lines hosts send.

Provisioning engines send one line per round trip and lean on a handful of shell features:
`;`, `&&`, `||`, pipes, `$?` (exit markers such as `; echo "KB_EXIT:$?"`), quoting, `$(...)`,
redirections and `sh -c`. This module parses and runs exactly that, with mksh's error texts and
exit statuses. Compound commands (if, for, while, functions) are outside its scope.
"""

import fnmatch
import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Self

from app.sim.commands_core import Command, Invocation, Session, Stdin
from app.sim.commands_pm import PM_COMMANDS
from app.sim.commands_system import SYSTEM_COMMANDS
from app.sim.commands_text import TEXT_COMMANDS
from app.sim.commands_toybox import TOYBOX_COMMANDS
from app.sim.device_state import CommandResult, FsError
from app.sim.file_system import resolve
from app.sim.identity import IDENTITY_COMMANDS
from app.sim.logcat import LOG_COMMANDS
from app.sim.screen import SCREEN_COMMANDS

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

    from app.sim.android import AndroidDevice

SH = "/system/bin/sh"
NOT_FOUND_STATUS = 127
BIN_DIRS = ("/system/bin", "/system/xbin", "/vendor/bin", "/product/bin", "/bin")
OPERATOR_CHARS = ";&|<>()\n"
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
ENVIRONMENT = {
    "HOME": "/",
    "PATH": "/product/bin:/apex/com.android.runtime/bin:/system/bin:/system/xbin:/vendor/bin",
    "ANDROID_DATA": "/data",
    "ANDROID_ROOT": "/system",
    "EXTERNAL_STORAGE": "/sdcard",
    "TMPDIR": "/data/local/tmp",
    "USER": "shell",
    "LOGNAME": "shell",
    "SHELL": SH,
}
COMMANDS: dict[str, Command] = {
    **TOYBOX_COMMANDS,
    **TEXT_COMMANDS,
    **PM_COMMANDS,
    **SYSTEM_COMMANDS,
    **IDENTITY_COMMANDS,
    **LOG_COMMANDS,
    **SCREEN_COMMANDS,
}
BUILTINS = {"exit", "exec", "true", "false", ":", "sh", "which", "type"}
MAX_NESTING = 16  # sh -c inside sh -c inside $(...): deep enough for any real command line


class ShellSyntaxError(Exception):
    """str(e) is mksh's message without the `/system/bin/sh: ` prefix."""


class ShellExit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


# --- lexing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    kind: str  # "text", "param" (a $NAME) or "command" (a $(...) or `...`)
    value: str
    quoted: bool


Word = tuple[Part, ...]


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "op" (; && || | & or a newline) or "redirect"
    word: Word = ()
    op: str = ""
    fd: int = 0  # for redirects


def tokenize(source: str) -> list[Token]:
    return _Lexer(source).tokens()


class _Lexer:
    def __init__(self, source: str) -> None:
        self.source = source
        self.i = 0

    def peek(self, offset: int = 0) -> str:
        index = self.i + offset
        return self.source[index] if index < len(self.source) else ""

    def tokens(self) -> list[Token]:
        tokens = []
        while self.i < len(self.source):
            char = self.peek()
            if char in " \t":
                self.i += 1
            elif char == "\\" and self.peek(1) == "\n":
                self.i += 2
            elif char == "#":
                while self.i < len(self.source) and self.peek() != "\n":
                    self.i += 1
            elif char in OPERATOR_CHARS:
                tokens.append(self.operator(default_fd=None))
            else:
                word = self.word()
                if self.peek() in ("<", ">") and _is_fd_number(word):
                    tokens.append(self.operator(default_fd=int(word[0].value)))
                else:
                    tokens.append(Token("word", word=word))
        return tokens

    def operator(self, default_fd: int | None) -> Token:
        for op in (";;", "&&", "||", ">>", ">&", "<&", "<<", ">|", ";", "&", "|", "<", ">"):
            if self.source.startswith(op, self.i):
                break
        else:
            op = self.peek()  # ( ) or a newline
        self.i += len(op)
        if op in (";;", "<<"):
            raise ShellSyntaxError(f"syntax error: unexpected '{op}'")
        if op[0] in "<>":
            fd = default_fd if default_fd is not None else (0 if op[0] == "<" else 1)
            return Token("redirect", op=op, fd=fd)
        return Token("op", op=op)

    def word(self) -> Word:
        parts: list[Part] = []
        while self.i < len(self.source):
            char = self.peek()
            if char in " \t" or char in OPERATOR_CHARS:
                break
            self.i += 1
            if char == "\\":
                escaped = self.peek()
                self.i += 1
                if escaped != "\n":
                    parts.append(Part("text", escaped, True))
            elif char == "'":
                end = self.source.find("'", self.i)
                if end < 0:
                    raise ShellSyntaxError("no closing quote")
                parts.append(Part("text", self.source[self.i : end], True))
                self.i = end + 1
            elif char == '"':
                parts.extend(self.double_quoted())
            elif char in "$`":
                parts.append(self.expansion(char, quoted=False))
            else:
                parts.append(Part("text", char, False))
        return tuple(parts)

    def double_quoted(self) -> list[Part]:
        parts = [Part("text", "", True)]  # "" is an empty word, not no word
        while True:
            char = self.peek()
            if not char:
                raise ShellSyntaxError("no closing quote")
            self.i += 1
            if char == '"':
                return parts
            if char == "\\" and self.peek() in '$`"\\\n':
                escaped = self.peek()
                self.i += 1
                if escaped != "\n":
                    parts.append(Part("text", escaped, True))
            elif char in "$`":
                parts.append(self.expansion(char, quoted=True))
            else:
                parts.append(Part("text", char, True))

    def expansion(self, char: str, *, quoted: bool) -> Part:
        """After `$` or a backtick: a parameter, a command substitution or a plain `$`."""
        if char == "`":
            end = self.source.find("`", self.i)
            if end < 0:
                raise ShellSyntaxError("no closing quote")
            body, self.i = self.source[self.i : end], end + 1
            return Part("command", body, quoted)
        nxt = self.peek()
        if nxt == "(":
            return Part("command", self.parenthesised(), quoted)
        if nxt == "{":
            end = self.source.find("}", self.i)
            if end < 0:
                raise ShellSyntaxError("no closing quote")
            name, self.i = self.source[self.i + 1 : end], end + 1
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*|[0-9?#$@*]", name):
                raise ShellSyntaxError(f"${{{name}}}: bad substitution")
            return Part("param", name, quoted)
        if nxt and nxt in "?$#@*0123456789":
            self.i += 1
            return Part("param", nxt, quoted)
        match = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(self.source, self.i)
        if match:
            self.i = match.end()
            return Part("param", match.group(), quoted)
        return Part("text", "$", quoted)

    def parenthesised(self) -> str:
        """The body of `$( ... )`, skipping quoted parentheses."""
        depth, start = 0, self.i + 1
        while self.i < len(self.source):
            char = self.peek()
            if char in "'\"":
                end = self.source.find(char, self.i + 1)
                if end < 0:
                    break
                self.i = end
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    self.i += 1
                    return self.source[start : self.i - 1]
            self.i += 1
        raise ShellSyntaxError("no closing quote")


def _is_fd_number(word: Word) -> bool:
    return (
        len(word) == 1 and word[0].kind == "text" and not word[0].quoted and word[0].value in "012"
    )


# --- parsing -----------------------------------------------------------------------------------


@dataclass
class Redirect:
    fd: int
    op: str
    target: Word


@dataclass
class SimpleCommand:
    assignments: list[tuple[str, Word]] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Subshell:
    """`( LIST )`: the list runs in a child shell; its exit and variables stay there."""

    body: list["CommandLine"]


Pipeline = list[SimpleCommand | Subshell]
AndOrList = list[tuple[str | None, Pipeline]]  # connector before each pipeline: None, && or ||


@dataclass
class CommandLine:
    chain: AndOrList
    background: bool = False  # ended by `&`: runs as its own process, the shell goes on


def parse(source: str) -> list[CommandLine]:
    """The command lines of `source`, each a chain of pipelines joined by && and ||."""
    return _Parser(tokenize(source)).program()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def op(self) -> str | None:
        if self.i < len(self.tokens) and self.tokens[self.i].kind == "op":
            return self.tokens[self.i].op
        return None

    def skip_newlines(self) -> None:
        while self.op() == "\n":
            self.i += 1

    def unexpected(self) -> ShellSyntaxError:
        if self.i >= len(self.tokens):
            return ShellSyntaxError("syntax error: unexpected EOF")
        op = self.tokens[self.i].op
        return ShellSyntaxError(
            "syntax error: unexpected newline" if op == "\n" else f"syntax error: unexpected '{op}'"
        )

    def program(self, nested: bool = False) -> list[CommandLine]:
        """Command lines up to the end, or up to the `)` that closes a subshell."""
        program: list[CommandLine] = []
        while True:
            self.skip_newlines()
            if self.i >= len(self.tokens) or (nested and self.op() == ")"):
                return program
            program.append(CommandLine(self.and_or()))
            if self.i >= len(self.tokens) or (nested and self.op() == ")"):
                return program
            if self.op() not in (";", "&", "\n"):
                raise self.unexpected()
            program[-1].background = self.op() == "&"
            self.i += 1

    def and_or(self) -> AndOrList:
        chain: AndOrList = [(None, self.pipeline())]
        while (connector := self.op()) in ("&&", "||"):
            self.i += 1
            self.skip_newlines()
            chain.append((connector, self.pipeline()))
        return chain

    def pipeline(self) -> Pipeline:
        pipeline = [self.command()]
        while self.op() == "|":
            self.i += 1
            self.skip_newlines()
            pipeline.append(self.command())
        return pipeline

    def command(self) -> SimpleCommand | Subshell:
        if self.op() == "(":
            self.i += 1
            body = self.program(nested=True)
            if not body or self.op() != ")":
                raise self.unexpected()
            self.i += 1
            return Subshell(body)
        simple = SimpleCommand()
        while self.i < len(self.tokens) and self.tokens[self.i].kind != "op":
            token = self.tokens[self.i]
            self.i += 1
            if token.kind == "redirect":
                if self.i >= len(self.tokens) or self.tokens[self.i].kind != "word":
                    raise self.unexpected()
                simple.redirects.append(Redirect(token.fd, token.op, self.tokens[self.i].word))
                self.i += 1
            elif not simple.words and (assignment := _assignment(token.word)):
                simple.assignments.append(assignment)
            else:
                simple.words.append(token.word)
        if not (simple.words or simple.assignments or simple.redirects):
            raise self.unexpected()
        return simple


def _assignment(word: Word) -> tuple[str, Word] | None:
    if not word or word[0].kind != "text" or word[0].quoted:
        return None
    leading = ""
    for index, part in enumerate(word):
        if part.kind != "text" or part.quoted:
            break
        leading += part.value
        if match := ASSIGNMENT.match(leading):
            name = match.group()[:-1]
            rest = (Part("text", leading[match.end() :], False), *word[index + 1 :])
            return name, rest
    return None


# --- running -----------------------------------------------------------------------------------


def run_shell(
    device: "AndroidDevice",
    command: str,
    stdin: bytes | Stdin = b"",
    session: Session | None = None,
) -> CommandResult:
    """Run a command line as `sh -c` would for adbd, collecting output, status and effects."""
    session = session or Session()
    transcript = bytearray()
    stdout, stderr = _Terminal(transcript), _Terminal(transcript)
    source = stdin if isinstance(stdin, Stdin) else Stdin(stdin)
    status = Interpreter(device, session).run_source(command, source, stdout, stderr)
    return CommandResult(
        stdout=bytes(stdout),
        stderr=bytes(stderr),
        exit_code=status & 0xFF,
        reboot=session.reboot,
        install_bytes=session.install_bytes,
        interleaved=bytes(transcript),
    )


class _Terminal(bytearray):
    """The shell's own stdout or stderr; every write also lands in one shared transcript."""

    def __init__(self, transcript: bytearray) -> None:
        super().__init__()
        self.transcript = transcript

    # bytearray's += takes a buffer, narrower than MutableSequence's Iterable[int]; typeshed
    # ignores the same override on bytearray itself.
    def __iadd__(self, data: "ReadableBuffer") -> Self:  # type: ignore[override]
        self.transcript += data
        return super().__iadd__(data)


class Interpreter:
    def __init__(
        self, device: "AndroidDevice", session: Session, positional: list[str] | None = None
    ) -> None:
        self.device = device
        self.session = session
        self.positional = positional or []
        self.status = 0
        self.depth = 0
        self.substitutions = 0  # $(...) run so far: an assignment-only command takes its status

    def run_source(self, source: str, stdin: Stdin, out: bytearray, err: bytearray) -> int:
        """Parse and run a script; a syntax error runs nothing, as in mksh."""
        try:
            program = parse(source)
        except ShellSyntaxError as error:
            err += f"{SH}: {error}\n".encode()
            return 1
        try:
            for line in program:
                if line.background:
                    self.run_background(line.chain, out, err)
                else:
                    self.run_chain(line.chain, stdin, out, err)
        except ShellExit as done:
            self.status = done.status
        return self.status

    def run_background(self, chain: AndOrList, out: bytearray, err: bytearray) -> None:
        """`LIST &`: a subshell with stdin from /dev/null (sh without job control), and `$?`
        is 0 once it has started. It runs to completion here, at once: its output comes
        before what follows it."""
        self.run_subshell([CommandLine(chain)], Stdin(), out, err)
        self.status = 0

    def run_subshell(
        self, body: list[CommandLine], stdin: Stdin, out: bytearray, err: bytearray
    ) -> int:
        """A child shell: its `exit` ends only itself, its variables and cwd stay its own."""
        child = self.child()
        child.session = Session(self.session.cwd, dict(self.session.variables))
        try:
            for line in body:
                if line.background:
                    child.run_background(line.chain, out, err)
                else:
                    child.run_chain(line.chain, stdin, out, err)
        except ShellExit as done:
            child.status = done.status
        self.session.reboot |= child.session.reboot
        self.session.install_bytes += child.session.install_bytes
        return child.status

    def run_chain(self, chain: AndOrList, stdin: Stdin, out: bytearray, err: bytearray) -> None:
        for connector, pipeline in chain:
            if (connector == "&&" and self.status != 0) or (connector == "||" and self.status == 0):
                continue
            self.status = self.run_pipeline(pipeline, stdin, out, err)

    def run_pipeline(self, pipeline: Pipeline, stdin: Stdin, out: bytearray, err: bytearray):
        if len(pipeline) == 1:
            return self.run_simple(pipeline[0], stdin, out, err)
        status = 0
        for index, simple in enumerate(pipeline):
            sink = out if index == len(pipeline) - 1 else bytearray()
            try:  # each element of a pipe is its own process: `exit` ends only that one
                status = self.run_simple(simple, stdin, sink, err)
            except ShellExit as done:
                status = done.status
            stdin = Stdin(bytes(sink))
        return status

    def run_simple(
        self, simple: SimpleCommand | Subshell, stdin: Stdin, out: bytearray, err: bytearray
    ) -> int:
        if isinstance(simple, Subshell):
            return self.run_subshell(simple.body, stdin, out, err)
        words: list[str] = []
        substituted = self.substitutions
        for word in simple.words:
            words.extend(self.expand(word, err))
        for name, value in simple.assignments:
            if not words:
                self.session.variables[name] = "".join(self.expand(value, err, split=False))
        streams: dict[int, bytearray] = {1: out, 2: err}
        files: list[tuple[str, bytearray]] = []
        for redirect in simple.redirects:
            target = "".join(self.expand(redirect.target, err, split=False))
            try:
                stdin = self.redirect(redirect, target, streams, files, stdin)
            except FsError as error:
                verb = "open" if redirect.op == "<" else "create"
                err += f"{SH}: can't {verb} {target}: {error.reason}\n".encode()
                return 1
        if not words:  # `a=$(cmd)`: the status of the last $(...), as in mksh; else 0
            return self.status if self.substitutions != substituted else 0
        status = self.execute(words, stdin, streams[1], streams[2])
        for path, data in files:
            if data:
                try:
                    self.device.write_file(path, bytes(data), append=True)
                except FsError as error:
                    err += f"{SH}: write error: {error.reason}\n".encode()
        return status

    def redirect(self, redirect: Redirect, target: str, streams, files, stdin: Stdin) -> Stdin:
        """Apply one redirection to `streams`; returns the (possibly replaced) stdin."""
        if redirect.op in (">&", "<&"):
            if target == "-":
                streams[redirect.fd] = bytearray()
            elif target.isdigit() and int(target) in streams:
                streams[redirect.fd] = streams[int(target)]
            elif target.isdigit():
                raise FsError("Bad file descriptor")
            return stdin
        if target == "/dev/null":
            if redirect.op == "<":
                return Stdin()
            streams[redirect.fd] = bytearray()
            return stdin
        path = resolve(target, self.session.cwd)
        if redirect.op == "<":
            data = self.device.read_file(path)
            return Stdin(data) if redirect.fd == 0 else stdin
        self.device.write_file(path, b"", append=redirect.op == ">>")
        streams[redirect.fd] = buffer = bytearray()
        files.append((path, buffer))
        return stdin

    # --- expansion ---------------------------------------------------------------------------

    def expand(self, word: Word, err: bytearray, *, split: bool = True) -> list[str]:
        """Parameters and command substitutions, field splitting, then pathname globbing."""
        fields: list[str] = []
        current: str | None = None
        globbing = False
        for part in word:
            if part.kind == "text":
                current = (current or "") + part.value
                globbing |= not part.quoted and any(c in part.value for c in "*?[")
                continue
            value = (
                self.parameter(part.value)
                if part.kind == "param"
                else self.substitute(part.value, err)
            )
            if part.quoted or not split:
                current = (current or "") + value
                continue
            pieces = value.split()
            if not pieces:
                continue
            if value[:1].isspace() and current is not None:
                fields.append(current)
                current = None
            for piece in pieces[:-1]:
                fields.append((current or "") + piece)
                current = None
            current = (current or "") + pieces[-1]
            if value[-1:].isspace():
                fields.append(current)
                current = None
        if current is not None:
            fields.append(current)
        if globbing and split:
            return [match for field_ in fields for match in self.glob(field_)]
        return fields

    def parameter(self, name: str) -> str:
        if name == "?":
            return str(self.status)
        if name == "$":
            return str(4000 + sum(map(ord, self.device.serial)) % 20000)
        if name == "#":
            return str(len(self.positional))
        if name in ("@", "*"):
            return " ".join(self.positional)
        if name == "0":
            return SH
        if name.isdigit():
            index = int(name) - 1
            return self.positional[index] if index < len(self.positional) else ""
        if name in self.session.variables:
            return self.session.variables[name]
        if name == "PWD":
            return self.session.cwd
        if name == "HOSTNAME":
            return self.device.getprop("ro.product.device")
        return ENVIRONMENT.get(name, "")

    def substitute(self, source: str, err: bytearray) -> str:
        """$(...): run in a subshell, take its stdout without trailing newlines."""
        captured = bytearray()
        child = self.child()
        self.status = child.run_source(source, Stdin(), captured, err)
        self.substitutions += 1
        return captured.decode("utf-8", "replace").rstrip("\n")

    def glob(self, pattern: str) -> list[str]:
        """Expand * ? [..] against the device's files; no match leaves the word as it is."""
        absolute = pattern.startswith("/")
        base = "/" if absolute else self.session.cwd
        candidates = ["" if not absolute else "/"]
        for component in [c for c in pattern.split("/") if c]:
            matched = []
            for prefix in candidates:
                if not any(c in component for c in "*?["):
                    matched.append(posixpath.join(prefix, component) if prefix else component)
                    continue
                listing = self.device.fs_list(resolve(prefix or ".", base)) or []
                names = [n for n, _ in listing if n[0] != "." or component[0] == "."]
                matched.extend(
                    posixpath.join(prefix, n) if prefix else n
                    for n in sorted(names)
                    if fnmatch.fnmatchcase(n, component)
                )
            candidates = matched
        existing = [c for c in candidates if self.device.fs_stat(resolve(c, base)) is not None]
        return existing or [pattern]

    # --- commands ----------------------------------------------------------------------------

    def child(self) -> "Interpreter":
        if self.depth >= MAX_NESTING:
            raise ShellExit(2)
        child = Interpreter(self.device, self.session, self.positional)
        child.depth = self.depth + 1
        child.status = self.status
        return child

    def execute(self, words: list[str], stdin: Stdin, out: bytearray, err: bytearray) -> int:
        name = words[0]
        command = self.lookup(name)
        if name in BUILTINS or command is not None:
            ctx = Invocation(self.device, name, words[1:], stdin, out, err, self.session)
            return self.builtin(ctx) if name in BUILTINS or command is None else command(ctx)
        if "/" in name and self.device.fs_stat(resolve(name, self.session.cwd)) is not None:
            err += f"{SH}: {name}: can't execute: Permission denied\n".encode()
            return 126
        err += f"{SH}: {name}: inaccessible or not found\n".encode()
        return NOT_FOUND_STATUS

    @staticmethod
    def lookup(name: str) -> Command | None:
        if "/" in name:
            directory, base = posixpath.split(name)
            return COMMANDS.get(base) if directory in BIN_DIRS else None
        return COMMANDS.get(name)

    def builtin(self, ctx: Invocation) -> int:
        name, args = ctx.name, ctx.args
        if name in ("true", ":"):
            return 0
        if name == "false":
            return 1
        if name == "exit":
            if args and not args[0].lstrip("-").isdigit():
                return ctx.fail(f"exit: {args[0]}: bad number", 1)
            raise ShellExit(int(args[0]) if args else self.status)
        if name == "exec":  # the command in the shell's place: the shell ends with it
            if not args:
                return 0
            raise ShellExit(self.execute(args, ctx.input, ctx.stdout, ctx.stderr))
        if name == "sh":
            return self.sh(ctx)
        return self.which(ctx)

    def sh(self, ctx: Invocation) -> int:
        """`sh -c SCRIPT [NAME ARGS...]`, `sh FILE` or `sh` reading the script from stdin."""
        args = ctx.args
        if args[:1] == ["-c"]:
            if len(args) < 2:
                return ctx.fail("-c: option requires an argument", 1)
            script, positional, stdin = args[1], args[3:], ctx.input
        elif args:
            try:
                script = self.device.read_file(resolve(args[0], self.session.cwd)).decode()
            except FsError as error:
                ctx.err(f"{SH}: {args[0]}: {error.reason}\n")
                return NOT_FOUND_STATUS
            positional, stdin = args[1:], ctx.input
        else:
            script, positional, stdin = ctx.stdin.decode("utf-8", "replace"), [], Stdin()
        child = self.child()
        child.positional = positional
        child.session = Session(self.session.cwd, dict(self.session.variables))
        status = child.run_source(script, stdin, ctx.stdout, ctx.stderr)
        self.session.reboot |= child.session.reboot
        self.session.install_bytes += child.session.install_bytes
        return status

    def which(self, ctx: Invocation) -> int:
        """`which NAME...` / `type NAME...`: where a command lives, 1 if any is missing."""
        status = 0
        for name in ctx.args:
            if name in BUILTINS and ctx.name == "type":
                ctx.out(f"{name} is a shell builtin\n")
            elif name in COMMANDS:
                ctx.out(
                    f"{name} is /system/bin/{name}\n"
                    if ctx.name == "type"
                    else (f"/system/bin/{name}\n")
                )
            else:
                status = 1
                if ctx.name == "type":
                    ctx.out(f"{name} not found\n")
        return status
