"""Filling placeholders per device, the station's secret store, and masking secrets."""

from __future__ import annotations

import json
import os
import stat

import pytest

from app.core.paths import data_dir
from app.templates import SecretStore, SecretStoreError, VariableError, mask, render

DEVICE = {"serial": "R58M1234", "model": "SM-T510", "seq": 7, "port": "1-1.4", "site": "WH-01"}


@pytest.fixture
def secrets(tmp_path) -> SecretStore:
    store = SecretStore(tmp_path / "station")
    store.set("wifi_pw", "hunter2-very-secret")
    return store


def test_render_fills_variables_format_specs_and_secrets(secrets):
    assert render("POS-{site}-{seq:04d}", DEVICE, secrets) == "POS-WH-01-0007"
    assert render("{model:>9}|{serial}", DEVICE, secrets) == "  SM-T510|R58M1234"
    assert render("pw={secret:wifi_pw}", DEVICE, secrets) == "pw=hunter2-very-secret"
    assert render("awk '{{print $1}}' {port}", DEVICE, secrets) == "awk '{print $1}' 1-1.4"
    assert render("no placeholders", {}, secrets) == "no placeholders"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{sitee}", "unknown variable {sitee}; did you mean {site}?"),
        (
            "{secret:missing}",
            "secret 'missing' is not set on this station; set it with: kitbench secret set missing",
        ),
        ("{site:04d}", "{site:04d}: Unknown format code 'd' for object of type 'str'"),
        ("{seq!r}", "{seq!r}: conversions are not supported"),
        ("{", "Single '{' encountered in format string; write {{ or }} for a literal brace"),
        ("{}", "empty placeholder {}; write {{}} for literal braces"),
        ("{a.b}", "{a.b} is not a variable name; write {{ and }} for literal braces"),
    ],
)
def test_render_errors_say_what_is_wrong(secrets, text, message):
    with pytest.raises(VariableError) as caught:
        render(text, DEVICE, secrets)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_render_errors_never_contain_a_secret(secrets):
    for text in ("{secret:wifi_pw} {nope}", "{secret:wifi_pw}{seq:q}", "{secret:wifi_pw}{"):
        with pytest.raises(VariableError) as caught:
            render(text, DEVICE, secrets)
        assert "hunter2" not in str(caught.value)


def test_secret_store_file_is_private_and_survives_reopening(secrets, tmp_path):
    path = tmp_path / "station" / "secrets.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    secrets.set("amapi_token", "tok-123")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    reopened = SecretStore(tmp_path / "station")
    assert reopened.get("amapi_token") == "tok-123"
    assert reopened.names() == ["amapi_token", "wifi_pw"]
    assert sorted(reopened.values()) == ["hunter2-very-secret", "tok-123"]
    assert [p.name for p in path.parent.iterdir()] == ["secrets.json"]  # no temp files left
    reopened.delete("amapi_token")
    assert secrets.names() == ["wifi_pw"]  # every store re-reads the file
    with pytest.raises(KeyError, match="secret 'amapi_token' is not set"):
        secrets.get("amapi_token")


def test_secret_store_defaults_to_the_data_dir():
    store = SecretStore()
    store.set("pin", "1234")
    assert store.path == data_dir() / "secrets.json"
    assert json.loads(store.path.read_text()) == {"pin": "1234"}


def test_secret_store_refuses_bad_names_values_and_files(tmp_path):
    store = SecretStore(tmp_path)
    with pytest.raises(ValueError, match="not a secret name"):
        store.set("wifi pw", "x")
    with pytest.raises(ValueError, match="is empty"):
        store.set("wifi_pw", "")
    assert not store.path.exists()
    store.path.write_text("[1, 2]")
    with pytest.raises(SecretStoreError, match="is not a secrets file"):
        store.get("wifi_pw")
    assert store.path.read_text() == "[1, 2]"  # a damaged file is reported, never overwritten
    with pytest.raises(SecretStoreError):
        store.set("wifi_pw", "x")
    assert store.path.read_text() == "[1, 2]"


def test_mask_hides_every_secret_value(secrets):
    secrets.set("token", "tok")
    line = "joined with hunter2-very-secret; key tok"
    assert mask(line, secrets.values()) == "joined with ••••; key ••••"
    assert mask("hunter2-very-secret-tok", ["tok", "hunter2-very-secret-tok", ""]) == "••••"
    assert mask("nothing here", []) == "nothing here"
