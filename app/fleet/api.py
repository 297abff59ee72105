"""The fleet backend's HTTP API under /api/v1/ (documented in docs/sync-api.md).

Every error is a 4xx JSON object with a human "detail" string; a 5xx means a bug or a
database that went away, never bad input.
"""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__
from app.fleet.conformance import DATE_TIME_PATTERN, allowed_methods, parse_query_time
from app.fleet.console import mount_console
from app.fleet.database import (
    FleetDatabase,
    Principal,
    ReleaseConflictError,
    ReleaseNotFoundError,
    Role,
    default_files_dir,
    utc_now,
)
from app.fleet.files import FileStore, UploadConflictError, UploadInvalidError
from app.fleet.leases import BlockOut, BlockRequest, SeqLeases
from app.fleet.orders import FleetOrders
from app.fleet.schemas import (
    CHANNEL_PATTERN,
    MAX_BODY_BYTES,
    MAX_INT,
    MAX_RUNS_PER_PAGE,
    SHA256_PATTERN,
    TEMPLATE_NAME_PATTERN,
    BatchReceipt,
    ChannelIn,
    ChannelOut,
    DeviceList,
    ErrorOut,
    FileMissing,
    FilesMissing,
    FilesQuery,
    HeartbeatIn,
    HeartbeatOut,
    OrderBatch,
    OrderDetail,
    OrderList,
    OrderReceipt,
    ReleaseEventList,
    ReleaseIn,
    ReleaseList,
    ReleaseOut,
    ReleaseReceipt,
    RunBatch,
    RunList,
    StationList,
    UploadOut,
)
from app.templates.release import Manifest, ManifestError, signature_valid
from app.templates.yaml_nodes import YamlSyntaxError, load_marked

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024  # what `kitbench publish` sends per PATCH (under 10 MiB)
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not valid JSON"},
    401: {"model": ErrorOut, "description": "Missing or unknown token"},
    403: {"model": ErrorOut, "description": "The token's role may not do this"},
    413: {"model": ErrorOut, "description": f"Body over {MAX_BODY_BYTES} bytes"},
    422: {"model": ErrorOut, "description": "The body or a parameter is invalid"},
}


