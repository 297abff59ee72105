"""Commands for releases: publishing from CI, the publisher's key, a station's releases.

`kitbench publish` validates exactly as `kitbench validate` does, uploads what the backend
lacks (content-addressed, resumable), signs the manifest and publishes it to a channel; it
also promotes and withdraws. See docs/releases.md.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from app.cli import cli

CHUNK_BYTES = 8 * 1024 * 1024  # per upload request; the backend takes at most 10 MiB a body


class _NameAtVersion(click.ParamType):
    name = "NAME@VERSION"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[str, int]:
        from app.templates.release import TEMPLATE_NAME

        name, _, version = str(value).rpartition("@")
        if not TEMPLATE_NAME.match(name) or not version.isdigit():
            self.fail(f"{value!r} is not NAME@VERSION, e.g. retail-pos@3", param, ctx)
        return name, int(version)


class _Channel(click.ParamType):
    name = "CHANNEL"

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        from app.templates.release import CHANNEL_NAME

        if not CHANNEL_NAME.match(str(value)):
            self.fail(
                f"{value!r}: a channel is lower-case letters, digits, '.', '_' or '-'", param, ctx
            )
        return str(value)


def _publish_token() -> str:
    token = os.environ.get("KITBENCH_PUBLISH_TOKEN", "").strip()
    if token:
        return token
    if sys.stdin.isatty():
        token = click.prompt("Publisher token", hide_input=True, default="", show_default=False)
    else:
        token = sys.stdin.read()
    token = token.strip()
    if not token:
        raise click.UsageError(
            "no publisher token: set KITBENCH_PUBLISH_TOKEN or pipe it in"
            " (kitbench backend token create NAME --publisher makes one)"
        )
    return token


def _signing_key(key_file: Path | None, unsigned: bool) -> Any:
    """The publisher's private key, or None for --unsigned."""
    from app.templates.release import PublisherKeyError, load_private_key

    pem_text = os.environ.get("KITBENCH_PUBLISH_KEY", "").strip()
    if unsigned:
        if key_file is not None or pem_text:
            raise click.UsageError("--unsigned and a publisher key exclude each other")
        return None
    if key_file is not None:
        try:
            pem = key_file.read_bytes()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {key_file}: {exc.strerror}") from None
    elif pem_text:
        pem = pem_text.encode()
    else:
        raise click.UsageError(
            "no publisher key: give --key FILE or KITBENCH_PUBLISH_KEY (kitbench keys"
            " create-publisher makes one), or --unsigned for stations that allow unsigned releases"
        )
    try:
        return load_private_key(pem)
    except PublisherKeyError as exc:
        raise click.ClickException(f"publisher key: {exc}") from None


