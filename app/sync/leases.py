"""The station's side of fleet-unique `{seq}`: blocks of numbers leased from the backend.

`BackendBlocks` is the `BlockSource` the provisioning ledger asks (from a device's worker or
its own background thread, never the GUI's): `POST /api/v1/seq/blocks` with the station's
token. Any failure is a `BlockUnavailableError` whose message says why; the ledger then uses
what it holds, or the run does not start.
"""

from __future__ import annotations

import threading

from app.provisioning.seq_lease import BlockUnavailableError, SeqLeasing
from app.storage.config import Config
from app.sync.client import BackendClient, SyncError

LEASE_TIMEOUT_S = 10.0  # a device waits on this when the station holds no number at all


class BackendBlocks:
    """Blocks from the backend `config` names; its client is made on the first request."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._client: BackendClient | None = None
        self._lock = threading.Lock()

    def lease(self, series: str, size: int, at_least: int) -> tuple[int, int]:
        body = {"series": series, "size": size, "at_least": at_least}
        try:
            with self._lock:
                if self._client is None:
                    self._client = BackendClient.from_config(self._config, timeout=LEASE_TIMEOUT_S)
            block = self._client._call("POST", "/seq/blocks", json=body)
            first, last = int(block["first"]), int(block["last"])
        except SyncError as exc:
            raise BlockUnavailableError(str(exc)) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise BlockUnavailableError(f"backend answered an unexpected block: {exc}") from exc
        if not 1 <= first <= last or last - first + 1 != size or first < at_least:
            raise BlockUnavailableError(f"backend answered a wrong block {first}–{last}")
        return first, last


def seq_leasing(config: Config) -> SeqLeasing | None:
    """Fleet numbers when a backend is configured, else None (the station's own counter)."""
    if not config.backend_url or not config.backend_token:
        return None
    return SeqLeasing(BackendBlocks(config), config.seq_block_size)
