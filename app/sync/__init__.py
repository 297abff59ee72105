"""Sync to the fleet backend: the outbox in batches with retry and backoff; release pulls."""

from app.sync.client import (
    Acknowledgement,
    BackendClient,
    BackendRejectedError,
    BackendServerError,
    BackendUnreachableError,
    NotConfiguredError,
    SyncError,
    TokenRejectedError,
)
from app.sync.releases import (
    Refusal,
    ReleasePull,
    ReleasePuller,
    ReleaseState,
    ReleaseStatus,
    TrustState,
    TrustStatus,
    pulled_dir,
    release_statuses,
    trust_status,
)
from app.sync.sender import Backoff, SendReport, ServerErrors, send_waiting
from app.sync.worker import SyncState, SyncStatus, SyncWorker

__all__ = [
    "Acknowledgement",
    "BackendClient",
    "BackendRejectedError",
    "BackendServerError",
    "BackendUnreachableError",
    "Backoff",
    "NotConfiguredError",
    "Refusal",
    "ReleasePull",
    "ReleasePuller",
    "ReleaseState",
    "ReleaseStatus",
    "SendReport",
    "ServerErrors",
    "SyncError",
    "SyncState",
    "SyncStatus",
    "SyncWorker",
    "TokenRejectedError",
    "TrustState",
    "TrustStatus",
    "pulled_dir",
    "release_statuses",
    "send_waiting",
    "trust_status",
]
