"""The reference fleet backend: stations post their runs here; CI publishes releases."""

from app.fleet.api import create_app
from app.fleet.database import (
    DatabaseError,
    FleetDatabase,
    Principal,
    Role,
    default_database_url,
    default_files_dir,
)
from app.fleet.files import FileStore
from app.fleet.server import (
    DEFAULT_PORT,
    PortInUseError,
    Tls,
    TlsError,
    bind,
    serve,
    serve_workers,
    url_of,
)

__all__ = [
    "DEFAULT_PORT",
    "DatabaseError",
    "FileStore",
    "FleetDatabase",
    "PortInUseError",
    "Principal",
    "Role",
    "Tls",
    "TlsError",
    "bind",
    "create_app",
    "default_database_url",
    "default_files_dir",
    "serve",
    "serve_workers",
    "url_of",
]
