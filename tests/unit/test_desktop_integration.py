"""Linux desktop integration: a valid desktop entry, the icon, and the per-user install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "resources" / "kitbench.desktop"
INSTALL = ROOT / "installer" / "linux" / "install.sh"


def validate(entry: Path) -> subprocess.CompletedProcess:
    """desktop-file-validate (Debian's desktop-file-utils); prints nothing for a clean file."""
    if not shutil.which("desktop-file-validate"):
        if os.environ.get("KITBENCH_CI"):
            pytest.fail("desktop-file-validate is missing: .ci/run installs desktop-file-utils")
        pytest.skip("desktop-file-validate is not installed (apt-get install desktop-file-utils)")
    return subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)


def test_desktop_entry_is_valid_without_hints():
    result = validate(ENTRY)
    assert result.returncode == 0 and result.stdout == "", result.stdout


def test_icons_render_from_the_svg(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "installer" / "render_icon.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    image = QImage(str(tmp_path / "kitbench.png"))
    assert (image.width(), image.height()) == (256, 256)
    assert image.pixelColor(0, 0).alpha() == 0  # rounded corners stay transparent
    assert image.pixelColor(128, 128).alpha() == 255
    png = (tmp_path / "kitbench.png").read_bytes()
    ico = (tmp_path / "kitbench.ico").read_bytes()
    assert ico[:6] == b"\0\0\1\0\1\0" and ico.endswith(png)
    icns = (tmp_path / "kitbench.icns").read_bytes()
    assert icns[:4] == b"icns" and int.from_bytes(icns[4:8], "big") == len(icns)


def install_user(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    return subprocess.run(
        [str(INSTALL), "--user", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_user_install_starts_the_given_command(tmp_path):
    command = tmp_path / "venv bin" / "kitbench"
    command.parent.mkdir()
    command.write_text("#!/bin/sh\n")
    command.chmod(0o755)

    result = install_user(tmp_path, "--exec", str(command))

    assert result.returncode == 0, result.stderr
    entry = tmp_path / "applications" / "kitbench.desktop"
    assert f'Exec="{command}" gui\n' in entry.read_text(encoding="utf-8")
    assert validate(entry).stdout == ""
    assert (tmp_path / "icons/hicolor/scalable/apps/kitbench.svg").is_file()
    # The udev rules need root: the script says how instead of running sudo.
    rules = INSTALL.parent / "60-kitbench-adb.rules"
    assert f"sudo install -m 644 '{rules}' /etc/udev/rules.d/60-kitbench-adb.rules" in (
        result.stdout
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--exec", "/nonexistent/kitbench"], "not an executable file"),
        (["--exec", "/bin/sh", "--png", "/nonexistent.png"], "no such file"),
    ],
)
def test_user_install_refuses_bad_paths(tmp_path, args, message):
    result = install_user(tmp_path, *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert not (tmp_path / "applications").exists()


def test_install_without_a_bundle_says_how_to_build_one(tmp_path):
    result = subprocess.run(
        [str(INSTALL), str(tmp_path)],
        env={"PATH": os.environ["PATH"], "DESTDIR": str(tmp_path / "root")},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "make dist" in result.stderr
