"""The reference fleet backend: stations post their runs here, admins publish templates."""

from app.fleet.api import create_app
from app.fleet.database import DatabaseError, FleetDatabase, default_database_url
from app.fleet.server import DEFAULT_PORT, PortInUseError, bind, serve, url_of

__all__ = [
    "DEFAULT_PORT",
    "DatabaseError",
    "FleetDatabase",
    "PortInUseError",
    "bind",
    "create_app",
    "default_database_url",
    "serve",
    "url_of",
]
