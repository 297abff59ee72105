"""Pulling published templates into the station's template library.

Each published version becomes `data_dir()/templates/pulled/NAME-vVERSION.yaml`. A version is
immutable on the backend, so a file already there with the same hash is left alone; what is
written is reported as new, for the GUI to show.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from app.core.paths import data_dir, write_atomically
from app.sync.client import BackendClient, BackendUnreachableError

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # never a path: no slashes, no ".."


@dataclass(frozen=True)
class PulledTemplate:
    name: str
    version: int
    sha256: str
    path: Path


def pulled_dir(directory: Path | None = None) -> Path:
    return (directory or data_dir()) / "templates" / "pulled"


def _file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def pull_templates(client: BackendClient, directory: Path | None = None) -> list[PulledTemplate]:
    """Fetch every published version the library lacks; returns the ones written now."""
    target = pulled_dir(directory)
    target.mkdir(parents=True, exist_ok=True)
    new: list[PulledTemplate] = []
    for summary in client.list_templates():
        try:
            name, version, sha256 = summary["name"], int(summary["version"]), summary["sha256"]
            if not isinstance(name, str) or not isinstance(sha256, str):
                raise TypeError("name and sha256 must be text")
        except (KeyError, TypeError, ValueError) as exc:
            raise BackendUnreachableError(
                f"backend answered an unexpected template list: {type(exc).__name__}: {exc}"
            ) from exc
        if not SAFE_NAME.match(name):
            continue  # the backend validates names; never let one escape the folder
        path = target / f"{name}-v{version}.yaml"
        if _file_sha256(path) == sha256:
            continue
        fetched = client.get_template(name, version)
        try:
            data = fetched["yaml"].encode()
        except (KeyError, TypeError, AttributeError) as exc:
            raise BackendUnreachableError(
                f"backend answered an unexpected template {name} v{version}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BackendUnreachableError(
                f"template {name} v{version} arrived damaged (hash mismatch); try again"
            )
        write_atomically(path, data)
        new.append(PulledTemplate(name, version, sha256, path))
    return new
