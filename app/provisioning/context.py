"""What a step executor gets to work with, and what it answers.

Executors are plain functions `(params, StepContext) -> Outcome`. They raise `StepFailed`
with a typed reason (its English sentence is str(e)); `DeviceError` (the device went away)
and `Cancelled` pass through to the runner, which knows which step was running.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from app.core import StepStatus
from app.core.apk import ApkInfo, NotAnApk, read_apk
from app.core.reasons import Reason, Why
from app.devices.adb_protocol import PackedFile, pack_file
from app.devices.device import Device
from app.provisioning.reason_text import english
from app.templates.model import Install

POLL_INTERVAL_S = 0.25  # how often waits look at the device again
# Compressed streams kept for a batch: a kitting template's APKs (a 48 MB app and a few more)
# fit; beyond it the least recently used are dropped and made again when asked for.
PACKED_BUDGET_BYTES = 256 * 1024 * 1024


class StepFailed(Exception):
    """The step could not make the device as wanted: `reason` says why (str(e) in English),
    `output` shows it. `package`: the app the package manager refused, whose state the
    failure evidence shows."""

    def __init__(self, reason: Reason, output: str = "", *, package: str = "") -> None:
        super().__init__(english(reason))
        self.reason = reason
        self.output = output
        self.package = package


class Cancelled(Exception):
    """Someone pressed Stop; raised between steps, inside transfers and inside waits."""


@dataclass(frozen=True)
class Outcome:
    status: StepStatus  # OK, CHANGED or SKIPPED; failures are raised
    message: str
    output: str = ""


@dataclass(frozen=True)
class DeviceFacts:
    """What the runner read from the device before the first step."""

    serial: str
    model: str
    manufacturer: str
    android_release: str
    sdk: int
    android: bool = True  # False: no getprop, so only push and shell steps can run on it


@dataclass(frozen=True)
class ApkArtifact:
    path: Path
    sha256: str
    size: int
    info: ApkInfo


class ArtifactCache:
    """Reads and hashes each local file once per batch, however many devices take it.

    A file that changes on disk (size or mtime) is read again. Concurrent requests for
    the same file wait for the one reader instead of reading it too. Likewise each file's
    compressed stream (`packed`) is made once for every device whose bus pushes with that
    compression, within `packed_budget` bytes of streams kept.
    """

    def __init__(self, packed_budget: int = PACKED_BUDGET_BYTES) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Path, int, int], _Entry] = {}
        self.reads = 0  # files actually read, for tests and benchmarks
        self._packed: OrderedDict[tuple[Path, int, int, str], _PackedEntry] = OrderedDict()
        self._packed_budget = packed_budget
        self.packs = 0  # compressed streams actually made, for tests and benchmarks
        self.packing_ahead: threading.Thread | None = None  # see `pack_ahead`

    def sha256(self, path: Path) -> str:
        return self._get(path, parse_apk=False).sha256

    def apk(self, path: Path) -> ApkArtifact:
        return self._get(path, parse_apk=True)

    def packed(self, path: Path, compression: str) -> PackedFile:
        """The file as one compressed stream (`pack_file`), made once for the batch."""
        key = (*self._key(path), compression)
        with self._lock:
            entry = self._packed.setdefault(key, _PackedEntry())
            self._packed.move_to_end(key)
        with entry.lock:
            if entry.packed is None:
                try:
                    entry.packed = pack_file(path, compression)
                except OSError as exc:
                    raise StepFailed(_unreadable(path, exc)) from None
                self.packs += 1
            packed = entry.packed
        self._keep_within_budget()
        return packed

    def pack_ahead(self, paths: Sequence[Path], compression: str) -> None:
        """Make the files' streams in the background, in this order, before any device asks:
        the first install of a batch then does not wait for its APK's stream (a 48 MB app
        takes most of a second at zstd's packing level). A device asking meanwhile waits for
        the one being made; a file that cannot be read fails its step when the step runs."""

        def pack_all() -> None:
            for path in paths:
                try:
                    self.packed(path, compression)
                except StepFailed:
                    continue

        self.packing_ahead = threading.Thread(target=pack_all, name="pack-ahead", daemon=True)
        self.packing_ahead.start()

    def _keep_within_budget(self) -> None:
        """Drop the least recently used streams beyond the budget (the newest stays); a
        device sending one keeps it until it is done."""
        with self._lock:
            kept = sum(e.packed.size for e in self._packed.values() if e.packed is not None)
            while kept > self._packed_budget and len(self._packed) > 1:
                _, oldest = self._packed.popitem(last=False)
                kept -= oldest.packed.size if oldest.packed is not None else 0

    def _key(self, path: Path) -> tuple[Path, int, int]:
        try:
            status = path.stat()
        except OSError as exc:
            raise StepFailed(_unreadable(path, exc)) from None
        return (path.resolve(), status.st_size, status.st_mtime_ns)

    def _get(self, path: Path, *, parse_apk: bool) -> ApkArtifact:
        key = self._key(path)
        with self._lock:
            entry = self._entries.setdefault(key, _Entry())
        with entry.lock:
            if entry.artifact is None or (parse_apk and entry.artifact.info is None):
                entry.artifact = self._read(path, parse_apk)
            return entry.artifact

    def _read(self, path: Path, parse_apk: bool) -> ApkArtifact:
        digest = hashlib.sha256()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StepFailed(_unreadable(path, exc)) from None
        self.reads += 1
        digest.update(data)
        info = None
        if parse_apk:
            try:
                info = read_apk(data)
            except NotAnApk as exc:
                raise StepFailed(
                    Reason.of(Why.NOT_AN_APK, file=path.name, detail=str(exc))
                ) from None
        return ApkArtifact(path, digest.hexdigest(), len(data), info)  # type: ignore[arg-type]


def _unreadable(path: Path, exc: OSError) -> Reason:
    return Reason.of(Why.FILE_UNREADABLE, file=path.name, system=str(exc.strerror))


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    artifact: ApkArtifact | None = None


@dataclass
class _PackedEntry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    packed: PackedFile | None = None


@dataclass
class StepContext:
    """Everything one step on one device may use; built by the runner per step."""

    device: Device
    facts: DeviceFacts
    timeout: float  # seconds for the whole step
    artifacts: ArtifactCache
    resolve_path: Callable[[str], Path]
    cancel: threading.Event
    report: Callable[[float, str], None]  # (fraction 0..1, detail) of this step
    transfer_slot: Callable[[int], AbstractContextManager[None]] = lambda _size: nullcontext()
    # The install step right after this one, parameters filled in: its APKs may be sent
    # while this step's install runs on the device (None: nothing is sent ahead).
    next_install: Install | None = None
    # APKs sent ahead in this run and not installed yet: their paths -> temporary files
    prefetched: dict[tuple[Path, ...], list[str]] = field(default_factory=dict)

    def check_cancel(self) -> None:
        if self.cancel.is_set():
            raise Cancelled()

    def transfer_progress(self, detail: str) -> Callable[[int, int], None]:
        """A push progress callback that reports and stops the transfer on cancel."""

        def progress(done: int, total: int) -> None:
            self.check_cancel()
            self.report(done / total if total else 1.0, detail)

        return progress

    def pause(self, seconds: float = POLL_INTERVAL_S) -> None:
        """Wait between polls of the device; Stop ends the wait at once."""
        if self.cancel.wait(seconds):
            raise Cancelled()
