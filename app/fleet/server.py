"""Run the fleet backend under uvicorn on a socket bound up front, in one process or several.

Binding first lets `--port 0` report the port the system chose, and turns a port in use
into a clear error before anything starts. Several workers (`serve_workers`) are uvicorn's
own supervisor over that one socket: each worker process opens its own connection pool on
the shared PostgreSQL database and keeps nothing a request needs in its memory (console
sessions, CSRF tokens and lockouts are rows), so any worker may serve any request.
"""

from __future__ import annotations

import errno
import functools
import logging
import signal
import socket
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from app.fleet.api import create_app
from app.fleet.database import DatabaseError, FleetDatabase
from app.fleet.files import FileStore

DEFAULT_PORT = 8470


class PortInUseError(OSError):
    pass


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; connections queue on it until the server accepts them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said outright: asyncio turns Nagle off (TCP_NODELAY) only on sockets that
    # say so, and a kept-alive connection without it waited ~40 ms for each response's body.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
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


@dataclass(frozen=True)
class Tls:
    """uvicorn's own TLS: a PEM certificate chain and its private key."""

    certfile: Path
    keyfile: Path

    def check(self) -> None:
        """Load the pair once up front, so a wrong file is a message, not a worker's crash."""
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
                self.certfile, self.keyfile
            )
        except (OSError, ssl.SSLError) as exc:
            raise TlsError(
                f"cannot use {self.certfile} with {self.keyfile}: {exc.strerror or exc}"
            ) from None


class TlsError(ValueError):
    pass


def url_of(sock: socket.socket, tls: Tls | None = None) -> str:
    host, port = sock.getsockname()[:2]
    scheme = "https" if tls else "http"
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def serve(
    database: FleetDatabase,
    files: FileStore,
    sock: socket.socket,
    *,
    log_level: str = "info",
    tls: Tls | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM, then finish the requests in flight and return."""
    app = create_app(database, files)
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        ssl_certfile=None if tls is None else tls.certfile,
        ssl_keyfile=None if tls is None else tls.keyfile,
    )
    server = uvicorn.Server(config)
    # uvicorn re-raises the stop signal after its clean shutdown; with these handlers in
    # place that re-raise is a no-op, so a stopped backend exits 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    server.run(sockets=[sock])


def worker_app(db_url: str | None, files_dir: str) -> FastAPI:
    """One worker process's app, with its own connection pool on the shared database."""
    try:
        database = FleetDatabase.open(db_url)
    except DatabaseError as exc:
        logging.getLogger("uvicorn.error").error("%s", exc)
        sys.exit(STARTUP_FAILURE)  # the supervisor stops instead of restarting it forever
    return create_app(database, FileStore(Path(files_dir)))


def serve_workers(
    db_url: str | None,
    files: FileStore,
    sock: socket.socket,
    workers: int,
    *,
    log_level: str,
    tls: Tls | None = None,
) -> bool:
    """Serve from `workers` processes sharing `sock` until SIGINT or SIGTERM, restarting a
    worker that dies; whether every worker started (False: a worker could not start)."""
    config = uvicorn.Config(
        functools.partial(worker_app, db_url, str(files.root)),
        factory=True,
        workers=workers,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        ssl_certfile=None if tls is None else tls.certfile,
        ssl_keyfile=None if tls is None else tls.keyfile,
    )
    supervisor = Multiprocess(config, sockets=[sock])
    supervisor.run()
    return all(worker.exitcode != STARTUP_FAILURE for worker in supervisor.processes)
