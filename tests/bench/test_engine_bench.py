"""Engine benchmarks: parallel efficiency, station CPU per device, aggregate push throughput.

The simulator runs in its own process (`python -m app sim`), so the station's CPU figures
are the engine's alone. Figures are printed as "[bench] …" against the issue's targets;
nothing here asserts on time, only that every device's run ended `done` with every step
recorded and every pushed file arrived whole on its device.
"""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.core import DeviceChanged, DeviceState, RunFinished, RunOutcome
from app.devices.device import Device
from app.provisioning.runner import step_count
from app.provisioning.station import Station
from app.sim.apk import build_apk
from app.templates import load_template
from tests.bench.outcomes import describe, mismatched, tally, unfinished

SIZES = (1, 10, 50, 100)
MB = 1024 * 1024
TEMPLATE = """\
kitbench: 1
name: bench
version: 1
steps:
  - install: {apk: app.apk}
  - setting: {namespace: global, key: stay_on_while_plugged_in, value: 7}
  - setting: {namespace: system, key: screen_off_timeout, value: 600000}
  - setting: {namespace: secure, key: lock_screen_show_notifications, value: 0}
  - setting: {namespace: global, key: auto_time, value: 1}
  - push: {src: config.bin, dest: /sdcard/Download/config.bin}
  - timezone: Europe/Berlin
"""


@contextmanager
def simulator(count: int, latency: str):
    """A fleet in a child process; yields its device specs once all of them listen."""
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "sim", "--count", str(count), "--base-port", "0",
         "--auth", "none", "--latency", latency, "--profile", "pixel8"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        specs = [f"tcp:127.0.0.1:{process.stdout.readline().split()[0]}" for _ in range(count)]
        yield specs, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


class Watch:
    def __init__(self) -> None:
        self.ready: set[str] = set()
        self.results: list = []
        self.lock = threading.Condition()

    def __call__(self, event) -> None:
        with self.lock:
            if isinstance(event, DeviceChanged) and event.device.state is DeviceState.READY:
                self.ready.add(event.device.endpoint)
            elif isinstance(event, RunFinished):
                self.results.append(event.result)
            self.lock.notify_all()

    def wait_ready(self, count: int) -> None:
        with self.lock:
            assert self.lock.wait_for(lambda: len(self.ready) >= count, 120)


def timed_run(template, specs: list[str], home: Path, **options) -> tuple[float, float, list]:
    """(wall seconds, station CPU seconds, results) of one batch on connected devices."""
    watch = Watch()
    station = Station(on_event=watch, data_dir=home, **options)
    try:
        station.set_template(template)
        for spec in specs:
            station.add_endpoint(spec)
        watch.wait_ready(len(specs))
        cpu_before, wall_before = _cpu(), time.perf_counter()
        station.start(specs)
        assert station.wait_idle(600)
        wall, cpu = time.perf_counter() - wall_before, _cpu() - cpu_before
    finally:
        station.close()
    return wall, cpu, watch.results


def files_on_devices(specs: list[str], dest: str, key) -> dict[str, str]:
    """'SIZE SHA256' of `dest` on each device, read after the run: did the bytes all arrive?"""

    def read(spec: str) -> str:
        try:
            device = Device.open(spec, key, auth_timeout_s=30)
            try:
                result = device.shell(f"stat -c %s {dest} && sha256sum {dest}", timeout=120)
            finally:
                device.close()
        except Exception as exc:  # reported with the device it happened on, not as a crash
            return f"cannot read it: {exc}"
        words = result.output.split()
        if not result.ok or len(words) < 2:
            return f"missing ({result.output.strip()[:80]})"
        return f"{words[0]} {words[1]}"

    with ThreadPoolExecutor(8) as pool:
        return dict(zip(specs, pool.map(read, specs), strict=True))


def file_signature(data: bytes) -> str:
    return f"{len(data)} {hashlib.sha256(data).hexdigest()}"


