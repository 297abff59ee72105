"""What the station remembers between runs: each device's `{seq}`.

Whether a device is provisioned is the device's own marker (app/provisioning/marker.py),
never this file: a reset device is kitted again, one kitted elsewhere is recognised.

`{seq}` is unique across the station and never reused: a device keeps the number it
got first (so a second run renames nothing), and the counter only grows. The ledger is
one small JSON file in the data directory, replaced atomically on every change.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from app.core.paths import write_atomically

FILE_NAME = "provisioning.json"
FileIdentity = tuple[int, int, int]  # inode, mtime in ns, size: "replaced by someone else?"


class Ledger:
    """The ledger file, kept in memory while nobody else changes it on disk.

    Every change is on disk (fsynced) before the call that made it returns, but changes
    made at the same time share one write: when a hundred devices start at once they used
    to queue for a hundred reads and fsyncs under one lock, and the last one started half
    a second after the first.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / FILE_NAME
        self._lock = threading.Lock()  # guards the state and the counters below
        self._write_lock = threading.Lock()  # one writer at a time, outside `_lock`
        self._state: dict[str, Any] | None = None
        self._file: FileIdentity | None = None  # identity of the file as we last read or wrote it
        self._changes = 0  # changes made in memory
        self._saved = 0  # changes known to be on disk

    def seq_for(self, serial: str) -> int:
        """The device's sequence number, assigning the next one on first use."""
        on_disk = self._file_identity()
        with self._lock:
            state = self._current(on_disk)
            device = state["devices"].setdefault(serial, {})
            if "seq" in device:
                return int(device["seq"])
            state["next_seq"] += 1
            seq = device["seq"] = int(state["next_seq"])
            change = self._changed()
        self._save(change)
        return seq

    def _current(self, on_disk: FileIdentity | None) -> dict[str, Any]:
        """The state, read again if another process replaced the file (call with `_lock`).

        `on_disk` is the file's identity, taken before the lock so no stat waits on it. A
        change of ours not yet written is kept: the other process's edit then loses, as it
        would have with one write after the other.
        """
        replaced_elsewhere = self._saved == self._changes and on_disk != self._file
        if self._state is None or replaced_elsewhere:
            self._state, self._file = self._read(), on_disk
        return self._state

    def _changed(self) -> int:
        self._changes += 1
        return self._changes

    def _save(self, change: int) -> None:
        """Write the state with `change` in it; one write covers every change before it."""
        with self._write_lock:
            if self._saved >= change:
                return  # another thread's write already had it
            with self._lock:
                text, covers = json.dumps(self._state, indent=1, sort_keys=True), self._changes
            write_atomically(self.path, text, mode=0o600)
            on_disk = self._file_identity()
            with self._lock:
                self._saved, self._file = covers, on_disk

    def _file_identity(self) -> FileIdentity | None:
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    def _read(self) -> dict[str, Any]:
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"next_seq": 0, "devices": {}}
        except (OSError, ValueError) as exc:
            raise LedgerError(f"cannot read {self.path}: {exc}") from None
        if not isinstance(state, dict) or not isinstance(state.get("devices"), dict):
            raise LedgerError(f"{self.path} is not a Kitbench provisioning ledger")
        state.setdefault("next_seq", 0)
        return state


class LedgerError(Exception):
    """The ledger file is unreadable; the message names the file."""
