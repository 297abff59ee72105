"""A fleet of simulated devices in one process: the `kitbench sim` command and a Python API.

All devices share one asyncio loop, which is what lets 256 of them run on two cores.
`SimFleet` runs that loop in a background thread for tests, benchmarks and the demo:

    with SimFleet(count=4, latency="fast") as fleet:
        for endpoint in fleet.endpoints: ...
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from app.sim.android import AndroidDevice
from app.sim.behaviour import LATENCIES, Behaviour, parse_faults
from app.sim.bus import BUS_SPEEDS, Bus, buses_for
from app.sim.device import SimDevice, bind_listener
from app.sim.file_system import HostFiles
from app.sim.profiles import profile_for

log = logging.getLogger("kitbench.sim")

AUTH_MODES = ("none", "prompt", "deny")
T = TypeVar("T")


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    serial: str
    model: str
    profile: str
    bus: int | None = None  # the simulated bus it sits on (`--buses`), None without

    @property
    def spec(self) -> str:
        """The device spec the rest of Kitbench understands: tcp:HOST:PORT."""
        return f"tcp:{self.host}:{self.port}"


@dataclass(frozen=True)
class FleetConfig:
    count: int
    base_port: int = 7400  # 0: any free ports (tests)
    profile: str = "mixed"
    auth: str = "prompt"
    latency: str = "realistic"
    faults: str | None = None
    seed: int = 0
    state_dir: Path | None = None
    host: str = "127.0.0.1"
    buses: int = 0  # 0: every device has a private pipe; else devices share B buses
    bus_speed: str = "usb2"
    # Ports whose devices start factory reset: wiped to the profile's factory state, their
    # serial, IMEIs and MACs kept (they derive from the port's serial), as a real reset does.
    factory_reset: tuple[int, ...] = ()

    def validate(self) -> None:
        if self.count < 1:
            raise ValueError("count must be at least 1")
        if not 0 <= self.buses <= self.count:
            raise ValueError("buses must be between 1 and the number of devices")
        if self.bus_speed not in BUS_SPEEDS:
            raise ValueError(f"bus speed must be one of {', '.join(BUS_SPEEDS)}")
        if self.auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {', '.join(AUTH_MODES)}")
        if self.latency not in LATENCIES:
            raise ValueError(f"latency must be one of {', '.join(LATENCIES)}")
        if self.base_port and not 1 <= self.base_port <= 65535 - self.count + 1:
            raise ValueError("the ports base-port..base-port+count-1 must lie in 1..65535")
        parse_faults(self.faults)
        profile_for(self.profile, 0)


class SharedFiles(HostFiles):
    """One host copy of each distinct file content, hard-linked into every device that has it.

    A bench pushes the same APK to a hundred devices; writing it a hundred times costs the
    simulator more CPU than everything else it does (fresh page cache, about 2 ms per MB
    here). Every write replaces a device's link, so no device ever changes another's file.
    Recent large contents stay in memory: a push compares its data with them as it arrives,
    and reading a file linked to one returns that very object, so the hundred copies of an
    APK on their way through push and `pm install` are never made. Content no device links
    to any more is removed when the fleet starts again.
    """

    RECENT_MIN_SIZE = 64 * 1024
    RECENT_MAX_BYTES = 64 * 1024 * 1024

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._recent: OrderedDict[Path, bytes] = OrderedDict()  # blob -> its content
        self._recent_inodes: dict[tuple[int, int], Path] = {}  # (st_dev, st_ino) -> blob
        directory.mkdir(parents=True, exist_ok=True)
        for blob in directory.iterdir():
            if blob.stat().st_nlink == 1:
                blob.unlink(missing_ok=True)

    def put(self, host: Path, data: bytes) -> None:
        """Make `host` a file holding `data` (atomically, like `write_atomically`)."""
        temp = host.with_name(host.name + ".kbtmp")
        try:
            blob = self._recent_blob(data) or self._store(data)
            temp.unlink(missing_ok=True)
            os.link(blob, temp)
        except OSError:  # e.g. a file system without hard links, or too many of them
            super().put(host, data)
            return
        os.replace(temp, host)

    def get(self, host: Path) -> bytes:
        try:
            info = host.stat()
        except FileNotFoundError:
            return b""
        blob = self._recent_inodes.get((info.st_dev, info.st_ino))
        return self._recent[blob] if blob is not None else host.read_bytes()

    def known(self) -> Sequence[bytes]:
        return list(reversed(self._recent.values()))  # the latest first

    def _recent_blob(self, data: bytes) -> Path | None:
        if len(data) < self.RECENT_MIN_SIZE:
            return None
        for blob, content in self._recent.items():
            if content is data or (len(content) == len(data) and content == data):
                self._recent.move_to_end(blob)
                return blob
        return None

    def _store(self, data: bytes) -> Path:
        blob = self.directory / hashlib.sha256(data).hexdigest()
        if not blob.exists():
            super().put(blob, data)
        if self.RECENT_MIN_SIZE <= len(data) <= self.RECENT_MAX_BYTES:
            info = blob.stat()
            self._recent[blob] = bytes(data)
            self._recent_inodes[(info.st_dev, info.st_ino)] = blob
            while sum(map(len, self._recent.values())) > self.RECENT_MAX_BYTES:
                dropped, _ = self._recent.popitem(last=False)
                self._recent_inodes = {k: v for k, v in self._recent_inodes.items()
                                       if v != dropped}  # fmt: skip
        return blob


async def start_devices(config: FleetConfig, state_dir: Path) -> list[SimDevice]:
    """Create and start every device; on failure, close those already started."""
    config.validate()
    faults = parse_faults(config.faults)
    shared = SharedFiles(state_dir / "shared-files")
    devices: list[SimDevice] = []
    buses = buses_for(config.count, config.buses, config.bus_speed)
    try:
        for index in range(config.count):
            port = config.base_port + index if config.base_port else 0
            # Bind first: with base port 0 the device's serial depends on the port it got.
            listener = bind_listener(config.host, port)
            port = listener.getsockname()[1]
            device = _create_device(config, state_dir, index, port, faults, buses[index])
            device.model.files = shared
            await device.listen(listener)
            devices.append(device)
    except BaseException:
        for device in devices:
            await device.close()
        raise
    return devices


def _create_device(
    config: FleetConfig,
    state_dir: Path,
    index: int,
    port: int,
    faults: dict[str, float],
    bus: Bus | None,
) -> SimDevice:
    profile = profile_for(config.profile, index)
    device_dir = state_dir / f"device-{port}"
    if port in config.factory_reset:
        shutil.rmtree(device_dir, ignore_errors=True)
    serial = profile.serial_for(port, salt=str(state_dir.resolve()))
    model = AndroidDevice(device_dir, profile, serial)
    if port in config.factory_reset:  # wiped: the setup wizard waits on its screen
        model.state.settings["secure"]["user_setup_complete"] = "0"
        model.state.settings["global"]["device_provisioned"] = "0"
        model.write_state()
    seed = int.from_bytes(hashlib.sha256(f"{config.seed}:{index}".encode()).digest()[:8], "big")
    behaviour = Behaviour.create(
        f"{model.serial}@{port}",
        config.latency,
        faults,
        seed,
        profile.install_seconds,
        write_bytes_per_s=profile.write_bytes_per_s,
        dexopt_bytes_per_s=profile.dexopt_bytes_per_s,
        bus=bus,
    )
    model.install_fault = behaviour.install_failure
    return SimDevice(config.host, port, model, behaviour, config.auth)


def endpoint_of(device: SimDevice) -> Endpoint:
    return Endpoint(
        host=device.host,
        port=device.port,
        serial=device.model.serial,
        model=device.model.getprop("ro.product.model"),
        profile=device.model.profile.name,
        bus=device.behaviour.bus.number if device.behaviour.bus else None,
    )


class SimFleet:
    """Runs a fleet on a background event loop; a context manager giving its endpoints."""

    def __init__(self, count: int, **options) -> None:
        self.config = FleetConfig(count=count, **options)
        self.config.validate()
        self.endpoints: list[Endpoint] = []
        self.devices: list[SimDevice] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sim", daemon=True)
        self._temp_dir: str | None = None

    def __enter__(self) -> SimFleet:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> list[Endpoint]:
        state_dir = self.config.state_dir
        if state_dir is None:
            self._temp_dir = tempfile.mkdtemp(prefix="kitbench-sim-")
            state_dir = Path(self._temp_dir)
        self._thread.start()
        try:
            self.devices = self._submit(start_devices(self.config, Path(state_dir))).result(120)
        except BaseException:
            self.stop()  # no loop thread or temp dir left behind (e.g. a port in use)
            raise
        self.endpoints = [endpoint_of(device) for device in self.devices]
        return self.endpoints

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def close_all() -> None:
            for device in self.devices:
                await device.close()

        self._submit(close_all()).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        if self._temp_dir:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    def call(self, function: Callable[[], T]) -> T:
        """Run `function` on the fleet's loop (the only thread that may touch a device)."""

        async def run() -> T:
            return function()

        return self._submit(run()).result(timeout=30)

    def wait_online(self, index: int, timeout: float = 60) -> None:
        """Block until device `index` listens again (after a reboot or a pulled cable)."""
        device = self.devices[index]
        self._submit(asyncio.wait_for(device.online.wait(), timeout)).result(timeout + 5)

    def _submit(self, coroutine) -> Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)
