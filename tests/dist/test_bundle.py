"""The PyInstaller bundle runs on its own: `make test-dist` builds dist/kitbench, then runs this.

The bundle is started with a bare environment (no venv on PATH, no PYTHONPATH), so everything
it needs must be inside it: Python, Qt and its plugins, libusb, migrations, resources.
Simulated devices run from the venv, as a separate program speaking ADB over TCP.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from app import __version__
from app.sim.apk import build_apk

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = Path(os.environ.get("KITBENCH_BUNDLE", ROOT / "dist" / "kitbench"))
EXAMPLES = ROOT / "resources" / "templates"
FLOOR_WIFI = "floor-pass-9F3k-never-printed"


@pytest.fixture(scope="module", autouse=True)
def built_bundle():
    if not (BUNDLE / "kitbench").exists():
        message = f"no bundle at {BUNDLE}: build it with `make dist` (or run `make test-dist`)"
        if os.environ.get("KITBENCH_CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def run(kitbench_home, tmp_path):
    """Run the bundled `kitbench` with only what a bench PC's login shell would give it."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "KITBENCH_HOME": str(kitbench_home),
        "QT_QPA_PLATFORM": "offscreen",
    }

    def kitbench(*args: str, stdin: str | None = None, extra_env=None, timeout: float = 90):
        return subprocess.run(
            [str(BUNDLE / "kitbench"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**env, **(extra_env or {})},
            timeout=timeout,
        )

    return kitbench


@pytest.fixture
def scanners():
    """Two simulated Zebra scanners, started with the venv's Python; their tcp: specs."""
    options = "--count 2 --profile zebra_tc52 --auth none --latency fast --base-port 0"
    sim = subprocess.Popen(
        [sys.executable, "-m", "app", "sim", *options.split()],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ports = [sim.stdout.readline().split("\t")[0] for _ in range(2)]
        assert all(port.isdigit() for port in ports), sim.stderr.read()
        yield [f"tcp:127.0.0.1:{port}" for port in ports]
    finally:
        sim.terminate()
        sim.wait(timeout=30)


def test_version_is_the_apps(run):
    result = run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"kitbench, version {__version__}"


def test_validate_reports_good_and_broken_templates(run, examples):
    good = run(
        "validate", str(examples / "retail-pos.yaml"), str(examples / "warehouse-scanner.yaml")
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert "retail-pos.yaml: OK (retail-pos v3, 12 steps)" in good.stdout
    assert "warehouse-scanner.yaml: OK (warehouse-scanner v1, 17 steps)" in good.stdout

    (examples / "apps" / "launcher.apk").unlink()
    broken = run("validate", str(examples / "warehouse-scanner.yaml"))
    assert broken.returncode == 1
    assert f"{examples / 'warehouse-scanner.yaml'}:18:20: file not found: apps/launcher.apk" in (
        broken.stdout
    )
    assert "Traceback" not in broken.stdout + broken.stderr


def test_headless_provision_of_simulated_devices(run, examples, scanners):
    stored = run("secret", "set", "floor_wifi", stdin=FLOOR_WIFI)
    assert stored.returncode == 0, stored.stderr
    device_args = [arg for spec in scanners for arg in ("--device", spec)]
    template = str(examples / "warehouse-scanner.yaml")

    result = run("provision", "--template", template, *device_args, "--json", "--operator", "ana")

    assert result.returncode == 0, result.stdout + result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(line["endpoint"] for line in lines) == sorted(scanners)
    for line in lines:
        assert line["result"] == "done", line
        statuses = {step["name"]: step["status"] for step in line["steps"]}
        assert statuses["Warehouse app"] == "changed"
        assert statuses["Wi-Fi WH-Floor"] == "changed"  # the secret came from the store
        assert len(line["steps"]) == 18  # the template's 17, then the provisioned marker
        assert line["steps"][-1]["name"] == "mark as provisioned"
    assert FLOOR_WIFI not in result.stdout + result.stderr

    # The runs are in the station's SQLite database, created by the bundled migrations.
    history = run("history", "--json")
    assert history.returncode == 0, history.stderr
    runs = [json.loads(line) for line in history.stdout.splitlines()]
    assert {(r["template"], r["template_version"], r["result"]) for r in runs} == {
        ("warehouse-scanner", 1, "done")
    }
    assert len(runs) == 2 and all(r["operator"] == "ana" for r in runs)
    assert FLOOR_WIFI not in history.stdout

    again = run("provision", "--template", template, *device_args, "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    for line in map(json.loads, again.stdout.splitlines()):
        assert (line["result"], line["already_provisioned"]) == ("done", True)
        assert line["provisioned_version"] == 1


def test_refused_device_exits_1_with_the_reason(run, examples, scanners):
    run("secret", "set", "warehouse_wifi", stdin="x" * 12)
    result = run(
        "provision", "--template", str(examples / "retail-pos.yaml"), "--device", scanners[0],
        "--json",
    )  # fmt: skip
    assert result.returncode == 1
    (line,) = map(json.loads, result.stdout.splitlines())
    assert line["result"] == "refused"
    assert line["error"] == "model TC52 is not one of SM-T*, Pixel *"


def test_enrollment_sheet_is_a_pdf_from_the_bundled_qt(run, examples, tmp_path):
    for name in ("warehouse_wifi", "amapi_token"):
        assert run("secret", "set", name, stdin=f"{name}-value").returncode == 0
    out = tmp_path / "codes.pdf"
    result = run(
        "sheet", "--template", str(examples / "retail-pos.yaml"), "--count", "3", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{out}: 3 codes on 1 page (a4, 9 a page)"
    assert out.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Enrollment codes · retail-pos v3" in text


def test_usb_listing_uses_the_bundled_libusb(run):
    assert (BUNDLE / "_internal" / "libusb_package" / "libusb-1.0.so").is_file()
    result = run("devices", "--usb", "--json")
    assert result.returncode == 0, result.stderr
    for line in result.stdout.splitlines():
        assert {"slot", "serial", "model", "state"} <= json.loads(line).keys()


def test_gui_without_a_display_says_what_to_do(run):
    result = run("gui", extra_env={"QT_QPA_PLATFORM": ""})
    assert result.returncode == 1
    assert "no display" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_window_starts_its_engine_process_and_both_end_together(kitbench_home, tmp_path):
    """The bundle is its own engine: the window spawns the bundled executable again, which
    must run the engine (multiprocessing.freeze_support), not a second `kitbench`."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "KITBENCH_HOME": str(kitbench_home), "QT_QPA_PLATFORM": "offscreen"}  # fmt: skip
    window = subprocess.Popen(
        [str(BUNDLE / "kitbench"), "gui"], env=env, stderr=subprocess.PIPE, text=True
    )
    lock = kitbench_home / "engine.lock"
    try:
        engine_pid = None
        deadline = time.monotonic() + 60
        while engine_pid is None and window.poll() is None and time.monotonic() < deadline:
            holder = lock.read_text() if lock.exists() else ""
            if "(pid " in holder:
                engine_pid = int(holder.split("(pid ")[1].split(")")[0])
            else:
                time.sleep(0.2)  # polling a file another process writes: no event to wait on
        assert engine_pid is not None, f"no engine started: {window.stderr.read()}"
        assert engine_pid != window.pid and _parent_of(engine_pid) == window.pid
    finally:
        window.send_signal(signal.SIGTERM)  # as a service manager or Ctrl-C closes it
        _out, err = window.communicate(timeout=60)
    assert window.returncode == 0, err
    assert "Traceback" not in err
    assert not Path(f"/proc/{engine_pid}").exists(), "the engine outlived its window"


def _parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_bundle_carries_the_qt_platform_and_print_plugins():
    plugins = BUNDLE / "_internal" / "PySide6" / "Qt" / "plugins"
    for plugin in ("platforms/libqxcb.so", "platforms/libqoffscreen.so"):
        assert (plugins / plugin).is_file(), plugin
    assert list((plugins / "printsupport").glob("*.so"))


def test_install_script_stages_a_system_install(tmp_path):
    root = tmp_path / "root"
    result = subprocess.run(
        [str(BUNDLE / "install.sh")],
        env={"PATH": os.environ["PATH"], "DESTDIR": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

    installed = root / "opt" / "kitbench" / "kitbench"
    version = subprocess.run([str(installed), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == f"kitbench, version {__version__}"
    assert os.readlink(root / "usr/local/bin/kitbench") == "/opt/kitbench/kitbench"
    entry = root / "usr/local/share/applications/kitbench.desktop"
    assert "Exec=/opt/kitbench/kitbench gui\n" in entry.read_text(encoding="utf-8")
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True)
        assert checked.returncode == 0 and not checked.stdout, checked.stdout
    icons = root / "usr/local/share/icons/hicolor"
    assert (icons / "scalable/apps/kitbench.svg").is_file()
    assert (icons / "256x256/apps/kitbench.png").read_bytes().startswith(b"\x89PNG")
    rules = root / "etc/udev/rules.d/60-kitbench-adb.rules"
    assert rules.read_text() == (ROOT / "installer/linux/60-kitbench-adb.rules").read_text()
