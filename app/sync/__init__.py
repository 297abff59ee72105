"""Sync to the fleet backend: the outbox in batches with retry and backoff; template pull."""

from app.sync.client import (
    Acknowledgement,
    BackendClient,
    BackendRejectedError,
    BackendUnreachableError,
    NotConfiguredError,
    SyncError,
    TokenRejectedError,
)
from app.sync.sender import Backoff, SendReport, send_waiting
from app.sync.templates import PulledTemplate, pull_templates, pulled_dir
from app.sync.worker import SyncState, SyncStatus, SyncWorker

__all__ = [
    "Acknowledgement",
    "BackendClient",
    "BackendRejectedError",
    "BackendUnreachableError",
    "Backoff",
    "NotConfiguredError",
    "PulledTemplate",
    "SendReport",
    "SyncError",
    "SyncState",
    "SyncStatus",
    "SyncWorker",
    "TokenRejectedError",
    "pull_templates",
    "pulled_dir",
    "send_waiting",
]