def authenticated(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    """Who the bearer token belongs to; every endpoint requires one."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401,
            "missing token: send 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = request.app.state.database.principal_for_token(token.strip())
    if principal is None:
        raise HTTPException(401, "token rejected", headers={"WWW-Authenticate": "Bearer"})
    return principal


def allowed(*roles: Role, to: str) -> Any:
    """A dependency: the caller, when its role is one of `roles`; else 403 saying what not."""

    def check(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if principal.role not in roles:
            raise HTTPException(403, f"a {principal.role} token may not {to}")
        return principal

    return Depends(check)


AnyRole = (Role.STATION, Role.PUBLISHER, Role.CONSOLE)
StationOnly = Annotated[Principal, allowed(Role.STATION, to="send runs or heartbeats")]
Publisher = Annotated[Principal, allowed(Role.PUBLISHER, to="publish, promote or withdraw")]
ReleaseReader = Annotated[Principal, allowed(*AnyRole, to="read releases")]
RunReader = Annotated[Principal, allowed(Role.STATION, Role.CONSOLE, to="read runs")]
FleetReader = Annotated[Principal, allowed(Role.CONSOLE, to="read the whole fleet")]
OrderSender = Annotated[Principal, allowed(Role.STATION, to="send orders")]
OrderReader = Annotated[Principal, allowed(Role.STATION, Role.CONSOLE, to="read orders")]
SeqLeaser = Annotated[Principal, allowed(Role.STATION, to="lease {seq} numbers")]
AuditReader = Annotated[
    Principal, allowed(Role.PUBLISHER, Role.CONSOLE, to="read the release history")
]
TemplateName = Annotated[str, Path(pattern=TEMPLATE_NAME_PATTERN, max_length=200)]
Version = Annotated[int, Path(ge=0, le=MAX_INT)]
Sha256 = Annotated[str, Path(pattern=SHA256_PATTERN)]


def create_app(database: FleetDatabase, files: FileStore | None = None) -> FastAPI:
    """The API over `database`, with release files in `files` (default: beside an SQLite
    database file, else in the data dir)."""
    if files is None:
        url = database.engine.url.render_as_string(hide_password=False)
        files = FileStore(default_files_dir(url))
    app = FastAPI(
        title="Kitbench fleet backend",
        version=__version__,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
        responses=ERRORS,
    )
    app.add_middleware(BodySizeLimit, limit=MAX_BODY_BYTES)
    app.add_middleware(ServerTiming)
    # Starlette types a handler as taking any Exception; it passes the class registered.
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)

    app.state.database = database
    app.state.files = files
    console = mount_console(app, database, files)

    @app.post(f"{PREFIX}/runs", response_model=BatchReceipt, tags=["runs"])
    def post_runs(batch: RunBatch, caller: StationOnly) -> BatchReceipt:
        """Store a batch of runs; a run whose id is already stored is reported as a duplicate,
        except that a finished copy of a stored interrupted run replaces it (accepted)."""
        runs = [run.model_dump() for run in batch.runs]
        accepted, duplicates = database.add_runs(caller.name, runs)
        return BatchReceipt(accepted=accepted, duplicates=duplicates)

    @app.get(f"{PREFIX}/runs", response_model=RunList, tags=["runs"])
    def get_runs(
        caller: RunReader,
        station: str | None = None,
        serial: str | None = None,
        template: str | None = None,
        order: Annotated[str | None, Query(description="Runs for this kitting order")] = None,
        since: Annotated[
            str | None,
            Query(
                description="Runs started at or after this ISO-8601 date and time (UTC without"
                " an offset)",
                pattern=DATE_TIME_PATTERN,
            ),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_RUNS_PER_PAGE)] = 1000,
        offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
    ) -> dict:
        """Runs newest first (by start time). A station reads only its own."""
        if caller.role is Role.STATION:
            if station not in (None, caller.name):
                raise HTTPException(403, "a station token may read only its own station's runs")
            station = caller.name
        started_after = None if since is None else parse_query_time("since", since)
        found = database.list_runs(
            station=station,
            serial=serial,
            template=template,
            order=order,
            since=started_after,
            limit=limit,
            offset=offset,
        )
        return {"runs": found}

    @app.get(f"{PREFIX}/devices", response_model=DeviceList, tags=["runs"])
    def get_devices(_: FleetReader) -> dict:
        """Every device seen, with its latest run."""
        return {"devices": database.devices()}

    fleet_orders = FleetOrders(database.engine)

    @app.post(f"{PREFIX}/orders", response_model=OrderReceipt, tags=["orders"])
    def post_orders(batch: OrderBatch, caller: OrderSender) -> OrderReceipt:
        """Store a station's kitting orders: the last copy of an order sent wins, but an
        order any station closed stays closed."""
        stored = fleet_orders.store(caller.name, [order.model_dump() for order in batch.orders])
        return OrderReceipt(stored=stored)

    @app.get(f"{PREFIX}/orders", response_model=OrderList, tags=["orders"])
    def get_orders(caller: OrderReader) -> dict:
        """Every order with its counts across stations; a station's: the orders it works on."""
        station = caller.name if caller.role is Role.STATION else None
        return {"orders": fleet_orders.orders(station=station)}

    @app.get(
        f"{PREFIX}/orders/{{number}}",
        response_model=OrderDetail,
        responses={404: {"model": ErrorOut}},
        tags=["orders"],
    )
    def get_order(number: Annotated[str, Path(max_length=64)], caller: OrderReader) -> dict:
        """One order: its counts and each device once, across every station on it."""
        station = caller.name if caller.role is Role.STATION else None
        found = fleet_orders.order(number, station=station)
        if found is None:
            raise HTTPException(404, f"no order {number}" + (
                " that this station works on" if station else ""))  # fmt: skip
        return found

    @app.post(f"{PREFIX}/heartbeat", response_model=HeartbeatOut, tags=["stations"])
    def heartbeat(body: HeartbeatIn, caller: StationOnly) -> HeartbeatOut:
        """A station says it is alive and how many runs it still has to send."""
        server_time = database.record_heartbeat(caller.name, body.waiting, body.version)
        return HeartbeatOut(station=caller.name, server_time=server_time)

    leases = SeqLeases(database.engine)

    @app.post(f"{PREFIX}/seq/blocks", response_model=BlockOut, tags=["stations"])
    def lease_seq_block(body: BlockRequest, caller: SeqLeaser) -> BlockOut:
        """A block of `{seq}` numbers of a series no station ever got (docs/sync-api.md)."""
        block = leases.lease(body.series, body.size, body.at_least, caller.name, utc_now())
        return BlockOut(series=block.series, first=block.first, last=block.last)

    @app.get(f"{PREFIX}/stations", response_model=StationList, tags=["stations"])
    def list_stations(_: FleetReader) -> dict:
        """Every station with its last heartbeat and how many runs it had waiting then."""
        return {"stations": database.stations()}

    # -- files

    @app.post(f"{PREFIX}/files/missing", response_model=FilesMissing, tags=["files"])
    def files_missing(body: FilesQuery, _: Publisher) -> FilesMissing:
        """Which of these files the backend lacks, each with the bytes it already holds."""
        missing = []
        for wanted in body.files:
            state = files.state(wanted.sha256)
            if not (state.complete and state.offset == wanted.size):
                missing.append(FileMissing(sha256=wanted.sha256, offset=state.offset))
        return FilesMissing(missing=missing)

    @app.patch(
        f"{PREFIX}/files/{{sha256:file}}",
        response_model=UploadOut,
        responses={409: {"model": ErrorOut, "description": "Upload-Offset is not where it is"}},
        tags=["files"],
    )
    async def upload_chunk(
        sha256: Sha256,
        request: Request,
        _: Publisher,
        upload_offset: Annotated[int, Header(ge=0, le=2**62)],
        upload_length: Annotated[int, Header(ge=0, le=2**62)],
    ) -> UploadOut:
        """Append one chunk of a file (at most 10 MiB); the last one completes it."""
        data = await request.body()
        try:
            state = await run_in_threadpool(
                files.append, sha256, upload_offset, upload_length, data
            )
        except UploadConflictError as exc:
            raise HTTPException(409, str(exc), headers={"Upload-Offset": str(exc.offset)}) from None
        except UploadInvalidError as exc:
            raise HTTPException(422, str(exc)) from None
        return UploadOut(sha256=sha256, offset=state.offset, complete=state.complete)

    @app.get(
        f"{PREFIX}/files/{{sha256:file}}",
        response_class=FileResponse,
        responses={200: {"content": {"application/octet-stream": {}}}, 404: {"model": ErrorOut}},
        tags=["files"],
    )
    def download_file(sha256: Sha256, caller: ReleaseReader) -> FileResponse:
        """A stored file; `Range: bytes=N-` resumes an interrupted download (206)."""
        if not files.content.has(sha256):
            raise HTTPException(404, f"no file {sha256}")
        if caller.role is Role.STATION:
            console.record_download(caller.name, sha256)  # the console's "downloaded by"
        return FileResponse(files.content.path(sha256), media_type="application/octet-stream")

    # -- releases

    @app.post(
        f"{PREFIX}/releases",
        response_model=ReleaseReceipt,
        status_code=201,
        responses={
            200: {"model": ReleaseReceipt, "description": "Already published, same manifest"},
            409: {"model": ErrorOut, "description": "Other content, withdrawn, or files missing"},
        },
        tags=["releases"],
    )
    def publish_release(body: ReleaseIn, caller: Publisher, response: Response) -> ReleaseReceipt:
        """Publish a release to a channel, atomically: refused while any file is missing."""
        manifest = _checked_manifest(body, files)
        try:
            stored_now, _added = database.publish_release(
                name=manifest.name,
                version=manifest.version,
                manifest=body.manifest,
                signature=body.signature,
                key=body.key,
                channel=body.channel,
                actor=caller.name,
            )
        except ReleaseConflictError as exc:
            raise HTTPException(409, str(exc)) from None
        if not stored_now:
            response.status_code = 200
        return ReleaseReceipt(
            name=manifest.name,
            version=manifest.version,
            manifest_sha256=manifest.sha256,
            channel=body.channel,
        )

    @app.get(f"{PREFIX}/releases", response_model=ReleaseList, tags=["releases"])
    def list_releases(
        _: ReleaseReader, name: str | None = None, channel: str | None = None
    ) -> dict:
        """Every release (withdrawn ones too), by name then version."""
        return {"releases": database.releases(name=name, channel=channel)}

    @app.get(
        f"{PREFIX}/releases/{{name}}/{{version}}",
        response_model=ReleaseOut,
        responses={404: {"model": ErrorOut}},
        tags=["releases"],
    )
    def get_release(name: TemplateName, version: Version, _: ReleaseReader) -> dict:
        found = database.release(name, version)
        if found is None:
            raise HTTPException(404, f"no release {name}@{version}")
        return found

    @app.post(
        f"{PREFIX}/releases/{{name}}/{{version}}/promote",
        response_model=ReleaseReceipt,
        responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
        tags=["releases"],
    )
    def promote_release(
        name: TemplateName, version: Version, body: ChannelIn, caller: Publisher
    ) -> ReleaseReceipt:
        """Put a published release in another channel too; nothing is uploaded again."""
        try:
            database.promote_release(name, version, body.channel, caller.name)
        except ReleaseNotFoundError as exc:
            raise HTTPException(404, str(exc)) from None
        except ReleaseConflictError as exc:
            raise HTTPException(409, str(exc)) from None
        return _receipt(name, version, body.channel)

    @app.post(
        f"{PREFIX}/releases/{{name}}/{{version}}/withdraw",
        response_model=ReleaseReceipt,
        responses={404: {"model": ErrorOut}},
        tags=["releases"],
    )
    def withdraw_release(name: TemplateName, version: Version, caller: Publisher) -> ReleaseReceipt:
        """Take a release back from every channel; stations fall back at their next sync."""
        try:
            database.withdraw_release(name, version, caller.name)
        except ReleaseNotFoundError as exc:
            raise HTTPException(404, str(exc)) from None
        return _receipt(name, version, None)

    @app.get(f"{PREFIX}/channels/{{channel}}", response_model=ChannelOut, tags=["releases"])
    def get_channel(
        channel: Annotated[str, Path(pattern=CHANNEL_PATTERN)], _: ReleaseReader
    ) -> dict:
        """What a station following this channel offers: per template, its newest release
        in the channel that was not withdrawn."""
        return {"channel": channel, "releases": database.current_releases(channel)}

    @app.get(f"{PREFIX}/release-events", response_model=ReleaseEventList, tags=["releases"])
    def list_release_events(
        _: AuditReader, limit: Annotated[int, Query(ge=1, le=MAX_RUNS_PER_PAGE)] = 1000
    ) -> dict:
        """Who published, promoted and withdrew what, when; newest first."""
        return {"events": database.release_events(limit)}

    def _receipt(name: str, version: int, channel: str | None) -> ReleaseReceipt:
        found = database.release(name, version)
        assert found is not None  # it was just changed
        return ReleaseReceipt(
            name=name, version=version, manifest_sha256=found["manifest_sha256"], channel=channel
        )

    return app


def _checked_manifest(body: ReleaseIn, files: FileStore) -> Manifest:
    """The manifest, its signature (when given), its files and its template, or a 4xx."""
    try:
        manifest = Manifest.from_bytes(body.manifest.encode("utf-8"))
    except ManifestError as exc:
        raise HTTPException(422, f"manifest: {exc}") from None
    if (body.signature is None) != (body.key is None):
        raise HTTPException(422, "signature and key go together: give both or neither")
    signed = body.signature is not None and body.key is not None
    if signed and not signature_valid(str(body.key), manifest.to_bytes(), str(body.signature)):
        raise HTTPException(422, "signature: does not verify with the key given")
    missing = [entry for entry in manifest.all_files if not files.has(entry.sha256, entry.size)]
    if missing:
        named = ", ".join(f"{entry.path} ({entry.sha256[:12]}…)" for entry in missing[:10])
        raise HTTPException(409, f"files missing on the backend, upload them first: {named}")
    _check_template_text(manifest, files.content.path(manifest.template.sha256).read_bytes())
    return manifest


def _check_template_text(manifest: Manifest, data: bytes) -> None:
    """The template must be YAML naming the same template and version as its manifest."""
    # The station's own YAML reader: positions, no recursion error on deep nesting, a cap on
    # alias bombs, and duplicate keys or unknown tags refused.
    try:
        marked = load_marked(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise HTTPException(422, "template: not UTF-8 text") from None
    except YamlSyntaxError as exc:
        where = f"line {exc.position.line} column {exc.position.column}"
        raise HTTPException(422, f"template: not valid YAML: {where}: {exc.message}") from None
    if marked is not None and marked.problems:
        position, problem = marked.problems[0]
        where = f"line {position.line} column {position.column}"
        raise HTTPException(422, f"template: not valid YAML: {where}: {problem}")
    document = None if marked is None else marked.data
    if not isinstance(document, dict):
        raise HTTPException(422, "template: a template is a YAML mapping")
    if document.get("name") != manifest.name or document.get("version") != manifest.version:
        raise HTTPException(
            422,
            f"template: it says name {document.get('name')!r} version "
            f"{document.get('version')!r}, the manifest {manifest.name!r} version "
            f"{manifest.version}",
        )


def describe_errors(errors: list[dict]) -> str:
    """Pydantic's error list as one line a person can act on."""
    parts = []
    for error in errors[:20]:
        location = [str(part) for part in error.get("loc", ())]
        if len(location) > 1 and location[0] == "body":
            location = location[1:]
        parts.append(f"{'.'.join(location) or 'request'}: {error.get('msg')}")
    if len(errors) > 20:
        parts.append(f"… and {len(errors) - 20} more")
    return "; ".join(parts)


async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in errors):
        return JSONResponse({"detail": f"body is not valid JSON: {describe_errors(errors)}"}, 400)
    return JSONResponse({"detail": describe_errors(errors)}, 422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return JSONResponse({"detail": str(exc.detail)}, exc.status_code, headers=headers)


async def _unexpected_error(_: Request, exc: Exception) -> JSONResponse:
    log.exception("fleet backend: unexpected error", exc_info=exc)
    return JSONResponse({"detail": "internal error; see the backend's log"}, 500)


class ServerTiming:
    """`Server-Timing: app;dur=MS` on every response: the time the backend took until the
    response's headers were ready (queries and page rendering, not the network), as a
    browser's developer tools and the console benchmark read it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000
                MutableHeaders(scope=message).append("Server-Timing", f"app;dur={took:.1f}")
            await send(message)

        await self.app(scope, receive, timed_send)


class BodySizeLimit:
    """Refuse bodies over `limit` bytes with 413, without reading more of them into memory."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(send)
            return
        received = 0
        too_big = False

        async def counting_receive() -> Message:
            nonlocal received, too_big
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Hand the app an empty end of body; its answer is replaced below.
                    too_big = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def guarded_send(message: Message) -> None:
            if not too_big:
                await send(message)

        await self.app(scope, counting_receive, guarded_send)
        if too_big:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"body too large: the limit is {self.limit} bytes; send smaller batches"},
            413,
        )
        await response({"type": "http"}, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
