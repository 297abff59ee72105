"""The backend's file store: release files by SHA-256 on disk, uploaded in resumable chunks.

A file is uploaded with `PATCH /api/v1/files/{sha256}` in chunks, each saying where it starts
(`Upload-Offset`) and how long the whole file is (`Upload-Length`). Chunks append to a partial
file; the last one is hashed and, when it matches its name, moved into the store. An
interrupted upload resumes at the offset the backend reports (docs/sync-api.md#files).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from app.templates.release import SHA256, ContentStore, file_sha256


class UploadConflictError(Exception):
    """A chunk that does not start where the partial file ends."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"the upload is at byte {offset}: resume from there")
        self.offset = offset


class UploadInvalidError(Exception):
    """A chunk or file that can never be right (too long, wrong hash); the partial is dropped."""


@dataclass(frozen=True)
class UploadState:
    offset: int  # bytes the backend holds of this file
    complete: bool


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.content = ContentStore(self.root / "sha256")
        self.partial_dir = self.root / "partial"
        self._lock = threading.Lock()  # one chunk at a time: appends never interleave

    def _partial(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.partial_dir / f"{sha256}.part"

    def state(self, sha256: str) -> UploadState:
        size = self.content.size(sha256)
        if size is not None:
            return UploadState(size, True)
        try:
            return UploadState(self._partial(sha256).stat().st_size, False)
        except FileNotFoundError:
            return UploadState(0, False)

    def has(self, sha256: str, size: int) -> bool:
        return self.content.size(sha256) == size

    def append(self, sha256: str, offset: int, length: int, data: bytes) -> UploadState:
        """Append one chunk at `offset` of a file of `length` bytes; finish it at the end."""
        with self._lock:
            state = self.state(sha256)
            if state.complete:
                return state
            if offset != state.offset:
                raise UploadConflictError(state.offset)
            end = offset + len(data)
            partial = self._partial(sha256)
            if end > length:
                partial.unlink(missing_ok=True)
                raise UploadInvalidError(f"the chunk ends at byte {end}, after Upload-Length")
            partial.parent.mkdir(parents=True, exist_ok=True)
            with open(partial, "ab") as file:
                file.write(data)
            if end < length:
                return UploadState(end, False)
            if file_sha256(partial) != sha256:
                partial.unlink(missing_ok=True)
                raise UploadInvalidError(
                    f"the uploaded bytes do not hash to {sha256}; upload the file again"
                )
            self.content.adopt(sha256, partial)
            return UploadState(length, True)
