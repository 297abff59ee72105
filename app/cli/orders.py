"""Kitting orders: create, list, show and close them; an order's manifest as CSV and PDF."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from app.cli import cli
from app.cli.records import open_store


@cli.group()
def order() -> None:
    """Kitting orders: a number, a customer, a target count, a template, expected devices."""


@order.command("create")
@click.argument("number")
@click.option(
    "--target", type=click.IntRange(1), required=True, help="How many devices the order is for."
)
@click.option("--customer", default="", help="Who the order is for.")
@click.option("--template", "template", default="", metavar="NAME[@VERSION]",
              help="The template its devices get; @N pins a version.")  # fmt: skip
@click.option("--expected", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The supplier's advance shipping notice: CSV with serial and/or imei "
              "columns; other devices are held back.")  # fmt: skip
@click.option("--notes", default="", help="Free text kept with the order.")
def create(number: str, target: int, customer: str, template: str, expected: Path | None,
           notes: str) -> None:  # fmt: skip
    """Create an order."""
    from app.core.orders import ExpectedDevice, ExpectedListError, Order, read_expected
    from app.storage.orders import OrderError

    name, _, version_text = template.partition("@")
    if version_text and not version_text.isdigit():
        raise click.BadParameter(f"{template!r}: the version after @ is a number",
                                 param_hint="--template")  # fmt: skip
    lines: tuple[ExpectedDevice, ...] = ()
    if expected is not None:
        try:
            lines = read_expected(expected.read_text(encoding="utf-8"), str(expected))
        except OSError as exc:
            raise click.ClickException(f"cannot read {expected}: {exc.strerror or exc}") from None
        except (ExpectedListError, UnicodeDecodeError) as exc:
            raise click.ClickException(str(exc)) from None
    new = Order(number.strip(), target, customer=customer, template_name=name,
                template_version=int(version_text) if version_text else None,
                expected=lines, notes=notes)  # fmt: skip
    with open_store() as store:
        try:
            store.create_order(new)
        except OrderError as exc:
            raise click.ClickException(str(exc)) from None
    listed = f", {len(lines)} expected devices" if lines else ""
    click.echo(f"order {new.number} created: {target} devices{listed}")


@order.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per order, as a list.")
def list_orders(as_json: bool) -> None:
    """Every order with its progress."""
    with open_store() as store:
        listed = [(found, store.order_progress(found.number)) for found in store.orders()]
    if as_json:
        click.echo(json.dumps([_order_json(o, p) for o, p in listed], indent=2))
        return
    if not listed:
        click.echo("no orders yet: kitbench order create NUMBER --target N")
    for found, progress in listed:
        assert progress is not None
        click.echo(f"{found.number:<16} {found.state:<9} {progress.done:>5} / {found.target:<5}"
                   f" {found.customer}")  # fmt: skip


@order.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="The order, its counts and devices.")
def show(number: str, as_json: bool) -> None:
    """An order's counts (done, failed, refused, remaining) and devices."""
    with open_store() as store:
        found = _existing(store, number)
        progress = store.order_progress(number)
        devices = store.order_devices(number)
    data = _order_json(found, progress)
    data["devices"] = [
        {"serial": device.serial, "result": device.outcome, "runs": device.runs,
         "slot": device.run.get("slot"), "station": device.run.get("station"),
         "finished_at": _iso(device.run.get("finished_at"))}
        for device in devices
    ]  # fmt: skip
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"order {found.number}  {found.customer}  ({found.state})")
    click.echo(f"  {data['done']} done, {data['failed']} failed, {data['refused']} refused, "
               f"{data['remaining']} remaining of {found.target}")  # fmt: skip
    for device in data["devices"]:
        click.echo(f"  {device['serial']:<20} {device['result'] or 'running':<11} "
                   f"runs {device['runs']}  {device['slot'] or ''}")  # fmt: skip


@order.command("close")
@click.argument("number")
def close(number: str) -> None:
    """Close an order: no more runs are made for it."""
    with open_store() as store:
        _existing(store, number)
        store.close_order(number)
    click.echo(f"order {number} closed")


@cli.command()
@click.argument("number")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, allow_dash=True,
              path_type=Path), help="Write the manifest as CSV ('-': stdout).")  # fmt: skip
@click.option("--pdf", "pdf_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the manifest as a PDF document.")  # fmt: skip
def manifest(number: str, csv_file: Path | None, pdf_file: Path | None) -> None:
    """An order's manifest: one row per device, with the order's header and totals."""
    from app.storage.manifest import manifest_of, write_csv

    if csv_file is None and pdf_file is None:
        raise click.UsageError("name an output: --csv FILE and/or --pdf FILE")
    with open_store() as store:
        found = _existing(store, number)
        progress = store.order_progress(number)
        assert progress is not None
        made = manifest_of(found, progress, store.order_devices(number))
    if csv_file is not None:
        if str(csv_file) == "-":
            write_csv(made, sys.stdout)
        else:
            try:
                with csv_file.open("w", newline="", encoding="utf-8") as out:
                    write_csv(made, out)
            except OSError as exc:
                raise click.ClickException(
                    f"cannot write {csv_file}: {exc.strerror or exc}"
                ) from None
            click.echo(f"{csv_file}: {len(made.rows)} devices", err=True)
    if pdf_file is not None:
        from app.ui.manifest import ManifestError, write_manifest_pdf

        try:
            pages = write_manifest_pdf(made, pdf_file)
        except ManifestError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{pdf_file}: {len(made.rows)} devices on {pages} page(s)", err=True)


def order_for_runs(store: Any, number: str, template: Any) -> Any:
    """The order `provision --order` makes runs for; exit 1 when it cannot take them."""
    found = _existing(store, number)
    if found.state == "closed":
        raise click.ClickException(f"order {number} is closed: it takes no more runs")
    if found.template_name and found.template_name != template.name:
        raise click.ClickException(f"order {number} is for template {found.template_name}, "
                                   f"not {template.name}")  # fmt: skip
    if found.template_version is not None and found.template_version != template.version:
        raise click.ClickException(
            f"order {number} is pinned to {found.template_name} v{found.template_version}; "
            f"this template is v{template.version}"
        )
    return found


def progress_line(store: Any, number: str) -> str:
    found, progress = store.order(number), store.order_progress(number)
    line = f"order {number}: {progress.done} of {progress.target} done"
    return line + (" — complete" if found.state == "complete" else "")


def _existing(store: Any, number: str) -> Any:
    found = store.order(number)
    if found is None:
        raise click.ClickException(f"there is no order {number} (kitbench order list)")
    return found


def _order_json(found: Any, progress: Any) -> dict[str, Any]:
    return {
        "number": found.number, "customer": found.customer, "state": str(found.state),
        "target": found.target, "template": found.template_name,
        "template_version": found.template_version,
        "expected": len(found.expected), "notes": found.notes,
        "done": progress.done, "failed": progress.failed, "refused": progress.refused,
        "remaining": progress.remaining,
    }  # fmt: skip


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
