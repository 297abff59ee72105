"""One simulated device on the network: its listening port, its connections, and going away.

A reboot or a pulled cable closes every connection and the listening socket, so hosts
see exactly what they see with hardware: refused connections until the device is back.
"""

from __future__ import annotations

import asyncio
import logging
import os

from app.sim import protocol as p
from app.sim.android import AndroidDevice
from app.sim.behaviour import Behaviour
from app.sim.connection import Connection, ConnectionLost, Service, Stream
from app.sim.services import route

log = logging.getLogger("kitbench.sim")

# What adbd advertises that this simulator implements: shell protocol v2, `cmd` (so
# adb streams installs), and push creating the parent directories.
FEATURES = ("shell_v2", "cmd", "fixed_push_mkdir")


class SimDevice:
    def __init__(
        self,
        host: str,
        port: int,
        model: AndroidDevice,
        behaviour: Behaviour,
        auth_mode: str,
    ) -> None:
        self.host = host
        self.port = port
        self.model = model
        self.behaviour = behaviour
        self.auth_mode = auth_mode
        sdk = int(model.getprop("ro.build.version.sdk") or 0)
        self.max_payload = p.MAX_PAYLOAD if sdk >= 28 else p.MAX_PAYLOAD_LEGACY
        self.connections: set[Connection] = set()
        self.server: asyncio.Server | None = None
        self.online = asyncio.Event()
        self._away: asyncio.Task[None] | None = None

    @property
    def label(self) -> str:
        return f"{self.model.serial}@{self.port}"

    def banner(self) -> str:
        return f"device::{self.model.banner()}features={','.join(FEATURES)}"

    def service_for(self, destination: str) -> Service | None:
        return route(self, destination)

    async def listen(self, server: asyncio.Server | None = None) -> None:
        """Start accepting hosts; `server` is a socket already bound (to learn a free port)."""
        if server is None:
            server = await asyncio.start_server(
                self.accept, self.host, self.port, reuse_address=True
            )
        self.server = server
        await server.start_serving()
        self.online.set()

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = Connection(self, reader, writer)
        self.connections.add(connection)
        try:
            await connection.serve()
        finally:
            self.connections.discard(connection)

    async def close(self) -> None:
        if self._away:
            self._away.cancel()
        await self._go_offline()

    async def _go_offline(self) -> None:
        self.online.clear()
        if self.server:
            self.server.close()
            self.server = None
        for connection in list(self.connections):
            await connection.shutdown()

    async def strike_transport_faults(self, stream: Stream, what: str) -> None:
        """A pulled cable or garbled bytes, when the dice say so; both end the connection."""
        if self.behaviour.draw("disconnect", f"cable pulled during {what!r}"):
            self.drop_off(self.behaviour.latency.replug, reboot=False)
            raise ConnectionLost("device dropped off")
        if self.behaviour.draw("garbage", f"answering {what!r} with noise"):
            stream.connection.writer.write(os.urandom(64))
            await stream.connection.writer.drain()
            await stream.connection.shutdown()
            raise ConnectionLost("garbage sent")

    def drop_off(self, seconds: float, *, reboot: bool) -> None:
        """Leave the bus now (a reboot or a pulled cable) and come back after `seconds`."""
        if self._away and not self._away.done():
            return
        self._away = asyncio.create_task(self._away_for(seconds, reboot))

    async def _away_for(self, seconds: float, reboot: bool) -> None:
        if reboot:
            self.model.begin_reboot()
            log.info("%s: rebooting", self.label)
        await self._go_offline()
        await asyncio.sleep(seconds)
        try:
            await self.listen()
        except OSError as exc:
            log.error("%s: cannot listen again on port %d: %s", self.label, self.port, exc)
            return
        if reboot:
            await asyncio.sleep(self.behaviour.latency.boot_settle)
            self.model.finish_boot()
            log.info("%s: boot completed", self.label)
