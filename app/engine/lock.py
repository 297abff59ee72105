"""One engine per data folder: an OS file lock on `<data dir>/engine.lock`.

The lock is the kernel's (flock on POSIX, a byte-range lock on Windows), so it goes with the
process that held it, however that process ended: nothing stale to clean up after a crash,
unlike a pid file. The holder writes who it is into the file, so a second window or a
`kitbench provision` can say what holds the station. The pattern is the store's own
recorder lock (`app.storage.database.RecorderLock`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

LOCK_FILE = "engine.lock"
# Windows locks are mandatory: lock a byte past the holder's text, so it stays readable.
_LOCKED_BYTE = 4096


class StationTaken(Exception):
    """Another process runs this data folder's engine."""

    def __init__(self, folder: Path, holder: str) -> None:
        super().__init__(f"{folder} is in use by {holder}")
        self.folder, self.holder = folder, holder


class EngineLock:
    """Held from `acquire()` until `release()` or the process ends."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LOCK_FILE
        self._file: IO[bytes] | None = None

    def acquire(self, holder: str) -> None:
        """Take the folder for `holder` ("a Kitbench window (pid 42)"); StationTaken if taken."""
        self.folder.mkdir(parents=True, exist_ok=True)
        file = open(self.path, "a+b")  # noqa: SIM115 - held open while the lock is held
        try:
            _try_lock(file)
        except OSError:
            file.seek(0)
            text = file.read(_LOCKED_BYTE).decode("utf-8", "replace").strip()
            file.close()
            raise StationTaken(self.folder, text or "another Kitbench") from None
        file.seek(0)
        file.truncate()
        file.write(f"{holder}\n".encode())
        file.flush()
        self._file = file

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing releases the lock
            self._file = None


def holder_name(kind: str) -> str:
    """How a holder names itself in the lock file: "a Kitbench window (pid 42)"."""
    return f"{kind} (pid {os.getpid()})"


if sys.platform == "win32":
    import msvcrt

    def _try_lock(file: IO[bytes]) -> None:
        file.seek(_LOCKED_BYTE)
        msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _try_lock(file: IO[bytes]) -> None:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
