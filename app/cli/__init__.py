"""The `kitbench` command. Every subcommand is a thin call into the layers below.

Exit codes: 0 success, 1 the work failed or the input is invalid, 2 the command line is wrong.

Logging: everything from INFO up, tracebacks included, goes to the log file in the data folder
(`<data dir>/logs/kitbench.log`, rotated). The terminal gets one line per warning or error
(INFO too with `-v`), never a traceback, each message once; news a command tells the person
itself (a full disk, a store that cannot open) is left to the command. A log file that cannot
be written (the disk is full) is skipped without a word and tried again later.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import multiprocessing
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import click

from app import __version__

log = logging.getLogger("app.cli")

LOG_MAX_BYTES = 2 * 1024 * 1024
LOG_BACKUPS = 3
LOG_RETRY_S = 30.0  # after a failed write, how long the log file is left alone
FILE_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"

_installed: list[logging.Handler] = []  # by setup_logging, replaced when it runs again


def log_path() -> Path:
    """The log file of this station: in the data folder, so KITBENCH_HOME moves it too."""
    from app.core.paths import data_dir

    return data_dir() / "logs" / "kitbench.log"


class LogFile(logging.handlers.RotatingFileHandler):
    """The log file, opened (with its folder) at the first record. A record it cannot write
    is dropped silently, as are the next ones for a while: a full disk must not turn every
    log call into a traceback on the terminal."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS,
                         encoding="utf-8", delay=True)  # fmt: skip
        self._retry_at = 0.0

    def _open(self) -> Any:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def emit(self, record: logging.LogRecord) -> None:
        if time.monotonic() >= self._retry_at:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        self._retry_at = time.monotonic() + LOG_RETRY_S
        stream, self.stream = self.stream, None
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.close()


class TerminalLines(logging.StreamHandler[IO[str]]):
    """stderr: the first line of each message, never a traceback; a message (the same text
    from the same place) once; nothing the command shows itself unless `verbose`."""

    def __init__(self, stream: IO[str], *, verbose: bool) -> None:
        super().__init__(stream)
        self.verbose = verbose
        self._seen: set[tuple[str, str, int]] = set()
        self.setLevel(logging.INFO if verbose else logging.WARNING)

    def filter(self, record: logging.LogRecord) -> bool:
        if not super().filter(record):
            return False
        if getattr(record, "shown_elsewhere", False) and not self.verbose:
            return False
        key = (record.name, str(record.msg), record.levelno)
        if key in self._seen and record.levelno >= logging.WARNING:
            return False
        self._seen.add(key)
        return True

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        first = message.strip().split("\n", 1)[0]
        if self.verbose:
            stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
            return f"{stamp} {record.levelname} {record.name}: {first}"
        if record.levelno >= logging.ERROR:
            return f"kitbench: error: {first}"
        return f"kitbench: {first}"

    def handleError(self, record: logging.LogRecord) -> None:
        pass  # a closed or broken stderr: nowhere left to say so


def setup_logging(verbose: bool = False) -> None:
    """Send logging to the log file and short lines to stderr (see the module's docstring).
    Calling it again replaces what an earlier call set up."""
    logging.raiseExceptions = False  # a handler that fails never prints its traceback
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()
    file_handler = LogFile(log_path())
    file_handler.setLevel(logging.INFO)
    file_handler.setFormatter(logging.Formatter(FILE_FORMAT))
    terminal = TerminalLines(sys.stderr, verbose=verbose)
    for handler in (file_handler, terminal):
        _installed.append(handler)
        root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # 8 lines an open
    if verbose:
        log.info("the log file is %s", file_handler.baseFilename)


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="kitbench")
@click.option(
    "-v", "--verbose", is_flag=True,
    help="Show more detail on stderr (the log file in the data folder has everything).",
)  # fmt: skip
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Kitbench: provision Android device fleets from a bench of USB hubs."""
    setup_logging(verbose)
    if ctx.invoked_subcommand is None:
        ctx.invoke(bench.gui)


# Subcommands register themselves on `cli` when their modules are imported.
from app.cli import admin, bench, enrollment, export, labels, orders, records, releases, templates  # noqa: E402, F401


def main() -> None:
    """The `kitbench` executable: no traceback ever reaches the terminal; it goes to the log."""
    multiprocessing.freeze_support()  # a bundled kitbench started as the window's engine
    setup_logging()
    sys.excepthook = _crashed
    threading.excepthook = _thread_crashed
    sys.unraisablehook = _unraisable
    try:
        cli(prog_name="kitbench")
    except Exception as exc:  # click handled its own errors and Ctrl-C already: this is a bug
        _crashed(type(exc), exc, exc.__traceback__)
        sys.exit(1)


def _crashed(
    kind: type[BaseException], exc: BaseException, traceback: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.stderr.write("\n")
        return
    log.critical("internal error: %s", exc, exc_info=(kind, exc, traceback),
                 extra={"shown_elsewhere": True})  # fmt: skip
    sys.stderr.write(f"kitbench: internal error: {exc} (the details are in {log_path()})\n")


def _thread_crashed(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "a thread"
    log.error("%s stopped: %s", name, args.exc_value,
              exc_info=(args.exc_type, args.exc_value, args.exc_traceback))  # fmt: skip


def _unraisable(args: Any) -> None:
    log.error("%s: %s", args.err_msg or "exception ignored", args.exc_value,
              exc_info=(args.exc_type, args.exc_value, args.exc_traceback))  # fmt: skip
