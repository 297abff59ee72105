"""What keeps the API to its own OpenAPI document (checked by schemathesis in the tests):
query times in one documented shape, `/files/missing` never taken for a file named "missing"
(so a wrong method on it is 405, not the file route's 403), and a 405's `Allow` listing
every method the path has."""

from __future__ import annotations

from datetime import datetime

from fastapi import HTTPException, Request
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Match

from app.fleet.schemas import as_utc

# ISO-8601 date and time; without an offset it is UTC (docs/sync-api.md).
DATE_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$"


def parse_query_time(name: str, text: str) -> datetime:
    """A query parameter's time in UTC; 422 for a date that does not exist or leaves UTC."""
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError as exc:
        raise HTTPException(422, f"query.{name}: {exc}") from None


class FileNameConvertor(Convertor[str]):
    """A path segment naming a file: anything but `missing` (the sha256 pattern then says
    what is wrong with it, 422)."""

    regex = "(?!missing$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("file", FileNameConvertor())


def allowed_methods(request: Request) -> str:
    """Every method some route of this path answers, for a 405's `Allow` header."""
    scope = {**request.scope, "method": "GET"}
    methods: set[str] = set()
    for route in request.app.router.routes:
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(scope)[0] is not Match.NONE:
            methods |= set(route_methods)
    return ", ".join(sorted(methods))
