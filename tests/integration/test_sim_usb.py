"""`kitbench provision --all-usb` on an emulated USB bench: real libusb, real usbdevfs ioctls.

`kitbench sim --usb` plugs simulated devices into hubs that umockdev describes and answers
their device nodes' ioctls; the station's own USB session code (adb-shell over libusb) talks
to them through umockdev's preload, as it talks to phones. Most tests start the bench without
a COMMAND and run `kitbench` under `umockdev-wrapper` with the bench's environment, so the
test can unplug, replug and garble devices through the bench's control socket meanwhile.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from ctypes.util import find_library
from pathlib import Path

import pytest

from app.sim.usb_bench import BenchControl
from tests.integration.test_sim_stock_adb import free_port
from tests.thread_signals import signal_thread, threads_taking

UMOCKDEV_WRAPPER = shutil.which("umockdev-wrapper")
KITBENCH = (sys.executable, "-m", "app")
pytestmark = pytest.mark.skipif(
    UMOCKDEV_WRAPPER is None and not os.environ.get("KITBENCH_CI"),
    reason="umockdev is not installed (CI installs it)",
)
PUSHED = 4 * 1024 * 1024
TEMPLATE = """\
kitbench: 1
name: usb-bench
version: 1
steps:
  - setting: {namespace: global, key: stay_on_while_plugged_in, value: "7"}
  - push: {src: blob.bin, dest: /sdcard/Download/blob.bin}
"""

# A raw libusb host: CNXN as a header transfer and a payload transfer to 1-1.1, then in one
# transfer to 1-1.2; what each device answers.
FRAMING_CLIENT = """
import struct
from app.devices.usb import usb1_module
usb1 = usb1_module()
payload = b"host::\\0"
header = struct.pack("<6I", 0x4E584E43, 0x01000000, 4096, len(payload), sum(payload),
                     0x4E584E43 ^ 0xFFFFFFFF)
with usb1.USBContext() as context:
    for port, transfers in ((1, [header, payload]), (2, [header + payload])):
        device = next(d for d in context.getDeviceIterator() if d.getPortNumberList() == [1, port])
        handle = device.open()
        handle.claimInterface(1)
        for transfer in transfers:
            handle.bulkWrite(0x02, transfer, timeout=1000)
        name = "separate" if len(transfers) == 2 else "combined"
        try:
            print(f"{name}:{bytes(handle.bulkRead(0x83, 24, timeout=1000))[:4].decode()}")
        except usb1.USBErrorTimeout:
            print(f"{name}:timeout")
        handle.close()
"""


@pytest.fixture
def template(tmp_path) -> Path:
    (tmp_path / "blob.bin").write_bytes(hashlib.shake_256(b"usb").digest(PUSHED))
    path = tmp_path / "usb-bench.yaml"
    path.write_text(TEMPLATE)
    return path


class Bench:
    """A running `kitbench sim --usb` (no COMMAND): its slots and how to run on it."""

    def __init__(self, process: subprocess.Popen[str], home: Path) -> None:
        self.process = process
        self.home = home
        self.table: dict[str, tuple[str, str]] = {}  # slot -> (serial, model)
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("run programs on this bench with: "):
                words = line.removeprefix("run programs on this bench with: ").split()
                self.env = dict(word.split("=", 1) for word in words[:2])
                break
            slot, serial, model = line.rstrip("\n").split("\t")
            self.table[slot] = (serial, model)
        else:
            pytest.fail(f"the bench did not start (exit {process.wait()})")
        self.control = BenchControl(self.env["KITBENCH_SIM_USB"])

    def kitbench(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self.env, "KITBENCH_HOME": str(self.home)}
        return subprocess.run(
            [UMOCKDEV_WRAPPER, *KITBENCH, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def python(self, script: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self.env, "KITBENCH_LIBUSB": find_library("usb-1.0") or ""}
        return subprocess.run(
            [UMOCKDEV_WRAPPER, sys.executable, "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def provision(self, template: Path, *args: str) -> dict[str, dict]:
        """`provision --all-usb --json`: each device's report by slot."""
        result = self.kitbench("provision", "--all-usb", "--json", "-t", str(template), *args)
        reports = [json.loads(line) for line in result.stdout.splitlines()]
        assert reports, result.stdout + result.stderr
        return {report["endpoint"].removeprefix("usb:"): report for report in reports}


