"""The `kitbench` command. Every subcommand is a thin call into the layers below.

Exit codes: 0 success, 1 the work failed or the input is invalid, 2 the command line is wrong.
"""

from __future__ import annotations

import logging
import sys

import click

from app import __version__


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="kitbench")
@click.option("-v", "--verbose", is_flag=True, help="Log more detail to stderr.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Kitbench: provision Android device fleets from a bench of USB hubs."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if ctx.invoked_subcommand is None:
        ctx.invoke(bench.gui)


# Subcommands register themselves on `cli` when their modules are imported.
from app.cli import bench, enrollment, records, templates  # noqa: E402, F401


def main() -> None:
    cli(prog_name="kitbench")