def simulator_cpu(pid: int) -> float:
    """CPU seconds a child process used so far (Linux /proc), to show where time goes."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


CONFIG = bytes(range(256)) * (MB // 256)


@pytest.fixture(scope="module")
def bench_template(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bench-template")
    (directory / "app.apk").write_bytes(build_apk("com.example.bench", 1, payload_size=8 * MB))
    (directory / "config.bin").write_bytes(CONFIG)
    path = directory / "bench.yaml"
    path.write_text(TEMPLATE)
    return load_template(path)


def test_parallel_efficiency_and_cpu_per_device(bench_template, tmp_path, host_key):
    """8 MB install, four settings, 1 MB push, a time zone, at realistic latency."""
    walls = {}
    problems: list[str] = []
    steps = step_count(bench_template)  # the template's, then the marker
    with simulator(sum(SIZES), "realistic") as (specs, pid):
        offset = 0
        for size in SIZES:
            batch = specs[offset : offset + size]
            offset += size
            sim_before = simulator_cpu(pid)
            wall, cpu, results = timed_run(bench_template, batch, tmp_path / f"home-{size}")
            sim_cpu = simulator_cpu(pid) - sim_before
            done = sum(1 for r in results if r.outcome is RunOutcome.DONE)
            walls[size] = wall
            print(
                f"[bench] engine: {size:3d} devices in {wall:6.2f} s, "
                f"T(N)/T(1) = {wall / walls[1]:.2f}, {done}/{size} done, "
                f"station CPU {cpu / size:.3f} s per device, simulator CPU {sim_cpu:.1f} s"
            )
            # Checked after the figures, so a short batch still shows what it measured.
            lost = unfinished(batch, results, steps=steps)
            if lost:
                problems.append(f"batch of {size} ({tally(results)}): " + describe(lost, size))
            lost = mismatched(
                dict.fromkeys(batch, file_signature(CONFIG)),
                files_on_devices(batch, "/sdcard/Download/config.bin", host_key),
            )
            if lost:
                problems.append(
                    f"batch of {size}, config.bin: " + describe(lost, size, "pushed files")
                )
    print(f"[bench] engine: T(100)/T(1) = {walls[100] / walls[1]:.2f} (target <= 1.25)")
    assert not problems, "\n".join(problems)


def test_aggregate_push_throughput(tmp_path, host_key):
    """Pushes with the simulator's bandwidth cap off: the station's own ceiling."""
    count, size = 16, 32 * MB
    big = bytes(range(256)) * (size // 256)
    (tmp_path / "big.bin").write_bytes(big)
    path = tmp_path / "push.yaml"
    path.write_text(
        "kitbench: 1\nname: push\nversion: 1\nsteps:\n"
        "  - push: {src: big.bin, dest: /sdcard/Download/big.bin}\n"
    )
    with simulator(count, "fast") as (specs, pid):
        sim_before = simulator_cpu(pid)
        wall, cpu, results = timed_run(load_template(path), specs, tmp_path / "home")
        sim_cpu = simulator_cpu(pid) - sim_before
        arrived = files_on_devices(specs, "/sdcard/Download/big.bin", host_key)
    moved = count * size / MB
    done = sum(1 for r in results if r.outcome is RunOutcome.DONE)
    print(
        f"[bench] engine: pushed {moved:.0f} MB to {count} devices in {wall:.2f} s = "
        f"{moved / wall:.0f} MB/s aggregate (target >= 100), station CPU {cpu:.2f} s "
        f"({moved / cpu:.0f} MB per station CPU second), simulator CPU {sim_cpu:.2f} s, "
        f"{done}/{count} done"
    )
    lost = unfinished(specs, results, steps=1)
    assert not lost, f"{tally(results)}; " + describe(lost, count)
    lost = mismatched(dict.fromkeys(specs, file_signature(big)), arrived)
    assert not lost, describe(lost, count, "pushed files")
