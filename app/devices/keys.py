"""The station's ADB key: one RSA key pair in the data directory, made on first use.

Devices remember the key once someone taps "Allow", so it must stay the same across runs
and be readable only by the station's user.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from adb_shell.auth.keygen import keygen
from adb_shell.auth.sign_pythonrsa import PythonRSASigner

from app.core.paths import data_dir

KEY_FILE = "adbkey"
_lock = threading.Lock()


class KeyFileError(ValueError):
    """The key pair on disk cannot be used; str(e) names the files and what to do."""


def android_key_path() -> Path:
    """Where the stock adb keeps this user's key ($ANDROID_USER_HOME, else ~/.android)."""
    home = os.environ.get("ANDROID_USER_HOME")
    return Path(home) / KEY_FILE if home else Path.home() / ".android" / KEY_FILE


def station_key(directory: Path | None = None, *, share_adb_key: bool = False) -> PythonRSASigner:
    """Load the station's key, generating it (mode 0600) the first time.

    With `share_adb_key` the stock adb's key is used instead (made like adb makes it when
    missing), so devices that already trust a developer's adb need no new "Allow".
    """
    path = android_key_path() if share_adb_key else (directory or data_dir()) / KEY_FILE
    with _lock:
        if not path.exists():
            _generate(path)
    try:
        return PythonRSASigner.FromRSAKeyPath(str(path))
    except (OSError, ValueError, TypeError) as exc:
        raise KeyFileError(
            f"cannot use the ADB key {path} (and {path.name}.pub beside it): {exc}. "
            "Move both files away to make a new key; devices will ask to Allow it once."
        ) from None


def _generate(path: Path) -> None:
    """Write the pair in a temporary directory and move it in, so no half key is ever read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".adbkey-") as staging:
        staged = Path(staging) / KEY_FILE
        keygen(str(staged))
        os.chmod(staged, 0o600)
        os.replace(f"{staged}.pub", f"{path}.pub")
        os.replace(staged, path)
