"""The marker is written and read back in one round trip, and only what was read back counts."""

from __future__ import annotations

from app.devices.device import ShellResult
from app.provisioning.marker import MARKER_KEY, Marker, kept, write_marker_command
from app.sim.android import AndroidDevice
from app.sim.profiles import PROFILES

MARKER = Marker("retail pos 'EU'", 4, "9f" * 32, "5c0a")


def test_the_write_prints_what_the_device_kept(tmp_path):
    profile = PROFILES["pixel8"]
    device = AndroidDevice(tmp_path / "pixel", profile, profile.serial_for(7400, "t"))

    answer = device.run_shell(write_marker_command(MARKER))
    written = ShellResult(answer.exit_code, answer.stdout.decode(), answer.stderr.decode())

    assert written == ShellResult(0, MARKER.text() + "\n", "")
    assert kept(written, MARKER)
    assert device.run_shell(f"settings get global {MARKER_KEY}").stdout.decode() == (
        MARKER.text() + "\n"
    )


def test_a_marker_not_read_back_is_not_kept():
    other = Marker("retail pos 'EU'", 4, "9f" * 32, "another run")
    assert not kept(ShellResult(0, other.text() + "\n"), MARKER)  # another station's, in between
    assert not kept(ShellResult(0, "null\n"), MARKER)
    assert not kept(ShellResult(0, ""), MARKER)
    assert not kept(ShellResult(1, MARKER.text() + "\n"), MARKER)  # the read failed after all
