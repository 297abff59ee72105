"""The admin lock's rules, without Qt: whether an admin-only action may run now.

No PIN set: nothing is locked. A PIN set: admin actions are locked until the right PIN is
given; then they stay open while someone uses the window, and lock again after `idle_s`
without use, or at once when asked. After `MAX_TRIES` wrong PINs in a row, no PIN is taken
for `WAIT_AFTER_TRIES_S`. Time is read from an injected monotonic clock, so tests move it
instead of sleeping; the PIN itself is checked by the caller, off the GUI thread (it is slow
on purpose), and only the verdict reaches here.
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_IDLE_S = 5 * 60.0
MAX_TRIES = 5
WAIT_AFTER_TRIES_S = 60.0
UNREADABLE = ""  # the hash of a PIN file that cannot be read: no PIN matches it, all stays locked


class AdminLock:
    def __init__(
        self, clock: Callable[[], float] = time.monotonic, idle_s: float = DEFAULT_IDLE_S
    ) -> None:
        self.clock = clock
        self.idle_s = idle_s
        self.pin_hash: str | None = None
        self.known = False  # the PIN file has been read: until then, lock to be safe
        self._used_at: float | None = None  # the last use while open; None: locked
        self._wrong = 0
        self._wait_until = 0.0

    def set_pin_hash(self, pin_hash: str | None) -> None:
        """What the PIN file holds now; a new PIN locks again, the same one changes nothing."""
        if self.known and pin_hash != self.pin_hash:
            self._used_at = None
        self.pin_hash, self.known = pin_hash, True

    @property
    def required(self) -> bool:
        """Whether admin actions need a PIN at all (unknown counts as yes)."""
        return not self.known or self.pin_hash is not None

    @property
    def locked(self) -> bool:
        if not self.required:
            return False
        return self._used_at is None or self.clock() - self._used_at >= self.idle_s

    def touch(self) -> None:
        """Someone used the window: an open lock stays open for another `idle_s`."""
        if not self.locked:
            self._used_at = self.clock()

    def unlock(self) -> None:
        """The right PIN was given."""
        self._used_at = self.clock()
        self._wrong = 0

    def refuse(self) -> None:
        """A wrong PIN was given."""
        self._wrong += 1
        if self._wrong >= MAX_TRIES:
            self._wrong = 0
            self._wait_until = self.clock() + WAIT_AFTER_TRIES_S

    def wait_s(self) -> float:
        """Seconds before another PIN is taken (0: now)."""
        return max(0.0, self._wait_until - self.clock())

    def lock_now(self) -> None:
        self._used_at = None


Action = Callable[[], None]
Guard = Callable[[Action, str], None]  # (the action, what it is in words for the PIN dialog)


def run_now(action: Action, _what: str = "") -> None:
    """The guard of a window with no admin lock installed: everything runs."""
    action()
