"""A TCP transport for adb-shell that sends every byte and notices a closed connection.

adb-shell 0.4.4's TcpTransport writes each packet with a single `socket.send` and
ignores short writes (its issue #205), so large pushes stall. This one sends the whole
packet within the timeout. Its reads also treat end-of-stream as a disconnection:
the stock transport returns b"" and adb-shell then spins until its read timeout.
Waiting uses socket timeouts (poll inside CPython), so hundreds of sessions in one
process never hit select()'s descriptor limit, and TCP_NODELAY keeps adb-shell's
separate header and payload writes from waiting on delayed ACKs.
"""

from __future__ import annotations

import socket

from adb_shell.exceptions import TcpTimeoutException
from adb_shell.transport.tcp_transport import TcpTransport


class FullWriteTcpTransport(TcpTransport):  # type: ignore[misc]  # adb-shell has no types
    def connect(self, transport_timeout_s: float | None) -> None:
        self._connection = socket.create_connection(
            (self._host, self._port), timeout=transport_timeout_s
        )
        self._connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def bulk_read(self, numbytes: int, transport_timeout_s: float | None) -> bytes:
        connection = self._require_connection()
        connection.settimeout(transport_timeout_s)
        try:
            data = connection.recv(numbytes)
        except TimeoutError:
            raise TcpTimeoutException(
                f"Reading from {self._host}:{self._port} timed out ({transport_timeout_s} s)"
            ) from None
        if not data:
            raise ConnectionResetError(f"{self._host}:{self._port} closed the connection")
        return data

    def bulk_write(self, data: bytes, transport_timeout_s: float | None) -> int:
        connection = self._require_connection()
        connection.settimeout(transport_timeout_s)  # since 3.5 a bound on the whole sendall
        try:
            connection.sendall(data)
        except TimeoutError:
            raise TcpTimeoutException(
                f"Sending to {self._host}:{self._port} timed out ({transport_timeout_s} s)"
            ) from None
        return len(data)

    def _require_connection(self) -> socket.socket:
        if self._connection is None:
            raise ConnectionResetError(f"{self._host}:{self._port} is not connected")
        return self._connection
