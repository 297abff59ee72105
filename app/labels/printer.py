"""Where labels go: a Zebra printer's raw port (`zpl://HOST[:PORT]`, TCP 9100), a file, or a
CUPS raw queue (`cups:QUEUE`, through `lp -o raw`). A printer that is off or unreachable is a
typed `PrinterProblem`; the words are the presentation's (`problem_words` for the terminal)."""

from __future__ import annotations

import shutil
import socket
import subprocess
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

RAW_PORT = 9100
SEND_TIMEOUT_S = 5.0


class PrinterProblem(StrEnum):
    UNREACHABLE = "unreachable"  # refused, no route, unknown host: off or not on the network
    TIMEOUT = "timeout"  # it took the connection but not the label in time
    NOT_WRITABLE = "not-writable"  # a file target that cannot be written
    QUEUE_REFUSED = "queue-refused"  # CUPS said no (no such queue, queue disabled)
    NO_CUPS = "no-cups"  # `lp` is not installed


class TargetError(ValueError):
    """A printer target a person has to correct; the message says how."""


class PrinterError(Exception):
    def __init__(self, problem: PrinterProblem, target: PrinterTarget, detail: str = "") -> None:
        super().__init__(f"{target}: {problem}{': ' + detail if detail else ''}")
        self.problem = problem
        self.target = target
        self.detail = detail


@dataclass(frozen=True)
class PrinterTarget:
    kind: str  # "zpl", "cups" or "file"
    where: str  # host, queue name or file path
    port: int = RAW_PORT

    def __str__(self) -> str:
        if self.kind == "zpl":
            return f"zpl://{self.where}:{self.port}"
        return f"cups:{self.where}" if self.kind == "cups" else self.where


def parse_target(text: str) -> PrinterTarget:
    """`zpl://HOST[:PORT]`, `cups:QUEUE` or a file path."""
    text = text.strip()
    if text.startswith("zpl://"):
        parts = urlsplit(text)
        try:
            port = parts.port or RAW_PORT
        except ValueError:
            raise TargetError(f"{text!r}: the port is a number from 1 to 65535") from None
        if not parts.hostname or parts.path.strip("/"):
            raise TargetError(f"{text!r}: a Zebra printer is zpl://HOST or zpl://HOST:PORT")
        return PrinterTarget("zpl", parts.hostname, port)
    if text.startswith("cups:"):
        queue = text.removeprefix("cups:")
        if not queue or any(c.isspace() or c in "/#" for c in queue):
            raise TargetError(f"{text!r}: a CUPS queue is cups:NAME (lpstat -p lists them)")
        return PrinterTarget("cups", queue)
    if not text or "://" in text:
        raise TargetError(f"{text!r}: a printer is zpl://HOST[:PORT], cups:QUEUE or a file path")
    return PrinterTarget("file", text)


def send_zpl(target: PrinterTarget, zpl: str, timeout: float = SEND_TIMEOUT_S) -> None:
    """Hand `zpl` to the printer; PrinterError when it could not take it."""
    data = zpl.encode("utf-8")
    if target.kind == "zpl":
        _send_raw(target, data, timeout)
    elif target.kind == "cups":
        _send_cups(target, data, timeout)
    else:
        try:
            with Path(target.where).open("ab") as out:
                out.write(data)
        except OSError as exc:
            raise PrinterError(PrinterProblem.NOT_WRITABLE, target, exc.strerror or "") from None


def _send_raw(target: PrinterTarget, data: bytes, timeout: float) -> None:
    try:
        connection = socket.create_connection((target.where, target.port), timeout=timeout)
    except TimeoutError:
        raise PrinterError(PrinterProblem.UNREACHABLE, target, "no answer") from None
    except OSError as exc:
        raise PrinterError(PrinterProblem.UNREACHABLE, target, exc.strerror or str(exc)) from None
    with connection:
        try:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
        except TimeoutError:
            raise PrinterError(PrinterProblem.TIMEOUT, target) from None
        except OSError as exc:
            raise PrinterError(PrinterProblem.UNREACHABLE, target, exc.strerror or "") from None


def _send_cups(target: PrinterTarget, data: bytes, timeout: float) -> None:
    lp = shutil.which("lp")
    if lp is None:
        raise PrinterError(PrinterProblem.NO_CUPS, target)
    try:
        done = subprocess.run([lp, "-d", target.where, "-o", "raw"], input=data,
                              capture_output=True, timeout=timeout, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise PrinterError(PrinterProblem.TIMEOUT, target) from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PrinterError(PrinterProblem.QUEUE_REFUSED, target, detail[-1] if detail else "")


def problem_words(error: PrinterError) -> str:
    """One sentence for the terminal (the window words the same problem in the bench's
    language: app/ui/reason_words.py)."""
    target = error.target
    words = {
        PrinterProblem.UNREACHABLE: f"label printer {target} is off or unreachable",
        PrinterProblem.TIMEOUT: f"label printer {target} did not take the label in time",
        PrinterProblem.NOT_WRITABLE: f"cannot write labels to {target}",
        PrinterProblem.QUEUE_REFUSED: f"CUPS refused the label for {target}",
        PrinterProblem.NO_CUPS: "CUPS is not installed (no lp command) for " + str(target),
    }[error.problem]
    return words + (f" ({error.detail})" if error.detail else "")
