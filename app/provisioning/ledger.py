"""What the station remembers between runs: each device's `{seq}` and what it was given.

`{seq}` is unique across the station and never reused: a device keeps the number it
got first (so a second run renames nothing), and the counter only grows. The ledger is
one small JSON file in the data directory, replaced atomically on every change.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from app.core.paths import write_atomically

FILE_NAME = "provisioning.json"


class Ledger:
    def __init__(self, directory: Path) -> None:
        self.path = directory / FILE_NAME
        self._lock = threading.Lock()

    def seq_for(self, serial: str) -> int:
        """The device's sequence number, assigning the next one on first use."""
        with self._lock:
            state = self._read()
            device = state["devices"].setdefault(serial, {})
            if "seq" not in device:
                state["next_seq"] += 1
                device["seq"] = state["next_seq"]
                self._write(state)
            return device["seq"]

    def provisioned_version(self, serial: str, template: str) -> int | None:
        """The template version this device last finished, if any."""
        with self._lock:
            return self._read()["devices"].get(serial, {}).get("templates", {}).get(template)

    def record_done(self, serial: str, template: str, version: int) -> None:
        with self._lock:
            state = self._read()
            device = state["devices"].setdefault(serial, {})
            device.setdefault("templates", {})[template] = version
            self._write(state)

    def _read(self) -> dict:
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

    def _write(self, state: dict) -> None:
        write_atomically(self.path, json.dumps(state, indent=1, sort_keys=True), mode=0o600)


class LedgerError(Exception):
    """The ledger file is unreadable; the message names the file."""
