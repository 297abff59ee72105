"""Run the fleet backend under uvicorn on a socket bound up front.

Binding first lets `--port 0` report the port the system chose, and turns a port in use
into a clear error before anything starts.
"""

from __future__ import annotations

import errno
import signal
import socket

import uvicorn

from app.fleet.api import create_app
from app.fleet.database import FleetDatabase
from app.fleet.files import FileStore

DEFAULT_PORT = 8470


class PortInUseError(OSError):
    pass


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; connections queue on it until the server accepts them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(exc.errno, f"port {port} on {host} is already in use") from None
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    database: FleetDatabase, files: FileStore, sock: socket.socket, *, log_level: str = "info"
) -> None:
    """Serve until SIGINT or SIGTERM, then finish the requests in flight and return."""
    app = create_app(database, files)
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    # uvicorn re-raises the stop signal after its clean shutdown; with these handlers in
    # place that re-raise is a no-op, so a stopped backend exits 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    server.run(sockets=[sock])