@cli.command()
@click.argument("templates", nargs=-1, type=click.Path(path_type=Path))
@click.option("--backend", "backend_url", required=True, metavar="URL", help="The fleet backend.")
@click.option(
    "--channel",
    type=_Channel(),
    default=None,
    help="Publish (or promote) to this channel (default production).",
)
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="KITBENCH_PUBLISH_KEY_FILE",
    help="The publisher's private key (PEM); or its text in $KITBENCH_PUBLISH_KEY.",
)
@click.option("--unsigned", is_flag=True, help="Publish without a signature.")
@click.option("--promote", type=_NameAtVersion(), help="Put a published release in --channel too.")
@click.option("--withdraw", type=_NameAtVersion(), help="Take a release back from every channel.")
@click.option(
    "--ca-bundle",
    type=click.Path(exists=True, dir_okay=False),
    help="CA bundle for a backend with a private CA.",
)
@click.pass_context
def publish(
    ctx: click.Context,
    templates: tuple[Path, ...],
    backend_url: str,
    channel: str | None,
    key_file: Path | None,
    unsigned: bool,
    promote: tuple[str, int] | None,
    withdraw: tuple[str, int] | None,
    ca_bundle: str | None,
) -> None:
    """Publish TEMPLATEs as releases: validate, upload their files, sign, publish to a channel.

    The token comes from $KITBENCH_PUBLISH_TOKEN or stdin. Exit 0 when everything was
    published (or was already), 1 when a template is invalid or the backend refused, 2 for a
    wrong command line.
    """
    from app.sync import BackendClient

    actions = sum(bool(x) for x in (templates, promote, withdraw))
    if actions != 1:
        raise click.UsageError("give TEMPLATE… to publish, or one of --promote, --withdraw")
    if promote and channel is None:
        raise click.UsageError("--promote needs --channel (where to)")
    if withdraw and channel is not None:
        raise click.UsageError("--withdraw takes a release back from every channel: no --channel")
    if templates:
        loaded = _validated(templates)
        key = _signing_key(key_file, unsigned)
    token = _publish_token()
    try:
        client = BackendClient(backend_url, token, ca_bundle=ca_bundle, timeout=120)
    except (OSError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--backend/--ca-bundle") from None
    with client:
        _call(ctx, client, loaded if templates else [], key if templates else None,
              channel or "production", promote, withdraw)  # fmt: skip


def _validated(paths: tuple[Path, ...]) -> list[Any]:
    """Every template loaded as `kitbench validate` does; nothing is published if one fails."""
    from app.templates import TemplateError, load_template

    loaded, invalid = [], 0
    for path in paths:
        try:
            loaded.append(load_template(path))
        except TemplateError as exc:
            invalid += 1
            click.echo(str(exc))
    if invalid:
        click.echo(f"{invalid} of {len(paths)} templates invalid: nothing published", err=True)
        sys.exit(1)
    return loaded


def _call(
    ctx: click.Context,
    client: Any,
    loaded: list[Any],
    key: Any,
    channel: str,
    promote: tuple[str, int] | None,
    withdraw: tuple[str, int] | None,
) -> None:
    from app.sync import BackendRejectedError, SyncError, TokenRejectedError

    try:
        if promote:
            client.promote_release(promote[0], promote[1], channel)
            click.echo(f"promoted {promote[0]} v{promote[1]} to {channel}")
        elif withdraw:
            client.withdraw_release(*withdraw)
            click.echo(
                f"withdrew {withdraw[0]} v{withdraw[1]}: stations fall back at their next sync"
            )
        for template in loaded:
            _publish_one(client, template, key, channel)
    except TokenRejectedError:
        raise click.ClickException(
            "publisher token rejected: check KITBENCH_PUBLISH_TOKEN"
            " (kitbench backend token create NAME --publisher)"
        ) from None
    except BackendRejectedError as exc:
        raise click.ClickException(f"the backend refused: {exc.detail}") from None
    except SyncError as exc:
        raise click.ClickException(str(exc)) from None


def _publish_one(client: Any, loaded: Any, key: Any, channel: str) -> None:
    """Upload the files the backend lacks (resuming partial ones), then publish atomically."""
    from app.templates.release import ManifestError, manifest_for, public_key_text, sign

    try:
        manifest = manifest_for(loaded)
    except (ManifestError, OSError) as exc:
        raise click.ClickException(f"{loaded.path}: {exc}") from None
    local = {manifest.template.sha256: loaded.path}
    for entry in manifest.files:
        local[entry.sha256] = loaded.resolve_path(entry.path)
    entries = {entry.sha256: entry for entry in manifest.all_files}
    missing = client.files_missing([(entry.sha256, entry.size) for entry in entries.values()])
    uploaded_bytes = 0
    for sha256, offset in missing.items():
        entry = entries[sha256]
        uploaded_bytes += _upload(client, local[sha256], entry.sha256, entry.size, offset)
        resumed = f", resumed at byte {offset}" if offset else ""
        click.echo(f"  uploaded {entry.path} ({entry.size} bytes{resumed})")
    signature = sign(key, manifest) if key is not None else None
    public = public_key_text(key.public_key()) if key is not None else None
    new, _receipt = client.publish_release(
        manifest.to_bytes().decode("ascii"), signature, public, channel
    )
    name = f"{manifest.name} v{manifest.version}"
    counts = f"{len(missing)} of {len(entries)} files uploaded ({uploaded_bytes} bytes)"
    signed = "signed" if key is not None else "unsigned"
    if new:
        click.echo(f"published {name} to {channel}: {counts}, {signed}, manifest {manifest.sha256}")
    else:
        click.echo(f"{name} was already published ({counts}); it is in {channel}")


def _upload(client: Any, path: Path, sha256: str, size: int, offset: int) -> int:
    """Send `path` from `offset` in chunks; the bytes sent."""
    sent = 0
    with open(path, "rb") as file:
        while offset < size:
            file.seek(offset)
            chunk = file.read(CHUNK_BYTES)
            if not chunk:
                raise click.ClickException(f"{path} changed while it was uploaded")
            held = client.upload_chunk(sha256, offset, size, chunk)
            if held == offset:
                raise click.ClickException(f"the backend did not take {path} at byte {offset}")
            sent += max(0, held - offset)
            offset = held
        if size == 0 and offset == 0:
            client.upload_chunk(sha256, 0, 0, b"")
    return sent


@cli.group()
def keys() -> None:
    """The publisher's signing key: CI signs releases with it, stations trust its public half."""


@keys.command("create-publisher")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("kitbench-publisher.pem"),
    show_default=True,
    help="Where to write the private key (mode 0600); it must not exist.",
)
def create_publisher(out: Path) -> None:
    """Make an Ed25519 publisher key. Prints the public key last: give it to stations with
    kitbench config set release.trusted_keys KEY; keep the private key in CI's secrets."""
    from app.templates.release import new_private_key

    pem, public = new_private_key()
    try:
        with os.fdopen(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
            file.write(pem)
    except FileExistsError:
        raise click.ClickException(
            f"{out} exists: choose another --out (keys are never replaced)"
        ) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"private key written to {out} (keep it secret: it signs what devices get)")
    click.echo("public key (kitbench config set release.trusted_keys on each station):")
    click.echo(public)


