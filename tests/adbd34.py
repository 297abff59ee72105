"""AOSP adbd 34 (unpacked by tools/fetch-adb34) as an independent device for tests.

adbd runs every command as whoever starts it, on the real filesystem. So each one here runs
- in its own network namespace (`ip netns`), joined to the test's namespace by a veth pair on
  a /30 of 198.18.0.0/15 (the range RFC 2544 sets aside for test networks): the test process
  reaches it at `host:port`, and adbd has no route to anything but that one link;
- as `nobody` with no privileges and a clean environment, in a scratch folder in /tmp
  (`workdir`, its working directory, which it may write), removed afterwards;
- and is never sent `reboot`.

Tests take the `real_adbd` fixture (tests/conftest.py) or call `running_adbd()`. Without root,
`ip`, `setpriv` or the fetched adbd they skip, and fail when KITBENCH_CI=1 (CI has them all).
"""

from __future__ import annotations

import atexit
import functools
import ipaddress
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ADB34_HOME = Path(os.environ.get("KITBENCH_ADB34_DIR", REPO / "build" / "adb34"))
ADB34_ADBD = ADB34_HOME / "bin" / "adbd"
ADB34_ADB = ADB34_HOME / "bin" / "adb"
TEST_NETWORK = ipaddress.IPv4Network("198.18.0.0/15")
ADBD_USER, ADBD_GROUP = "nobody", "nogroup"
START_TIMEOUT_S = 20.0
AS_ADBD_USER = ("setpriv", f"--reuid={ADBD_USER}", f"--regid={ADBD_GROUP}", "--clear-groups",
                "--no-new-privs", "--")  # fmt: skip


def unavailable_reason() -> str | None:
    """Why real adbd cannot run here, or None when it can."""
    if not ADB34_ADBD.exists() or not (ADB34_HOME / ".complete").exists():
        return f"adbd 34 is not fetched into {ADB34_HOME}: run tools/fetch-adb34"
    if os.geteuid() != 0:
        return "real adbd runs in a network namespace, which needs root"
    for tool in ("ip", "setpriv"):
        if shutil.which(tool) is None:
            return f"`{tool}` is missing (Debian's iproute2 / util-linux)"
    return None


def require_adbd34() -> None:
    """Skip the test when real adbd cannot run here; fail instead in CI."""
    reason = unavailable_reason()
    if reason is None:
        return
    if os.environ.get("KITBENCH_CI"):
        pytest.fail(f"real adbd unavailable in CI: {reason}")
    pytest.skip(reason)


@dataclass
class RealAdbd:
    """One running adbd 34: reach it at `host:port` (`spec` for the station)."""

    host: str
    port: int
    workdir: Path  # adbd's cwd, owned by its user: push here, run commands here
    namespace: str
    process: subprocess.Popen[bytes]
    log: list[str] = field(default_factory=list)  # what adbd printed (stderr), for failures

    @property
    def spec(self) -> str:
        return f"tcp:{self.host}:{self.port}"

    @property
    def serial(self) -> str:
        """The serial adb clients give a network device."""
        return f"{self.host}:{self.port}"


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=30)


def _free_link() -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]:
    """Two addresses of a /30 in the test range that no interface here uses yet."""
    shown = subprocess.run(
        ["ip", "-o", "-4", "addr", "show"], check=True, capture_output=True, text=True
    ).stdout
    used = {
        ipaddress.IPv4Interface(word).network
        for line in shown.splitlines()
        for word in line.split()
        if "/" in word and word[0].isdigit()
    }
    links = list(TEST_NETWORK.subnets(new_prefix=30))
    while True:
        link = random.choice(links)
        if not any(link.overlaps(network) for network in used):
            station, device = list(link.hosts())
            return station, device


