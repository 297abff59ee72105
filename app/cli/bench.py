"""Commands for the bench itself: the simulator, devices, provisioning and the GUI."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from app.cli import cli
from app.cli.records import station_name

if TYPE_CHECKING:
    from app.engine.lock import EngineLock
    from app.storage import Store


@cli.command(context_settings={"allow_interspersed_args": False})
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
@click.option(
    "--factory-reset",
    "factory_reset",
    default="",
    metavar="PORT[,PORT…]",
    help="Start the devices on these ports factory reset (with --state-dir): settings, apps,"
    " files, accounts and owner wiped; serial, IMEIs and MACs kept.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--buses",
    type=click.IntRange(1),
    default=None,
    help="Spread the devices over B buses in blocks; each bus's bandwidth is shared.",
)
@click.option(
    "--bus-speed",
    type=click.Choice(["usb2", "usb3"]),
    default="usb2",
    show_default=True,
    help="What each bus carries in total: usb2 40 MB/s, usb3 350 MB/s (with --buses).",
)
@click.option(
    "--ports-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the station's port map (label and bus of each HOST:PORT) to this file.",
)
@click.option("--usb", is_flag=True, help="Plug the devices into an emulated USB bench too.")
@click.option(
    "--hubs", type=click.IntRange(1), default=1, show_default=True, help="USB hubs (with --usb)."
)
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def sim(
    usb: bool,
    hubs: int,
    command: tuple[str, ...],
    buses: int | None,
    ports_file: Path | None,
    **options,
) -> None:
    """Run simulated Android devices that speak the real ADB protocol over TCP.

    With --usb they are USB devices on an emulated bench too, and `-- COMMAND [ARGS...]`
    runs COMMAND on that bench; its exit status is returned.
    """
    from app.sim.behaviour import FaultSpecError
    from app.sim.fleet import FleetConfig
    from app.sim.memory import keep_freed_memory
    from app.sim.profiles import PROFILES

    if command and not usb:
        raise click.UsageError("COMMAND runs on an emulated USB bench: add --usb")
    count = options.pop("count")
    if buses is not None and buses > count:
        raise click.BadParameter("more buses than devices", param_hint="--buses")
    try:
        reset_ports = tuple(int(port) for port in options.pop("factory_reset").split(",") if port)
    except ValueError:
        hint = "--factory-reset"
        raise click.BadParameter("expected ports, e.g. 7400,7403", param_hint=hint) from None
    config = FleetConfig(count=count, buses=buses or 0, factory_reset=reset_ports, **options)
    try:
        config.validate()
    except FaultSpecError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    except ValueError as exc:
        if config.profile not in PROFILES and config.profile != "mixed":
            raise click.BadParameter(str(exc), param_hint="--profile") from None
        raise click.UsageError(str(exc)) from None
    raise_open_file_limit()
    keep_freed_memory()
    if usb:
        sys.exit(_run_usb_bench(config, hubs, command))
    try:
        asyncio.run(_run_sim(config, ports_file))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise click.ClickException(f"cannot start the simulator: {exc}") from None


def _run_usb_bench(config, hubs: int, command: tuple[str, ...]) -> int:
    """COMMAND's exit status on an emulated USB bench (`kitbench sim` runs again under
    umockdev's preload first: only a process under it can plug and unplug devices)."""
    from app.sim.gi_umockdev import INSTALL_HINT, UmockdevMissing

    try:
        from app.sim import usb_bench

        usb_bench.slots_of(config.count, hubs)
    except UmockdevMissing as exc:
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if not usb_bench.under_preload():
        usb_bench.reexec_under_preload(sys.argv[1:])
        raise click.ClickException(INSTALL_HINT)
    try:
        return usb_bench.run_bench(config, hubs, command, sys.stderr)
    except OSError as exc:
        raise click.ClickException(f"cannot start the simulator: {exc}") from None


