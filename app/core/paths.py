"""Where a station keeps its state: one data directory for database, keys, settings, secrets.

`$KITBENCH_HOME` wins, so tests and several stations on one machine never share state.
"""

from __future__ import annotations

import os
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
