"""The provisioning payload Android reads: keys, types, checksums, variables, secrets, size."""

from __future__ import annotations

import base64
import hashlib
import textwrap
from pathlib import Path

import pytest

from app.enrollment import EnrollmentError, PayloadBuilder, make_qr, payload_text, size_warnings
from app.enrollment.qr import CAPACITY_BYTES
from app.sim.apk import build_apk
from app.templates import SecretStore, TemplateError, load_template

EXTRA = "android.app.extra.PROVISIONING_"
SIGNATURE = "I5YvS0O5hXY46mb01BlRjq4oJJGs2kuUcHvVkAPEXlg"
WIFI_PASSWORD = "correct-horse-battery"
TOKEN = "ENROLL-TOKEN-8c1f2e"


def write_template(directory: Path, enrollment: str, *, variables: str = "site: WH-01") -> Path:
    path = directory / "pos.yaml"
    body = textwrap.indent(textwrap.dedent(enrollment).strip(), "  ")
    path.write_text(
        "kitbench: 1\nname: retail-pos\nversion: 3\n"
        f"variables:\n  {variables}\nenrollment:\n{body}\n",
        encoding="utf-8",
    )
    return path


BASE = f"""
    dpc_component: com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver
    dpc_download_url: https://play.google.com/managed/downloadManagingApp?identifier=setup
    dpc_signature_checksum: {SIGNATURE}
"""
FULL = (
    BASE
    + """
    wifi: {ssid: Warehouse, security: WPA, password: "{secret:warehouse_wifi}"}
    timezone: Europe/Berlin
    locale: en_US
    leave_system_apps: true
    skip_encryption: false
    use_mobile_data: true
    admin_extras:
      com.google.android.apps.work.clouddpc.EXTRA_ENROLLMENT_TOKEN: "{secret:amapi_token}"
      device_name: "POS-{site}-{seq:04d}"
      serial: "{serial}"
      retries: 3
"""
)


@pytest.fixture
def secrets() -> SecretStore:
    store = SecretStore()
    store.set("warehouse_wifi", WIFI_PASSWORD)
    store.set("amapi_token", TOKEN)
    return store


def builder_for(tmp_path: Path, enrollment: str, secrets: SecretStore) -> PayloadBuilder:
    return PayloadBuilder(load_template(write_template(tmp_path, enrollment)), secrets)


def test_payload_has_androids_keys_with_json_types_and_filled_secrets(tmp_path, secrets):
    builder = builder_for(tmp_path, FULL, secrets)
    payload = builder.build(builder.variables(seq=7, row={"serial": "R58M123"}))
    assert payload == {
        EXTRA + "DEVICE_ADMIN_COMPONENT_NAME": (
            "com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver"
        ),
        EXTRA + "DEVICE_ADMIN_PACKAGE_DOWNLOAD_LOCATION": (
            "https://play.google.com/managed/downloadManagingApp?identifier=setup"
        ),
        EXTRA + "DEVICE_ADMIN_SIGNATURE_CHECKSUM": SIGNATURE,
        EXTRA + "WIFI_SSID": "Warehouse",
        EXTRA + "WIFI_SECURITY_TYPE": "WPA",
        EXTRA + "WIFI_PASSWORD": WIFI_PASSWORD,
        EXTRA + "WIFI_HIDDEN": False,
        EXTRA + "TIME_ZONE": "Europe/Berlin",
        EXTRA + "LOCALE": "en_US",
        EXTRA + "LEAVE_ALL_SYSTEM_APPS_ENABLED": True,
        EXTRA + "SKIP_ENCRYPTION": False,
        EXTRA + "USE_MOBILE_DATA": True,
        EXTRA + "ADMIN_EXTRAS_BUNDLE": {
            "com.google.android.apps.work.clouddpc.EXTRA_ENROLLMENT_TOKEN": TOKEN,
            "device_name": "POS-WH-01-0007",
            "serial": "R58M123",
            "retries": 3,
        },
    }
    assert payload_text(payload).isascii()
    assert '"WIFI_HIDDEN":false' in payload_text(payload).replace(EXTRA, "")


def test_only_the_keys_a_template_sets_are_sent(tmp_path, secrets):
    builder = builder_for(tmp_path, BASE, secrets)
    assert sorted(builder.build(builder.variables())) == sorted(
        EXTRA + key
        for key in (
            "DEVICE_ADMIN_COMPONENT_NAME",
            "DEVICE_ADMIN_PACKAGE_DOWNLOAD_LOCATION",
            "DEVICE_ADMIN_SIGNATURE_CHECKSUM",
        )
    )


def test_local_dpc_apk_gives_the_package_checksum(tmp_path, secrets):
    apk = build_apk("com.example.mdm", 12, payload_size=5000)
    (tmp_path / "dpc").mkdir()
    (tmp_path / "dpc" / "mdm.apk").write_bytes(apk)
    enrollment = BASE.replace(f"dpc_signature_checksum: {SIGNATURE}", "dpc_apk: dpc/mdm.apk")
    builder = builder_for(tmp_path, enrollment, secrets)
    payload = builder.build(builder.variables())
    expected = base64.urlsafe_b64encode(hashlib.sha256(apk).digest()).decode().rstrip("=")
    assert payload[EXTRA + "DEVICE_ADMIN_PACKAGE_CHECKSUM"] == expected
    assert len(expected) == 43 and "=" not in expected
    assert EXTRA + "DEVICE_ADMIN_SIGNATURE_CHECKSUM" not in payload


def test_empty_file_checksum_matches_the_known_value(tmp_path):
    from app.enrollment import package_checksum

    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert package_checksum(empty) == "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"