@pytest.fixture
def start_bench(tmp_path, kitbench_home):
    started: list[subprocess.Popen[str]] = []

    def start(*options: str) -> Bench:
        process = subprocess.Popen(
            [*KITBENCH, "sim", "--usb", "--base-port", "0", "--latency", "fast",
             "--state-dir", str(tmp_path / "sim"), *options],
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        started.append(process)
        return Bench(process, kitbench_home)

    yield start
    for process in started:
        process.terminate()
        try:
            assert process.wait(timeout=30) == 0
        finally:
            process.kill()  # a no-op once it has ended: a bench that hangs must not outlive us
            process.wait()


def test_command_runs_on_a_bench_of_eight_on_two_hubs_and_provisions_it(tmp_path, template):
    """The CI check: `kitbench sim --usb … -- kitbench provision --all-usb …` end to end."""
    env = {**os.environ, "KITBENCH_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [*KITBENCH, "sim", "--usb", "--count", "8", "--hubs", "2", "--base-port", "0",
         "--latency", "fast", "--", *KITBENCH, "provision", "--all-usb", "--json",
         "-t", str(template)],
        env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    table = [line.split("\t") for line in result.stderr.splitlines() if "\t" in line]
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    slots = ["1-1.1", "1-1.2", "1-1.3", "1-1.4", "1-2.1", "1-2.2", "1-2.3", "1-2.4"]
    assert [slot for slot, _serial, _model in table] == slots
    assert [(r["endpoint"], r["serial"], r["result"]) for r in reports] == [
        (f"usb:{slot}", serial, "done") for slot, serial, _model in table
    ]
    assert {model for _slot, _serial, model in table} >= {"Pixel 8", "Nexus 5X"}
    for report in reports:
        # the template's two steps, then the provisioned marker
        assert [step["status"] for step in report["steps"]] == ["changed", "changed", "changed"]


def test_command_exit_status_is_returned(tmp_path):
    result = subprocess.run(
        [*KITBENCH, "sim", "--usb", "--count", "1", "--base-port", "0", "--", "sh", "-c",
         'test -n "$UMOCKDEV_DIR" && ls /dev/bus/usb/001 && exit 7'],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 7, result.stderr
    assert result.stdout.split() == ["001", "002", "003"]  # root hub, hub, the device


def test_usb_options_are_checked_before_anything_starts():
    result = subprocess.run(
        [*KITBENCH, "sim", "--count", "2", "--", "true"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "add --usb" in result.stderr
    result = subprocess.run(
        [*KITBENCH, "sim", "--usb", "--count", "2", "--hubs", "3", "--", "true"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "--hubs must be between 1 and the device count (2)" in result.stderr
    assert "Traceback" not in result.stderr


def test_devices_lists_the_emulated_bench_with_descriptors_and_serials(start_bench):
    bench = start_bench("--count", "3", "--hubs", "2", "--auth", "none")
    result = bench.kitbench("devices", "--json")
    assert result.returncode == 0, result.stderr
    listed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["usb_path"], d["serial"], d["model"]) for d in listed] == [
        (slot, serial, model) for slot, (serial, model) in bench.table.items()
    ]
    assert [d["usb_path"] for d in listed] == ["1-1.1", "1-1.2", "1-2.1"]
    assert (listed[0]["vendor_id"], listed[0]["product_id"]) == ("18d1", "4ee7")  # Pixel 8


def test_a_device_nobody_allows_is_named_unauthorized(start_bench, template):
    bench = start_bench("--count", "2", "--profile", "pixel8", "--auth", "deny")
    reports = bench.provision(template, "--auth-timeout", "2")
    assert {slot: (r["cause"], r["error"]) for slot, r in reports.items()} == {
        slot: ("unreachable", "not authorized: tap Allow on the device")
        for slot in ("1-1.1", "1-1.2")
    }


def test_unplugged_mid_push_fails_naming_the_step_and_is_provisioned_once_replugged(
    start_bench, template
):
    bench = start_bench("--count", "8", "--hubs", "2")
    # The Allow prompt is answered, then the device leaves 1 MiB into its 4 MiB push.
    bench.control("unplug", "1-2.2", 1024 * 1024)
    reports = bench.provision(template)
    failed = reports.pop("1-2.2")
    assert (failed["result"], failed["cause"]) == ("failed", "disconnected"), failed
    assert [step["status"] for step in failed["steps"]] == ["changed", "failed"]
    assert "push blob.bin" in failed["error"], failed
    assert {r["result"] for r in reports.values()} == {"done"}

    assert not bench.control("list")["ports"][5]["plugged"]
    replugged = bench.control("plug", "1-2.2")
    assert replugged["plugged"] and replugged["serial"] == bench.table["1-2.2"][0]
    again = bench.provision(template)
    assert again["1-2.2"]["result"] == "done"
    assert [step["status"] for step in again["1-2.2"]["steps"]] == ["ok", "changed", "changed"]
    for slot in reports:  # the others had it all already
        assert again[slot]["result"] == "done", json.dumps(again)
        assert {step["status"] for step in again[slot]["steps"]} <= {"ok"}, again[slot]


def test_a_device_that_sends_garbage_over_usb_fails_alone(start_bench, template):
    bench = start_bench("--count", "3", "--profile", "pixel8", "--auth", "none")
    bench.control("garbage", "1-1.3", 1024 * 1024)  # a header's worth of noise mid-push
    reports = bench.provision(template)
    garbled = reports.pop("1-1.3")
    assert (garbled["result"], garbled["cause"]) == ("failed", "garbage"), garbled
    assert [step["status"] for step in garbled["steps"]] == ["changed", "failed"]
    assert {r["result"] for r in reports.values()} == {"done"}


def test_garbage_longer_than_the_read_is_named_garbage(start_bench, template):
    bench = start_bench("--count", "2", "--profile", "pixel8", "--auth", "none")
    bench.control("garbage", "1-1.2", 1024 * 1024, 64)  # 64 bytes where a header was read
    reports = bench.provision(template)
    assert reports["1-1.1"]["result"] == "done"
    assert (reports["1-1.2"]["cause"], reports["1-1.2"]["steps"][-1]["status"]) == (
        "garbage",
        "failed",
    ), reports["1-1.2"]


def test_legacy_framing_header_and_payload_in_separate_transfers(start_bench, template):
    """Android 8.1's adbd reads a header, then its payload: the station frames for it, and a
    host that sends both in one transfer loses the connection, as with the real device."""
    bench = start_bench("--count", "2", "--profile", "legacy_phone", "--auth", "none")
    reports = bench.provision(template)
    assert {r["result"] for r in reports.values()} == {"done"}
    result = bench.python(FRAMING_CLIENT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["separate:CNXN", "combined:timeout"]


@pytest.mark.parametrize("taker", [0, -1], ids=["first", "last"])
def test_a_sigterm_taken_by_any_thread_ends_the_bench(start_bench, taker):
    """The fleet's event loop or umockdev's worker may take the SIGTERM sent to the bench;
    it ends all the same, with exit 0, and cleans up."""
    bench = start_bench("--count", "1", "--auth", "none")
    threads = threads_taking(bench.process.pid, signal.SIGTERM)
    assert len(threads) >= 2, threads  # the event loop's and umockdev's worker
    signal_thread(bench.process.pid, threads[taker], signal.SIGTERM)
    assert bench.process.wait(timeout=30) == 0
    assert not os.path.exists(bench.env["UMOCKDEV_DIR"])  # its testbed is not left behind


def test_a_sigterm_taken_by_any_thread_ends_the_command_on_the_bench():
    process = subprocess.Popen(
        [*KITBENCH, "sim", "--usb", "--count", "1", "--base-port", "0", "--latency", "fast",
         "--", "sleep", "60"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        assert "\t" in process.stderr.readline()  # the bench's table: it is up
        signal_thread(process.pid, threads_taking(process.pid, signal.SIGTERM)[0], signal.SIGTERM)
        assert process.wait(timeout=30) == 128 + signal.SIGTERM  # sleep was terminated
    finally:
        process.kill()
        process.wait()


@pytest.mark.skipif(
    shutil.which("adb") is None and not os.environ.get("KITBENCH_CI"),
    reason="Debian's adb is not installed (CI installs it)",
)
def test_stock_adb_libusb_backend_sees_and_authorizes_the_emulated_devices(start_bench, tmp_path):
    """adb 29 with its libusb backend (ADB_LIBUSB=1) finds the device on the bus, goes
    through the Allow prompt and runs a shell. (Its default backend reads /dev/bus/usb
    itself and lists nothing here; its push over emulated USB fails, see simulator.md.)"""
    bench = start_bench("--count", "1", "--profile", "pixel8")
    # its own adb server port, as tests run in parallel workers
    env = {**os.environ, **bench.env, "HOME": str(tmp_path), "ADB_LIBUSB": "1",
           "ANDROID_ADB_SERVER_PORT": str(free_port())}  # fmt: skip

    def adb(*args: str) -> str:
        result = subprocess.run(
            [UMOCKDEV_WRAPPER, "adb", *args], env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    try:
        adb("wait-for-usb-device")
        serial = bench.table["1-1.1"][0]
        assert f"{serial}\tdevice" in adb("devices")
        assert adb("shell", "getprop", "ro.product.model").strip() == "Pixel 8"
    finally:
        subprocess.run([UMOCKDEV_WRAPPER, "adb", "kill-server"], env=env, timeout=30)


# A station on the emulated bench asks for the screen as the run's first step starts: over USB
# (one session per device) the worker takes it before that step runs, on its own session.
LOOK_DURING_A_RUN = """
import json, sys, threading
from pathlib import Path
from app.core import StepFinished, StepStarted
from app.provisioning.station import Station
from app.templates import load_template

spec, home, template = sys.argv[1:4]
seen, lock = [], threading.Lock()

def on_event(event):
    if isinstance(event, StepStarted):
        with lock:
            seen.append(["started", event.index])
        if event.index == 0:
            station.capture_screen(spec)
    elif isinstance(event, StepFinished):
        with lock:
            seen.append(["finished", event.result.index, event.result.status])

def on_screen(shot):
    with lock:
        seen.append(["screen", type(shot).__name__, getattr(shot, "width", 0),
                     getattr(shot, "height", 0)])

station = Station(on_event=on_event, data_dir=Path(home), auth_timeout_s=10)
station.on_screen = on_screen
station.set_template(load_template(Path(template)))
station.start([spec])
assert station.wait_idle(60)
station.close()
print(json.dumps(seen))
"""


def test_a_look_at_a_usb_devices_screen_during_a_run_comes_between_steps(
    start_bench, template, kitbench_home
):
    bench = start_bench("--count", "1", "--profile", "zebra_tc52", "--auth", "none")
    env = {**os.environ, **bench.env, "KITBENCH_LIBUSB": find_library("usb-1.0") or ""}
    done = subprocess.run(
        [UMOCKDEV_WRAPPER, sys.executable, "-c", LOOK_DURING_A_RUN, "usb:1-1.1",
         str(kitbench_home), str(template)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen[:3] == [
        ["started", 0],
        ["screen", "ScreenShot", 720, 1280],
        ["finished", 0, "changed"],
    ]
    assert seen[-1][:2] == ["finished", 2]  # and the run went on to its end
