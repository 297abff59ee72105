"""What the station remembers between runs: each device's `{seq}`.

Whether a device is provisioned is the device's own marker (app/provisioning/marker.py),
never this file: a reset device is kitted again, one kitted elsewhere is recognised.

`{seq}` is never reused: a device keeps the number it got first (so a second run renames
nothing). Without a backend (or for a template with `seq: station`) the numbers come from
the station's own counter, which only grows. With one, they are unique per series across the
fleet: they come from blocks the backend leased (`seq_lease.py`), and the ledger records each
number as given, on disk, before anyone uses it, so a crash never hands one out twice.

A restored data folder holds an old ledger that does not know the numbers given since its
copy was made. So every write also bumps a generation kept in a witness file outside the
data folder (`.NAME.seq-witness` beside it); a ledger older than its witness, or holding
blocks with no witness at all (a copy on another machine), is a restore, and its unused
numbers are dropped: a restore loses the rest of its blocks rather than risk reusing one.
The ledger is one small JSON file in the data directory, replaced atomically on every change.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from app.core.paths import write_atomically
from app.provisioning.seq_lease import BlockUnavailableError, NoNumbersLeftError, SeqLeasing

log = logging.getLogger(__name__)

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
        self.witness = directory.parent / f".{directory.name}.seq-witness"
        self._leasing: SeqLeasing | None = None
        self._lease_locks: dict[str, threading.Lock] = {}  # one block request per series at a time
        self._refilling: set[str] = set()  # series with a background request under way

    def lease_from(self, leasing: SeqLeasing | None) -> None:
        """Take fleet numbers from the backend's blocks (None: the station's own counter)."""
        self._leasing = leasing

    def seq_for(self, serial: str, series: str | None = None) -> int:
        """The device's sequence number, assigning the next one on first use: from the fleet's
        blocks of `series` when a backend leases them, else from the station's counter.
        NoNumbersLeftError when no block is held and the backend gives none."""
        leasing = self._leasing
        if series is None or leasing is None:
            return self._station_seq(serial)
        while True:
            on_disk = self._file_identity()
            with self._lock:
                state = self._current(on_disk)
                given = state["devices"].setdefault(serial, {}).setdefault("fleet", {})
                if series in given:
                    return int(given[series])
                blocks = state.setdefault("blocks", {}).setdefault(series, [])
                seq = _take(blocks) if blocks else None
                if seq is not None:
                    given[series] = seq
                    left = sum(last - first + 1 for first, last in blocks)
                    change = self._changed()
            if seq is not None:
                self._save(change)  # on disk before anyone uses it
                if left < leasing.low_water:
                    self._refill_in_background(leasing, series)
                return seq
            self._refill(leasing, series)

    def _station_seq(self, serial: str) -> int:
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

    def _refill(self, leasing: SeqLeasing, series: str) -> None:
        """Lease one more block of `series` unless another thread just did."""
        with self._lock:
            lock = self._lease_locks.setdefault(series, threading.Lock())
        with lock:
            on_disk = self._file_identity()
            with self._lock:
                state = self._current(on_disk)
                blocks = state.setdefault("blocks", {}).setdefault(series, [])
                if sum(last - first + 1 for first, last in blocks) >= leasing.low_water:
                    return
                at_least = int(state["next_seq"]) + 1  # above this station's own numbers
            try:
                first, last = leasing.source.lease(series, leasing.block_size, at_least)
            except BlockUnavailableError as exc:
                raise NoNumbersLeftError(series, str(exc)) from None
            with self._lock:
                state = self._current(self._file_identity())
                state.setdefault("blocks", {}).setdefault(series, []).append([first, last])
                change = self._changed()
            self._save(change)

    def _refill_in_background(self, leasing: SeqLeasing, series: str) -> None:
        with self._lock:
            if series in self._refilling:
                return
            self._refilling.add(series)

        def refill() -> None:
            try:
                self._refill(leasing, series)
            except (NoNumbersLeftError, OSError, LedgerError) as exc:  # tried again when empty
                log.warning("could not lease more numbers of %s: %s", series, exc)
            finally:
                with self._lock:
                    self._refilling.discard(series)

        threading.Thread(target=refill, name=f"seq-lease-{series}", daemon=True).start()

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
                assert self._state is not None
                generation = self._state["generation"] = int(self._state["generation"]) + 1
                text, covers = json.dumps(self._state, indent=1, sort_keys=True), self._changes
                leased = "blocks" in self._state
            write_atomically(self.path, text, mode=0o600)
            if leased:  # after the ledger: a crash between the two is not mistaken for a restore
                write_atomically(self.witness, f"{generation}\n", mode=0o600)
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
            return {"next_seq": 0, "devices": {}, "generation": 0}
        except (OSError, ValueError) as exc:
            raise LedgerError(f"cannot read {self.path}: {exc}") from None
        if not isinstance(state, dict) or not isinstance(state.get("devices"), dict):
            raise LedgerError(f"{self.path} is not a Kitbench provisioning ledger")
        state.setdefault("next_seq", 0)
        state.setdefault("generation", 0)
        witnessed = self._witnessed()
        if any(state.get("blocks", {}).values()) and (
            witnessed is None or witnessed > state["generation"]
        ):
            log.warning(
                "%s is older than its witness (a restored data folder): its unused {seq} "
                "blocks are dropped, the backend leases new ones",
                self.path,
            )
            state["blocks"] = {}
            state["generation"] = max(state["generation"], witnessed or 0)
        return state

    def _witnessed(self) -> int | None:
        """The generation of the last ledger written here; None when there is no witness."""
        try:
            return int(self.witness.read_text(encoding="utf-8").strip())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise LedgerError(f"cannot read {self.witness}: {exc}") from None


def _take(blocks: list[list[int]]) -> int:
    """The next number of the first block, which then starts after it (or is gone)."""
    first, last = blocks[0]
    if first == last:
        blocks.pop(0)
    else:
        blocks[0] = [first + 1, last]
    return first


class LedgerError(Exception):
    """The ledger file is unreadable; the message names the file."""
