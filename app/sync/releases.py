"""Pulling releases: the templates of this station's channel, with their files, verified.

Each sync asks the backend what the station's channel offers (per template, its current
release), checks each release's manifest against the publisher keys the station trusts, and
downloads the files it lacks into a content-addressed cache in the data folder
(`releases/files/ab/abcd…`), resuming a `.part` file an earlier sync left. A release whose
files are all there and hash right is offered: `templates/pulled/NAME-vN.yaml` with its
`NAME-vN.release.json`, which the template loader reads the files through. A release the
channel no longer offers (withdrawn, or replaced) stops being offered at once; its files stay
a day, so a run still using them finishes, and are then removed unless a kept release needs
them.

State is typed for the window: `ReleaseStatus` per release (files and bytes done, complete,
refused with the reason), `TrustStatus` for the station; `release_statuses()` reads the last
ones written, so a window that starts later sees them too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.core.paths import data_dir, write_atomically
from app.storage import Config
from app.sync.client import BackendClient, BackendUnreachableError, SyncError
from app.templates.loader import RELEASE_SUFFIX, release_record_path
from app.templates.release import (
    TEMPLATE_NAME,
    ContentStore,
    Manifest,
    ManifestError,
    file_sha256,
    signature_valid,
)

log = logging.getLogger(__name__)

RETIRED_KEEP = timedelta(days=1)  # a run that started with a withdrawn release finishes
PROGRESS_EVERY_S = 0.25
CHUNK = 256 * 1024


class TrustState(StrEnum):
    KEYS = "keys"  # releases must be signed by one of the trusted keys
    UNSIGNED_ALLOWED = "unsigned-allowed"  # no key: the admin allowed unchecked releases
    NO_TRUSTED_KEY = "no-trusted-key"  # no key and not allowed: no release is installed


@dataclass(frozen=True)
class TrustStatus:
    state: TrustState
    keys: tuple[str, ...] = ()


def trust_status(config: Config) -> TrustStatus:
    keys = config.trusted_keys
    if keys:
        return TrustStatus(TrustState.KEYS, keys)
    if config.allow_unsigned:
        return TrustStatus(TrustState.UNSIGNED_ALLOWED)
    return TrustStatus(TrustState.NO_TRUSTED_KEY)


class ReleaseState(StrEnum):
    DOWNLOADING = "downloading"  # some files still missing: cannot be started
    READY = "ready"  # every file here and verified: offered in the template list
    REFUSED = "refused"  # not installed: see `refusal`


class Refusal(StrEnum):
    NO_TRUSTED_KEY = "no-trusted-key"  # the station trusts no key and unsigned is not allowed
    UNSIGNED = "unsigned"  # the station needs a signature and the release has none
    UNTRUSTED_KEY = "untrusted-key"  # signed by a key the station does not trust
    BAD_SIGNATURE = "bad-signature"  # the signature does not match the manifest
    BAD_MANIFEST = "bad-manifest"  # the manifest is malformed or not the one announced
    FILE_MISMATCH = "file-mismatch"  # a downloaded file does not hash to the manifest's value
    FILE_UNAVAILABLE = "file-unavailable"  # the backend does not have a file of the release


@dataclass(frozen=True)
class ReleaseStatus:
    """One release of this station's channel, as the Templates tab shows it."""

    name: str
    version: int
    channel: str
    manifest_sha256: str
    state: ReleaseState
    files_total: int
    files_done: int
    bytes_total: int
    bytes_done: int
    signed_by: str | None = None  # the trusted key that verified it; None when unsigned
    refusal: Refusal | None = None
    refused_file: str | None = None  # the file a FILE_MISMATCH / FILE_UNAVAILABLE is about
    path: Path | None = None  # the template to start, once READY

    @property
    def complete(self) -> bool:
        return self.state is ReleaseState.READY


@dataclass(frozen=True)
class ReleasePull:
    """What one pull did: every release's status, those that became ready, bytes fetched."""

    statuses: tuple[ReleaseStatus, ...]
    trust: TrustStatus
    new: tuple[ReleaseStatus, ...] = ()
    withdrawn: tuple[str, ...] = ()  # NAME-vN no longer offered
    downloaded_bytes: int = 0
    error: str | None = None


def releases_dir(directory: Path | None = None) -> Path:
    return (directory or data_dir()) / "releases"


def pulled_dir(directory: Path | None = None) -> Path:
    return (directory or data_dir()) / "templates" / "pulled"


