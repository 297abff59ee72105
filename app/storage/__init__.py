"""The station store: SQLite (WAL) under the data dir, one writer, migrations, history, outbox."""

from app.storage.config import Config, ConfigError, UnknownKeyError
from app.storage.database import StationProblemError, StoreError
from app.storage.history import Cursor, RunFilter, page_cursor
from app.storage.problems import classify_problem, station_problem
from app.storage.recorder import RunRecorder
from app.storage.store import Store

__all__ = [
    "Config",
    "ConfigError",
    "Cursor",
    "RunFilter",
    "RunRecorder",
    "StationProblemError",
    "Store",
    "StoreError",
    "UnknownKeyError",
    "classify_problem",
    "page_cursor",
    "station_problem",
]
