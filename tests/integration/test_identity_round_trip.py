"""The identity is read in one shell round trip, on the simulator and in adbd 34's shell."""

from __future__ import annotations

from app.core.identity import IdentityGap
from app.devices import identity
from app.devices.device import Device, ShellResult

SPEAKS_ON_BOTH = "sh -c 'echo one; echo two >&2'"


class _Counted(Device):
    """A device that remembers the shell commands it was sent."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commands: list[str] = []

    def shell(self, command: str, timeout: float | None = None) -> ShellResult:
        self.commands.append(command)
        return super().shell(command, timeout)


def test_the_identity_takes_one_round_trip_past_the_props(start_fleet, host_key):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    device = _Counted.open(fleet.endpoints[0].spec, host_key)
    try:
        props = device.props()
        device.commands = []
        read = identity.read_identity(device, props)
    finally:
        device.close()
    assert len(device.commands) == 1
    assert len(read.imei) == 2 and read.wifi_mac
    assert read.gaps == {"bluetooth_mac": IdentityGap.REFUSED}  # Android 14 masks it


def test_each_answer_comes_apart_with_its_own_status_in_adbd34s_shell(real_adbd, host_key):
    device = Device.open(real_adbd.spec, host_key)
    try:
        answers = identity._answers(
            device, (SPEAKS_ON_BOTH, "printf no-newline", "false", "nosuch")
        )
    finally:
        device.close()
    assert answers[SPEAKS_ON_BOTH] == "one\ntwo\n"  # stderr in its place, as before
    assert answers["printf no-newline"] == "no-newline"
    assert answers["false"] is None and answers["nosuch"] is None


def test_a_device_without_androids_tools_leaves_every_field_with_its_reason(real_adbd, host_key):
    device = Device.open(real_adbd.spec, host_key)
    try:
        read = identity.read_identity(device, {})
    finally:
        device.close()
    assert (read.imei, read.wifi_mac, read.bluetooth_mac) == ((), None, None)
    assert read.gaps == {
        "imei": IdentityGap.UNREADABLE,
        "wifi_mac": IdentityGap.UNREADABLE,
        "bluetooth_mac": IdentityGap.UNREADABLE,
    }
