"""The `kitbench` command. Every subcommand is a thin call into the layers below.

Exit codes: 0 success, 1 the work failed or the input is invalid, 2 the command line is wrong.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

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
        click.echo(ctx.get_help())


@cli.command()
@click.option("--count", type=click.IntRange(1, 4096), required=True, help="Devices to start.")
@click.option(
    "--base-port",
    type=click.IntRange(0, 65535),
    default=7400,
    show_default=True,
    help="First TCP port; 0 picks free ports.",
)
@click.option(
    "--profile",
    default="mixed",
    show_default=True,
    help="Device profile, or 'mixed' to cycle through all of them.",
)
@click.option(
    "--auth",
    type=click.Choice(["none", "prompt", "deny"]),
    default="prompt",
    show_default=True,
    help="How devices treat a host key they do not know yet.",
)
@click.option(
    "--latency", type=click.Choice(["realistic", "fast"]), default="realistic", show_default=True
)
@click.option(
    "--faults",
    default=None,
    help="Fault probabilities, e.g. install_fail=0.1,disconnect=0.02,slow=0.05,"
    "garbage=0.01,never_auth=0.05",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for fault draws.")
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep device state here so it survives restarts (default: a temp dir).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
def sim(**options) -> None:
    """Run simulated Android devices that speak the real ADB protocol over TCP."""
    from app.sim.behaviour import FaultSpecError
    from app.sim.fleet import FleetConfig
    from app.sim.profiles import PROFILES

    count = options.pop("count")
    config = FleetConfig(count=count, **options)
    try:
        config.validate()
    except FaultSpecError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    except ValueError as exc:
        if config.profile not in PROFILES and config.profile != "mixed":
            raise click.BadParameter(str(exc), param_hint="--profile") from None
        raise click.UsageError(str(exc)) from None
    raise_open_file_limit()
    try:
        asyncio.run(_run_sim(config))
    except OSError as exc:
        raise click.ClickException(f"cannot start the simulator: {exc}") from None


async def _run_sim(config) -> None:
    import tempfile

    from app.sim.fleet import endpoint_of, start_devices

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    with tempfile.TemporaryDirectory(prefix="kitbench-sim-") as temp_dir:
        state_dir = config.state_dir or Path(temp_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        devices = await start_devices(config, state_dir)
        for device in devices:
            endpoint = endpoint_of(device)
            click.echo(f"{endpoint.port}\t{endpoint.serial}\t{endpoint.model}")
        sys.stdout.flush()
        await stop.wait()
        for device in devices:
            await device.close()


def raise_open_file_limit() -> None:
    """Hundreds of devices need more sockets than the usual soft limit of 1024."""
    try:
        import resource
    except ImportError:  # Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def main() -> None:
    cli(prog_name="kitbench")
