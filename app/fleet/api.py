"""The fleet backend's HTTP API under /api/v1/ (documented in docs/sync-api.md).

Every error is a 4xx JSON object with a human "detail" string; a 5xx means a bug or a
database that went away, never bad input.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__
from app.fleet.database import FleetDatabase
from app.fleet.schemas import (
    MAX_BODY_BYTES,
    MAX_INT,
    MAX_RUNS_PER_PAGE,
    BatchReceipt,
    DeviceList,
    ErrorOut,
    HeartbeatIn,
    HeartbeatOut,
    RunBatch,
    RunList,
    StationList,
    TemplateIn,
    TemplateList,
    TemplateOut,
    TemplateReceipt,
    as_utc,
)
from app.templates.yaml_nodes import YamlSyntaxError, load_marked

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing or unknown station token"},
    413: {"model": ErrorOut, "description": f"Body over {MAX_BODY_BYTES} bytes"},
    422: {"model": ErrorOut, "description": "The body or a parameter is invalid"},
}


def authenticated_station(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> str:
    """The station named by the bearer token; every endpoint requires one."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401,
            "missing station token: send 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    name = request.app.state.database.station_for_token(token.strip())
    if name is None:
        raise HTTPException(401, "station token rejected", headers={"WWW-Authenticate": "Bearer"})
    return name


Station = Annotated[str, Depends(authenticated_station)]


def create_app(database: FleetDatabase) -> FastAPI:
    app = FastAPI(
        title="Kitbench fleet backend",
        version=__version__,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
        responses=ERRORS,
    )
    app.add_middleware(BodySizeLimit, limit=MAX_BODY_BYTES)
    # Starlette types a handler as taking any Exception; it passes the class registered.
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)

    app.state.database = database

    @app.post(f"{PREFIX}/runs", response_model=BatchReceipt, tags=["runs"])
    def post_runs(batch: RunBatch, station: Station) -> BatchReceipt:
        """Store a batch of runs; a run whose id is already stored is reported as a duplicate,
        except that a finished copy of a stored interrupted run replaces it (accepted)."""
        accepted, duplicates = database.add_runs(station, [run.model_dump() for run in batch.runs])
        return BatchReceipt(accepted=accepted, duplicates=duplicates)

    @app.get(f"{PREFIX}/runs", response_model=RunList, tags=["runs"])
    def get_runs(
        _: Station,
        station: str | None = None,
        serial: str | None = None,
        template: str | None = None,
        since: Annotated[datetime | None, Query(description="Runs started at or after")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_RUNS_PER_PAGE)] = 1000,
        offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
    ) -> dict:
        """Runs newest first (by start time)."""
        if since is not None:
            try:
                since = as_utc(since)  # a time without an offset is UTC
            except ValueError as exc:
                raise HTTPException(422, f"query.since: {exc}") from None
        found = database.list_runs(
            station=station,
            serial=serial,
            template=template,
            since=since,
            limit=limit,
            offset=offset,
        )
        return {"runs": found}

    @app.get(f"{PREFIX}/devices", response_model=DeviceList, tags=["runs"])
    def get_devices(_: Station) -> dict:
        """Every device seen, with its latest run."""
        return {"devices": database.devices()}

    @app.post(
        f"{PREFIX}/templates",
        response_model=TemplateReceipt,
        status_code=201,
        responses={
            200: {"model": TemplateReceipt, "description": "Already published, same content"},
            409: {"model": ErrorOut, "description": "That version exists with other content"},
        },
        tags=["templates"],
    )
    def publish_template(body: TemplateIn, _: Station, response: Response) -> TemplateReceipt:
        """Publish a template version; versions are immutable."""
        _check_template_text(body)
        sha256, stored_now = database.publish_template(body.name, body.version, body.yaml)
        receipt = TemplateReceipt(name=body.name, version=body.version, sha256=sha256)
        if stored_now:
            return receipt
        if sha256 != hashlib.sha256(body.yaml.encode()).hexdigest():
            raise HTTPException(
                409,
                f"template {body.name} version {body.version} is already published with other "
                "content: publish it under a new version",
            )
        response.status_code = 200
        return receipt

    @app.get(f"{PREFIX}/templates", response_model=TemplateList, tags=["templates"])
    def list_templates(_: Station) -> dict:
        return {"templates": database.list_templates()}

    @app.get(
        f"{PREFIX}/templates/{{name}}/{{version}}",
        response_model=TemplateOut,
        responses={404: {"model": ErrorOut}},
        tags=["templates"],
    )
    def get_template(
        name: str, version: Annotated[int, Path(ge=0, le=MAX_INT)], _: Station
    ) -> dict:
        found = database.get_template(name, version)
        if found is None:
            raise HTTPException(404, f"no template {name} version {version}")
        return found

    @app.post(f"{PREFIX}/heartbeat", response_model=HeartbeatOut, tags=["stations"])
    def heartbeat(body: HeartbeatIn, station: Station) -> HeartbeatOut:
        """A station says it is alive and how many runs it still has to send."""
        server_time = database.record_heartbeat(station, body.waiting, body.version)
        return HeartbeatOut(station=station, server_time=server_time)

    @app.get(f"{PREFIX}/stations", response_model=StationList, tags=["stations"])
    def list_stations(_: Station) -> dict:
        """Every station with its last heartbeat and how many runs it had waiting then."""
        return {"stations": database.stations()}

    return app


def _check_template_text(body: TemplateIn) -> None:
    """The YAML must parse and name the same template and version as the request."""
    # The station's own YAML reader: positions, no recursion error on deep nesting, a cap on
    # alias bombs, and duplicate keys or unknown tags refused.
    try:
        marked = load_marked(body.yaml)
    except YamlSyntaxError as exc:
        where = f"line {exc.position.line} column {exc.position.column}"
        raise HTTPException(422, f"yaml: not valid YAML: {where}: {exc.message}") from None
    if marked is not None and marked.problems:
        position, problem = marked.problems[0]
        where = f"line {position.line} column {position.column}"
        raise HTTPException(422, f"yaml: not valid YAML: {where}: {problem}")
    document = None if marked is None else marked.data
    if not isinstance(document, dict):
        raise HTTPException(422, "yaml: a template is a YAML mapping")
    if document.get("name") != body.name or document.get("version") != body.version:
        raise HTTPException(
            422,
            f"yaml: the template says name {document.get('name')!r} version "
            f"{document.get('version')!r}, the request {body.name!r} version {body.version}",
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


async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    return JSONResponse(
        {"detail": str(exc.detail)}, exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _unexpected_error(_: Request, exc: Exception) -> JSONResponse:
    log.exception("fleet backend: unexpected error", exc_info=exc)
    return JSONResponse({"detail": "internal error; see the backend's log"}, 500)


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
