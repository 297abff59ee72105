"""Commands that print Android Enterprise enrollment QR codes and sheets."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli import cli
from app.cli.records import station_name


@cli.command()
@click.option(
    "--template",
    "template_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Template whose enrollment: section the code carries.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Image to write: FILE.png or FILE.svg.",
)
@click.option(
    "--payload",
    "print_payload",
    is_flag=True,
    help="Print the JSON payload instead, secrets included (for an MDM console or a check).",
)
@click.option(
    "--ecc",
    type=click.Choice(["L", "M", "Q", "H"], case_sensitive=False),
    default="M",
    show_default=True,
    help="Error correction: higher survives smudges, holds less.",
)
@click.option("--seq", type=click.IntRange(0), default=1, show_default=True, help="Value of {seq}.")
@click.option(
    "--var",
    "assignments",
    multiple=True,
    metavar="NAME=VALUE",
    help="A per-device variable, e.g. --var asset=A-0042 --var serial=R58M12345.",
)
def qr(
    template_path: Path,
    out: Path | None,
    print_payload: bool,
    ecc: str,
    seq: int,
    assignments: tuple[str, ...],
) -> None:
    """Make one enrollment QR code (PNG or SVG) from a template's enrollment section."""
    import json

    from app.enrollment import EnrollmentError, make_qr, payload_text, save_qr, size_warnings
    from app.enrollment.qr import image_kind
    from app.templates import SecretStoreError

    if print_payload == (out is not None):
        raise click.UsageError("give either --out FILE.png|FILE.svg or --payload")
    if out is not None:
        try:
            image_kind(out)
        except EnrollmentError as exc:
            raise click.BadParameter(str(exc), param_hint="--out") from None
    row = {}
    for assignment in assignments:
        name, equals, value = assignment.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"'{assignment}' is not NAME=VALUE", param_hint="--var")
        row[name.strip()] = value
    builder = _payload_builder(template_path)
    variables = builder.variables(seq=seq, station=station_name(), row=row)
    try:
        payload = builder.build(variables)
        text = payload_text(payload)
        code = make_qr(text, ecc.upper())
    except (EnrollmentError, SecretStoreError) as exc:
        raise click.ClickException(str(exc)) from None
    for warning in size_warnings(text):
        click.echo(f"warning: {warning}", err=True)
    if out is None:  # then --payload, checked above
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    try:
        save_qr(code, out)
    except EnrollmentError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{out}: QR code version {code.version}, error correction {ecc.upper()}")


@cli.command()
@click.option(
    "--template",
    "template_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Template whose enrollment: section the codes carry.",
)
@click.option("--count", type=click.IntRange(1, 10_000), help="Print N codes numbered from --seq.")
@click.option(
    "--devices",
    "devices_csv",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV with a header line (asset, serial, …): one code per row.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="FILE.pdf"
)
@click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), default="a4")
@click.option(
    "--per-page",
    type=click.IntRange(1, 48),
    help="Codes a page (default: as many as still scan comfortably).",
)
@click.option(
    "--ecc",
    type=click.Choice(["L", "M", "Q", "H"], case_sensitive=False),
    default="M",
    show_default=True,
)
@click.option("--seq", type=click.IntRange(0), default=1, show_default=True, help="First {seq}.")
def sheet(
    template_path: Path,
    count: int | None,
    devices_csv: Path | None,
    out: Path,
    paper: str,
    per_page: int | None,
    ecc: str,
    seq: int,
) -> None:
    """Print enrollment QR codes on a PDF sheet: one labelled, cut-out card per device."""
    from app.enrollment import EnrollmentError, plan_sheet, read_devices_csv
    from app.templates import SecretStoreError
    from app.ui.sheet import auto_per_page, layout_warnings, write_pdf

    if (count is None) == (devices_csv is None):
        raise click.UsageError("give either --count N or --devices FILE.csv")
    if out.suffix.lower() != ".pdf":
        raise click.BadParameter(f"{out}: the sheet is written as a .pdf file", param_hint="--out")
    builder = _payload_builder(template_path)
    paper = paper.lower()
    try:
        rows = read_devices_csv(devices_csv) if devices_csv else None
        planned = plan_sheet(
            builder,
            count=count,
            rows=rows,
            first_seq=seq,
            station=station_name(),
            error=ecc.upper(),
        )
        per_page = per_page or auto_per_page(planned, paper)
        for warning in [*planned.warnings, *layout_warnings(planned, paper, per_page)]:
            click.echo(f"warning: {warning}", err=True)
        pages = write_pdf(planned, out, paper=paper, per_page=per_page)
    except (EnrollmentError, SecretStoreError) as exc:
        raise click.ClickException(str(exc)) from None
    noun = "page" if pages == 1 else "pages"
    click.echo(f"{out}: {len(planned.codes)} codes on {pages} {noun} ({paper}, {per_page} a page)")


def _payload_builder(template_path: Path):
    """Load a template and prepare its payloads; exit 1 with every problem on a bad template."""
    from app.enrollment import EnrollmentError, PayloadBuilder
    from app.templates import SecretStore, SecretStoreError, TemplateError, load_template

    try:
        return PayloadBuilder(load_template(template_path), SecretStore())
    except TemplateError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    except (EnrollmentError, SecretStoreError) as exc:
        raise click.ClickException(str(exc)) from None
