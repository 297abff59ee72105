"""Pulling published templates into the station's template library.

Each published version becomes `data_dir()/templates/pulled/NAME-vVERSION.yaml`. A version is
immutable on the backend, so a file already there with the same hash is left alone; what is
written is reported as new, for the GUI to show.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.core.paths import data_dir
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


def _write_atomic(path: Path, data: bytes) -> None:
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def pull_templates(client: BackendClient, directory: Path | None = None) -> list[PulledTemplate]:
    """Fetch every published version the library lacks; returns the ones written now."""
    target = pulled_dir(directory)
    target.mkdir(parents=True, exist_ok=True)
    new: list[PulledTemplate] = []
    for summary in client.list_templates():
        name, version, sha256 = summary["name"], int(summary["version"]), summary["sha256"]
        if not SAFE_NAME.match(name):
            continue  # the backend validates names; never let one escape the folder
        path = target / f"{name}-v{version}.yaml"
        if _file_sha256(path) == sha256:
            continue
        data = client.get_template(name, version)["yaml"].encode()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BackendUnreachableError(
                f"template {name} v{version} arrived damaged (hash mismatch); try again"
            )
        _write_atomic(path, data)
        new.append(PulledTemplate(name, version, sha256, path))
    return new
