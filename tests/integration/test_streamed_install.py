"""Installs as `adb install` makes them: streamed where the device offers it (no copy left on
the device), pushed on devices before streaming, never sent again when already installed,
and never sent on once the device refused the APK."""

from __future__ import annotations

from dataclasses import replace

import pytest
from station_events import bus_bytes_after_forced_runs

from app.devices import installs
from app.devices.device import Device
from app.sim.apk import build_apk

MB = 1024 * 1024


@pytest.fixture
def apk(tmp_path):
    path = tmp_path / "app.apk"
    path.write_bytes(build_apk("com.example.stream", 4, payload_size=12 * MB))
    return path


def sent_by(device: Device, apk, **options) -> tuple[str, int]:
    """(the install's output, bytes read from the APK to send)."""
    sent = 0

    def progress(done: int, _total: int) -> None:
        nonlocal sent
        sent = done

    result = installs.install(device, apk, ["-r"], progress=progress, **options)
    return result.output, sent


@pytest.mark.parametrize("profile", ["pixel8", "zebra_tc52", "legacy_phone"])
def test_an_apk_is_streamed_with_no_copy_left_on_the_device(start_fleet, host_key, apk, profile):
    fleet = start_fleet(1, auth="none", profile=profile)
    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        output, sent = sent_by(device, apk)
        listing = device.shell("ls /data/local/tmp").output
        version = device.shell("pm list packages --show-versioncode com.example.stream").output
    finally:
        device.close()
    assert "Success" in output and sent == apk.stat().st_size
    assert "versionCode:4" in version
    assert "kitbench-" not in listing  # streamed: nothing staged in /data/local/tmp


def test_an_apk_the_device_refuses_up_front_stops_being_sent(start_fleet, host_key, apk):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    model = fleet.devices[0].model
    fleet.call(lambda: setattr(model, "profile", replace(model.profile, storage_gb=0)))
    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        output, sent = sent_by(device, apk)
        still = device.shell("echo still here").output  # the session survives the refusal
    finally:
        device.close()
    assert "INSTALL_FAILED_INSUFFICIENT_STORAGE" in output
    assert sent <= 1 * MB, f"{sent} bytes sent after the device refused"  # one packet at most
    assert still == "still here\n"


def test_an_installed_apk_is_not_sent_again(start_fleet, tmp_path, apk):
    from app.templates import load_template

    fleet = start_fleet(1, auth="none", profile="pixel8", latency="realistic", buses=1)
    (tmp_path / "t.yaml").write_text(
        "kitbench: 1\nname: once\nversion: 1\nsteps:\n  - install: {apk: app.apk}\n"
    )
    template = load_template(tmp_path / "t.yaml")
    carried = bus_bytes_after_forced_runs(fleet, template, tmp_path / "home")
    assert carried[0] >= apk.stat().st_size
    assert carried[1] == carried[0]  # the second run found versionCode 4 and sent nothing
