"""The physical bench: simulated devices on shared USB 2.0 buses, Kitbench against the bus's
own lower bound and against the script an admin writes with stock adb.

Sizes come from the environment (defaults in brackets), so a reader can rerun at any scale:

    KITBENCH_BENCH_DEVICES    devices on the bench [150]
    KITBENCH_BENCH_BUSES      usb2 buses they are spread over, in blocks [5]
    KITBENCH_BENCH_SMALL      smaller benches also compared with the script, e.g. "10,40" [10,40]
    KITBENCH_BENCH_ESPER      devices for the 16-at-a-time reference (0: skip) [40]
    KITBENCH_BENCH_PROCESS    devices for whole-process `kitbench provision` T(N)/T(1) [40]
    KITBENCH_BENCH_CPU        devices for station CPU and memory per device (0: skip) [256]
    KITBENCH_BENCH_ORDERS     transfer orders to compare, e.g. "arrival,progress" [arrival]

Each figure is printed as "[bench] physical: …" beside its target. Nothing asserts on time:
only that every device ended `done` (Kitbench) or printed its last line (the script).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.sim.apk import build_apk
from app.sim.behaviour import LATENCIES
from app.sim.profiles import PROFILES
from app.templates import load_template
from tests.bench.outcomes import describe, tally, unfinished
from tests.bench.test_engine_bench import TEMPLATE as ENGINE_TEMPLATE
from tests.bench.test_engine_bench import timed_run

MB = 1_000_000  # the bus's unit
BUS_BYTES_PER_S = 40e6
PROFILE = PROFILES["pixel8"]
LATENCY = LATENCIES["realistic"]
ADB = shutil.which("adb")


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


DEVICES = _env_int("KITBENCH_BENCH_DEVICES", 150)
BUSES = _env_int("KITBENCH_BENCH_BUSES", 5)
SMALL = [int(n) for n in os.environ.get("KITBENCH_BENCH_SMALL", "10,40").split(",") if n]
ESPER = _env_int("KITBENCH_BENCH_ESPER", 40)
PROCESS = _env_int("KITBENCH_BENCH_PROCESS", 40)
CPU_DEVICES = _env_int("KITBENCH_BENCH_CPU", 256)
ORDERS = os.environ.get("KITBENCH_BENCH_ORDERS", "arrival").split(",")

# The kitting template: (file, bytes) of each APK in install order, six settings, a push.
# The split set (16 MB + 2 x 2 MB) goes as three APKs: install sessions are not done yet.
APKS = [("big.apk", 48), ("split-base.apk", 16), ("split-a.apk", 2), ("split-b.apk", 2),
        ("small.apk", 4)]  # fmt: skip
PUSH_BYTES = 2 * MB
SETTINGS = [
    ("global", "stay_on_while_plugged_in", "7"),
    ("system", "screen_off_timeout", "600000"),
    ("secure", "lock_screen_show_notifications", "0"),
    ("global", "auto_time", "1"),
    ("global", "window_animation_scale", "0.5"),
    ("system", "screen_brightness", "200"),
]
TEMPLATE = (
    "kitbench: 1\nname: kitting\nversion: 1\nsteps:\n"
    + "".join(f"  - install: {{apk: {name}}}\n" for name, _ in APKS)
    + "".join(f"  - setting: {{namespace: {n}, key: {k}, value: '{v}'}}\n" for n, k, v in SETTINGS)
    + "  - push: {src: config.bin, dest: /sdcard/Download/config.bin}\n"
    + "  - reboot: {wait: true}\n"
    + "  - verify: {package_installed: com.example.big}\n"
)


@pytest.fixture(scope="module")
def kitting(tmp_path_factory):
    directory = tmp_path_factory.mktemp("kitting")
    for seed, (name, size) in enumerate(APKS):
        package = "com.example." + name.removesuffix(".apk").replace("-", "")
        apk = build_apk(package, 1, payload_size=size * MB - 2048, seed=seed)
        (directory / name).write_bytes(apk)
    (directory / "config.bin").write_bytes(os.urandom(PUSH_BYTES))
    (directory / "kitting.yaml").write_text(TEMPLATE)
    return directory


def transfer_bytes(directory: Path) -> int:
    return sum((directory / name).stat().st_size for name, _ in APKS) + PUSH_BYTES


def lower_bound(directory: Path, devices: int, buses: int) -> float:
    """The physical lower bound: the larger of the busiest bus's bytes at 40 MB/s plus what no
    device can overlap (its first shell round trip before any byte, the reboot and one round
    trip after its last byte), and one device's own time alone."""
    per_device = transfer_bytes(directory)
    busiest = -(-devices // buses)
    rtt = LATENCY.shell_round_trip[0]
    no_overlap = rtt + LATENCY.reboot + LATENCY.boot_settle + rtt
    bus_bound = busiest * per_device / BUS_BYTES_PER_S + no_overlap
    installs = sum(
        PROFILE.install_seconds + (directory / name).stat().st_size / PROFILE.dexopt_bytes_per_s
        for name, _ in APKS
    )
    alone = per_device / PROFILE.write_bytes_per_s + installs + len(SETTINGS) * rtt + no_overlap
    return max(bus_bound, alone)


@contextmanager
def bench(devices: int, buses: int | None, home: Path):
    """A fresh simulated bench in a child process; yields device specs, ports.yaml in `home`."""
    home.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "app", "sim", "--count", str(devices), "--base-port", "0",
               "--auth", "none", "--latency", "realistic", "--profile", "pixel8"]  # fmt: skip
    if buses:
        command += ["--buses", str(buses), "--ports-file", str(home / "ports.yaml")]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        specs = [f"tcp:127.0.0.1:{process.stdout.readline().split()[0]}" for _ in range(devices)]
        yield specs
    finally:
        process.terminate()
        process.wait(timeout=60)


