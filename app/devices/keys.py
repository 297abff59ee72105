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


def station_key(directory: Path | None = None) -> PythonRSASigner:
    """Load the station's key, generating it (mode 0600) the first time."""
    directory = directory or data_dir()
    path = directory / KEY_FILE
    with _lock:
        if not path.exists():
            _generate(path)
    return PythonRSASigner.FromRSAKeyPath(str(path))


def _generate(path: Path) -> None:
    """Write the pair in a temporary directory and move it in, so no half key is ever read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".adbkey-") as staging:
        staged = Path(staging) / KEY_FILE
        keygen(str(staged))
        os.chmod(staged, 0o600)
        os.replace(f"{staged}.pub", f"{path}.pub")
        os.replace(staged, path)