async def _run_sim(config, ports_file: Path | None) -> None:
    import tempfile

    from app.devices.slots import BusInfo, PortMap
    from app.sim.fleet import endpoint_of, start_devices

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Windows has no signal handlers in asyncio: Ctrl-C arrives as KeyboardInterrupt.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    with tempfile.TemporaryDirectory(prefix="kitbench-sim-") as temp_dir:
        state_dir = config.state_dir or Path(temp_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        devices = await start_devices(config, state_dir)
        endpoints = [endpoint_of(device) for device in devices]
        if ports_file is not None:  # before the lines: whoever reads them may read it next
            bench = [(f"{e.host}:{e.port}", None if e.bus is None else
                      BusInfo(str(e.bus), config.bus_speed)) for e in endpoints]  # fmt: skip
            PortMap.for_bench(bench).save(ports_file)
        for endpoint in endpoints:
            click.echo(f"{endpoint.port}\t{endpoint.serial}\t{endpoint.model}")
        sys.stdout.flush()
        await stop.wait()
        for device in devices:
            await device.close()


@cli.command()
@click.option(
    "--demo",
    type=click.IntRange(1, 256),
    default=None,
    metavar="N",
    help="Also start N simulated devices and a local fleet backend (a temporary data dir).",
)
@click.pass_context
def gui(ctx: click.Context, demo: int | None) -> None:
    """The bench window (the default when no command is given)."""
    from app.ui.app import DisplayError, run_gui

    raise_open_file_limit()
    try:
        ctx.exit(run_gui(demo=demo))
    except DisplayError as exc:
        click.echo(f"kitbench: {exc}", err=True)
        ctx.exit(1)


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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per device per line.")
@click.option("--usb", "usb", is_flag=True, help="List USB devices (the default without --tcp).")
@click.option(
    "--tcp",
    "tcp",
    multiple=True,
    metavar="HOST:PORT",
    help="Also list the network device at HOST:PORT; repeatable.",
)
def devices(as_json: bool, usb: bool, tcp: tuple[str, ...]) -> None:
    """List devices: slot (port-map label), state, serial and model, plus what to do."""
    import json

    from app.devices.endpoints import EndpointError
    from app.devices.inventory import list_devices, tcp_spec
    from app.devices.keys import KeyFileError, station_key
    from app.devices.slots import PortMapError
    from app.devices.usb import UsbError
    from app.storage.config import shares_adb_key

    try:
        specs = [tcp_spec(text) for text in tcp]
    except EndpointError as exc:
        raise click.BadParameter(str(exc), param_hint="--tcp") from None
    try:
        listed = list_devices(
            usb=usb or not tcp,
            tcp=specs,
            key=lambda: station_key(share_adb_key=shares_adb_key()),
        )
    except (UsbError, PortMapError, KeyFileError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        for entry in listed:
            click.echo(json.dumps(entry.as_json()))
        return
    if not listed:
        click.echo("No devices. Plug one in (USB debugging on), or name one with --tcp.")
        return
    rows = [("SLOT", "STATE", "SERIAL", "MODEL", "")] + [
        (e.info.slot, e.info.state, e.info.serial or "-", e.info.model or "-", e.info.message or "")
        for e in listed
    ]
    widths = [max(len(str(row[column])) for row in rows) for column in range(4)]
    for row in rows:
        cells = [str(cell).ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        click.echo("  ".join([*cells, row[4]]).rstrip())


@cli.command()
@click.argument("device", metavar="SPEC")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--auth-timeout", type=click.FloatRange(min=1), default=30.0, show_default=True,
    help="Seconds to wait for someone to tap Allow on the device.",
)  # fmt: skip
def screenshot(device: str, out: Path, auth_timeout: float) -> None:
    """Save the device's screen (screencap -p) as a PNG: SPEC is usb:SLOT, tcp:HOST:PORT or
    HOST:PORT. The details panel's "Look at the screen", from the command line."""
    from app.core.evidence import png_size
    from app.devices.device import Device, DeviceError
    from app.devices.endpoints import EndpointError, parse_endpoint
    from app.devices.inventory import tcp_spec
    from app.devices.keys import KeyFileError, station_key
    from app.storage.config import shares_adb_key

    try:
        spec = parse_endpoint(device).spec if device.startswith("usb:") else tcp_spec(device)
    except EndpointError as exc:
        raise click.BadParameter(str(exc), param_hint="SPEC") from None
    try:
        key = station_key(share_adb_key=shares_adb_key())
        session = Device.open(spec, key, auth_timeout_s=auth_timeout)
    except (KeyFileError, DeviceError) as exc:
        raise click.ClickException(f"{spec}: {exc}") from None
    try:
        png = session.screencap()
    except DeviceError as exc:
        raise click.ClickException(f"{spec}: {exc}") from None
    finally:
        session.close()
    try:
        out.write_bytes(png)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}") from None
    width, height = png_size(png) or (0, 0)
    click.echo(f"{out}: {width} × {height} screen of {spec}")


@cli.command()
@click.option(
    "--template", "-t", "template_path", required=True, type=click.Path(path_type=Path),
    help="The template to apply.",
)  # fmt: skip
@click.option("--device", "devices", multiple=True, metavar="SPEC", help="tcp:HOST:PORT; repeat.")
@click.option("--all-usb", is_flag=True, help="Every USB device attached to this station.")
@click.option("--jobs", type=click.IntRange(1), default=None, help="Devices at once [all].")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per device at the end.")
@click.option("--force", is_flag=True, help="Run even on devices already provisioned.")
@click.option("--operator", default="", help="Who is at the bench (recorded with each run).")
@click.option(
    "--auth-timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
    help="Seconds to wait for someone to tap Allow on a device.",
)  # fmt: skip
@click.option("--order", "order_number", default=None, metavar="NUMBER",
              help="The kitting order these runs are for (kitbench order create).")  # fmt: skip
def provision(
    template_path: Path,
    devices: tuple[str, ...],
    all_usb: bool,
    order_number: str | None,
    **options,
) -> None:
    """Apply a template to devices in parallel; exit 0 when every device is done."""
    from app.devices.endpoints import EndpointError, parse_endpoint
    from app.devices.keys import KeyFileError
    from app.provisioning.headless import provision as run_provision
    from app.provisioning.station_words import describe_station_problem
    from app.storage.config import Config, ConfigError
    from app.sync.leases import seq_leasing
    from app.templates import TemplateError, load_template

    if all_usb:
        devices = (*devices, *_usb_endpoints())
    if not devices:
        raise click.UsageError("name the devices: --device SPEC (repeatable) or --all-usb")
    try:
        endpoints = list(dict.fromkeys(parse_endpoint(spec).spec for spec in devices))
    except EndpointError as exc:
        raise click.BadParameter(str(exc), param_hint="--device") from None
    try:
        template = load_template(template_path)
    except TemplateError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    raise_open_file_limit()
    # A polite stop (a service manager, `kill`) ends runs as Ctrl-C does: each is recorded
    # as stopped at its step, rather than left for the next start to call interrupted.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    stdout = sys.stdout
    name = station_name()
    try:
        leasing = seq_leasing(Config())  # {seq} from the backend's blocks when there is one
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    station_lock = hold_the_station("kitbench provision")
    with open_recording_store() as store:  # every run recorded before it touches a device
        order = None
        if order_number is not None:
            from app.cli.orders import order_for_runs

            try:
                order = order_for_runs(store, order_number, template.template)
            except click.ClickException:
                station_lock.release()
                raise
        recorder = store.recorder()
        try:
            code = run_provision(
                template, endpoints, stream=stdout, live=stdout.isatty(),
                station_name=name, auth_timeout_s=options.pop("auth_timeout"),
                listeners=[recorder.record], before_run=recorder.record_start, order=order,
                seq_leasing=leasing, **options,
            )  # fmt: skip
        except KeyFileError as exc:
            raise click.ClickException(str(exc)) from None
        if order is not None:
            from app.cli.orders import progress_line

            click.echo(progress_line(store, order.number), err=options["as_json"])
    problem = recorder.last_problem
    if problem is not None and not recorder.refused_runs:
        # No device was refused (the report said so then): runs finished unrecorded.
        click.echo(f"kitbench: runs finished but could not be recorded. "
                   f"{describe_station_problem(problem)}", err=True)  # fmt: skip
        code = 1
    station_lock.release()
    sys.exit(code)


def hold_the_station(kind: str) -> EngineLock:
    """One engine per data folder: a window's, or this command's. Held while the returned lock
    lives; exit 1 with who holds it otherwise (two sets of workers would fight over devices)."""
    from app.core.paths import data_dir
    from app.engine.lock import EngineLock, StationTaken, holder_name
    from app.provisioning.station_words import describe_station_problem
    from app.storage import station_problem

    folder = data_dir()
    lock = EngineLock(folder)
    try:
        lock.acquire(holder_name(kind))
    except OSError as exc:  # a data folder that is full or not writable: say which and why
        click.echo(f"kitbench: {describe_station_problem(station_problem(exc, folder))}", err=True)
        sys.exit(1)
    except StationTaken as exc:
        click.echo(
            f"kitbench: this station ({exc.folder}) is in use by {exc.holder}; close it "
            "first, or give this command its own KITBENCH_HOME",
            err=True,
        )
        sys.exit(1)
    return lock


def open_recording_store() -> Store:
    """The store `provision` records into; one clear message and exit 1 when it cannot open."""
    from app.provisioning.station_words import describe_station_problem
    from app.storage import StationProblemError, Store, StoreError

    try:
        return Store(recording=True)
    except StationProblemError as exc:  # the traceback is in the log file
        click.echo(f"kitbench: {describe_station_problem(exc.problem)}", err=True)
        sys.exit(1)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


def _usb_endpoints() -> list[str]:
    """Every USB device with debugging on, as `usb:SLOT`; exit 1 when there is none."""
    from app.core import DeviceState
    from app.devices.usb import UsbError
    from app.devices.usb_discovery import enumerate_usb

    try:
        found = enumerate_usb()
    except UsbError as exc:
        raise click.ClickException(str(exc)) from None
    for device in found:
        if device.state == DeviceState.NO_ADB:
            click.echo(f"{device.endpoint}: {device.device_info().message}", err=True)
    ready = [device.endpoint for device in found if device.state == DeviceState.ATTACHED]
    if not ready:
        raise click.ClickException("no USB device with USB debugging on is attached")
    return ready
