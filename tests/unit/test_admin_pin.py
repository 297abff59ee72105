"""The admin PIN: kept as a salted hash in its own 0600 file, set and cleared from the CLI
(never from argv), and the lock's rules on a clock the tests move."""

from __future__ import annotations

import stat
import sys

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.storage import Config
from app.storage.admin_pin import PIN_FILE, AdminPin, PinError, check_pin
from app.ui.admin_lock import MAX_TRIES, WAIT_AFTER_TRIES_S, AdminLock


def run(*args: str, pin_input: str | None = None):
    return CliRunner().invoke(cli, ["admin-pin", *args], input=pin_input)


def test_set_from_stdin_keeps_a_salted_hash_only_its_owner_reads(kitbench_home):
    result = run("set", pin_input="482916\n")

    assert result.exit_code == 0, result.output
    assert "Admin PIN set" in result.output
    stored = (kitbench_home / PIN_FILE).read_text()
    assert "482916" not in stored
    assert stored.startswith("$argon2id$")
    if sys.platform != "win32":
        assert stat.S_IMODE((kitbench_home / PIN_FILE).stat().st_mode) == 0o600
    assert AdminPin().matches("482916")
    assert not AdminPin().matches("482917")
    log = (kitbench_home / "logs" / "kitbench.log").read_text()
    assert "admin PIN set" in log and "482916" not in log
    first_hash = AdminPin().pin_hash()
    assert run("set", pin_input="482916\n").exit_code == 0
    assert AdminPin().pin_hash() != first_hash  # a new salt each time


def test_the_pin_stays_out_of_the_settings_and_their_listing(kitbench_home):
    assert run("set", pin_input="482916\n482916\n").exit_code == 0

    listing = CliRunner().invoke(cli, ["config", "list"]).output
    assert "482916" not in listing
    assert "argon2" not in listing
    assert not (kitbench_home / "config.json").exists()


@pytest.mark.parametrize(
    ("typed", "complaint"),
    [
        ("12a4\n", "digits only"),
        ("123\n", "too short: at least 4 digits"),
        ("1234567890123\n", "too long"),
        ("\n", "empty"),
        ("1234\n1243\n", "the two PINs differ"),
    ],
)
def test_bad_pins_are_refused_with_the_reason_and_change_nothing(kitbench_home, typed, complaint):
    assert run("set", pin_input="482916\n").exit_code == 0

    result = run("set", pin_input=typed)

    assert result.exit_code == 1
    assert complaint in result.output
    assert "nothing was changed" in result.output
    assert "Traceback" not in result.output
    assert AdminPin().matches("482916")


def test_a_pin_on_the_command_line_is_refused(kitbench_home):
    result = run("set", "482916")

    assert result.exit_code == 2
    assert "not taken on the command line" in result.output
    assert AdminPin().pin_hash() is None


def test_clear_resets_a_forgotten_pin_and_status_says_so(kitbench_home):
    assert run("status").exit_code == 1
    assert run("set", pin_input="482916\n").exit_code == 0
    assert run("status").exit_code == 0

    cleared = run("clear")

    assert cleared.exit_code == 0
    assert "cleared" in cleared.output
    assert not (kitbench_home / PIN_FILE).exists()
    assert run("status").exit_code == 1
    again = run("clear")
    assert again.exit_code == 0
    assert "No admin PIN was set" in again.output


def test_a_damaged_pin_file_is_said_and_clear_still_resets_it(kitbench_home):
    kitbench_home.mkdir(parents=True, exist_ok=True)
    (kitbench_home / PIN_FILE).write_text("1234\n")  # someone wrote the PIN itself

    status = run("status")

    assert status.exit_code == 1
    assert "holds no PIN hash" in status.output
    assert run("clear").exit_code == 0
    assert run("status").exit_code == 1


def test_check_pin_rules():
    assert check_pin("0000") == "0000"
    for bad in ("", "12", "12 34", "١٢٣٤", "abcd"):  # Arabic-Indic digits are not 0-9
        with pytest.raises(PinError):
            check_pin(bad)


def test_relock_minutes_are_a_checked_setting(kitbench_home):
    assert Config().admin_relock_s == 300
    Config().set("admin.relock_minutes", "2")
    assert Config().admin_relock_s == 120
    result = CliRunner().invoke(cli, ["config", "set", "admin.relock_minutes", "0"])
    assert result.exit_code != 0
    assert "from 1 to 240" in result.output


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_no_pin_locks_nothing_and_an_unread_pin_file_locks_everything():
    lock = AdminLock(Clock())
    assert lock.locked  # not read yet: safe side
    lock.set_pin_hash(None)
    assert not lock.locked


def test_a_right_pin_opens_the_lock_until_the_window_is_idle():
    clock = Clock()
    lock = AdminLock(clock, idle_s=300)
    lock.set_pin_hash("$argon2id$…")
    assert lock.locked

    lock.unlock()
    assert not lock.locked
    clock.now += 299
    lock.touch()  # someone used the window
    clock.now += 299
    assert not lock.locked
    clock.now += 1
    assert lock.locked
    lock.touch()  # use after it locked does not open it
    assert lock.locked


def test_lock_now_and_a_new_pin_lock_at_once():
    clock = Clock()
    lock = AdminLock(clock)
    lock.set_pin_hash("$argon2id$a")
    lock.unlock()
    lock.lock_now()
    assert lock.locked
    lock.unlock()
    lock.set_pin_hash("$argon2id$a")  # read again, unchanged
    assert not lock.locked
    lock.set_pin_hash("$argon2id$b")  # changed from elsewhere (the CLI)
    assert lock.locked


def test_too_many_wrong_pins_make_it_wait():
    clock = Clock()
    lock = AdminLock(clock)
    lock.set_pin_hash("$argon2id$a")
    for _ in range(MAX_TRIES - 1):
        lock.refuse()
        assert lock.wait_s() == 0
    lock.refuse()
    assert lock.wait_s() == WAIT_AFTER_TRIES_S
    clock.now += WAIT_AFTER_TRIES_S
    assert lock.wait_s() == 0
