"""The station's secrets (`{secret:NAME}` in templates) and masking them out of any text.

Secrets live in `secrets.json` under the data directory, readable by the station's user only
(mode 0600) and replaced atomically, so a crash mid-write never leaves half a file. The store
notices when the file changes (`kitbench secret set` while the GUI runs) and otherwise
answers from memory, so masking every log line stays cheap.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from app.core.paths import data_dir, write_atomically
from app.templates.variables import NAME

FILE_NAME = "secrets.json"
MASK = "••••"


class SecretStoreError(Exception):
    """The secrets file cannot be read or written; the message names the file, never a value."""


class SecretStore:
    def __init__(self, directory: Path | None = None) -> None:
        self.path = (directory or data_dir()) / FILE_NAME
        self._cache: tuple[tuple[int, int, int], dict[str, str]] | None = None

    def get(self, name: str) -> str:
        try:
            return self._read()[name]
        except KeyError:
            message = f"secret '{name}' is not set on this station"
            raise KeyError(f"{message}; set it with: kitbench secret set {name}") from None

    def set(self, name: str, value: str) -> None:
        if not NAME.match(name):
            raise ValueError(f"'{name}' is not a secret name: use letters, digits and _")
        if not value:
            raise ValueError(f"the value of secret '{name}' is empty")
        secrets = self._read()
        secrets[name] = value
        self._write(secrets)

    def delete(self, name: str) -> None:
        secrets = self._read()
        if name not in secrets:
            raise KeyError(f"secret '{name}' is not set on this station")
        del secrets[name]
        self._write(secrets)

    def names(self) -> list[str]:
        return sorted(self._read())

    def values(self) -> list[str]:
        """Every secret value, for `mask`."""
        return list(self._read().values())

    def _read(self) -> dict[str, str]:
        """A fresh copy of the stored secrets; the file is parsed again only when it changed."""
        try:
            info = os.stat(self.path)
            version = (info.st_ino, info.st_mtime_ns, info.st_size)
            if self._cache and self._cache[0] == version:
                return dict(self._cache[1])
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SecretStoreError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            secrets = json.loads(text)
        except ValueError:
            secrets = None
        if not isinstance(secrets, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in secrets.items()
        ):
            raise SecretStoreError(f"{self.path} is not a secrets file (a JSON object of strings)")
        self._cache = (version, secrets)
        return dict(secrets)

    def _write(self, secrets: dict[str, str]) -> None:
        try:
            # The temporary file is 0600 from its creation, before any secret is in it.
            write_atomically(self.path, json.dumps(secrets, indent=2, sort_keys=True), mode=0o600)
        except OSError as exc:
            raise SecretStoreError(f"cannot write {self.path}: {exc.strerror}") from None


def mask(text: str, secret_values: Iterable[str]) -> str:
    """`text` with every secret value replaced by ••••; longest first so none leaks in part."""
    for value in sorted({v for v in secret_values if v}, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text