def _start_namespace(name: str) -> str:
    """A namespace with only loopback and one veth link back here; returns adbd's address."""
    station, device = _free_link()
    outer, inner = f"{name}a", f"{name}d"
    _run("ip", "netns", "add", name)
    _run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner, "netns", name)
    _run("ip", "-n", name, "link", "set", "lo", "up")
    _run("ip", "-n", name, "link", "set", inner, "up")
    _run("ip", "link", "set", outer, "up")
    _wait_for_carrier(outer)
    # Addresses only once the link carries: the route to adbd never exists while it is down,
    # so nothing meant for it can take the default route off this machine meanwhile.
    _run("ip", "-n", name, "addr", "add", f"{device}/30", "dev", inner)
    _run("ip", "addr", "add", f"{station}/30", "dev", outer)
    return str(device)


def _wait_for_carrier(link: str) -> None:
    """Wait until the veth pair is up at both ends (the kernel brings it up asynchronously)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while Path(f"/sys/class/net/{link}/operstate").read_text().strip() != "up":
        assert time.monotonic() < deadline, f"{link} never came up"
        time.sleep(0.01)  # the kernel's link state: no event to wait on from here


def _end_namespace(name: str) -> None:
    """Kill whatever still runs in the namespace (adbd's children), then remove it."""
    pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True).stdout
    for pid in pids.split():
        with suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)
    subprocess.run(["ip", "netns", "del", name], capture_output=True)  # takes the veth pair along


@contextmanager
def running_adbd() -> Iterator[RealAdbd]:
    """Start adbd 34 in a namespace of its own; stop it and clean up afterwards."""
    require_adbd34()
    name = f"kb{os.getpid() % 100000:05d}{random.randrange(16**4):04x}"  # veth names: 15 chars
    workdir = Path(tempfile.mkdtemp(prefix="kitbench-adbd-"))
    shutil.chown(workdir, ADBD_USER, ADBD_GROUP)
    port = random.randrange(20000, 60000)  # adbd also listens on vsock, which no namespace hides
    try:
        host = _start_namespace(name)
        environment = {
            "PATH": "/usr/bin:/bin",
            "ADBD_PORT": str(port),
            "LANG": "C.UTF-8",
        }
        command = [
            "ip", "netns", "exec", name, *AS_ADBD_USER, str(_adbd_its_user_can_run()),
        ]  # fmt: skip
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=environment,
            umask=0o022,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        adbd = RealAdbd(host, port, workdir, name, process)
        started = threading.Event()
        threading.Thread(target=_read_log, args=(adbd, started), daemon=True).start()
        if not started.wait(START_TIMEOUT_S) or not _accepts(adbd):
            raise AssertionError("adbd 34 did not start:\n" + "\n".join(adbd.log))
        yield adbd
    finally:
        if "process" in locals():
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        _end_namespace(name)
        shutil.rmtree(workdir, ignore_errors=True)


def _accepts(adbd: RealAdbd) -> bool:
    """Whether adbd takes connections from here. Just after it says "started" one may still be
    refused for a moment, so this retries for a while."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while adbd.process.poll() is None:
        try:
            socket.create_connection((adbd.host, adbd.port), timeout=START_TIMEOUT_S).close()
            return True
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)  # another process's listening socket: no event to wait on
    return False


@functools.cache
def _adbd_its_user_can_run() -> Path:
    """ADB34_ADBD, or a copy in /tmp when the checkout lies where `nobody` cannot reach it."""
    reachable = subprocess.run([*AS_ADBD_USER, "test", "-x", str(ADB34_ADBD)], check=False)
    if reachable.returncode == 0:
        return ADB34_ADBD
    copy = Path(tempfile.mkdtemp(prefix="kitbench-adb34-"))
    copy.chmod(0o755)
    atexit.register(shutil.rmtree, copy, ignore_errors=True)
    shutil.copytree(ADB34_HOME, copy, symlinks=True, dirs_exist_ok=True)
    return copy / "bin" / "adbd"


def _read_log(adbd: RealAdbd, started: threading.Event) -> None:
    """Keep adbd's log; `started` is set once it listens (or it ended, so nobody waits)."""
    assert adbd.process.stderr is not None
    for raw in adbd.process.stderr:
        line = raw.decode("utf-8", "replace").rstrip()
        adbd.log.append(line)
        if "adbd started" in line:
            started.set()
    started.set()
