"""USB device specs go through the same Device facade and commands as network ones."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.devices.device import Device, DeviceError, Problem
from app.devices.endpoints import EndpointError, TcpEndpoint, parse_endpoint
from app.devices.usb_discovery import enumerate_usb
from app.devices.usb_session import UsbEndpoint


def test_usb_specs_parse_to_a_slot_or_a_serial():
    assert parse_endpoint("usb:1-1.4") == UsbEndpoint(slot="1-1.4", serial=None)
    assert parse_endpoint("usb:R58M1234ABC") == UsbEndpoint(slot=None, serial="R58M1234ABC")
    assert parse_endpoint("usb:1-1.4").bus == "usb1"
    assert parse_endpoint("tcp:127.0.0.1:7400") == TcpEndpoint("127.0.0.1", 7400)
    with pytest.raises(EndpointError, match=r"usb:1-1\.4 or usb:SERIAL"):
        parse_endpoint("usb:")


def test_an_empty_usb_slot_fails_with_what_to_check(host_key):
    with pytest.raises(DeviceError) as failure:
        Device.open("usb:9-9.9", host_key, auth_timeout_s=1)
    assert failure.value.problem == Problem.DISCONNECTED
    assert "no ADB device at usb:9-9.9" in str(failure.value)
    assert "USB debugging" in str(failure.value)


def test_provision_all_usb_with_nothing_plugged_in_says_so(tmp_path):
    if any(device.state == "attached" for device in enumerate_usb()):
        pytest.skip("a real USB device is attached: not provisioning it from a test")
    template = tmp_path / "t.yaml"
    template.write_text("kitbench: 1\nname: t\nversion: 1\nsteps:\n  - timezone: UTC\n")
    result = CliRunner().invoke(cli, ["provision", "-t", str(template), "--all-usb"])
    assert result.exit_code == 1
    assert "no USB device with USB debugging on is attached" in result.output
