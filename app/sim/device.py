"""One simulated device on the network: its listening port, its connections, and going away.

A reboot or a pulled cable closes every connection and the listening socket, so hosts
see exactly what they see with hardware: refused connections until the device is back.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from app.sim import protocol as p
from app.sim.android import AndroidDevice
from app.sim.behaviour import Behaviour
from app.sim.connection import Connection, ConnectionLost, Service, Stream
from app.sim.services import route

log = logging.getLogger("kitbench.sim")

# A device's changes within this many seconds share one write of its state.json: each
# write is a new file, and creating files was most of the simulator's cost on ext4.
STATE_WRITE_DELAY_S = 0.5


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
        self.features = p.adbd_features(sdk)  # as this release's adbd advertises them
        self.connections: set[Connection] = set()
        self.listener: socket.socket | None = None
        self._accepting: asyncio.Task[None] | None = None
        self._serving: set[asyncio.Task[None]] = set()
        self.online = asyncio.Event()
        self._away: asyncio.Task[None] | None = None
        self._state_write: asyncio.TimerHandle | None = None
        model.on_change = self._state_changed

    @property
    def label(self) -> str:
        return f"{self.model.serial}@{self.port}"

    def banner(self) -> str:
        return f"device::{self.model.banner()}features={','.join(self.features)}"

    def service_for(self, destination: str) -> Service | None:
        return route(self, destination)

    async def listen(self, listener: socket.socket | None = None) -> None:
        """Start accepting hosts; `listener` is a socket already bound (to learn a free port)."""
        self.listener = listener or bind_listener(self.host, self.port)
        self._accepting = asyncio.create_task(self._accept_loop(self.listener))
        self.online.set()

    async def _accept_loop(self, listener: socket.socket) -> None:
        """Accept by hand rather than through asyncio.Server: closing a Server leaves a
        connection accepted in that instant neither served nor closed (its transport cannot
        attach to the closed server), and the host would wait for an answer forever."""
        loop = asyncio.get_running_loop()
        while True:
            client, _ = await loop.sock_accept(listener)
            if not self.online.is_set():
                client.close()  # the device is rebooting or unplugged: it answers nothing
                continue
            task = asyncio.create_task(self._serve(client))
            self._serving.add(task)
            task.add_done_callback(self._serving.discard)

    async def _serve(self, client: socket.socket) -> None:
        reader, writer = await asyncio.open_connection(sock=client)
        await self.accept(reader, writer)

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
        self.write_state()

    def write_state(self) -> None:
        """Write the state now if a change is waiting for its delayed write."""
        if self._state_write is not None:
            self._state_write.cancel()
            self._state_write = None
            self.model.write_state()

    def _state_changed(self) -> None:
        if self._state_write is None:
            self._state_write = asyncio.get_running_loop().call_later(
                STATE_WRITE_DELAY_S, self.write_state
            )

    async def _go_offline(self) -> None:
        self.online.clear()
        if self._accepting:
            self._accepting.cancel()
            self._accepting = None
        if self.listener:
            self.listener.close()
            self.listener = None
        for connection in list(self.connections):
            await connection.shutdown()

    async def strike_transport_faults(self, stream: Stream, what: str) -> None:
        """A pulled cable or garbled bytes, when the dice say so; both end the connection.

        Only the program of a command is logged: its arguments may carry a secret.
        """
        what = what.split(maxsplit=1)[0] if what.strip() else "a command"
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
            self.write_state()  # what a device had before it rebooted is on its flash
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


def bind_listener(host: str, port: int) -> socket.socket:
    """A non-blocking listening socket; port 0 takes a free one."""
    listener = socket.create_server((host, port), backlog=128)
    listener.setblocking(False)
    return listener
