"""`kitbench admin-pin`: set, clear or look at the window's admin PIN.

The PIN never goes on the command line (it would sit in the shell's history and in `ps`):
it is asked twice on a terminal, or read from stdin (one line, or the PIN and its repeat).
Clearing needs no PIN: whoever can run this on the station's data folder can read and
change everything in it anyway, which is how a forgotten PIN is reset.
"""

from __future__ import annotations

import logging
import sys

import click

from app.cli import cli

log = logging.getLogger(__name__)


@cli.group("admin-pin")
def admin_pin() -> None:
    """The admin PIN that guards the window's template, order, Settings, Force re-run and
    letting in devices not on the order."""


def _read_pin() -> str:
    """The new PIN from a terminal (asked twice) or stdin; a mismatch is bad input."""
    if sys.stdin.isatty():
        pin = click.prompt("New admin PIN", hide_input=True, default="", show_default=False)
        repeat = click.prompt("Repeat the PIN", hide_input=True, default="", show_default=False)
    else:
        lines = sys.stdin.read().splitlines()
        pin = lines[0].strip() if lines else ""
        repeat = lines[1].strip() if len(lines) > 1 else pin
    if pin != repeat:
        raise click.ClickException("the two PINs differ; nothing was changed")
    return pin


@admin_pin.command("set")
@click.argument("typed", nargs=-1, metavar="")
def admin_pin_set(typed: tuple[str, ...]) -> None:
    """Set or replace the PIN (4-12 digits), read from stdin or asked twice on a terminal."""
    from app.storage.admin_pin import AdminPin, PinError, PinFileError, check_pin

    if typed:
        raise click.UsageError(
            "the PIN is not taken on the command line (it would stay in the shell's history);"
            " type it at the prompt, or pipe it: kitbench admin-pin set < pin.txt"
        )
    pin = _read_pin()
    try:
        check_pin(pin)
        AdminPin().set(pin)
    except PinError as exc:
        raise click.ClickException(f"{exc}; nothing was changed") from None
    except PinFileError as exc:
        raise click.ClickException(str(exc)) from None
    log.info("admin PIN set from the command line")  # that it happened; never the PIN
    click.echo("Admin PIN set: the window asks for it within a few seconds.")


@admin_pin.command("clear")
def admin_pin_clear() -> None:
    """Remove the PIN (e.g. a forgotten one): nothing in the window is locked until a new
    one is set."""
    from app.storage.admin_pin import AdminPin, PinFileError

    try:
        had_pin = AdminPin().clear()
    except PinFileError as exc:
        raise click.ClickException(str(exc)) from None
    if had_pin:
        log.info("admin PIN cleared from the command line")
    click.echo("Admin PIN cleared: nothing is locked." if had_pin else "No admin PIN was set.")


@admin_pin.command("status")
def admin_pin_status() -> None:
    """Say whether a PIN is set; exit 1 when none is."""
    from app.storage.admin_pin import AdminPin, PinFileError

    try:
        pin_hash = AdminPin().pin_hash()
    except PinFileError as exc:
        raise click.ClickException(str(exc)) from None
    if pin_hash is None:
        click.echo("No admin PIN is set: nothing is locked.", err=True)
        sys.exit(1)
    click.echo("An admin PIN is set.")
