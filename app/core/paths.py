"""Where a station keeps its state: one data directory for database, keys, settings, secrets,
and the one way every part of the station replaces a file in it (`write_atomically`).

`$KITBENCH_HOME` wins, so tests and several stations on one machine never share state.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from platformdirs import user_data_dir


def data_dir() -> Path:
    """The station's data directory (created on first use by whoever writes to it)."""
    override = os.environ.get("KITBENCH_HOME")
    return Path(override) if override else Path(user_data_dir("kitbench", appauthor=False))


def resources_dir() -> Path:
    """The shipped resources (icons, example templates, desktop file), beside the package
    in a checkout and in the PyInstaller bundle alike."""
    return Path(__file__).resolve().parents[2] / "resources"


def write_atomically(
    path: Path, data: bytes | str, mode: int = 0o644, *, fsync: bool = True
) -> None:
    """Make `path` hold `data` (str is written as UTF-8) with permissions `mode`, atomically.

    The data goes to a temporary file beside `path` (created 0600, so a secret is never
    readable by others, even for a moment), is flushed to disk, then renamed over `path`: a
    crash leaves the old file or the new one, never half of either, and no temporary file.
    `fsync=False` skips the flush for throwaway state where speed matters (the simulator).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            if fsync:
                file.flush()
                os.fsync(file.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
