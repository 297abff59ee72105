"""The station's admin PIN, kept as an Argon2id hash in its own 0600 file in the data folder.

Argon2id through argon2-cffi, the hasher the fleet console already uses for its passwords:
salted per PIN, memory-hard, and the hash names its own parameters, so stronger ones later
still verify old hashes. The file sits beside config.json but outside its keys, so
`kitbench config list`, sync and the logs never see it. A PIN of a few digits cannot resist
someone who can read this file and guess offline; whoever can read the data folder can
clear the PIN anyway (`kitbench admin-pin clear`, the way to reset a forgotten one). The
hash only keeps the PIN from being read as it is and makes every guess cost time.
"""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.paths import data_dir, write_atomically

PIN_FILE = "admin-pin"
MIN_PIN_DIGITS = 4
MAX_PIN_DIGITS = 12
HASH_PREFIX = "$argon2"


class PinError(ValueError):
    """A PIN a person has to correct; the message says how."""


class PinFileError(OSError):
    """The PIN file cannot be read or written, or holds no hash this station made."""


def check_pin(pin: str) -> str:
    """`pin` if it is 4 to 12 digits, else PinError saying what is wrong."""
    if not pin:
        raise PinError("the PIN is empty")
    if not (pin.isascii() and pin.isdigit()):
        raise PinError("the PIN is digits only (0-9)")
    if len(pin) < MIN_PIN_DIGITS:
        raise PinError(f"the PIN is too short: at least {MIN_PIN_DIGITS} digits")
    if len(pin) > MAX_PIN_DIGITS:
        raise PinError(f"the PIN is too long: at most {MAX_PIN_DIGITS} digits")
    return pin


def pin_matches(pin_hash: str, pin: str, hasher: PasswordHasher | None = None) -> bool:
    """Whether `pin` is the one `pin_hash` was made from (slow on purpose: off the GUI thread)."""
    try:
        return (hasher or PasswordHasher()).verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


class AdminPin:
    """The PIN file of one data folder."""

    def __init__(self, directory: Path | None = None, hasher: PasswordHasher | None = None):
        self.path = (directory or data_dir()) / PIN_FILE
        self.hasher = hasher or PasswordHasher()

    def pin_hash(self) -> str | None:
        """The stored hash; None when no PIN is set (nothing is locked)."""
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise PinFileError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        if not text.startswith(HASH_PREFIX):
            raise PinFileError(
                f"{self.path} holds no PIN hash; reset it with `kitbench admin-pin clear`"
            )
        return text

    def set(self, pin: str) -> str:
        """Store a new PIN (checked first) and return its hash."""
        pin_hash = self.hasher.hash(check_pin(pin))
        try:
            write_atomically(self.path, pin_hash + "\n", mode=0o600)
        except OSError as exc:
            raise PinFileError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        return pin_hash

    def clear(self) -> bool:
        """Forget the PIN (nothing is locked any more); whether there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise PinFileError(f"cannot remove {self.path}: {exc.strerror or exc}") from None
        return True

    def matches(self, pin: str) -> bool:
        pin_hash = self.pin_hash()
        return pin_hash is not None and pin_matches(pin_hash, pin, self.hasher)
