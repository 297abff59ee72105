"""The background sync worker the GUI (and `kitbench sync`) runs: one thread, never the GUI's.

Each cycle sends the outbox, reports the station's heartbeat and pulls its channel's releases
with their files (app/sync/releases.py),
then waits `sync.interval` seconds, or less when woken (a run just finished) or more, backing
off with jitter, while the backend is unreachable. Settings are re-read every cycle, so a new
backend URL or token takes effect without a restart.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from app.storage import Config, Store
from app.storage.config import DEFAULT_SYNC_INTERVAL_S, MAX_SYNC_INTERVAL_S
from app.sync.client import BackendClient, NotConfiguredError, SyncError
from app.sync.releases import ReleasePuller, ReleaseStatus, TrustStatus, trust_status
from app.sync.sender import Backoff, ServerErrors, send_waiting

log = logging.getLogger(__name__)

OFFLINE_BACKOFF = Backoff(base_s=2.0, cap_s=300.0)  # between cycles while the backend is away


class SyncState(StrEnum):
    SYNCED = "synced"
    WAITING = "waiting"  # runs left to send, the backend reachable
    OFFLINE = "offline"  # the backend cannot be reached; runs wait safely
    ERROR = "error"  # needs a person: token rejected, no backend configured, runs refused


@dataclass(frozen=True)
class SyncStatus:
    state: SyncState
    waiting: int
    message: str = ""
    sent: int = 0  # runs acknowledged in this cycle
    offline_since: datetime | None = None
    last_synced_at: datetime | None = None
    new_templates: tuple[ReleaseStatus, ...] = ()  # releases that became ready to start
    withdrawn: tuple[str, ...] = ()  # NAME-vN no longer offered (withdrawn or replaced)
    releases: tuple[ReleaseStatus, ...] = ()  # every release of the channel, this cycle
    trust: TrustStatus | None = None  # None when the cycle did not get as far
    release_error: str | None = None  # why pulling releases failed, if it did

    @property
    def library_changed(self) -> bool:
        """The template list must be read again: a release became ready or went away."""
        return bool(self.new_templates or self.withdrawn)

    def text(self) -> str:
        """One line for a status bar."""
        if self.state is SyncState.SYNCED:
            return "synced"
        if self.state is SyncState.OFFLINE and self.offline_since:
            since = self.offline_since.astimezone().strftime("%H:%M")
            return f"offline since {since} · {self.waiting} waiting to sync"
        if self.state is SyncState.WAITING:
            return f"{self.waiting} waiting to sync"
        return f"sync error: {self.message}"


class SyncWorker:
    def __init__(
        self,
        store: Store,
        *,
        on_status: Callable[[SyncStatus], None],
        config: Config | None = None,
        backoff: Backoff = OFFLINE_BACKOFF,
        on_releases: Callable[[tuple[ReleaseStatus, ...]], None] | None = None,
    ) -> None:
        self._store = store
        self._config = config or Config(store.directory)
        self._on_status = on_status
        self._on_releases = on_releases  # download progress, on the sync thread
        self._backoff = backoff
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._offline_since: datetime | None = None
        self._last_synced_at: datetime | None = None
        self._failures = 0
        self._server_errors = ServerErrors()  # 5xx answers count across cycles
        self._orders_sent: str | None = None  # the station's orders as last acknowledged

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kitbench-sync", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Sync now rather than at the next interval (e.g. a run was just recorded)."""
        self._wake.set()

    def stop(self, timeout: float | None = 10) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                status = self.sync_now()
            except Exception as exc:  # a bug must not kill syncing for the rest of the shift
                log.exception("sync cycle failed")
                status = SyncStatus(SyncState.ERROR, self._waiting(), f"unexpected error: {exc}")
            self._tell(status)
            if status.state is SyncState.OFFLINE:
                delay = self._backoff.delay(self._failures - 1)
            else:
                delay = self._interval()
            self._wake.wait(delay)
            self._wake.clear()

    def _interval(self) -> float:
        """`sync.interval`, kept within 1 s to a day whatever a hand-edited file says."""
        try:
            seconds = self._config.sync_interval
        except (ValueError, OSError):
            return DEFAULT_SYNC_INTERVAL_S
        return max(1, min(MAX_SYNC_INTERVAL_S, seconds))

    def _waiting(self) -> int:
        try:
            return self._store.waiting_count()
        except Exception:
            return 0

    def _tell(self, status: SyncStatus) -> None:
        try:
            self._on_status(status)
        except Exception:
            log.exception("sync status callback failed")

    def sync_now(self, attempts: int = 1) -> SyncStatus:
        """One cycle on the calling thread: send (retrying a failing backend `attempts` times
        with backoff), then heartbeat and pull templates."""
        try:
            client = BackendClient.from_config(self._config)
        except (NotConfiguredError, ValueError) as exc:
            return SyncStatus(SyncState.ERROR, self._waiting(), str(exc))
        with client:
            report = send_waiting(
                self._store,
                client,
                attempts=attempts,
                backoff=self._backoff,
                stop=self._stopping,
                server_errors=self._server_errors,
            )
            if report.unreachable:
                self._failures += 1
                self._offline_since = self._offline_since or datetime.now(UTC)
                return SyncStatus(
                    SyncState.OFFLINE,
                    report.waiting,
                    report.error or "",
                    sent=report.sent,
                    offline_since=self._offline_since,
                    last_synced_at=self._last_synced_at,
                )
            self._failures = 0
            self._offline_since = None
            if report.token_rejected:
                return SyncStatus(
                    SyncState.ERROR, report.waiting, report.error or "", sent=report.sent
                )
            self._send_orders(client)
            try:
                client.heartbeat(report.waiting)
            except SyncError as exc:
                log.warning("sync: heartbeat failed: %s", exc)
            releases = self._pull_releases(client)
        if report.waiting:
            return replace(
                releases,
                state=SyncState.WAITING,
                waiting=report.waiting,
                message=report.error or "",
                sent=report.sent,
                last_synced_at=self._last_synced_at,
            )
        self._last_synced_at = datetime.now(UTC)
        return replace(
            releases, state=SyncState.SYNCED, sent=report.sent, last_synced_at=self._last_synced_at
        )

    def _send_orders(self, client: BackendClient) -> None:
        """Send the station's kitting orders when they changed since the backend last took
        them (once per worker at least), so the backend knows each order's target. A backend
        that cannot take them yet does not hold up the runs."""
        try:
            batch = self._store.order_batch()
        except Exception:
            log.exception("sync: cannot read the station's orders")
            return
        sent = json.dumps(batch, sort_keys=True)
        if not batch or sent == self._orders_sent:
            return
        try:
            client.post_orders(batch)
        except SyncError as exc:
            log.warning("sync: orders not sent: %s", exc)
            return
        self._orders_sent = sent

    def _pull_releases(self, client: BackendClient) -> SyncStatus:
        """The channel's releases pulled; a status carrying only what the pull found."""
        try:
            trust = trust_status(self._config)
        except (ValueError, OSError) as exc:
            return SyncStatus(SyncState.SYNCED, 0, release_error=f"settings: {exc}")
        puller = ReleasePuller(
            client,
            self._config,
            self._store.directory,
            on_progress=self._on_releases,
            stop=self._stopping,
        )
        try:
            pulled = puller.pull()
        except (SyncError, OSError) as exc:
            log.warning("sync: release pull failed: %s", exc)
            return SyncStatus(SyncState.SYNCED, 0, trust=trust, release_error=str(exc))
        return SyncStatus(
            SyncState.SYNCED,
            0,
            new_templates=pulled.new,
            withdrawn=pulled.withdrawn,
            releases=pulled.statuses,
            trust=pulled.trust,
            release_error=pulled.error,
        )
