"""Sync to the fleet backend: the outbox in batches with retry and backoff; template pull."""

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
from app.sync.sender import Backoff, SendReport, ServerErrors, send_waiting
from app.sync.templates import PulledTemplate, pull_templates, pulled_dir
from app.sync.worker import SyncState, SyncStatus, SyncWorker

__all__ = [
    "Acknowledgement",
    "BackendClient",
    "BackendRejectedError",
    "BackendServerError",
    "BackendUnreachableError",
    "Backoff",
    "NotConfiguredError",
    "PulledTemplate",
    "SendReport",
    "ServerErrors",
    "SyncError",
    "SyncState",
    "SyncStatus",
    "SyncWorker",
    "TokenRejectedError",
    "pull_templates",
    "pulled_dir",
    "send_waiting",
]