def release_statuses(directory: Path | None = None) -> tuple[ReleaseStatus, ...]:
    """The statuses the last pull wrote (empty before the first), for a window starting up."""
    try:
        document = json.loads((releases_dir(directory) / "status.json").read_text("utf-8"))
        return tuple(_status_from(entry) for entry in document["releases"])
    except (OSError, ValueError, KeyError, TypeError):
        return ()


def _status_from(entry: dict[str, Any]) -> ReleaseStatus:
    return ReleaseStatus(
        **{
            **entry,
            "state": ReleaseState(entry["state"]),
            "refusal": Refusal(entry["refusal"]) if entry["refusal"] else None,
            "path": Path(entry["path"]) if entry["path"] else None,
        }
    )


@dataclass
class _Release:
    """A release of the channel as the backend announced it, with what the station checked."""

    name: str
    version: int
    manifest_text: str
    manifest_sha256: str
    signature: str | None
    key: str | None
    manifest: Manifest | None = None
    status: ReleaseStatus | None = None
    done: set[str] = field(default_factory=set)  # sha256 of files in the cache


class ReleasePuller:
    """Pulls the channel's releases into the station's data folder (one sync at a time)."""

    def __init__(
        self,
        client: BackendClient,
        config: Config,
        directory: Path | None = None,
        *,
        on_progress: Callable[[tuple[ReleaseStatus, ...]], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.client = client
        self.config = config
        self.directory = directory or data_dir()
        self.root = releases_dir(self.directory)
        self.store = ContentStore(self.root / "files")
        self.partial_dir = self.root / "partial"
        self.pulled = pulled_dir(self.directory)
        self.on_progress = on_progress
        self.stop = stop or threading.Event()
        self._releases: list[_Release] = []
        self._last_progress = 0.0
        self.downloaded = 0

    def pull(self) -> ReleasePull:
        trust = trust_status(self.config)
        channel = self.config.channel
        offered_before = self._offered()
        self._releases = [self._announced(entry) for entry in self.client.channel(channel)]
        for release in self._releases:
            release.status = self._checked(release, channel, trust)
        self._report(force=True)
        error = None
        for release in self._releases:
            if self.stop.is_set():
                break
            if release.status is not None and release.status.state is ReleaseState.DOWNLOADING:
                try:
                    self._download(release)
                except (SyncError, OSError) as exc:
                    error = f"{release.name} v{release.version}: {exc}"
                    log.warning("sync: release %s", error)
        offered_now = {
            f"{release.name}-v{release.version}"
            for release in self._releases
            if release.status is not None and release.status.complete
        }
        withdrawn = self._retire(offered_before - offered_now)
        self._collect_garbage()
        statuses = self._statuses()
        self._write_statuses(statuses)
        self._report(force=True)
        new = tuple(
            status
            for status in statuses
            if status.complete and f"{status.name}-v{status.version}" not in offered_before
        )
        return ReleasePull(statuses, trust, new, tuple(sorted(withdrawn)), self.downloaded, error)

    # -- checking

    def _announced(self, entry: Any) -> _Release:
        try:
            name, version = entry["name"], int(entry["version"])
            manifest_text, manifest_sha256 = entry["manifest"], entry["manifest_sha256"]
            if not isinstance(name, str) or not TEMPLATE_NAME.match(name):
                raise ValueError(f"bad template name {name!r}")
            if not isinstance(manifest_text, str) or not isinstance(manifest_sha256, str):
                raise TypeError("manifest and manifest_sha256 must be text")
            return _Release(
                name, version, manifest_text, manifest_sha256, entry["signature"], entry["key"]
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BackendUnreachableError(
                f"backend answered an unexpected release list: {type(exc).__name__}: {exc}"
            ) from exc

    def _checked(self, release: _Release, channel: str, trust: TrustStatus) -> ReleaseStatus:
        """The release's status before downloading: refused, or what is left to fetch."""
        status = ReleaseStatus(
            release.name, release.version, channel, release.manifest_sha256,
            ReleaseState.DOWNLOADING, 0, 0, 0, 0,
        )  # fmt: skip
        data = release.manifest_text.encode("utf-8")
        try:
            manifest = Manifest.from_bytes(data)
        except ManifestError:
            return replace(status, state=ReleaseState.REFUSED, refusal=Refusal.BAD_MANIFEST)
        if hashlib.sha256(data).hexdigest() != release.manifest_sha256 or (
            manifest.name,
            manifest.version,
        ) != (release.name, release.version):
            return replace(status, state=ReleaseState.REFUSED, refusal=Refusal.BAD_MANIFEST)
        release.manifest = manifest
        status = replace(status, files_total=len(manifest.all_files), bytes_total=manifest.size)
        refusal = self._trust_refusal(release, data, trust)
        if refusal is not None:
            return replace(status, state=ReleaseState.REFUSED, refusal=refusal)
        signed_by = release.key if trust.state is TrustState.KEYS else None
        release.done = {entry.sha256 for entry in manifest.all_files if self._cached(entry)}
        return self._progress(replace(status, signed_by=signed_by), release)

    @staticmethod
    def _trust_refusal(release: _Release, data: bytes, trust: TrustStatus) -> Refusal | None:
        if trust.state is TrustState.NO_TRUSTED_KEY:
            return Refusal.NO_TRUSTED_KEY
        if trust.state is TrustState.UNSIGNED_ALLOWED:
            return None
        if not release.signature or not release.key:
            return Refusal.UNSIGNED
        if release.key not in trust.keys:
            return Refusal.UNTRUSTED_KEY
        if not signature_valid(release.key, data, release.signature):
            return Refusal.BAD_SIGNATURE
        return None

    def _cached(self, entry: Any) -> bool:
        """A file already in the cache (verified when it was added; its name is its hash)."""
        return self.store.size(entry.sha256) == entry.size

    def _progress(self, status: ReleaseStatus, release: _Release) -> ReleaseStatus:
        assert release.manifest is not None
        files = release.manifest.all_files
        done = [entry for entry in files if entry.sha256 in release.done]
        partial = sum(
            self._partial_size(entry.sha256) for entry in files if entry.sha256 not in release.done
        )
        complete = len(done) == len(files)
        return replace(
            status,
            files_done=len(done),
            bytes_done=sum(entry.size for entry in done) + partial,
            state=ReleaseState.READY if complete else ReleaseState.DOWNLOADING,
            path=self._offer(release, status.channel) if complete else None,
        )

    # -- downloading

    def _partial(self, sha256: str) -> Path:
        return self.partial_dir / f"{sha256}.part"

    def _partial_size(self, sha256: str) -> int:
        try:
            return self._partial(sha256).stat().st_size
        except FileNotFoundError:
            return 0

    def _download(self, release: _Release) -> None:
        assert release.manifest is not None and release.status is not None
        for entry in release.manifest.all_files:
            if self.stop.is_set():
                return
            if entry.sha256 in release.done:
                continue
            if not self._cached(entry):
                problem = self._fetch(release, entry.sha256, entry.size)
                if problem is not None:
                    release.status = replace(
                        release.status,
                        state=ReleaseState.REFUSED,
                        refusal=problem,
                        refused_file=entry.path,
                    )
                    log.warning(
                        "sync: release %s v%s refused: %s is %s",
                        release.name, release.version, entry.path, problem.value,
                    )  # fmt: skip
                    return
            if self.stop.is_set():
                return
            release.done.add(entry.sha256)
            release.status = self._progress(release.status, release)
            self._report()

    def _fetch(self, release: _Release, sha256: str, size: int) -> Refusal | None:
        """Download one file into the cache, resuming its `.part`; a refusal when it is wrong."""
        partial = self._partial(sha256)
        partial.parent.mkdir(parents=True, exist_ok=True)
        offset = self._partial_size(sha256)
        if offset > size:
            partial.unlink()
            offset = 0
        if offset < size:
            with self.client.download(sha256, offset) as (start, chunks):
                if start is None:
                    return Refusal.FILE_UNAVAILABLE
                with open(partial, "r+b" if start and partial.exists() else "wb") as file:
                    file.seek(start)
                    file.truncate()
                    for chunk in chunks:
                        file.write(chunk)
                        self.downloaded += len(chunk)
                        if file.tell() > size:
                            break
                        self._bump(release)
                        if self.stop.is_set():
                            return None
        if self._partial_size(sha256) != size or file_sha256(partial) != sha256:
            partial.unlink(missing_ok=True)
            return Refusal.FILE_MISMATCH
        self.store.adopt(sha256, partial)
        return None

    def _bump(self, release: _Release) -> None:
        """Progress inside a file, at most every PROGRESS_EVERY_S."""
        now = time.monotonic()
        if self.on_progress is None or now - self._last_progress < PROGRESS_EVERY_S:
            return
        assert release.status is not None
        release.status = self._progress(release.status, release)
        self._report()

    def _report(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.on_progress is None or (not force and now - self._last_progress < PROGRESS_EVERY_S):
            return
        self._last_progress = now
        try:
            self.on_progress(self._statuses())
        except Exception:
            log.exception("release progress callback failed")

    def _statuses(self) -> tuple[ReleaseStatus, ...]:
        return tuple(release.status for release in self._releases if release.status is not None)

    # -- offering, retiring, collecting

    def _offer(self, release: _Release, channel: str) -> Path:
        """Make a complete release startable: its YAML (from the cache) and its record."""
        assert release.manifest is not None
        manifest = release.manifest
        path = self.pulled / f"{release.name}-v{release.version}.yaml"
        record = {
            "name": release.name,
            "version": release.version,
            "channel": channel,
            "manifest_sha256": release.manifest_sha256,
            "template_sha256": manifest.template.sha256,
            "key": release.key,
            "signature": release.signature,
            "store": os.path.relpath(self.store.root, self.pulled),
            "files": [{"path": entry.path, "sha256": entry.sha256} for entry in manifest.files],
        }
        record_path = release_record_path(path)
        try:
            current = json.loads(record_path.read_text("utf-8"))
        except (OSError, ValueError):
            current = None
        if current != record or not path.is_file():
            # The record first: a YAML without it would be loaded as a local template.
            write_atomically(record_path, json.dumps(record, indent=2) + "\n")
            write_atomically(path, self.store.path(manifest.template.sha256).read_bytes())
        return path

    def _offered(self) -> set[str]:
        if not self.pulled.is_dir():
            return set()
        return {
            path.name.removesuffix(RELEASE_SUFFIX)
            for path in self.pulled.glob(f"*{RELEASE_SUFFIX}")
        }

    def _retire(self, gone: set[str]) -> set[str]:
        """Stop offering releases the channel no longer has; keep their files a while."""
        retired = self._retired()
        now = datetime.now(UTC)
        for stem in gone:
            record_path = self.pulled / f"{stem}{RELEASE_SUFFIX}"
            try:
                record = json.loads(record_path.read_text("utf-8"))
                hashes = [record["template_sha256"], *(f["sha256"] for f in record["files"])]
            except (OSError, ValueError, KeyError, TypeError):
                hashes = []
            retired[stem] = {"at": now.isoformat(), "files": hashes}
            # The YAML first: once it is gone, nothing lists the release.
            (self.pulled / f"{stem}.yaml").unlink(missing_ok=True)
            record_path.unlink(missing_ok=True)
        self._write_retired(
            {
                stem: entry
                for stem, entry in retired.items()
                if now - datetime.fromisoformat(entry["at"]) < RETIRED_KEEP
            }
        )
        return gone

    def _retired(self) -> dict[str, Any]:
        try:
            value = json.loads((self.root / "retired.json").read_text("utf-8"))
            return value if isinstance(value, dict) else {}
        except (OSError, ValueError):
            return {}

    def _write_retired(self, retired: dict[str, Any]) -> None:
        write_atomically(self.root / "retired.json", json.dumps(retired, indent=2) + "\n")

    def _collect_garbage(self) -> None:
        """Remove cached files no kept release needs (offered, downloading or recently retired)."""
        keep: set[str] = set()
        for release in self._releases:
            if release.manifest is not None:
                keep.update(entry.sha256 for entry in release.manifest.all_files)
        for entry in self._retired().values():
            keep.update(entry.get("files", []))
        for stem in self._offered():
            try:
                record = json.loads((self.pulled / f"{stem}{RELEASE_SUFFIX}").read_text("utf-8"))
                keep.add(record["template_sha256"])
                keep.update(f["sha256"] for f in record["files"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
        for sha256 in list(self.store.hashes()):
            if sha256 not in keep:
                self.store.remove(sha256)
        if self.partial_dir.is_dir():
            for part in self.partial_dir.glob("*.part"):
                if part.name.removesuffix(".part") not in keep:
                    part.unlink(missing_ok=True)

    def _write_statuses(self, statuses: tuple[ReleaseStatus, ...]) -> None:
        entries = [
            {**asdict(status), "path": str(status.path) if status.path else None}
            for status in statuses
        ]
        write_atomically(
            self.root / "status.json", json.dumps({"releases": entries}, indent=2) + "\n"
        )
