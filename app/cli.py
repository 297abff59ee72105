"""The `kitbench` command. Every subcommand is a thin call into the layers below.

Exit codes: 0 success, 1 the work failed or the input is invalid, 2 the command line is wrong.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import datetime
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
        ctx.invoke(gui)


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
    from app.devices.keys import station_key
    from app.devices.slots import PortMapError
    from app.devices.usb import UsbError

    try:
        specs = [tcp_spec(text) for text in tcp]
    except EndpointError as exc:
        raise click.BadParameter(str(exc), param_hint="--tcp") from None
    try:
        listed = list_devices(usb=usb or not tcp, tcp=specs, key=station_key)
    except (UsbError, PortMapError) as exc:
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
def provision(template_path: Path, devices: tuple[str, ...], all_usb: bool, **options) -> None:
    """Apply a template to devices in parallel; exit 0 when every device is done."""
    from app.devices.endpoints import EndpointError, parse_endpoint
    from app.provisioning.headless import provision as run_provision
    from app.templates import TemplateError, load_template

    if all_usb:
        raise click.UsageError("--all-usb: USB discovery comes with issue 7; use --device tcp:…")
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
    stdout = sys.stdout
    station_name = _station_name()
    with _open_store(recording=True) as store:  # every run recorded before it is reported
        recorder = store.recorder(station=station_name, operator=options["operator"])
        code = run_provision(
            template, endpoints, stream=stdout, live=stdout.isatty(),
            station_name=station_name, auth_timeout_s=options.pop("auth_timeout"),
            listeners=[recorder.record], **options,
        )  # fmt: skip
    sys.exit(code)


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


@cli.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8470,
    show_default=True,
    help="TCP port; 0 picks a free one (the URL line says which).",
)
@click.option(
    "--db",
    "db_url",
    default=None,
    metavar="URL",
    help="Database URL (default: fleet.db in the data dir), e.g. postgresql+psycopg://u:p@host/db",
)
@click.pass_context
def backend(ctx: click.Context, host: str, port: int, db_url: str | None) -> None:
    """Run the fleet backend: the HTTP service stations sync their runs to."""
    if ctx.invoked_subcommand is not None:
        return
    from app.fleet import DatabaseError, FleetDatabase, bind, serve, url_of

    try:
        database = FleetDatabase.open(db_url)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        sock = bind(host, port)
    except OSError as exc:
        database.close()
        raise click.ClickException(exc.strerror or str(exc)) from None
    click.echo(f"Fleet backend listening on {url_of(sock)}")
    sys.stdout.flush()
    try:
        serve(database, sock, log_level="info" if ctx.find_root().params["verbose"] else "warning")
    finally:
        sock.close()
        database.close()


@backend.group()
def token() -> None:
    """Station tokens: each station authenticates with its own bearer token."""


@token.command("create")
@click.argument("station")
@click.option("--db", "db_url", default=None, metavar="URL", help="Database URL (as for backend).")
def token_create(station: str, db_url: str | None) -> None:
    """Create a bearer token for STATION and print it last; it replaces any earlier one."""
    from app.fleet import DatabaseError, FleetDatabase

    if not station.strip() or len(station) > 200:
        raise click.BadParameter("a station name is 1 to 200 characters", param_hint="STATION")
    try:
        database = FleetDatabase.open(db_url)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        new_token = database.create_token(station)
    finally:
        database.close()
    click.echo(f"Token for station {station} (shown once; any earlier token of it is revoked):")
    click.echo(new_token)


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
    variables = builder.variables(seq=seq, station=_station_name(), row=row)
    try:
        payload = builder.build(variables)
        text = payload_text(payload)
        code = make_qr(text, ecc.upper())
    except (EnrollmentError, SecretStoreError) as exc:
        raise click.ClickException(str(exc)) from None
    for warning in size_warnings(text):
        click.echo(f"warning: {warning}", err=True)
    if print_payload:
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
            station=_station_name(),
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


def _station_name() -> str:
    from app.storage.config import Config, ConfigError

    try:
        return Config().station_name
    except ConfigError:
        return ""


class _Since(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        from app.storage.history import parse_since

        try:
            return parse_since(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _open_store(*, recording: bool = False):
    from app.storage import Store, StoreError

    try:
        return Store(recording=recording)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run, per line.")
@click.option("--serial", help="Only this device.")
@click.option("--since", type=_Since(), help="Started at or after: 2025-03-01, …T08:00, 7d, 12h.")
@click.option("--template", help="Only runs of this template name.")
@click.option(
    "--result", type=click.Choice(["running", "done", "failed", "refused", "interrupted"])
)
@click.option(
    "--limit", type=click.IntRange(1), default=100, show_default=True, help="Newest N runs."
)
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path),
    help="Export every matching run (no limit) as CSV to FILE ('-' for stdout).",
)
def history(as_json, serial, since, template, result, limit, csv_file) -> None:
    """Runs recorded on this station, newest first."""
    import json

    from app.storage import RunFilter

    run_filter = RunFilter(serial=serial, since=since, template=template, result=result)
    with _open_store() as store:
        if csv_file is not None:
            try:
                if str(csv_file) == "-":
                    count = store.export_csv(sys.stdout, run_filter)
                else:
                    with csv_file.open("w", encoding="utf-8", newline="") as out:
                        count = store.export_csv(out, run_filter)
            except OSError as exc:
                raise click.ClickException(f"cannot write {csv_file}: {exc.strerror}") from None
            if str(csv_file) != "-":
                click.echo(f"{count} run(s) written to {csv_file}", err=True)
            return
        runs = store.runs(run_filter, limit=limit, with_steps=as_json)
    if as_json:
        for run in runs:
            click.echo(json.dumps(run, ensure_ascii=False))
        return
    if not runs:
        click.echo("no runs recorded" + (" match" if run_filter != RunFilter() else ""))
        return
    rows = [("STARTED", "SERIAL", "MODEL", "TEMPLATE", "RESULT", "ERROR")]
    for run in runs:
        started = datetime.fromisoformat(run["started_at"]).astimezone()
        template_name = f"{run['template']} v{run['template_version']}"
        rows.append(
            (
                started.strftime("%Y-%m-%d %H:%M:%S"),
                run["serial"] or "?",
                run["model"] or "",
                template_name,
                run["result"],
                (run["error"] or "")[:60],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())
    if len(runs) == limit:
        click.echo(f"(newest {limit}; --limit N or --csv FILE for more)", err=True)


@cli.group("config")
def config_group() -> None:
    """Station settings: backend.url, backend.token, station.name, …"""


def _config_key(key: str):
    from app.storage import Config, UnknownKeyError

    config = Config()
    try:
        config.shown(key)
    except UnknownKeyError as exc:
        raise click.BadParameter(str(exc), param_hint="KEY") from None
    return config


@config_group.command("set")
@click.argument("key")
@click.argument("value", required=False)
def config_set(key: str, value: str | None) -> None:
    """Set KEY to VALUE (a secret's VALUE is read from stdin when omitted)."""
    from app.storage import ConfigError
    from app.storage.config import KEYS

    config = _config_key(key)
    if value is None:
        if not KEYS[key].secret:
            raise click.UsageError(f"missing VALUE for {key}")
        value = click.prompt(key, hide_input=True) if sys.stdin.isatty() else sys.stdin.read()
    try:
        config.set(key, value.strip() if KEYS[key].secret else value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="VALUE") from None
    except OSError as exc:
        raise click.ClickException(f"cannot save {key}: {exc}") from None
    click.echo(f"{key} = {config.shown(key)}")


@config_group.command("get")
@click.argument("key")
def config_get(key: str) -> None:
    """Print KEY's value (secrets masked); exit 1 when it is not set."""
    config = _config_key(key)
    value = config.shown(key)
    if not value:
        click.echo(f"{key} is not set", err=True)
        sys.exit(1)
    click.echo(value)


@config_group.command("list")
def config_list() -> None:
    """Every setting and its value (secrets masked)."""
    from app.storage import Config, ConfigError
    from app.storage.config import KEYS

    try:
        items = Config().items()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    for key, value in items:
        click.echo(f"{key} = {value}" if value else f"{key} (not set: {KEYS[key].help})")


@cli.command()
@click.option("--once", is_flag=True, help="Send everything waiting, then exit (1 if any is left).")
def sync(once: bool) -> None:
    """Send recorded runs to the fleet backend and pull published templates."""
    import threading

    from app.sync import Backoff, SyncState, SyncWorker

    with _open_store() as store:
        if once:
            worker = SyncWorker(store, on_status=lambda _status: None, backoff=Backoff(0.5, 8.0))
            status = worker.sync_now(attempts=5)
            for pulled in status.new_templates:
                click.echo(f"new template: {pulled.name} v{pulled.version} ({pulled.path})")
            if status.sent:
                click.echo(f"sent {status.sent} run(s)")
            if status.waiting or status.state is SyncState.ERROR:
                click.echo(f"{status.waiting} run(s) waiting: {status.message}", err=True)
                sys.exit(1)
            click.echo("synced: nothing waiting")
            return
        stopped = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopped.set())
        worker = SyncWorker(store, on_status=lambda status: click.echo(status.text()))
        worker.start()
        stopped.wait()
        worker.stop()


def main() -> None:
    cli(prog_name="kitbench")
