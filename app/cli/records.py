"""Commands for the station's records and the fleet: history, config, sync, the backend."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from app.cli import cli


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
@click.option(
    "--files",
    "files_dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where release files are kept (default: fleet-files beside an SQLite database, "
    "else in the data dir).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes serving requests (more than 1 needs PostgreSQL).",
)
@click.option(
    "--ssl-certfile",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Serve https with this PEM certificate (chain); needs --ssl-keyfile.",
)
@click.option(
    "--ssl-keyfile",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The certificate's PEM private key (unencrypted).",
)
@click.pass_context
def backend(
    ctx: click.Context,
    host: str,
    port: int,
    db_url: str | None,
    files_dir: Path | None,
    workers: int,
    ssl_certfile: Path | None,
    ssl_keyfile: Path | None,
) -> None:
    """Run the fleet backend: the HTTP service stations sync their runs to."""
    if ctx.invoked_subcommand is not None:
        return
    from app.fleet import (
        DatabaseError,
        FileStore,
        FleetDatabase,
        Tls,
        TlsError,
        bind,
        default_files_dir,
        serve,
        serve_workers,
        url_of,
    )
    from app.fleet.database import default_database_url, is_sqlite

    if workers > 1 and is_sqlite(db_url or default_database_url()):
        raise click.UsageError(
            f"--workers {workers} needs a PostgreSQL database (--db postgresql+psycopg://…):"
            " SQLite lets one process write at a time, so one worker serves it"
        )
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise click.UsageError("--ssl-certfile and --ssl-keyfile go together")
    tls = Tls(ssl_certfile, ssl_keyfile) if ssl_certfile and ssl_keyfile else None
    if tls is not None:
        try:
            tls.check()
        except TlsError as exc:
            raise click.ClickException(str(exc)) from None
    try:
        database = FleetDatabase.open(db_url)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    files = FileStore(files_dir or default_files_dir(db_url))
    try:
        files.root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        database.close()
        raise click.ClickException(f"cannot use {files.root} for files: {exc.strerror}") from None
    try:
        sock = bind(host, port)
    except OSError as exc:
        database.close()
        raise click.ClickException(exc.strerror or str(exc)) from None
    log_level = "info" if ctx.find_root().params["verbose"] else "warning"
    click.echo(f"Fleet backend listening on {url_of(sock, tls)}")
    sys.stdout.flush()
    if workers > 1:
        database.close()  # the tables are made; each worker opens its own pool
        try:
            started = serve_workers(db_url, files, sock, workers, log_level=log_level, tls=tls)
        finally:
            sock.close()
        if not started:
            raise click.ClickException("a worker could not start: see the messages above")
        return
    try:
        serve(database, files, sock, log_level=log_level, tls=tls)
    finally:
        sock.close()
        database.close()


@backend.group()
def token() -> None:
    """Bearer tokens: one per station, and publisher (CI) or console tokens."""


@token.command("create")
@click.argument("name", metavar="STATION")
@click.option(
    "--publisher", is_flag=True, help="A CI token that publishes, promotes and withdraws releases."
)
@click.option(
    "--console", is_flag=True, help="A read-only token that reads every station's runs and devices."
)
@click.option("--db", "db_url", default=None, metavar="URL", help="Database URL (as for backend).")
def token_create(name: str, publisher: bool, console: bool, db_url: str | None) -> None:
    """Create a bearer token for STATION (or a publisher or console NAME) and print it last; it
    replaces any earlier one of that name and role. A station token syncs its own runs and
    pulls releases, nothing else."""
    from app.fleet import DatabaseError, FleetDatabase, Role

    if publisher and console:
        raise click.UsageError("a token is for a publisher or a console, not both")
    role = Role.PUBLISHER if publisher else Role.CONSOLE if console else Role.STATION
    if not name.strip() or len(name) > 200:
        raise click.BadParameter("a name is 1 to 200 characters", param_hint="STATION")
    try:
        database = FleetDatabase.open(db_url)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        new_token = database.create_credential(role, name)
    finally:
        database.close()
    click.echo(f"Token for {role} {name} (shown once; any earlier token of it is revoked):")
    click.echo(new_token)


@backend.group()
def admin() -> None:
    """Console admin accounts: who may sign in to the web console under /console/."""


@admin.command("create")
@click.argument("name")
@click.option("--db", "db_url", default=None, metavar="URL", help="Database URL (as for backend).")
def admin_create(name: str, db_url: str | None) -> None:
    """Create console admin NAME, or set a new password for it (its sessions end). The
    password is read from stdin when it is not a terminal, else asked twice."""
    from app.fleet import DatabaseError, FleetDatabase
    from app.fleet.console import AccountError, Accounts

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        database = FleetDatabase.open(db_url)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        created = Accounts(database.engine).create_admin(name, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        database.close()
    click.echo(f"Console admin {name.strip()} {'created' if created else 'has a new password'}.")


def station_name() -> str:
    from app.storage.config import station_name_or_empty

    return station_name_or_empty()


class _Since(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        from app.storage.history import parse_since

        try:
            return parse_since(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def open_store(*, recording: bool = False):
    from app.provisioning.station_words import describe_station_problem
    from app.storage import StationProblemError, Store, StoreError

    try:
        return Store(recording=recording)
    except StationProblemError as exc:
        raise click.ClickException(describe_station_problem(exc.problem)) from None
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
    with open_store() as store:
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
        for run in runs:  # the sync wire format, the kitting order as `order`
            run["order"] = run.pop("order_number", None)
            click.echo(json.dumps(run, ensure_ascii=False))
        return
    if not runs:
        click.echo("no runs recorded" + (" match" if run_filter != RunFilter() else ""))
        return
    rows = [("STARTED", "SERIAL", "MODEL", "NAME", "TEMPLATE", "RESULT", "ERROR")]
    for run in runs:
        started = datetime.fromisoformat(run["started_at"]).astimezone()
        template_name = f"{run['template']} v{run['template_version']}"
        rows.append(
            (
                started.strftime("%Y-%m-%d %H:%M:%S"),
                run["serial"] or "?",
                run["model"] or "",
                run["device_name"] or "",  # the name the run gave the device
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
    """The settings, once KEY is known and they can be read (a damaged file exits 1)."""
    from app.storage import Config, ConfigError, UnknownKeyError

    config = Config()
    try:
        config.shown(key)
    except UnknownKeyError as exc:
        raise click.BadParameter(str(exc), param_hint="KEY") from None
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
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
    value = value.strip() if KEYS[key].secret else value
    try:
        KEYS[key].check(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="VALUE") from None
    try:
        config.set(key, value)
        shown = config.shown(key)
    except ConfigError as exc:  # the file, not the value: e.g. a damaged config.json
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot save {key}: {exc}") from None
    click.echo(f"{key} = {shown}")


@config_group.command("unset")
@click.argument("key")
def config_unset(key: str) -> None:
    """Forget KEY, e.g. backend.url to stop syncing (runs stay recorded)."""
    _config_key(key).unset(key)
    click.echo(f"{key} unset")


@config_group.command("get")
@click.argument("key")
def config_get(key: str) -> None:
    """Print KEY's value (secrets masked); exit 1 when it is not set."""
    from app.storage import ConfigError

    config = _config_key(key)
    try:
        value = config.shown(key)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
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
    from app.signals import StopSignals
    from app.sync import Backoff, SyncState, SyncWorker

    with open_store() as store:
        if once:
            worker = SyncWorker(store, on_status=lambda _status: None, backoff=Backoff(0.5, 8.0))
            try:
                status = worker.sync_now(attempts=5)
            except Exception as exc:  # a bug or a broken station: one line, not a traceback
                message = str(exc).strip().splitlines()
                reason = message[0] if message else type(exc).__name__
                raise click.ClickException(f"sync failed: {type(exc).__name__}: {reason}") from None
            release_trouble = _report_releases(status)
            if status.sent:
                click.echo(f"sent {status.sent} run(s)")
            if status.waiting or status.state is SyncState.ERROR:
                click.echo(f"{status.waiting} run(s) waiting: {status.message}", err=True)
                sys.exit(1)
            if release_trouble:  # every run is sent, but the releases did not come
                click.echo("no run waiting to send")
                sys.exit(1)
            click.echo("synced: nothing waiting")
            return
        with StopSignals() as stop:  # whichever thread takes the SIGTERM, the wait ends
            worker = SyncWorker(store, on_status=lambda status: click.echo(status.text()))
            worker.start()
            stop.wait()
            worker.stop()


def _report_releases(status) -> bool:
    """What the sync did to this station's releases; whether any needs a person."""
    from app.cli.releases import describe_release, describe_trust
    from app.sync import ReleaseState, TrustState

    for ready in status.new_templates:
        click.echo(f"new template: {ready.name} v{ready.version} ({ready.path})")
    for stem in status.withdrawn:
        click.echo(f"no longer offered: {stem}")
    trouble = False
    if status.trust is not None and status.trust.state is TrustState.NO_TRUSTED_KEY:
        click.echo(describe_trust(status.trust), err=True)
    for release in status.releases:
        if release.state is ReleaseState.REFUSED:
            trouble = True
            click.echo(describe_release(release), err=True)
        elif release.state is ReleaseState.DOWNLOADING:
            click.echo(describe_release(release))
    if status.release_error:
        trouble = True
        click.echo(f"releases: {status.release_error}", err=True)
    return trouble
