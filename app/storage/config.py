"""Station settings (`kitbench config`): a small JSON file under the data dir, written atomically.

Only known keys are accepted, each checked when set. The backend token is a credential: it is
kept apart in a 0600 file (not in the template secret store, so no template can send it to a
device) and every display of it is masked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from app.core.paths import data_dir, write_atomically
from app.templates.release import CHANNEL_NAME, DEFAULT_CHANNEL, PublisherKeyError, parse_public_key

CONFIG_NAME = "config.json"
TOKEN_NAME = "backend-token"
MASK = "••••"
DEFAULT_SYNC_INTERVAL_S = 60
MAX_SYNC_INTERVAL_S = 86_400  # a day: longer and a station's runs reach the backend too late
KEY_SOURCES = ("station", "android")
DEFAULT_SEQ_BLOCK_SIZE = 50
MAX_SEQ_BLOCK_SIZE = 10_000  # the backend's largest block
DEFAULT_RELOCK_MINUTES = 5
MAX_RELOCK_MINUTES = 240  # longer and the admin lock means little at a shared bench


class ConfigError(ValueError):
    """A value or key a person has to correct; the message says how."""


class UnknownKeyError(ConfigError):
    pass


def _url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"backend.url must be an http:// or https:// URL, not {value!r}")
    return value.rstrip("/")


def _existing_file(value: str) -> str:
    path = Path(value).expanduser()
    if not path.is_file():
        raise ConfigError(f"backend.ca_bundle: no such file: {value}")
    return str(path.resolve())


def _key_source(value: str) -> str:
    if value not in KEY_SOURCES:
        raise ConfigError(f"adb.key must be one of {', '.join(KEY_SOURCES)}, not {value!r}")
    return value


def _interval(value: str) -> str:
    try:
        seconds = int(value)
    except ValueError:
        seconds = 0
    if not 1 <= seconds <= MAX_SYNC_INTERVAL_S:
        raise ConfigError(
            f"sync.interval must be a whole number of seconds from 1 to {MAX_SYNC_INTERVAL_S},"
            f" not {value!r}"
        )
    return str(seconds)


def _block_size(value: str) -> str:
    if not value.strip().isdigit() or not 1 <= int(value) <= MAX_SEQ_BLOCK_SIZE:
        raise ConfigError(
            f"seq.block_size must be a whole number from 1 to {MAX_SEQ_BLOCK_SIZE}, not {value!r}"
        )
    return str(int(value))


def _relock_minutes(value: str) -> str:
    if not value.strip().isdigit() or not 1 <= int(value) <= MAX_RELOCK_MINUTES:
        raise ConfigError(
            f"admin.relock_minutes must be a whole number from 1 to {MAX_RELOCK_MINUTES},"
            f" not {value!r}"
        )
    return str(int(value))


def _text(value: str) -> str:
    return value.strip()


def _channel(value: str) -> str:
    value = value.strip()
    if not CHANNEL_NAME.match(value):
        raise ConfigError(
            f"station.channel is lower-case letters, digits, '.', '_' or '-' (e.g. canary),"
            f" not {value!r}"
        )
    return value


def _trusted_keys(value: str) -> str:
    """Publisher keys, `ed25519:BASE64`, separated by commas or spaces; checked one by one."""
    keys = [word for word in value.replace(",", " ").split() if word]
    for key in keys:
        try:
            parse_public_key(key)
        except PublisherKeyError as exc:
            raise ConfigError(f"release.trusted_keys: {exc}") from None
    return " ".join(dict.fromkeys(keys))


def _yes_no(value: str) -> str:
    words = {"true": "true", "yes": "true", "1": "true", "false": "false", "no": "false", "0": ""}
    if value.strip().lower() not in words:
        raise ConfigError(f"expected true or false, not {value!r}")
    return words[value.strip().lower()] or "false"


def _label_printer(value: str) -> str:
    """Checked in full by app.labels.printer.parse_target when used; the obvious slips here."""
    value = value.strip()
    if not value or ("://" in value and not value.startswith("zpl://")):
        raise ConfigError(
            f"label.printer is zpl://HOST[:PORT], cups:QUEUE or a file path, not {value!r}"
        )
    return value


def _layout_file(value: str) -> str:
    path = Path(value).expanduser()
    if not path.is_file():
        raise ConfigError(f"label.layout: no such file: {value}")
    return str(path.resolve())


@dataclass(frozen=True)
class Key:
    help: str
    check: Callable[[str], str] = _text
    secret: bool = False


KEYS: dict[str, Key] = {
    "backend.url": Key("fleet backend, e.g. https://fleet.example.com", _url),
    "backend.token": Key("this station's bearer token (kept secret)", _text, secret=True),
    "backend.ca_bundle": Key("CA bundle file for a backend with a private CA", _existing_file),
    "station.name": Key("this station's name in history and on the backend"),
    "station.operator": Key("who works at this station"),
    "sync.interval": Key(f"seconds between syncs (default {DEFAULT_SYNC_INTERVAL_S})", _interval),
    "station.channel": Key(
        f"the release channel this station follows (default {DEFAULT_CHANNEL})", _channel
    ),
    "release.trusted_keys": Key(
        "publisher keys (ed25519:…) whose signed releases this station installs", _trusted_keys
    ),
    "seq.block_size": Key(
        f"{{seq}} numbers leased from the backend at a time (default {DEFAULT_SEQ_BLOCK_SIZE})",
        _block_size,
    ),
    "release.allow_unsigned": Key(
        "true: with no trusted key, install releases unchecked by any signature (default false)",
        _yes_no,
    ),
    "adb.key": Key(
        "station (default: the station's own key) or android (~/.android/adbkey, the key "
        "this user's adb has, so devices that trust it need no new Allow)",
        _key_source,
    ),
    "label.printer": Key(
        "where labels go: zpl://HOST[:PORT] (a Zebra printer), cups:QUEUE or a file", _label_printer
    ),
    "label.auto_print": Key(
        "true: print a device's label when it is done (default false)", _yes_no
    ),
    "label.layout": Key("a label layout file (YAML: size in mm, fields, barcodes)", _layout_file),
    "admin.relock_minutes": Key(
        f"idle minutes before the window's admin lock engages again (default "
        f"{DEFAULT_RELOCK_MINUTES}; the PIN itself: kitbench admin-pin)",
        _relock_minutes,
    ),
}


class Config:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or data_dir()
        self.path = self.directory / CONFIG_NAME
        self.token_path = self.directory / TOKEN_NAME

    def _values(self) -> dict[str, str]:
        try:
            values = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read {self.path}: {exc}") from exc
        if not isinstance(values, dict):
            raise ConfigError(f"{self.path} is not a JSON object; fix or delete it")
        return {key: str(value) for key, value in values.items() if key in KEYS}

    @staticmethod
    def _key(key: str) -> Key:
        if key not in KEYS:
            raise UnknownKeyError(f"unknown key {key!r}; known keys: {', '.join(KEYS)}")
        return KEYS[key]

    def get(self, key: str) -> str | None:
        """The value as stored (the real token too); None when not set."""
        if self._key(key).secret:
            try:
                return self.token_path.read_text(encoding="utf-8").strip() or None
            except FileNotFoundError:
                return None
        return self._values().get(key)

    def shown(self, key: str) -> str:
        """The value as a person may see it: secrets masked, unset as empty."""
        value = self.get(key)
        if value is None:
            return ""
        return MASK if self._key(key).secret else value

    def set(self, key: str, value: str) -> None:
        spec = self._key(key)
        checked = spec.check(value)
        if spec.secret:
            write_atomically(self.token_path, checked + "\n", mode=0o600)
            return
        values = self._values()
        values[key] = checked
        write_atomically(self.path, json.dumps(values, indent=2, sort_keys=True) + "\n")

    def unset(self, key: str) -> None:
        """Forget a setting (e.g. no backend: the station keeps its runs and stops syncing)."""
        if self._key(key).secret:
            self.token_path.unlink(missing_ok=True)
            return
        values = self._values()
        if values.pop(key, None) is not None:
            write_atomically(self.path, json.dumps(values, indent=2, sort_keys=True) + "\n")

    def items(self) -> list[tuple[str, str]]:
        """Every known key with its shown value."""
        return [(key, self.shown(key)) for key in KEYS]

    # -- typed views for the code that uses the settings

    @property
    def backend_url(self) -> str | None:
        return self.get("backend.url")

    @property
    def backend_token(self) -> str | None:
        return self.get("backend.token")

    @property
    def ca_bundle(self) -> str | None:
        return self.get("backend.ca_bundle")

    @property
    def station_name(self) -> str:
        return self.get("station.name") or ""

    @property
    def operator(self) -> str:
        return self.get("station.operator") or ""

    @property
    def shares_adb_key(self) -> bool:
        return self.get("adb.key") == "android"

    @property
    def sync_interval(self) -> int:
        return int(self.get("sync.interval") or DEFAULT_SYNC_INTERVAL_S)

    @property
    def seq_block_size(self) -> int:
        return int(self.get("seq.block_size") or DEFAULT_SEQ_BLOCK_SIZE)

    @property
    def channel(self) -> str:
        return self.get("station.channel") or DEFAULT_CHANNEL

    @property
    def trusted_keys(self) -> tuple[str, ...]:
        return tuple((self.get("release.trusted_keys") or "").split())

    @property
    def allow_unsigned(self) -> bool:
        return self.get("release.allow_unsigned") == "true"

    @property
    def label_printer(self) -> str | None:
        return self.get("label.printer")

    @property
    def label_auto_print(self) -> bool:
        return self.get("label.auto_print") == "true"

    @property
    def label_layout(self) -> str | None:
        return self.get("label.layout")

    @property
    def admin_relock_s(self) -> float:
        return 60.0 * int(self.get("admin.relock_minutes") or DEFAULT_RELOCK_MINUTES)


def station_name_or_empty(config: Config | None = None) -> str:
    """{station} and the name runs record: empty while config.json is broken, so codes can
    still be printed and devices provisioned."""
    try:
        return (config or Config()).station_name
    except ConfigError:
        return ""


def shares_adb_key(directory: Path | None = None) -> bool:
    """Whether the station signs with the stock adb's key (`adb.key android`); a broken
    config file keeps the station's own key rather than stopping the bench."""
    try:
        return Config(directory).shares_adb_key
    except ConfigError:
        return False
