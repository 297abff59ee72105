"""The window on an emulated USB bench: 8 devices on 2 hubs, found by USB hotplug.

umockdev's preload must be in a process from its start, so the outer test runs this file's
inner test under `kitbench sim --usb … -- pytest`: the window, its engine process and their
libusb then see the simulated devices as USB devices, and the inner test unplugs one
mid-run and plugs it in again through the bench's control socket ($KITBENCH_SIM_USB).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from app.core import DeviceState
from app.sim.usb_bench import CONTROL_ENV, BenchControl

INSIDE = bool(os.environ.get(CONTROL_ENV))
TIMEOUT_MS = 60_000
UNPLUGGED = "1-2.2"


@pytest.mark.skipif(INSIDE, reason="the outer half")
@pytest.mark.skipif(
    shutil.which("umockdev-wrapper") is None and not os.environ.get("KITBENCH_CI"),
    reason="umockdev is not installed (CI installs it)",
)
def test_window_on_an_emulated_usb_bench(tmp_path):
    inner = f"{__file__}::test_tiles_follow_the_usb_bench"
    result = subprocess.run(
        [sys.executable, "-m", "app", "sim", "--usb", "--count", "8", "--hubs", "2",
         "--base-port", "0", "--profile", "pixel8", "--state-dir", str(tmp_path / "sim"), "--",
         sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", inner],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout, result.stdout


@pytest.mark.skipif(not INSIDE, reason="runs on the bench the outer half starts")
def test_tiles_follow_the_usb_bench(open_bench, qtbot):
    control = BenchControl()
    bench = open_bench()
    seen: dict[str, list[DeviceState]] = {}

    def record(top, _bottom=None, _roles=()):
        tile = bench.model.tile_at(top)
        states = seen.setdefault(tile.endpoint, [])
        if not states or states[-1] != tile.state:
            states.append(tile.state)

    bench.model.dataChanged.connect(record)
    bench.model.rowsInserted.connect(
        lambda _parent, first, last: [
            record(bench.model.index(row)) for row in range(first, last + 1)
        ]
    )
    bench.services.engine.watch_usb()
    slots = [port["slot"] for port in control("list")["ports"]]
    endpoints = {f"usb:{slot}" for slot in slots}
    qtbot.waitUntil(
        lambda: set(bench.states()) == endpoints and bench.all_in(DeviceState.READY),
        timeout=TIMEOUT_MS,
    )
    # a new station's key: each device showed "Allow USB debugging?" until it was tapped
    assert all(DeviceState.UNAUTHORIZED in seen[endpoint] for endpoint in endpoints), seen
    serials = {tile.endpoint: tile.info.serial for tile in bench.model.tiles()}
    assert serials == {f"usb:{p['slot']}": p["serial"] for p in control("list")["ports"]}

    target = f"usb:{UNPLUGGED}"
    labels = {tile.endpoint: tile.label for tile in bench.model.tiles()}
    assert sorted(labels.values()) == [f"A{n}" for n in range(1, 9)]
    bench.window.bench.toolbar.start_button.click()  # nothing selected: every ready device
    # Mid-run: its first step under way (before it, the run reads the device's identity).
    qtbot.waitUntil(lambda: bench.model.tile(target).step_index >= 0, timeout=TIMEOUT_MS)
    control("unplug", UNPLUGGED, 1)  # at the device's next transfer from the station
    qtbot.waitUntil(
        lambda: all(
            state in (DeviceState.DONE, DeviceState.FAILED, DeviceState.DETACHED)
            for state in bench.states().values()
        ),
        timeout=TIMEOUT_MS,
    )
    states = bench.states()
    assert states.pop(target) is not DeviceState.DONE
    assert set(states.values()) == {DeviceState.DONE}
    failed = next(tile for tile in bench.model.tiles() if tile.endpoint == target)
    assert any(step.status == "failed" for step in failed.steps), failed.steps

    # Replugged, it comes back on the same tile, its session ready; the tile keeps showing
    # the failed run until Retry runs it again.
    control("plug", UNPLUGGED)
    qtbot.waitUntil(lambda: failed.info.state is DeviceState.READY, timeout=TIMEOUT_MS)
    assert {tile.endpoint: tile.label for tile in bench.model.tiles()} == labels
    assert failed.state is DeviceState.FAILED
    bench.window.bench.retry(target)
    qtbot.waitUntil(lambda: failed.state is DeviceState.DONE, timeout=TIMEOUT_MS)
