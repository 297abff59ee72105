"""`kitbench export`: the asset register as a reseller portal's upload file (docs/exports.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from app.cli import cli
from app.cli.records import _Since, open_store


def describe_problem(problem) -> str:
    """One line a person can act on: which run and device, and why it cannot be exported."""
    from app.storage.exports import ProblemKind

    device = problem.serial or "a device with no serial"
    where = f"{device} (run {problem.run_id})"
    if problem.kind is ProblemKind.BAD_IMEI:
        why = f"IMEI {problem.value} is not 15 digits with a correct Luhn check digit"
    elif problem.kind is ProblemKind.DUPLICATE_IMEI:
        why = f"IMEI {problem.value} is also on {problem.other_serial or 'another device'}"
    elif problem.kind is ProblemKind.MANUFACTURER:
        shown = problem.value or "no manufacturer"
        why = f"{shown!r} is not a manufacturer this portal takes"
    else:
        why = "no IMEI or MEID, and not serial + model + manufacturer"
    return f"{where}: {why}"


@cli.command("export")
@click.option(
    "--format",
    "export_format",
    required=True,
    type=click.Choice(["zero-touch", "kme", "esper", "csv", "json"]),
    help="zero-touch (Google), kme (Samsung Knox), esper, csv (every identity field), json.",
)
@click.option("--since", type=_Since(), help="Runs started at or after: 2025-03-01, 7d, 12h.")
@click.option("--template", help="Only runs of this template name.")
@click.option(
    "--result",
    type=click.Choice(["done", "failed", "refused", "interrupted"]),
    help="Only runs with this result (e.g. done: the devices that were kitted).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path),
    help="The file to write ('-' for stdout).",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Write the valid rows and list the ones left out, instead of writing nothing.",
)
def export_command(export_format, since, template, result, out, skip_invalid) -> None:
    """The devices of matching runs (each once, as its newest run read it) as a portal file.

    Every row is checked first: IMEIs of 15 digits with a correct Luhn digit, no IMEI on two
    devices, the manufacturer as the portal lists it, serial + model + manufacturer where
    there is no IMEI. A row that cannot be valid is named with its reason, and nothing is
    written (exit 1) unless --skip-invalid.
    """
    from app.storage import RunFilter
    from app.storage.exports import ExportFormat

    fmt = ExportFormat(export_format)
    run_filter = RunFilter(since=since, template=template, result=result)
    with open_store() as store:
        checked = store.export(None, fmt, run_filter, skip_invalid=False)
        if checked.problems and not skip_invalid:
            for problem in checked.problems:
                click.echo(f"cannot export {describe_problem(problem)}", err=True)
            click.echo(
                f"nothing written: {len(checked.problems)} row(s) cannot be valid for "
                f"{export_format} (fix them, narrow the runs, or --skip-invalid)",
                err=True,
            )
            sys.exit(1)
        written = _write(store, out, fmt, run_filter, skip_invalid)
    for problem in written.problems:
        click.echo(f"left out {describe_problem(problem)}", err=True)
    if str(out) != "-":
        skipped = f", {len(written.problems)} left out" if written.problems else ""
        click.echo(f"{written.written} device(s) written to {out}{skipped}", err=True)


def _write(store, out: Path, fmt, run_filter, skip_invalid: bool):
    """Into a temporary file beside `out`, renamed over it once whole."""
    if str(out) == "-":
        return store.export(sys.stdout, fmt, run_filter, skip_invalid=skip_invalid)
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            made = store.export(handle, fmt, run_filter, skip_invalid=skip_invalid)
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    return made