WANTED = "Android wants the SHA-256 as URL-safe base64 without '=' padding"
HEX = hashlib.sha256(b"dpc").hexdigest()
RIGHT = base64.urlsafe_b64encode(hashlib.sha256(b"dpc").digest()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("given", "says"),
    [
        (
            HEX,
            f"looks like hex: {WANTED}; write it as {RIGHT}",
        ),
        (
            ":".join(HEX[i : i + 2] for i in range(0, 64, 2)).upper(),
            f"looks like hex: {WANTED}; write it as {RIGHT}",
        ),
        (
            RIGHT + "=",
            f"has '=' padding: {WANTED}; write it as {RIGHT}",
        ),
        (base64.b64encode(hashlib.sha256(b"x").digest()).decode(), "write it as"),
        (
            base64.urlsafe_b64encode(hashlib.sha1(b"dpc").digest()).decode().rstrip("="),
            "decodes to 20 bytes, not the 32 of a SHA-256",
        ),
        ("not a checksum!", "is not base64"),
    ],
)
def test_a_wrong_checksum_says_how_to_fix_it(tmp_path, secrets, given, says):
    enrollment = BASE.replace(SIGNATURE, f'"{given}"')
    with pytest.raises(TemplateError) as error:
        builder_for(tmp_path, enrollment, secrets)
    message = str(error.value)
    assert "enrollment.dpc_signature_checksum" in message
    assert says in message
    assert message.startswith(f"{tmp_path / 'pos.yaml'}:9:")  # the checksum's line


def test_standard_base64_is_converted_to_url_safe_in_the_message(tmp_path, secrets):
    digest = next(
        hashlib.sha256(bytes([n])).digest()
        for n in range(256)
        if b"+" in base64.b64encode(hashlib.sha256(bytes([n])).digest())
    )
    standard = base64.b64encode(digest).decode().rstrip("=")
    fixed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    with pytest.raises(TemplateError, match=f"uses '\\+' or '/'.*write it as {fixed}"):
        builder_for(tmp_path, BASE.replace(SIGNATURE, standard), secrets)


def test_exactly_one_checksum_source(tmp_path, secrets):
    without = BASE.replace(f"dpc_signature_checksum: {SIGNATURE}", "")
    with pytest.raises(TemplateError, match="give exactly one of dpc_signature_checksum"):
        builder_for(tmp_path, without, secrets)
    both = BASE + f"    dpc_package_checksum: {SIGNATURE}\n"
    with pytest.raises(TemplateError, match="give exactly one of dpc_signature_checksum"):
        builder_for(tmp_path, both, secrets)


def test_wifi_security_and_password_must_agree(tmp_path, secrets):
    open_with_password = BASE + '    wifi: {ssid: Guest, security: NONE, password: "x"}\n'
    with pytest.raises(TemplateError, match="takes no password"):
        builder_for(tmp_path, open_with_password, secrets)
    wpa_without = BASE + "    wifi: {ssid: Office, security: WPA}\n"
    with pytest.raises(TemplateError, match="a WPA network needs a password"):
        builder_for(tmp_path, wpa_without, secrets)


def test_missing_secret_names_the_fix_and_not_other_secrets(tmp_path):
    store = SecretStore()
    store.set("warehouse_wifi", WIFI_PASSWORD)
    builder = builder_for(tmp_path, FULL, store)
    with pytest.raises(EnrollmentError) as error:
        builder.build(builder.variables(row={"serial": "R58M123"}))
    assert "amapi_token" in str(error.value)
    assert "kitbench secret set amapi_token" in str(error.value)
    assert WIFI_PASSWORD not in str(error.value)


def test_unknown_variable_in_admin_extras_is_an_error(tmp_path, secrets):
    builder = builder_for(tmp_path, FULL, secrets)
    with pytest.raises(EnrollmentError, match=r"admin_extras.serial: unknown variable \{serial\}"):
        builder.build(builder.variables(seq=1))


def test_label_says_what_the_code_is_for_and_never_a_secret(tmp_path, secrets):
    builder = builder_for(tmp_path, FULL, secrets)
    numbered = builder.label(builder.variables(seq=42))
    assert numbered == ["retail-pos v3 · WH-01", "#42", "Wi-Fi Warehouse"]
    tagged = builder.label(builder.variables(row={"asset": "A-0042", "serial": "R58M1"}))
    assert tagged[1:3] == ["Asset A-0042", "SN R58M1"]
    secret_ssid = FULL.replace("ssid: Warehouse", 'ssid: "{secret:warehouse_wifi}"')
    builder = builder_for(tmp_path, secret_ssid, secrets)
    assert all(WIFI_PASSWORD not in line for line in builder.label(builder.variables()))


def test_template_without_enrollment_is_refused(tmp_path, secrets):
    path = tmp_path / "plain.yaml"
    path.write_text("kitbench: 1\nname: plain\nversion: 1\n", encoding="utf-8")
    with pytest.raises(EnrollmentError, match="has no enrollment: section"):
        PayloadBuilder(load_template(path), secrets)


def test_large_payloads_warn_and_too_large_ones_are_refused():
    assert size_warnings("x" * 1500) == []
    assert "1501 bytes" in size_warnings("x" * 1501)[0]
    text = "x" * (CAPACITY_BYTES["H"] + 1)
    with pytest.raises(EnrollmentError, match="error correction H holds at most 1273"):
        make_qr(text, "H")
    assert make_qr(text, "L").error == "L"
    with pytest.raises(EnrollmentError, match="holds at most 2953"):
        make_qr("x" * 2954, "L")


def test_error_correction_is_exactly_the_one_chosen():
    assert make_qr("hello", "M").error == "M"
    assert make_qr("hello", "L").error == "L"
    assert not make_qr("hello").is_micro  # Android's scanner reads no Micro QR
