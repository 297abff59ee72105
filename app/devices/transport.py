"""A TCP transport for adb-shell that sends every byte.

adb-shell 0.4.4's TcpTransport writes each packet with a single `socket.send` and
ignores short writes (its issue #205), so large pushes stall. This one loops until
the whole packet is out, within the timeout.
"""

from __future__ import annotations

import select
import time

from adb_shell.exceptions import TcpTimeoutException
from adb_shell.transport.tcp_transport import TcpTransport


class FullWriteTcpTransport(TcpTransport):
    def bulk_write(self, data: bytes, transport_timeout_s: float | None) -> int:
        view = memoryview(data)
        deadline = None if transport_timeout_s is None else time.monotonic() + transport_timeout_s
        while view:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            _, writable, _ = select.select([], [self._connection], [], remaining)
            if not writable:
                raise TcpTimeoutException(
                    f"Sending to {self._host}:{self._port} timed out ({transport_timeout_s} s)"
                )
            sent = self._connection.send(view)
            view = view[sent:]
        return len(data)
