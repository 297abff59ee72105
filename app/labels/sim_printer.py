"""A simulated Zebra label printer: a TCP listener on the raw port that keeps every label it
receives (the demo starts one so a new user sees labels arrive; tests read what came)."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable
from pathlib import Path

LABEL = re.compile(rb"\^XA.*?\^XZ", re.DOTALL)


class SimulatedLabelPrinter:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 folder: Path | None = None,
                 on_label: Callable[[str], None] = lambda _zpl: None) -> None:  # fmt: skip
        self._server = socket.create_server((host, port))
        self.host, self.port = self._server.getsockname()[:2]
        self.labels: list[str] = []
        self._folder = folder
        self._on_label = on_label
        self._received = threading.Condition()
        self._thread = threading.Thread(target=self._serve, name="sim-label-printer", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"zpl://{self.host}:{self.port}"

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Whether `count` labels arrived within `timeout` seconds."""
        with self._received:
            return self._received.wait_for(lambda: len(self.labels) >= count, timeout)

    def close(self) -> None:
        self._server.close()
        self._thread.join(2.0)

    def _serve(self) -> None:
        while True:
            try:
                connection, _address = self._server.accept()
            except OSError:
                return  # closed
            with connection:
                connection.settimeout(10.0)
                data = b""
                try:
                    while chunk := connection.recv(65536):
                        data += chunk
                except OSError:
                    pass
            for match in LABEL.finditer(data):
                self._keep(match.group().decode("utf-8", "replace"))

    def _keep(self, zpl: str) -> None:
        with self._received:
            self.labels.append(zpl)
            number = len(self.labels)
            self._received.notify_all()
        if self._folder is not None:
            self._folder.mkdir(parents=True, exist_ok=True)
            (self._folder / f"label-{number:04d}.zpl").write_text(zpl, encoding="utf-8")
        self._on_label(zpl)
