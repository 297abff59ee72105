"""The device says whether it is provisioned: a marker written last, read by any station."""

from __future__ import annotations

import json

import pytest

from app.core.identity import IdentityGap, is_imei
from app.devices.device import Device
from app.devices.identity import read_identity
from app.devices.keys import station_key
from app.provisioning.marker import MARKER_KEY, Marker
from app.sim.apk import build_apk
from tests.integration.test_provision_cli import TEMPLATE, device_args, provision

FAILING_TEMPLATE = """\
kitbench: 1
name: kiosk
version: 4
steps:
  - setting: {namespace: global, key: stay_on_while_plugged_in, value: 7}
  - shell: {command: "exit 3"}
"""


@pytest.fixture
def template(tmp_path):
    (tmp_path / "app.apk").write_bytes(build_apk("com.example.kiosk", 4))
    path = tmp_path / "kiosk.yaml"
    path.write_text(TEMPLATE)
    return path


def _marker(connect, endpoint) -> Marker | None:
    session = connect(endpoint)
    return Marker.parse(str(session.shell(f"settings get global {MARKER_KEY}")))


def test_a_factory_reset_device_is_provisioned_again_with_its_identity_kept(
    start_fleet, template, tmp_path
):
    state = tmp_path / "sim-state"
    fleet = start_fleet(1, auth="none", profile="pixel8", state_dir=state)
    (before,) = fleet.endpoints
    args = ["-t", str(template), "--json", *device_args(fleet.endpoints)]
    first = json.loads(provision(*args).output)
    assert (first["result"], first["already_provisioned"]) == ("done", False)
    assert json.loads(provision(*args).output)["already_provisioned"] is True
    fleet.stop()

    reset = start_fleet(1, auth="none", profile="pixel8", state_dir=state,
                        base_port=before.port, factory_reset=(before.port,))  # fmt: skip
    assert reset.endpoints[0].serial == before.serial  # a reset keeps the serial
    again = json.loads(provision(*args).output)
    assert (again["result"], again["already_provisioned"]) == ("done", False)
    assert [step["status"] for step in again["steps"]][:2] == ["changed", "changed"]


def test_a_device_provisioned_at_another_station_is_recognised(
    start_fleet, template, tmp_path, monkeypatch, connect
):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    args = ["-t", str(template), "--json", *device_args(fleet.endpoints)]
    first = json.loads(provision(*args).output)
    assert first["result"] == "done"
    marker = _marker(connect, fleet.endpoints[0])
    assert marker is not None and (marker.template, marker.version) == ("kiosk", 4)

    monkeypatch.setenv("KITBENCH_HOME", str(tmp_path / "second-station"))  # no shared files
    other = json.loads(provision(*args).output)
    assert (other["already_provisioned"], other["provisioned_version"]) == (True, 4)
    forced = json.loads(provision(*args, "--force").output)
    assert forced["steps"][-1]["action"] == "marker"
    assert _marker(connect, fleet.endpoints[0]) != marker  # the forced run's own marker


def test_the_marker_is_written_last_and_only_on_success(start_fleet, tmp_path, connect):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    failing = tmp_path / "failing.yaml"
    failing.write_text(FAILING_TEMPLATE)
    result = json.loads(provision("-t", str(failing), "--json",
                                  *device_args(fleet.endpoints)).output)  # fmt: skip
    assert result["result"] == "failed"
    assert "marker" not in [step["action"] for step in result["steps"]]
    assert _marker(connect, fleet.endpoints[0]) is None


def test_identity_is_read_as_each_android_release_allows(start_fleet, tmp_path):
    fleet = start_fleet(4, auth="none", profile="mixed")
    key = station_key(tmp_path / "key")
    identities = {}
    for endpoint in fleet.endpoints:
        device = Device.open(endpoint.spec, key)
        try:
            identities[endpoint.profile] = read_identity(device, device.props())
        finally:
            device.close()
    pixel = identities["pixel8"]  # Android 14, SIM and eSIM
    assert len(pixel.imei) == 2 and all(is_imei(imei) for imei in pixel.imei)
    assert pixel.wifi_mac and pixel.bluetooth_mac is None  # Android 13+ masks Bluetooth
    assert pixel.gaps == {"bluetooth_mac": IdentityGap.REFUSED}
    assert pixel.security_patch and pixel.build_fingerprint
    tablet = identities["galaxy_tab"]  # a build that denies the shell device IDs
    assert (tablet.imei, tablet.gaps["imei"]) == ((), IdentityGap.REFUSED)
    scanned = tablet.with_scanned_imei(pixel.imei[0])
    assert (scanned.imei, scanned.scanned, "imei" in scanned.gaps) == (
        (pixel.imei[0],), ("imei",), False)  # fmt: skip
    zebra = identities["zebra_tc52"]  # WLAN only
    assert (zebra.imei, zebra.gaps["imei"]) == ((), IdentityGap.NO_RADIO)
    assert zebra.bluetooth_mac  # Android 11 still answers settings bluetooth_address
    legacy = identities["legacy_phone"]  # Android 8.1, CDMA-capable
    assert len(legacy.imei) == 1 and is_imei(legacy.imei[0])
    assert legacy.meid and len(legacy.meid) == 14
