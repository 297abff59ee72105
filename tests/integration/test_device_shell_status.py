"""The station's Device against the simulator and against real adbd 34: exit statuses that
the command cannot swallow, stderr apart under shell v2, push errors in words, and property
reads that never take an error's text for a value."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.devices.adb_protocol import AdbSession
from app.devices.device import NOT_ANDROID, Device, DeviceError, Problem


@dataclass
class Target:
    device: Device
    scratch: str  # a folder the device lets us write
    kind: str


@pytest.fixture(params=["sim", "adbd34"])
def target(request, host_key):
    if request.param == "sim":
        fleet = request.getfixturevalue("start_fleet")(1, auth="none")
        spec, scratch = fleet.endpoints[0].spec, "/data/local/tmp"
    else:
        adbd = request.getfixturevalue("real_adbd")
        spec, scratch = adbd.spec, str(adbd.workdir)
    device = Device.open(spec, host_key)
    yield Target(device, scratch, request.param)
    device.close()


@pytest.fixture(params=["v2", "v1"])
def shell_protocol(request, monkeypatch):
    """Shell v2 where the banner lists it (both do), or v1 as for a device without it."""
    if request.param == "v1":
        monkeypatch.setattr(AdbSession, "features", property(lambda _session: frozenset()))
    return request.param


@pytest.mark.parametrize(
    ("command", "status", "printed"),
    [
        ("exit 3", 3, ""),
        ("echo kept # a comment at the end", 0, "kept\n"),
        ("echo started; sleep 0 &", 0, "started\n"),
        ("echo out; false", 1, "out\n"),
    ],
)
def test_the_exit_status_survives_whatever_the_command_ends_with(
    target, shell_protocol, command, status, printed
):
    result = target.device.shell(command)

    assert (result.exit_code, result.output) == (status, printed)
    assert target.device.shell("echo still here").stdout == "still here\n"  # same session


def test_stderr_comes_apart_under_shell_v2(target):
    result = target.device.shell("echo out; echo err >&2; exit 5")

    assert (result.exit_code, result.stdout, result.stderr) == (5, "out\n", "err\n")


def test_a_command_that_ends_the_shell_fails_the_call_and_keeps_the_session(
    target, monkeypatch, request
):
    monkeypatch.setattr(AdbSession, "features", property(lambda _session: frozenset()))
    if target.kind == "sim":
        request.applymarker(
            pytest.mark.xfail(strict=True, reason="the simulator's `kill -9 $$` leaves its sh")
        )

    with pytest.raises(DeviceError) as failure:
        target.device.shell("echo going; kill -9 $$")

    assert failure.value.problem is Problem.FAILED
    assert not failure.value.lost_session
    assert str(failure.value) == "the command ended the shell before reporting its status"
    assert target.device.shell("echo still here").stdout == "still here\n"


def test_a_refused_push_says_why_in_words(target, tmp_path):
    local = tmp_path / "config.json"
    local.write_text("{}")
    target.device.push(local, f"{target.scratch}/plain-file")

    with pytest.raises(DeviceError) as failure:
        target.device.push(local, f"{target.scratch}/plain-file/config.json")

    assert str(failure.value) == "pushing config.json failed: couldn't create file: Not a directory"
    assert not failure.value.lost_session


def test_a_device_without_getprop_is_not_android_and_has_no_property_values(real_adbd, host_key):
    device = Device.open(real_adbd.spec, host_key)
    try:
        assert device.identity().android is False
        for read in (device.props, lambda: device.getprop("ro.build.version.sdk")):
            with pytest.raises(DeviceError) as failure:
                read()
            assert str(failure.value) == NOT_ANDROID
            assert not failure.value.lost_session
        assert device.shell("true").ok  # the session stays
    finally:
        device.close()


def test_a_property_read_on_android_gives_the_value_alone(start_fleet, host_key):
    fleet = start_fleet(1, auth="none")
    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        identity = device.identity()
        assert identity.android and identity.sdk == int(device.getprop("ro.build.version.sdk"))
        assert device.getprop("no.such.property") == ""
    finally:
        device.close()
