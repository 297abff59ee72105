"""The console's pages under /console/: server-rendered (Jinja2), every form a plain POST with
the session's CSRF token, no JavaScript needed.

A page needs a signed-in admin (the session cookie); a bearer token never opens it, and the
session cookie never opens the API (the API reads only `Authorization`).
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app import __version__
from app.fleet.console.accounts import Accounts, Session, same_token
from app.fleet.console.queries import RESULTS, ConsoleQueries, RunFilter
from app.fleet.database import (
    FleetDatabase,
    ReleaseConflictError,
    ReleaseNotFoundError,
    utc_now,
)
from app.fleet.files import FileStore
from app.fleet.orders import FleetOrders
from app.fleet.schemas import CHANNEL_PATTERN, as_utc

HERE = Path(__file__).parent
SESSION_COOKIE = "kitbench_console"
LOGIN_CSRF_COOKIE = "kitbench_console_login"
CSV_COLUMNS = (
    "id", "station", "serial", "imei1", "imei2", "model", "android_release", "template",
    "template_version", "order_number", "asset_tag", "operator", "result", "started_at",
    "finished_at", "error", "release_channel", "slot",
)  # fmt: skip

templates = Jinja2Templates(directory=HERE / "templates")


class SignInRequired(Exception):
    """A page was asked for without a session: go to the sign-in page, then come back."""

    def __init__(self, back_to: str) -> None:
        self.back_to = back_to


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else as_utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC")


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    seconds = int((datetime.now(UTC) - as_utc(moment)).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{max(seconds, 0)} s ago"


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:,} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1000  # type: ignore[assignment]
    return str(count)


templates.env.filters.update(when=_when, ago=_ago, size=_size)
templates.env.globals.update(version=__version__, results=RESULTS)


def mount_console(app: FastAPI, database: FleetDatabase, files: FileStore) -> ConsoleQueries:
    """Add the console to the API's app; returns its queries (the API records downloads)."""
    accounts = Accounts(database.engine)
    queries = ConsoleQueries(database, files)
    app.state.accounts = accounts
    app.state.console = queries
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")
    app.include_router(_router(accounts, queries, database), include_in_schema=False)

    async def sign_in_first(request: Request, exc: SignInRequired) -> Response:
        if request.headers.get("authorization"):
            return _page(
                request,
                "refused.html",
                None,
                status=401,
                reason="The console takes a signed-in admin, not a bearer token. Sign in.",
            )
        return RedirectResponse(f"/console/login?{urlencode({'next': exc.back_to})}", 303)

    app.add_exception_handler(SignInRequired, sign_in_first)  # type: ignore[arg-type]
    return queries


def _page(
    request: Request, template: str, session: Session | None, status: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, template, {"session": session, **context}, status_code=status
    )


def _refused(request: Request, session: Session | None, reason: str, status: int) -> HTMLResponse:
    return _page(request, "refused.html", session, status=status, reason=reason)


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict" if name == LOGIN_CSRF_COOKIE else "lax",
        secure=request.url.scheme == "https",
        path="/console/",
    )


def _parse_time(text: str, name: str, problems: list[str]) -> datetime | None:
    if not text.strip():
        return None
    try:
        return as_utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        problems.append(f"{name}: {text!r} is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)")
        return None


def _run_filter(request: Request) -> RunFilter:
    params = request.query_params

    def text(name: str) -> str:
        return params.get(name, "").strip()[:200]

    search = RunFilter(
        serial=text("serial"),
        imei=text("imei"),
        asset_tag=text("asset_tag"),
        order=text("order"),
        template=text("template"),
        station=text("station"),
    )
    result = params.get("result", "")
    if result in RESULTS:
        search.result = result
    elif result:
        search.problems.append(f"result: {result!r} is not one of {', '.join(RESULTS)}")
    search.since = _parse_time(params.get("since", ""), "from", search.problems)
    search.until = _parse_time(params.get("until", ""), "to", search.problems)
    return search


