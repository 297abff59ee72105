"""Which codes a sheet holds: numbering, device lists from CSV, and their errors."""

from __future__ import annotations

import json

import pytest

from app.enrollment import EnrollmentError, PayloadBuilder, plan_sheet, read_devices_csv
from app.templates import SecretStore, load_template

TEMPLATE = """\
kitbench: 1
name: scanners
version: 2
enrollment:
  dpc_component: com.example.mdm/.AdminReceiver
  dpc_download_url: https://mdm.example.com/dpc.apk
  dpc_signature_checksum: I5YvS0O5hXY46mb01BlRjq4oJJGs2kuUcHvVkAPEXlg
  wifi: {ssid: Depot, security: WPA, password: "{secret:depot_wifi}"}
  admin_extras: {device: "SCAN-{seq:03d}", serial: "{serial}"}
"""
EXTRAS = "android.app.extra.PROVISIONING_ADMIN_EXTRAS_BUNDLE"


@pytest.fixture
def builder(tmp_path) -> PayloadBuilder:
    path = tmp_path / "scanners.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    secrets = SecretStore()
    secrets.set("depot_wifi", "s3cret-depot")
    return PayloadBuilder(load_template(path), secrets)


def test_count_numbers_codes_from_the_first_seq(builder):
    rows = [{"serial": "N/A"}] * 3
    sheet = plan_sheet(builder, rows=rows, first_seq=41)
    devices = [json.loads(code.text)[EXTRAS]["device"] for code in sheet.codes]
    assert devices == ["SCAN-041", "SCAN-042", "SCAN-043"]
    assert [code.label[1:3] for code in sheet.codes] == [
        ("#41", "SN N/A"),
        ("#42", "SN N/A"),
        ("#43", "SN N/A"),
    ]
    assert sheet.title == "Enrollment codes · scanners v2"
    assert all("s3cret-depot" in code.text for code in sheet.codes)
    assert not any("s3cret-depot" in line for code in sheet.codes for line in code.label)


def test_csv_rows_become_per_device_codes(builder, tmp_path):
    devices = tmp_path / "devices.csv"
    devices.write_text("\ufeffAsset, Serial\nA-1,R58M001\n\nA-2,R58M002\n", encoding="utf-8")
    rows = read_devices_csv(devices)
    assert rows == [{"asset": "A-1", "serial": "R58M001"}, {"asset": "A-2", "serial": "R58M002"}]
    sheet = plan_sheet(builder, rows=rows)
    assert [json.loads(code.text)[EXTRAS]["serial"] for code in sheet.codes] == [
        "R58M001",
        "R58M002",
    ]
    assert [code.label[1:3] for code in sheet.codes] == [
        ("Asset A-1", "SN R58M001"),
        ("Asset A-2", "SN R58M002"),
    ]
    assert len({code.matrix for code in sheet.codes}) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty; the first line names the columns"),
        ("asset tag,serial\nA-1,R1\n", "devices.csv:1: column 'asset tag' is not a variable name"),
        ("asset,serial\nA-1,R1,extra\n", "devices.csv:2: 3 fields but the header names 2"),
        ("asset,serial\n\n", "no devices listed below the header line"),
    ],
)
def test_bad_device_lists_say_where(tmp_path, content, message):
    devices = tmp_path / "devices.csv"
    devices.write_text(content, encoding="utf-8")
    with pytest.raises(EnrollmentError, match=message):
        read_devices_csv(devices)


def test_missing_and_binary_device_lists(tmp_path):
    with pytest.raises(EnrollmentError, match="cannot read"):
        read_devices_csv(tmp_path / "absent.csv")
    binary = tmp_path / "devices.csv"
    binary.write_bytes(b"asset\n\xff\xfe\x00garbage\n")
    with pytest.raises(EnrollmentError, match="not a UTF-8 CSV file"):
        read_devices_csv(binary)


def test_a_sheet_needs_at_least_one_code(builder):
    with pytest.raises(EnrollmentError, match="nothing to print"):
        plan_sheet(builder, count=0)
