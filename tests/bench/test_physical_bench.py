"""The physical bench: simulated devices on shared USB 2.0 buses, Kitbench against the bus's
own lower bound and against the script an admin writes with stock adb.

Sizes come from the environment (defaults in brackets), so a reader can rerun at any scale:

    KITBENCH_BENCH_RUNS       runs of every figure; each is printed as min–max over them [3]
    KITBENCH_BENCH_DEVICES    devices on the bench [150]
    KITBENCH_BENCH_BUSES      usb2 buses they are spread over, in blocks [5]
    KITBENCH_BENCH_SMALL      smaller benches also compared with the script, e.g. "10,40" [10,40]
    KITBENCH_BENCH_ORDERS     transfer orders compared on the full bench [arrival,progress]
    KITBENCH_BENCH_INSTALLS   how Kitbench installs, the first against the targets and the
                              others as baselines in the same run: `compressed` (from a
                              compressed push, zstd where the device offers it, as the
                              station does on usb2 buses), `lz4` (the same with LZ4 only),
                              `one-by-one` (compressed, but an install's next install is
                              not sent while the first installs on the device: no
                              prefetch), `streamed` (as `adb install` streams,
                              uncompressed) [compressed,one-by-one,streamed]
    KITBENCH_BENCH_ESPER      devices for the 16-at-a-time reference (0: skip) [150]
    KITBENCH_BENCH_PROCESS    devices for whole-process `kitbench provision` T(N)/T(1) [40]
    KITBENCH_BENCH_CPU        devices for station CPU and memory per device (0: skip) [256]
    KITBENCH_BENCH_PROFILE    the simulated model of every device on the physical bench, e.g.
                              `zebra_tc52` (Android 11: brotli its only compression) [pixel8]

The template is the issue's kitting template, its APKs built like real ones
(`kitting_apks.py`: deflated dex, stored native libraries, resources and images). The script
is Debian's adb 29 (`/usr/bin/adb`) with a server of its own on a free port, one background
job per device. Each run prints its figures as "[bench] physical run R: …" with the load
average beside them; the last lines ("[bench] physical: …") give each figure as min–max over
the runs, beside its target. The lower bound is given twice: for the template's own bytes (the
hardware's bound, what the targets mean) and for the bytes each way of installing actually
sends (zstd as the station packs files for the bench's Android 14 devices on a usb2 bus, brotli
for Android 11's, LZ4, or the APKs themselves and the push packed when streamed). Ratios are
taken within a run.
Nothing asserts on time: only that every device ended `done` (Kitbench) or printed its last
line (the script).
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.core.buses import packed_compressions
from app.devices.adb_protocol import pack_file
from app.sim.apk import build_apk
from app.sim.behaviour import LATENCIES
from app.sim.profiles import PROFILES
from app.sim.protocol import adbd_features
from app.templates import load_template
from tests.bench.kitting_apks import (
    ABI_SPLIT,
    BUNDLE_BASE,
    DENSITY_SPLIT,
    MONOLITH,
    SMALL_APP,
    build_kitting_apk,
)
from tests.bench.outcomes import describe, tally, unfinished
from tests.bench.test_engine_bench import TEMPLATE as ENGINE_TEMPLATE
from tests.bench.test_engine_bench import timed_run

MB = 1_000_000  # the bus's unit
BUS_BYTES_PER_S = 40e6
PROFILE = PROFILES[os.environ.get("KITBENCH_BENCH_PROFILE", "pixel8")]
LATENCY = LATENCIES["realistic"]
RTT = LATENCY.shell_round_trip[0]
# A device's time that no bus can shorten: a round trip before its first byte, then after its
# last byte the reboot and a round trip.
NO_OVERLAP = RTT + LATENCY.reboot + LATENCY.boot_settle + RTT
ADB = shutil.which("adb")
EPHEMERAL_PORTS = 32768  # where Linux starts handing out local ports (ip_local_port_range)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_list(name: str, default: str) -> list[str]:
    return [word for word in os.environ.get(name, default).split(",") if word]


RUNS = _env_int("KITBENCH_BENCH_RUNS", 3)
DEVICES = _env_int("KITBENCH_BENCH_DEVICES", 150)
BUSES = _env_int("KITBENCH_BENCH_BUSES", 5)
SMALL = [int(n) for n in _env_list("KITBENCH_BENCH_SMALL", "10,40")]
ORDERS = _env_list("KITBENCH_BENCH_ORDERS", "arrival,progress")
INSTALL_MODES = _env_list("KITBENCH_BENCH_INSTALLS", "compressed,one-by-one,streamed")
ESPER = _env_int("KITBENCH_BENCH_ESPER", DEVICES)
PROCESS = _env_int("KITBENCH_BENCH_PROCESS", 40)
CPU_DEVICES = _env_int("KITBENCH_BENCH_CPU", 256)

# The kitting template's installs, in order: each a base APK and its splits, as
# (file, MB, layout, split name).
INSTALLS = [
    [("big.apk", 48, MONOLITH, None)],
    [("maps-base.apk", 16, BUNDLE_BASE, None),
     ("maps-arm64.apk", 2, ABI_SPLIT, "config.arm64_v8a"),
     ("maps-xxhdpi.apk", 2, DENSITY_SPLIT, "config.xxhdpi")],
    [("small.apk", 4, SMALL_APP, None)],
]  # fmt: skip
PACKAGES = {"big.apk": "com.example.big", "maps-base.apk": "com.example.maps",
            "small.apk": "com.example.small"}  # fmt: skip
PUSH_BYTES = 2 * MB
SETTINGS = [
    ("global", "stay_on_while_plugged_in", "7"),
    ("system", "screen_off_timeout", "600000"),
    ("secure", "lock_screen_show_notifications", "0"),
    ("global", "auto_time", "1"),
    ("global", "window_animation_scale", "0.5"),
    ("system", "screen_brightness", "200"),
]


def _install_step(apks: list) -> str:
    base, *splits = (name for name, *_ in apks)
    if not splits:
        return f"  - install: {{apk: {base}}}\n"
    return f"  - install: {{apk: {base}, splits: [{', '.join(splits)}]}}\n"


TEMPLATE = (
    "kitbench: 1\nname: kitting\nversion: 1\nsteps:\n"
    + "".join(_install_step(apks) for apks in INSTALLS)
    + "".join(f"  - setting: {{namespace: {n}, key: {k}, value: '{v}'}}\n" for n, k, v in SETTINGS)
    + "  - push: {src: config.bin, dest: /sdcard/Download/config.bin}\n"
    + "  - reboot: {wait: true}\n"
    + "  - verify: {package_installed: com.example.big}\n"
)


@pytest.fixture(scope="module")
def kitting(tmp_path_factory):
    directory = tmp_path_factory.mktemp("kitting")
    seed = 0
    for apks in INSTALLS:
        package = PACKAGES[apks[0][0]]
        for name, size, layout, split in apks:
            seed += 1
            apk = build_kitting_apk(package, 1, size * MB, layout, split=split, seed=seed)
            (directory / name).write_bytes(apk)
    (directory / "config.bin").write_bytes(os.urandom(PUSH_BYTES))
    (directory / "kitting.yaml").write_text(TEMPLATE)
    return directory


def install_sizes(directory: Path) -> list[int]:
    """Bytes of each install step (a split set's APKs together)."""
    return [sum((directory / name).stat().st_size for name, *_ in apks) for apks in INSTALLS]


def packing(mode: str) -> str | None:
    """What the station packs a file with installing the `mode` way on a usb2 bus (streamed:
    the push only), the first compression the bench's devices offer; None: none."""
    offered = adbd_features(PROFILE.sdk)
    return next((name for name in packed_compressions("lz4", strongest=mode != "lz4")
                 if f"sendrecv_v2_{name}" in offered), None)  # fmt: skip


def packed_size(path: Path, compression: str | None) -> int:
    return pack_file(path, compression).size if compression else path.stat().st_size


def sent_bytes(directory: Path, mode: str) -> int:
    """What one device's run sends over the bus installing the `mode` way: its APKs and its
    push, each packed once per batch as the station packs them (streamed: the APKs as they
    are)."""
    apks = [name for apks in INSTALLS for name, *_ in apks]
    push = packed_size(directory / "config.bin", packing(mode))
    if mode == "streamed":
        return sum((directory / name).stat().st_size for name in apks) + push
    return sum(packed_size(directory / name, packing(mode)) for name in apks) + push


def lower_bound(directory: Path, devices: int, buses: int, *, mode: str | None = None) -> float:
    """The physical lower bound: the larger of the busiest bus's bytes at 40 MB/s plus what no
    device can overlap (its first shell round trip before any byte, the reboot and one round
    trip after its last byte), and one device's own time alone. `mode`: for the bytes that
    installing this way sends, which is what crosses the bus (the dex optimisation stays the
    APKs')."""
    per_device = sent_bytes(directory, mode) if mode else sum(install_sizes(directory)) + PUSH_BYTES
    busiest = -(-devices // buses)
    bus_bound = busiest * per_device / BUS_BYTES_PER_S + NO_OVERLAP
    return max(bus_bound, alone(directory, per_device))


def in_order_bound(directory: Path, devices: int, buses: int, mode: str) -> float:
    """A tighter bound for a station that sends each device its files in the template's
    order, as Kitbench and the script both do: the busiest bus carries all its devices' first
    app before the last of them has its own, and that device's run after those bytes takes
    at least its time alone less them."""
    first = directory / INSTALLS[0][0][0]
    first_bytes = first.stat().st_size if mode == "streamed" else packed_size(first, packing(mode))
    busiest = -(-devices // buses)
    rest = alone(directory, sent_bytes(directory, mode)) - first_bytes / PROFILE.write_bytes_per_s
    return max(
        busiest * first_bytes / BUS_BYTES_PER_S + rest,
        lower_bound(directory, devices, buses, mode=mode),
    )


def alone(directory: Path, per_device: int) -> float:
    """One device's run with the bus to itself: its bytes at its own write rate, its installs,
    its settings' round trips and what cannot overlap."""
    installing = sum(
        PROFILE.install_seconds + size / PROFILE.dexopt_bytes_per_s
        for size in install_sizes(directory)
    )
    return per_device / PROFILE.write_bytes_per_s + installing + len(SETTINGS) * RTT + NO_OVERLAP


@dataclass
class SimBench:
    """A simulated bench in its own process: its devices, and its peak memory once stopped."""

    specs: list[str]
    peak_kib: int = 0


def free_ports(count: int) -> int:
    """The first of `count` free ports from 7400 up and below the kernel's ephemeral range:
    a rebooting device closes its port for 20 s, and an ephemeral port may meanwhile become
    an outgoing connection's, keeping the device away for minutes. Random, so benches that
    other tests start at the same time rarely pick the same block."""
    while True:
        base = random.randrange(7400, EPHEMERAL_PORTS - count)
        if all(_is_free(port) for port in range(base, base + count)):
            return base


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@contextmanager
def bench(devices: int, buses: int | None, home: Path):
    """A fresh simulated bench in a child process; ports.yaml in `home` when on buses."""
    home.mkdir(parents=True, exist_ok=True)
    base = str(free_ports(devices))
    command = [sys.executable, "-m", "app", "sim", "--count", str(devices), "--base-port", base,
               "--auth", "none", "--latency", "realistic", "--profile", PROFILE.name]  # fmt: skip
    if buses:
        command += ["--buses", str(buses), "--ports-file", str(home / "ports.yaml")]
    # the simulator's log (every reboot, refusal and fault) goes to home/simulator/logs
    environment = {**os.environ, "KITBENCH_HOME": str(home / "simulator")}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        lines = [process.stdout.readline() for _ in range(devices)]
        running = SimBench([f"tcp:127.0.0.1:{line.split()[0]}" for line in lines])
        yield running
    finally:
        process.terminate()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if "running" in locals():
            running.peak_kib = usage.ru_maxrss


def kitbench_on_bench(
    directory: Path, devices: int, buses: int | None, home: Path, **options
) -> tuple[float, str | None]:
    """Wall seconds, and what went wrong (checked after the figure is printed)."""
    template = load_template(directory / "kitting.yaml")
    with bench(devices, buses, home) as running:
        wall, _, results = timed_run(template, running.specs, home, **options)
    lost = unfinished(running.specs, results)
    if not lost:
        return wall, None
    where = f"\n  the simulator's log: {home / 'simulator' / 'logs'}"
    return wall, f"{tally(results)}; " + describe(lost, devices) + where


# Reconnecting after the reboot: over TCP adb retries an offline device only every 10 s, where
# a USB device comes back by itself, so the script reconnects every 2 s (the device takes 2 s
# from listening to booted, which that hides) and then looks at boot_completed every half
# second, as Kitbench does every quarter. Reconnecting every half second would spawn 300 adb
# clients a second on a 2-core station and slow the script by its own polling.
SCRIPT = """\
job() {{
  S=$1
  {installs} &&
  {settings} &&
  adb -s $S push {dir}/config.bin /sdcard/Download/config.bin &&
  adb -s $S reboot
  adb disconnect $S >/dev/null 2>&1
  until adb connect $S 2>/dev/null | grep -q '^connected'; do sleep 2; done
  adb -s $S wait-for-device
  until [ "$(adb -s $S shell getprop sys.boot_completed 2>/dev/null | tr -d '\\r')" = 1 ]; do
    sleep 0.5
  done
  found=$(adb -s $S shell pm list packages com.example.big 2>&1)
  case "$found" in *com.example.big*) echo "$S ok" ;; *) echo "verify: $found" ;; esac
}}
for S in "$@"; do job $S >"{logs}/$S.log" 2>&1 & done
wait
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _script_install(directory: Path, apks: list) -> str:
    paths = " ".join(str(directory / name) for name, *_ in apks)
    verb = "install-multiple" if len(apks) > 1 else "install"
    return f"adb -s $S {verb} -r {paths}"


def script_on_bench(
    directory: Path, devices: int, buses: int | None, home: Path
) -> tuple[float, str | None]:
    """The admin's script with Debian's adb 29: one background job per device, its own adb
    server on a free port (ANDROID_ADB_SERVER_PORT), so it meets no other test's. Wall
    seconds, and the devices that did not finish (checked after the figure is printed)."""
    installs = " &&\n  ".join(_script_install(directory, apks) for apks in INSTALLS)
    settings = " &&\n  ".join(f"adb -s $S shell settings put {n} {k} {v}" for n, k, v in SETTINGS)
    script = home / "kit.sh"
    home.mkdir(parents=True, exist_ok=True)
    logs = home / "logs"
    logs.mkdir(exist_ok=True)
    script.write_text(SCRIPT.format(installs=installs, settings=settings, dir=directory, logs=logs))
    env = {**os.environ, "HOME": str(home), "ANDROID_ADB_SERVER_PORT": str(free_port())}
    with bench(devices, buses, home) as running:
        serials = [spec.removeprefix("tcp:") for spec in running.specs]
        subprocess.run([ADB, "start-server"], env=env, check=True, capture_output=True)
        try:
            for serial in serials:
                subprocess.run([ADB, "connect", serial], env=env, check=True, capture_output=True)
            started = time.perf_counter()
            subprocess.run(["bash", str(script), *serials], env=env, timeout=1800)
            wall = time.perf_counter() - started
        finally:
            subprocess.run([ADB, "kill-server"], env=env, capture_output=True)
    ended = {serial: (logs / f"{serial}.log").read_text().strip() for serial in serials}
    lost = [f"{serial}: …{log[-300:]}" for serial, log in ended.items() if not log.endswith(" ok")]
    return wall, describe(lost, devices) if lost else None


@dataclass
class Figures:
    """Each figure's value in every run, printed as min–max over the runs."""

    values: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, name: str, value: float) -> float:
        self.values[name].append(value)
        return value

    def span(self, name: str, digits: int = 1) -> str:
        runs = self.values[name]
        low, high = f"{min(runs):.{digits}f}", f"{max(runs):.{digits}f}"
        return low if low == high else f"{low}–{high}"


def load() -> str:
    return "load " + " ".join(f"{value:.2f}" for value in os.getloadavg())


@pytest.mark.timeout(4 * 3600)  # three runs of a bench of 150 devices, several ways each
def test_physical_bench_against_its_bound_and_the_script(kitting, tmp_path):
    if ADB is None:
        if os.environ.get("KITBENCH_CI"):
            pytest.fail("adb is missing in CI (apt-get install adb)")
        pytest.skip("adb is not installed (apt-get install adb)")
    figures, sizes, problems = Figures(), [DEVICES, *SMALL], []
    for run in range(1, RUNS + 1):
        for size in sizes:
            buses = min(BUSES, size)
            bound = lower_bound(kitting, size, buses)
            walls = {}
            for order in ORDERS if size == DEVICES else ORDERS[:1]:
                for mode in INSTALL_MODES if order == ORDERS[0] else INSTALL_MODES[:1]:
                    way = f"{size} {order} {mode}"
                    home = tmp_path / f"kb-{run}-{size}-{order}-{mode}"
                    sent_bound = lower_bound(kitting, size, buses, mode=mode)
                    ordered = in_order_bound(kitting, size, buses, mode)
                    wall, lost = kitbench_on_bench(kitting, size, buses, home, transfer_order=order,
                                                   compressed_installs=mode != "streamed",
                                                   prefetch_next=mode in ("compressed", "lz4"),
                                                   strongest_packing=mode != "lz4")  # fmt: skip
                    walls[(order, mode)] = figures.add(way, wall)
                    figures.add(f"{way} ratio", wall / bound)
                    figures.add(f"{way} sent ratio", wall / sent_bound)
                    figures.add(f"{way} in order ratio", wall / ordered)
                    print(f"[bench] physical run {run}: {size} devices on {buses} usb2 buses, "
                          f"order {order}, {mode} installs: Kitbench {wall:.1f} s, lower bound "
                          f"{bound:.1f} s (of the bytes sent: {sent_bound:.1f} s; sent in "
                          f"template order: {ordered:.1f} s), ratio {wall / bound:.3f} "
                          f"({wall / sent_bound:.3f}; {wall / ordered:.3f}) "
                          f"({load()})")  # fmt: skip
                    if lost:
                        problems.append(f"run {run}, {size} devices, Kitbench ({order}, {mode}):"
                                        f" {lost}")  # fmt: skip
            script, lost = script_on_bench(kitting, size, buses, tmp_path / f"script-{run}-{size}")
            figures.add(f"{size} script", script)
            if lost:
                problems.append(f"run {run}, {size} devices, the script: {lost}")
            figures.add(f"{size} script ratio", script / bound)
            versus = []
            for mode in INSTALL_MODES:
                ours = walls[(ORDERS[0], mode)]
                figures.add(f"{size} {mode} vs script", ours / script)
                versus.append(f"{mode} {ours / script:.3f}")
            print(f"[bench] physical run {run}: {size} devices, adb 29 script {script:.1f} s "
                  f"(bound ratio {script / bound:.3f}), Kitbench / script: {', '.join(versus)} "
                  f"({load()})")  # fmt: skip
        if ESPER:
            buses = min(BUSES, ESPER)
            home = tmp_path / f"esper-{run}"
            wall, lost = kitbench_on_bench(kitting, ESPER, buses, home, jobs=16)
            figures.add("esper", wall)
            figures.add("esper ratio", wall / lower_bound(kitting, ESPER, buses))
            print(f"[bench] physical run {run}: {ESPER} devices 16 at a time: {wall:.1f} s "
                  f"({load()})")  # fmt: skip
            if lost:
                problems.append(f"run {run}, {ESPER} devices 16 at a time: {lost}")
    for size in sizes:
        buses, bound = min(BUSES, size), lower_bound(kitting, size, buses)
        for order in ORDERS if size == DEVICES else ORDERS[:1]:
            for mode in INSTALL_MODES if order == ORDERS[0] else INSTALL_MODES[:1]:
                way = f"{size} {order} {mode}"
                sent_bound = lower_bound(kitting, size, buses, mode=mode)
                ordered = in_order_bound(kitting, size, buses, mode)
                print(f"[bench] physical: {size} devices on {buses} usb2 buses, order {order}, "
                      f"{mode} installs: Kitbench {figures.span(way)} s, lower bound {bound:.1f} "
                      f"s, ratio {figures.span(f'{way} ratio', 3)} (target <= 1.10); of the "
                      f"bytes sent: bound {sent_bound:.1f} s, ratio "
                      f"{figures.span(f'{way} sent ratio', 3)}; sent in template order: "
                      f"bound {ordered:.1f} s, ratio "
                      f"{figures.span(f'{way} in order ratio', 3)}")  # fmt: skip
        versus = ", ".join(f"{mode} {figures.span(f'{size} {mode} vs script', 3)}"
                           for mode in INSTALL_MODES)  # fmt: skip
        print(f"[bench] physical: {size} devices, adb 29 script {figures.span(f'{size} script')}"
              f" s (bound ratio {figures.span(f'{size} script ratio', 3)}), Kitbench / script: "
              f"{versus} (target <= 0.80, never > 1.0)")  # fmt: skip
    if ESPER:
        print(f"[bench] physical: {ESPER} devices 16 at a time (Esper's limit): "
              f"{figures.span('esper')} s, ratio to the lower bound "
              f"{figures.span('esper ratio', 3)} (reference)")  # fmt: skip
    assert not problems, "\n".join(problems)


def provision_process(template: Path, specs: list[str], home: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds and peak memory (KiB) of one whole `kitbench provision` process."""
    command = [sys.executable, "-m", "app", "provision", "-t", str(template), "--json"]
    for spec in specs:
        command += ["--device", spec]
    started = time.perf_counter()
    process = subprocess.Popen(command, env={**os.environ, "KITBENCH_HOME": str(home)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)  # this process's own CPU and peak memory
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, f"kitbench provision exited {process.returncode}"
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


@pytest.fixture(scope="module")
def engine_template(tmp_path_factory):
    directory = tmp_path_factory.mktemp("engine-template")
    (directory / "app.apk").write_bytes(build_apk("com.example.bench", 1, payload_size=8 << 20))
    (directory / "config.bin").write_bytes(os.urandom(1 << 20))
    (directory / "bench.yaml").write_text(ENGINE_TEMPLATE)
    return directory / "bench.yaml"


@pytest.mark.timeout(3600)
def test_whole_process_scaling_and_station_cost(engine_template, tmp_path):
    """`kitbench provision` as an operator runs it: one profile, no buses (private pipes).
    The station and the simulator are separate processes, each measured on its own."""
    figures = Figures()
    for run in range(1, RUNS + 1):
        with bench(1 + PROCESS, None, tmp_path / f"sim-{run}") as running:
            one, _, _ = provision_process(engine_template, running.specs[:1],
                                          tmp_path / f"home-1-{run}")  # fmt: skip
            many, _, _ = provision_process(engine_template, running.specs[1:],
                                           tmp_path / f"home-n-{run}")  # fmt: skip
        figures.add("scaling", many / one)
        print(f"[bench] physical run {run}: whole-process T({PROCESS})/T(1) = {many:.2f} / "
              f"{one:.2f} s = {many / one:.2f} ({load()})")  # fmt: skip
        if CPU_DEVICES:
            home = tmp_path / f"home-cpu-{run}"
            with bench(CPU_DEVICES, None, tmp_path / f"sim-cpu-{run}") as running:
                wall, cpu, peak = provision_process(engine_template, running.specs, home)
            figures.add("cpu", cpu / CPU_DEVICES)
            figures.add("station memory", peak / 1024)
            figures.add("simulator memory", running.peak_kib / 1024)
            print(f"[bench] physical run {run}: {CPU_DEVICES} devices in {wall:.1f} s, station "
                  f"CPU {cpu / CPU_DEVICES:.3f} s per device, station peak RSS {peak / 1024:.0f}"
                  f" MiB, simulator's {running.peak_kib / 1024:.0f} MiB ({load()})")  # fmt: skip
    print(f"[bench] physical: whole-process kitbench provision T({PROCESS})/T(1) = "
          f"{figures.span('scaling', 2)} (target <= 1.30)")  # fmt: skip
    if CPU_DEVICES:
        print(f"[bench] physical: {CPU_DEVICES} devices: station CPU "
              f"{figures.span('cpu', 3)} s per device, station peak RSS "
              f"{figures.span('station memory', 0)} MiB (simulator's own process: "
              f"{figures.span('simulator memory', 0)} MiB)")  # fmt: skip
