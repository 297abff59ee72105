"""The fleet console: the backend's web pages for the admin who runs the benches."""

from app.fleet.console.accounts import AccountError, Accounts
from app.fleet.console.routes import mount_console

__all__ = ["AccountError", "Accounts", "mount_console"]
