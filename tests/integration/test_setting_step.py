"""The setting step on a simulated device: one round trip under shell v2, the same outcomes
(ok when already so, changed with before -> after, Android's reason on a refusal) either way."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.core import StepStatus
from app.devices.device import Device, ShellResult
from app.provisioning import steps
from app.provisioning.context import ArtifactCache, DeviceFacts, StepContext, StepFailed
from app.templates.model import Setting

SHELL_V2_PHONE = DeviceFacts("SER1", "Pixel 8", "Google", "14", 34)
SHELL_V1_PHONE = DeviceFacts("SER1", "Nexus 5", "LGE", "6.0.1", 23)


class _Counted:
    """The device, with the shell commands it was sent."""

    def __init__(self, device: Device) -> None:
        self.device, self.commands = device, []

    def shell(self, command: str, timeout: float | None = None) -> ShellResult:
        self.commands.append(command)
        return self.device.shell(command, timeout)


@pytest.fixture
def device(start_fleet, host_key):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    opened = Device.open(fleet.endpoints[0].spec, host_key)
    yield _Counted(opened)
    opened.close()


def _context(device: _Counted, facts: DeviceFacts) -> StepContext:
    return StepContext(
        device=device,  # type: ignore[arg-type]
        facts=facts,
        timeout=10,
        artifacts=ArtifactCache(),
        resolve_path=Path,
        cancel=threading.Event(),
        report=lambda _fraction, _detail: None,
    )


@pytest.mark.parametrize(("facts", "trips"), [(SHELL_V2_PHONE, 1), (SHELL_V1_PHONE, 2)])
def test_a_setting_is_changed_once_then_found_as_wanted(device, facts, trips):
    context = _context(device, facts)
    wanted = Setting(namespace="global", key="device_name", value='it\'s "POS" $HOME 1')

    changed = steps.setting(wanted, context)
    assert (changed.status, changed.message) == (
        StepStatus.CHANGED,
        'global/device_name: Pixel 8 -> it\'s "POS" $HOME 1',
    )
    assert len(device.commands) == trips
    assert device.device.shell("settings get global device_name").stdout == (
        'it\'s "POS" $HOME 1\n'
    )

    device.commands.clear()
    again = steps.setting(wanted, context)
    assert (again.status, again.message) == (
        StepStatus.OK,
        'global/device_name is already it\'s "POS" $HOME 1',
    )
    assert len(device.commands) == 1


@pytest.mark.parametrize("facts", [SHELL_V2_PHONE, SHELL_V1_PHONE])
def test_a_refused_read_fails_with_androids_reason(device, facts):
    refused = Setting.model_construct(namespace="bogus", key="x", value="1")
    with pytest.raises(StepFailed) as failure:
        steps.setting(refused, _context(device, facts))
    assert str(failure.value) == "reading the setting failed: Invalid namespace 'bogus'"


# adbd 34 runs Debian's /bin/sh, not mksh, and has no `settings`: a function keeps the values
# in files, so the command line itself (quoting, `$(…)`'s status, `[`) meets a real shell.
FAKE_SETTINGS = (
    'settings() {{ f="{dir}/$2.$3"; case "$2" in global) ;; '
    "*) echo \"Invalid namespace '$2'\" >&2; return 255;; esac; "
    'if [ "$1" = get ]; then cat "$f" 2>/dev/null || echo null; '
    'else printf "%s\\n" "$4" > "$f"; echo put >> "{dir}/puts"; fi; }}; '
)


def test_the_one_round_trip_command_line_holds_in_adbd34s_shell(real_adbd, host_key):
    opened = Device.open(real_adbd.spec, host_key)
    fake = FAKE_SETTINGS.format(dir=real_adbd.workdir)
    value = 'it\'s "POS" $HOME 1'
    try:
        first = opened.shell(fake + steps.setting_command("global", "device_name", value))
        second = opened.shell(fake + steps.setting_command("global", "device_name", value))
        refused = opened.shell(fake + steps.setting_command("bogus", "x", value))
    finally:
        opened.close()
    assert (first.exit_code, first.stdout, first.stderr) == (0, "null\n", "")
    assert (second.exit_code, second.stdout, second.stderr) == (0, f"{value}\n", "")
    assert (refused.exit_code, refused.stdout, refused.stderr) == (
        255,
        "",
        "Invalid namespace 'bogus'\n",
    )
    assert (real_adbd.workdir / "puts").read_text() == "put\n"  # the second found it as wanted