@keys.command("public")
@click.argument("key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def public_key(key_file: Path) -> None:
    """Print the public key of a publisher's private key file."""
    from app.templates.release import PublisherKeyError, load_private_key, public_key_text

    try:
        key = load_private_key(key_file.read_bytes())
    except PublisherKeyError as exc:
        raise click.ClickException(f"{key_file}: {exc}") from None
    click.echo(public_key_text(key.public_key()))


@cli.command("releases")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per release, per line.")
def releases_command(as_json: bool) -> None:
    """This station's releases as its last sync left them, and whom it trusts."""
    import json

    from app.storage import Config, ConfigError
    from app.sync import release_statuses, trust_status

    try:
        config = Config()
        trust = trust_status(config)
        channel = config.channel
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    statuses = release_statuses(config.directory)
    if as_json:
        for status in statuses:
            entry = {
                key: (str(value) if isinstance(value, Path) else value)
                for key, value in status.__dict__.items()
            }
            click.echo(json.dumps(entry))
        return
    click.echo(f"channel {channel}: {describe_trust(trust)}")
    if not statuses:
        click.echo("no releases yet (kitbench sync --once pulls them)")
    for status in statuses:
        click.echo(describe_release(status))


# -- words for the terminal (the window has its own)

REFUSALS = {
    "no-trusted-key": "not installed: this station trusts no publisher key",
    "unsigned": "refused: not signed, and this station installs signed releases only",
    "untrusted-key": "refused: signed by a key this station does not trust",
    "bad-signature": "refused: the signature does not match (changed after signing?)",
    "bad-manifest": "refused: its manifest is damaged or not the one announced",
    "file-mismatch": "refused: {file} does not match its published hash",
    "file-unavailable": "refused: the backend does not have {file}",
}


def describe_trust(trust: Any) -> str:
    from app.sync import TrustState

    if trust.state is TrustState.KEYS:
        count = len(trust.keys)
        return f"installs releases signed by {count} trusted publisher key{'s' * (count != 1)}"
    if trust.state is TrustState.UNSIGNED_ALLOWED:
        return "no trusted publisher key: installs releases unchecked (release.allow_unsigned)"
    return (
        "no trusted publisher key: no release is installed; "
        "kitbench config set release.trusted_keys ed25519:… (or release.allow_unsigned true)"
    )


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:.0f} MB" if count >= 10_000_000 else f"{count / 1_000_000:.1f} MB"


def describe_release(status: Any) -> str:
    from app.sync import ReleaseState

    name = f"{status.name} v{status.version}"
    if status.state is ReleaseState.READY:
        how = "signed" if status.signed_by else "unsigned"
        return f"{name}: ready ({status.files_total} files, {how}) {status.path}"
    if status.state is ReleaseState.DOWNLOADING:
        return (
            f"{name}: downloading {status.files_done}/{status.files_total} files, "
            f"{_megabytes(status.bytes_done)} of {_megabytes(status.bytes_total)}"
        )
    words = REFUSALS[status.refusal.value] if status.refusal else "refused"
    return f"{name}: {words.format(file=status.refused_file)}"
