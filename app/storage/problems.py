"""What a failed write or open says about the station's storage: a typed `StationProblem`.

SQLite, SQLAlchemy and the OS each report a full disk, a read-only folder, a locked or a
damaged database in their own way; `classify_problem` turns any of them into one
`StationProblem` that names the data folder, so the station can refuse to start runs it
could not record and presentation can say what to do. An exception that says nothing
about storage (a bug) classifies as None.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

from app.core.status import StationProblem, StorageProblem

# `extra=` for a log record whose news the caller shows the person itself (a typed problem,
# an error it reports): the log file keeps the traceback, the terminal needs no copy.
SHOWN_ELSEWHERE: Final[Mapping[str, object]] = {"shown_elsewhere": True}

LOW_SPACE_BYTES = 1024 * 1024  # an I/O error with less free than this: the disk is full

_ERRNO_KINDS = {
    getattr(errno, name): kind
    for name, kind in (
        ("ENOSPC", StorageProblem.DISK_FULL),
        ("EDQUOT", StorageProblem.DISK_FULL),  # not on every platform
        ("EACCES", StorageProblem.NOT_WRITABLE),
        ("EROFS", StorageProblem.NOT_WRITABLE),
        ("EPERM", StorageProblem.NOT_WRITABLE),
    )
    if hasattr(errno, name)
}

# SQLite's primary result codes (the low byte of an extended code), from sqlite3.h.
_SQLITE_KINDS = {
    3: StorageProblem.NOT_WRITABLE,  # SQLITE_PERM
    5: StorageProblem.LOCKED,  # SQLITE_BUSY
    6: StorageProblem.LOCKED,  # SQLITE_LOCKED
    8: StorageProblem.NOT_WRITABLE,  # SQLITE_READONLY
    11: StorageProblem.CORRUPT,  # SQLITE_CORRUPT
    13: StorageProblem.DISK_FULL,  # SQLITE_FULL
    26: StorageProblem.CORRUPT,  # SQLITE_NOTADB
}
_SQLITE_ASK_THE_FOLDER = {
    10,  # SQLITE_IOERR: a full disk when SQLite grows its -shm or -wal file, among others
    14,  # SQLITE_CANTOPEN: a folder it may not create files in, among others
}

# The words, for exceptions that carry no code (and sqlite3 before Python 3.11).
_TEXT_KINDS = (
    ("database or disk is full", StorageProblem.DISK_FULL),
    ("no space left on device", StorageProblem.DISK_FULL),
    ("disk quota exceeded", StorageProblem.DISK_FULL),
    ("database is locked", StorageProblem.LOCKED),
    ("database table is locked", StorageProblem.LOCKED),
    ("file is not a database", StorageProblem.CORRUPT),
    ("malformed", StorageProblem.CORRUPT),  # "database disk image is malformed"
    ("readonly database", StorageProblem.NOT_WRITABLE),
    ("read-only file system", StorageProblem.NOT_WRITABLE),
    ("permission denied", StorageProblem.NOT_WRITABLE),
)
_TEXT_ASK_THE_FOLDER = ("disk i/o error", "unable to open database file")


def classify_problem(exc: BaseException, folder: Path | str) -> StationProblem | None:
    """The storage problem behind `exc` (SQLAlchemy, sqlite3 or OS error, or one wrapping
    them), naming `folder`; None when `exc` says nothing about storage.

    Codes win over words; an I/O error or a file SQLite cannot open is decided by looking
    at the folder itself (nearly no space left, or not writable)."""
    folder = Path(folder)
    causes = list(_chain(exc))
    ask_the_folder = False
    for cause in causes:
        kind: StorageProblem | None = None
        if isinstance(cause, OSError) and cause.errno is not None:
            kind = _ERRNO_KINDS.get(cause.errno)
        elif isinstance(cause, sqlite3.Error):
            code = getattr(cause, "sqlite_errorcode", None)
            if isinstance(code, int):
                kind = _SQLITE_KINDS.get(code & 0xFF)
                ask_the_folder = ask_the_folder or (code & 0xFF) in _SQLITE_ASK_THE_FOLDER
        if kind is not None:
            return StationProblem(kind, str(folder), _detail(exc))
    for cause in causes:
        kind, asks = _by_words(str(cause))
        if kind is not None:
            return StationProblem(kind, str(folder), _detail(exc))
        ask_the_folder = ask_the_folder or asks
    if ask_the_folder:
        kind = folder_problem(folder)
        if kind is not None:
            return StationProblem(kind, str(folder), _detail(exc))
    return None


def station_problem(exc: BaseException, folder: Path | str) -> StationProblem:
    """`classify_problem`, for a write that must not be taken as done whatever went wrong:
    what the folder itself shows, and otherwise "not writable" with the exception's words."""
    problem = classify_problem(exc, folder)
    if problem is not None:
        return problem
    kind = folder_problem(Path(folder)) or StorageProblem.NOT_WRITABLE
    return StationProblem(kind, str(folder), _detail(exc))


def folder_problem(folder: Path) -> StorageProblem | None:
    """DISK_FULL or NOT_WRITABLE when the folder (or its nearest existing parent) shows it."""
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    try:
        free = shutil.disk_usage(existing).free
    except OSError:
        free = None
    if free is not None and free < LOW_SPACE_BYTES:
        return StorageProblem.DISK_FULL
    if not os.access(existing, os.W_OK):
        return StorageProblem.NOT_WRITABLE
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, what SQLAlchemy wrapped (`.orig`), and its causes and contexts, each once."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        cause = todo.pop(0)
        if id(cause) in seen:
            continue
        seen.add(id(cause))
        yield cause
        orig = getattr(cause, "orig", None)
        for more in (orig, cause.__cause__, cause.__context__):
            if isinstance(more, BaseException):
                todo.append(more)


def _by_words(text: str) -> tuple[StorageProblem | None, bool]:
    lowered = text.lower()
    for words, kind in _TEXT_KINDS:
        if words in lowered:
            return kind, False
    return None, any(words in lowered for words in _TEXT_ASK_THE_FOLDER)


def _detail(exc: BaseException) -> str:
    """The innermost words: the OS's or SQLite's, without SQLAlchemy's statement and link."""
    for cause in _chain(exc):
        if isinstance(cause, OSError | sqlite3.Error):
            return str(cause)
    return str(exc).split("\n", 1)[0]
