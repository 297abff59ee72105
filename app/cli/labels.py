"""`kitbench label`: a device's or an order's labels as ZPL (to a Zebra printer, a file or a
CUPS raw queue) or as a PDF at the label's size."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from app.labels.layout import LabelLayout

from app.cli import cli
from app.cli.records import open_store


@cli.command("label")
@click.option("--serial", help="The device's label (its latest done run).")
@click.option("--order", "order", help="A label for every device done under this order.")
@click.option("--printer", metavar="URL", help="zpl://HOST[:PORT] (a Zebra printer) or cups:QUEUE.")
@click.option("--zpl", "zpl_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the ZPL to this file.")  # fmt: skip
@click.option("--pdf", "pdf_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a PDF, one page per label at the label's size.")  # fmt: skip
@click.option("--layout", "layout_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A layout file (YAML); default: the template's label:, else label.layout, "
                   "else 100 x 50 mm.")  # fmt: skip
@click.option("--template", "-t", "template_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Use this template's label: layout.")  # fmt: skip
def label(serial: str | None, order: str | None, printer: str | None, zpl_file: Path | None,
          pdf_file: Path | None, layout_file: Path | None,
          template_path: Path | None) -> None:  # fmt: skip
    """Print device labels: kitbench label (--serial S | --order O)
    (--printer zpl://HOST:9100 | --zpl FILE | --pdf FILE)."""
    from app.labels.printer import PrinterError, TargetError, parse_target, problem_words, send_zpl
    from app.labels.records import labels_for
    from app.labels.zpl import labels_zpl

    if (serial is None) == (order is None):
        raise click.UsageError("give one of --serial S or --order O")
    outputs = [value for value in (printer, zpl_file, pdf_file) if value is not None]
    if len(outputs) != 1:
        raise click.UsageError("give one of --printer URL, --zpl FILE or --pdf FILE")
    target = None
    if printer is not None:
        try:
            target = parse_target(printer)
        except TargetError as exc:
            raise click.BadParameter(str(exc), param_hint="--printer") from None
        if target.kind == "file":
            words = f"{printer!r}: a printer is zpl://HOST[:PORT] or cups:QUEUE (file: --zpl FILE)"
            raise click.BadParameter(words, param_hint="--printer")
    layout = _layout(layout_file, template_path)
    with open_store() as store, store.database.sessions() as session:
        labels = labels_for(session, serial=serial, order=order)
    if not labels:
        which = f"device {serial}" if serial is not None else f"order {order}"
        raise click.ClickException(f"no done run for {which}: nothing to label")
    if pdf_file is not None:
        from app.ui.label_pdf import LabelPdfError, write_label_pdf

        try:
            write_label_pdf(layout, labels, pdf_file)
        except LabelPdfError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{len(labels)} label(s) written to {pdf_file}")
        return
    zpl = labels_zpl(layout, labels)
    if zpl_file is not None:
        try:
            zpl_file.write_text(zpl, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {zpl_file}: {exc.strerror or exc}") from None
        click.echo(f"{len(labels)} label(s) written to {zpl_file}")
        return
    assert target is not None
    try:
        send_zpl(target, zpl)
    except PrinterError as exc:
        raise click.ClickException(problem_words(exc)) from None
    click.echo(f"{len(labels)} label(s) sent to {target}")


def _layout(path: Path | None, template_path: Path | None) -> LabelLayout:
    """--layout FILE, else the template's label:, else the station's label.layout, else the
    default; a template without a label: section falls through to the station's."""
    from app.labels.layout import DEFAULT_LAYOUT, LabelLayoutError, layout_of, parse_layout
    from app.storage.config import Config, ConfigError
    from app.templates import TemplateError, load_template

    if path is None and template_path is not None:
        try:
            label = load_template(template_path).template.label
        except TemplateError as exc:  # FILE:LINE:COL lines, as `kitbench validate` says them
            click.echo(str(exc), err=True)
            sys.exit(1)
        if label is not None:
            return layout_of(label)
    if path is None:
        try:
            configured = Config().label_layout
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        if configured is None:
            return DEFAULT_LAYOUT
        path = Path(configured)
    try:
        return parse_layout(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    except (LabelLayoutError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from None