def _csv_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: no formula from a serial or an error message."""
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def signed_in(request: Request) -> Session:
    """The admin whose session cookie came with the request; else off to the sign-in page."""
    session = request.app.state.accounts.session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        back_to = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(back_to)
    return session


def form_from_console(session: Session, csrf: str) -> bool:
    return same_token(session.csrf_token, csrf)


Admin = Annotated[Session, Depends(signed_in)]
CsrfField = Annotated[str, Form()]


def _router(accounts: Accounts, queries: ConsoleQueries, database: FleetDatabase) -> APIRouter:
    router = APIRouter(prefix="/console")
    fleet_orders = FleetOrders(database.engine)

    # -- signing in and out

    @router.get("/", response_class=HTMLResponse)
    def home(_: Admin) -> Response:
        return RedirectResponse("/console/stations", 303)

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/console/stations") -> Response:
        if accounts.session(request.cookies.get(SESSION_COOKIE)) is not None:
            return RedirectResponse(_local(next), 303)
        return _login_page(request, next)

    def _login_page(
        request: Request, back_to: str, message: str = "", status: int = 200, name: str = ""
    ) -> Response:
        token = secrets.token_urlsafe(32)
        response = _page(
            request,
            "login.html",
            None,
            status=status,
            csrf=token,
            next=_local(back_to),
            message=message,
            name=name,
            signed_out=request.query_params.get("signed_out") == "1",
        )
        _set_cookie(request, response, LOGIN_CSRF_COOKIE, token)
        return response

    @router.post("/login", response_class=HTMLResponse)
    def login(
        request: Request,
        name: Annotated[str, Form(max_length=200)] = "",
        password: Annotated[str, Form(max_length=1000)] = "",
        csrf: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/console/stations",
    ) -> Response:
        if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), csrf):
            return _login_page(
                request, next, "The form expired or did not come from this console: try again.",
                403, name,
            )  # fmt: skip
        address = request.client.host if request.client else "unknown"
        outcome = accounts.sign_in(name.strip(), password, address)
        if outcome.address_refused_until is not None:
            until = outcome.address_refused_until.strftime("%H:%M UTC")
            return _login_page(
                request, next, f"Too many failed sign-ins from your address ({address}):"
                f" try again after {until}.", 429, name,
            )  # fmt: skip
        if outcome.locked_until is not None:
            until = outcome.locked_until.strftime("%H:%M UTC")
            return _login_page(
                request, next, f"Too many wrong passwords: {name} is locked until {until}.",
                429, name,
            )  # fmt: skip
        if outcome.session_id is None:
            return _login_page(request, next, "Wrong name or password.", 401, name)
        response = RedirectResponse(_local(next), 303)
        _set_cookie(request, response, SESSION_COOKIE, outcome.session_id)
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console/")
        return response

    @router.post("/logout")
    def logout(request: Request, session: Admin, csrf: Annotated[str, Form()] = "") -> Response:
        if not form_from_console(session, csrf):
            return _refused(request, session, "The form did not come from this console.", 403)
        accounts.sign_out(request.cookies.get(SESSION_COOKIE, ""))
        response = RedirectResponse("/console/login?signed_out=1", 303)
        response.delete_cookie(SESSION_COOKIE, path="/console/")
        return response

    # -- stations

    @router.get("/stations", response_class=HTMLResponse)
    def stations_page(request: Request, session: Admin) -> Response:
        found = queries.stations()
        return _page(
            request,
            "stations.html",
            session,
            stations=found,
            online=sum(1 for station in found if station["online"]),
            refresh=request.query_params.get("refresh") == "1",
        )

    @router.get("/stations/{name}", response_class=HTMLResponse)
    def station_page(request: Request, session: Admin, name: str) -> Response:
        station = queries.station(name)
        if station is None:
            return _refused(request, session, f"There is no station {name!r}.", 404)
        latest, after = queries.runs(RunFilter(station=name))
        return _page(
            request, "station.html", session, station=station, runs=latest, more=after is not None
        )

    # -- runs

    @router.get("/runs", response_class=HTMLResponse)
    def runs_page(request: Request, session: Admin, after: str = "") -> Response:
        search = _run_filter(request)
        page, next_cursor = queries.runs(search, after or None)
        items = search.query_items()
        return _page(
            request,
            "runs.html",
            session,
            search=search,
            runs=page,
            next_url=f"/console/runs?{urlencode([*items, ('after', next_cursor)])}"
            if next_cursor
            else None,
            csv_url=f"/console/runs.csv?{urlencode(items)}",
            first_url=f"/console/runs?{urlencode(items)}" if after else None,
            stations=queries.station_names(),
        )

    @router.get("/runs.csv")
    def runs_csv(request: Request, _: Admin) -> Response:
        search = _run_filter(request)

        def rows() -> Iterator[str]:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(CSV_COLUMNS)
            for count, run in enumerate(queries.all_runs(search), 1):
                writer.writerow([_csv_cell(run.get(column)) for column in CSV_COLUMNS])
                if count % 500 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        stamp = utc_now().strftime("%Y%m%d-%H%M")
        return StreamingResponse(
            rows(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="kitbench-runs-{stamp}.csv"'},
        )

    @router.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, session: Admin, run_id: str) -> Response:
        run = queries.run(run_id) if re.fullmatch(r"[0-9a-f]{32}", run_id) else None
        if run is None:
            return _refused(request, session, f"There is no run {run_id!r}.", 404)
        return _page(request, "run.html", session, run=run)

    # -- devices

    @router.get("/devices", response_class=HTMLResponse)
    def devices_page(
        request: Request,
        session: Admin,
        serial: Annotated[str, Query(max_length=200)] = "",
        after: Annotated[str, Query(max_length=200)] = "",
    ) -> Response:
        found, next_serial = queries.devices(serial.strip(), after)
        query = [("serial", serial)] if serial else []
        return _page(
            request,
            "devices.html",
            session,
            devices=found,
            serial=serial,
            next_url=f"/console/devices?{urlencode([*query, ('after', next_serial)])}"
            if next_serial
            else None,
        )

    @router.get("/devices/{serial:path}", response_class=HTMLResponse)
    def device_page(request: Request, session: Admin, serial: str) -> Response:
        history = queries.device_history(serial)
        if not history:
            return _refused(request, session, f"No run has seen a device {serial!r}.", 404)
        return _page(request, "device.html", session, serial=serial, runs=history)

    # -- orders

    @router.get("/orders", response_class=HTMLResponse)
    def orders_page(request: Request, session: Admin) -> Response:
        return _page(request, "orders.html", session, orders=fleet_orders.orders())

    @router.get("/orders/{number:path}", response_class=HTMLResponse)
    def order_page(request: Request, session: Admin, number: str) -> Response:
        order = fleet_orders.order(number)
        if order is None:
            return _refused(request, session, f"There is no order {number!r}.", 404)
        return _page(request, "order.html", session, order=order)

    # -- releases

    @router.get("/releases", response_class=HTMLResponse)
    def releases_page(request: Request, session: Admin) -> Response:
        found = queries.releases()
        channels = sorted({channel for release in found for channel in release["channels"]})
        current = {channel: database.current_releases(channel) for channel in channels}
        return _page(
            request, "releases.html", session, releases=found, channels=channels, current=current
        )

    @router.get("/releases/{name}/diff", response_class=HTMLResponse)
    def release_diff(
        request: Request, session: Admin, name: str, old: int = Query(0), new: int = Query(0)
    ) -> Response:
        diff = queries.diff(name, old, new)
        if diff is None:
            return _refused(request, session, f"{name} has no version {old} or {new}.", 404)
        return _page(request, "diff.html", session, name=name, old=old, new=new, diff=diff)

    @router.get("/releases/{name}/{version}", response_class=HTMLResponse)
    def release_page(request: Request, session: Admin, name: str, version: int) -> Response:
        release = queries.release(name, version)
        if release is None:
            return _refused(request, session, f"There is no release {name}@{version}.", 404)
        others = [found["version"] for found in database.releases(name=name)]
        channels = sorted(
            {"canary", "production"}
            | {channel for found in queries.releases() for channel in found["channels"]}
        )
        return _page(
            request,
            "release.html",
            session,
            release=release,
            versions=others,
            channels=channels,
            message=request.query_params.get("done", ""),
        )

    @router.post("/releases/{name}/{version}/promote")
    def promote(
        request: Request,
        session: Admin,
        name: str,
        version: int,
        csrf: CsrfField = "",
        channel: Annotated[str, Form()] = "",
    ) -> Response:
        if not form_from_console(session, csrf):
            return _refused(request, session, "The form did not come from this console.", 403)
        if not re.fullmatch(CHANNEL_PATTERN, channel):
            return _refused(
                request, session, f"{channel!r} is not a channel name (a-z, 0-9, . _ -).", 422
            )
        try:
            database.promote_release(name, version, channel, _actor(session))
        except ReleaseNotFoundError:
            return _refused(request, session, f"There is no release {name}@{version}.", 404)
        except ReleaseConflictError as exc:
            return _refused(request, session, str(exc), 409)
        done = f"Promoted to {channel}."
        return RedirectResponse(
            f"/console/releases/{name}/{version}?{urlencode({'done': done})}", 303
        )

    @router.post("/releases/{name}/{version}/withdraw")
    def withdraw(
        request: Request, session: Admin, name: str, version: int, csrf: CsrfField = ""
    ) -> Response:
        if not form_from_console(session, csrf):
            return _refused(request, session, "The form did not come from this console.", 403)
        try:
            database.withdraw_release(name, version, _actor(session))
        except ReleaseNotFoundError:
            return _refused(request, session, f"There is no release {name}@{version}.", 404)
        done = "Withdrawn from every channel: stations fall back at their next sync."
        return RedirectResponse(
            f"/console/releases/{name}/{version}?{urlencode({'done': done})}", 303
        )

    # -- station tokens

    @router.get("/tokens", response_class=HTMLResponse)
    def tokens_page(request: Request, session: Admin) -> Response:
        return _page(request, "tokens.html", session, stations=queries.stations(), message="")

    @router.post("/tokens", response_class=HTMLResponse)
    def create_token(
        request: Request,
        session: Admin,
        csrf: CsrfField = "",
        station: Annotated[str, Form()] = "",
    ) -> Response:
        if not form_from_console(session, csrf):
            return _refused(request, session, "The form did not come from this console.", 403)
        station = station.strip()
        if not station or len(station) > 200:
            return _refused(request, session, "A station name is 1 to 200 characters.", 422)
        token = database.create_token(station)
        return _page(
            request,
            "tokens.html",
            session,
            status=201,
            stations=queries.stations(),
            created=station,
            token=token,
            message="",
        )

    @router.post("/tokens/{station}/revoke", response_class=HTMLResponse)
    def revoke_token(
        request: Request, session: Admin, station: str, csrf: CsrfField = ""
    ) -> Response:
        if not form_from_console(session, csrf):
            return _refused(request, session, "The form did not come from this console.", 403)
        if not queries.revoke_token(station):
            return _refused(request, session, f"There is no station {station!r}.", 404)
        return _page(
            request,
            "tokens.html",
            session,
            stations=queries.stations(),
            message=f"{station}'s token is revoked: its next sync is refused.",
        )

    return router


def _actor(session: Session) -> str:
    """Who the release history names for a console action."""
    return f"{session.admin} (console)"


def _local(path: str) -> str:
    """Only a path inside the console: a sign-in never sends anyone elsewhere."""
    return (
        path
        if path.startswith("/console/") and "//" not in path and "\\" not in path
        else ("/console/stations")
    )