def kitbench_on_bench(
    directory: Path, devices: int, buses: int | None, home: Path, **options
) -> tuple[float, str | None]:
    """Wall seconds, and what went wrong (checked after the figure is printed)."""
    template = load_template(directory / "kitting.yaml")
    with bench(devices, buses, home) as specs:
        wall, _, results = timed_run(template, specs, home, **options)
    lost = unfinished(specs, results)
    return wall, (f"{tally(results)}; " + describe(lost, devices)) if lost else None


SCRIPT = """\
job() {{
  S=$1
  {installs} &&
  {settings} &&
  adb -s $S push {dir}/config.bin /sdcard/Download/config.bin >/dev/null &&
  adb -s $S reboot
  adb disconnect $S >/dev/null 2>&1
  until [ "$(adb -s $S shell getprop sys.boot_completed 2>/dev/null | tr -d '\\r')" = 1 ]; do
    sleep 1; adb connect $S >/dev/null 2>&1
  done
  adb -s $S shell pm list packages com.example.big | grep -q big && echo "$S ok"
}}
for S in "$@"; do job $S & done
wait
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def script_on_bench(directory: Path, devices: int, buses: int | None, home: Path) -> float:
    """The admin's script with Debian's adb 29: one background job per device."""
    installs = " &&\n  ".join(
        f"adb -s $S install -r {directory / name} >/dev/null" for name, _ in APKS
    )
    settings = " &&\n  ".join(f"adb -s $S shell settings put {n} {k} {v}" for n, k, v in SETTINGS)
    script = home / "kit.sh"
    home.mkdir(parents=True, exist_ok=True)
    script.write_text(SCRIPT.format(installs=installs, settings=settings, dir=directory))
    env = {**os.environ, "HOME": str(home), "ANDROID_ADB_SERVER_PORT": str(free_port())}
    with bench(devices, buses, home) as specs:
        serials = [spec.removeprefix("tcp:") for spec in specs]
        subprocess.run([ADB, "start-server"], env=env, check=True, capture_output=True)
        try:
            for serial in serials:
                subprocess.run([ADB, "connect", serial], env=env, check=True, capture_output=True)
            started = time.perf_counter()
            done = subprocess.run(["bash", str(script), *serials], env=env, capture_output=True,
                                  text=True, timeout=1800)  # fmt: skip
            wall = time.perf_counter() - started
        finally:
            subprocess.run([ADB, "kill-server"], env=env, capture_output=True)
    ok = {line.split()[0] for line in done.stdout.splitlines() if line.endswith(" ok")}
    assert ok == set(serials), f"script: {len(ok)}/{devices} finished\n{done.stderr[-2000:]}"
    return wall


@pytest.mark.timeout(7200)  # a bench of 150 devices, twice per size
def test_physical_bench_against_its_bound_and_the_script(kitting, tmp_path):
    if ADB is None:
        if os.environ.get("KITBENCH_CI"):
            pytest.fail("adb is missing in CI (apt-get install adb)")
        pytest.skip("adb is not installed (apt-get install adb)")
    for size in [DEVICES, *SMALL]:
        buses = min(BUSES, size)
        bound = lower_bound(kitting, size, buses)
        for order in ORDERS:
            wall, lost = kitbench_on_bench(kitting, size, buses, tmp_path / f"kb-{size}-{order}",
                                           transfer_order=order)  # fmt: skip
            print(f"[bench] physical: {size} devices on {buses} usb2 buses, order {order}: "
                  f"Kitbench {wall:.1f} s, lower bound {bound:.1f} s, "
                  f"ratio {wall / bound:.3f} (target <= 1.10)")  # fmt: skip
            assert lost is None, lost
        script = script_on_bench(kitting, size, buses, tmp_path / f"script-{size}")
        print(f"[bench] physical: {size} devices, adb 29 script {script:.1f} s, "
              f"Kitbench / script {wall / script:.3f} (target <= 0.80, never > 1.0)")  # fmt: skip
    if ESPER:
        buses = min(BUSES, ESPER)
        wall, lost = kitbench_on_bench(kitting, ESPER, buses, tmp_path / "esper", jobs=16)
        bound = lower_bound(kitting, ESPER, buses)
        print(f"[bench] physical: {ESPER} devices 16 at a time (Esper's limit): {wall:.1f} s, "
              f"lower bound {bound:.1f} s, ratio {wall / bound:.3f} (reference)")  # fmt: skip
        assert lost is None, lost


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


@pytest.mark.timeout(1800)
def test_whole_process_scaling_and_station_cost(engine_template, tmp_path):
    """`kitbench provision` as an operator runs it: one profile, no buses (private pipes)."""
    with bench(1 + PROCESS, None, tmp_path / "sim") as specs:
        one, _, _ = provision_process(engine_template, specs[:1], tmp_path / "home-1")
        many, _, _ = provision_process(engine_template, specs[1:], tmp_path / "home-n")
    print(f"[bench] physical: whole-process kitbench provision T({PROCESS})/T(1) = "
          f"{many:.2f} / {one:.2f} s = {many / one:.2f} (target <= 1.30)")  # fmt: skip
    if CPU_DEVICES:
        with bench(CPU_DEVICES, None, tmp_path / "sim-cpu") as specs:
            wall, cpu, peak = provision_process(engine_template, specs, tmp_path / "home-cpu")
        print(f"[bench] physical: {CPU_DEVICES} devices in {wall:.1f} s, station CPU "
              f"{cpu / CPU_DEVICES:.3f} s per device, peak memory of a provision process "
              f"{peak / 1024:.0f} MiB")  # fmt: skip
