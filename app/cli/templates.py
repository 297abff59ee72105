"""Commands for templates and the station secrets they use."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from app.cli import cli


@cli.command()
@click.argument("templates", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def validate(ctx: click.Context, templates: tuple[Path, ...]) -> None:
    """Check templates. Prints one OK line per valid file and every problem as
    FILE:LINE:COL: message, all on stdout; exits 1 if any template is invalid."""
    from app.templates import TemplateError, load_template

    invalid = 0
    for path in templates:
        try:
            loaded = load_template(path)
        except TemplateError as exc:
            invalid += 1
            click.echo(str(exc))
            continue
        template = loaded.template
        steps = len(template.steps)
        click.echo(f"{path}: OK ({template.name} v{template.version}, {steps} steps)")
    if invalid:
        click.echo(f"{invalid} of {len(templates)} templates invalid", err=True)
        ctx.exit(1)


@cli.command()
@click.option(
    "--markdown",
    is_flag=True,
    help="The reference for people instead (docs/template-reference.md is this output).",
)
def schema(markdown: bool) -> None:
    """Print the JSON Schema of the template format, for editors and CI."""
    import json

    from app.templates import template_schema
    from app.templates.schema import schema_markdown

    if markdown:
        click.echo(schema_markdown(), nl=False)
        return
    click.echo(json.dumps(template_schema(), indent=2))


@cli.group()
def secret() -> None:
    """The station's secrets, used as {secret:NAME} in templates. Values are never printed."""


@secret.command("set")
@click.argument("name")
@click.argument("value", required=False)
def secret_set(name: str, value: str | None) -> None:
    """Store secret NAME. Without VALUE it is read from stdin (typed hidden on a terminal),
    which keeps it out of the shell history."""
    from app.templates import SecretStore, SecretStoreError
    from app.templates.variables import NAME

    if not NAME.match(name):
        raise click.BadParameter(
            "use letters, digits and _ (e.g. warehouse_wifi)", param_hint="NAME"
        )
    if value is None:
        if sys.stdin.isatty():
            value = click.prompt(f"Value of {name}", hide_input=True, confirmation_prompt=True)
        else:
            value = sys.stdin.read().removesuffix("\n").removesuffix("\r")
    store = SecretStore()
    try:
        store.set(name, value)
    except (ValueError, SecretStoreError) as exc:
        raise click.ClickException(f"{exc}; nothing stored") from None
    click.echo(f"secret '{name}' stored in {store.path}")


@secret.command("list")
def secret_list() -> None:
    """Print the names of the stored secrets, one a line."""
    from app.templates import SecretStore, SecretStoreError

    try:
        names = SecretStore().names()
    except SecretStoreError as exc:
        raise click.ClickException(str(exc)) from None
    for name in names:
        click.echo(name)


@secret.command("delete")
@click.argument("name")
def secret_delete(name: str) -> None:
    """Remove secret NAME from this station."""
    from app.templates import SecretStore, SecretStoreError

    try:
        SecretStore().delete(name)
    except KeyError as exc:
        raise click.ClickException(exc.args[0]) from None
    except SecretStoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"secret '{name}' deleted")
