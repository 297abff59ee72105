"""Station settings: known keys only, checked values, the token kept like a secret."""

from __future__ import annotations

import json
import stat
import sys

import pytest

from app.storage import Config, ConfigError, UnknownKeyError


def test_settings_persist_across_instances(kitbench_home):
    Config().set("backend.url", "https://fleet.example.com/")
    Config().set("station.name", "  bench-3 ")
    Config().set("sync.interval", "15")
    config = Config(kitbench_home)
    assert config.backend_url == "https://fleet.example.com"
    assert config.station_name == "bench-3"
    assert config.sync_interval == 15
    assert json.loads((kitbench_home / "config.json").read_text())["station.name"] == "bench-3"


def test_defaults_when_nothing_is_set():
    config = Config()
    assert config.backend_url is None
    assert config.backend_token is None
    assert config.sync_interval == 60
    assert config.station_name == ""


def test_unknown_keys_are_rejected_with_the_known_ones():
    with pytest.raises(UnknownKeyError) as raised:
        Config().set("backend.uri", "https://x")
    assert "backend.url" in str(raised.value)
    assert "station.name" in str(raised.value)
    with pytest.raises(UnknownKeyError):
        Config().get("nope")


@pytest.mark.parametrize(
    ("key", "value", "complaint"),
    [
        ("backend.url", "fleet.example.com", "http:// or https://"),
        ("backend.url", "ftp://fleet", "http:// or https://"),
        ("sync.interval", "0", "from 1 to 86400"),
        ("sync.interval", "soon", "from 1 to 86400"),
        ("sync.interval", "86401", "from 1 to 86400"),
        ("backend.ca_bundle", "/no/such/ca.pem", "no such file"),
    ],
)
def test_bad_values_are_refused_and_nothing_changes(kitbench_home, key, value, complaint):
    with pytest.raises(ConfigError, match=complaint):
        Config().set(key, value)
    assert Config().get(key) is None


def test_the_token_is_kept_out_of_the_config_file_and_shown_masked(kitbench_home):
    config = Config()
    config.set("backend.url", "http://127.0.0.1:8470")
    config.set("backend.token", "tok-3f9a1c")
    assert config.backend_token == "tok-3f9a1c"
    assert "tok-3f9a1c" not in (kitbench_home / "config.json").read_text()
    assert config.shown("backend.token") == "••••"
    assert "tok-3f9a1c" not in repr(config.items())
    if sys.platform != "win32":
        mode = stat.S_IMODE((kitbench_home / "backend-token").stat().st_mode)
        assert mode == 0o600


def test_writes_leave_no_temporary_files(kitbench_home):
    config = Config()
    for number in range(5):
        config.set("station.operator", f"operator {number}")
    assert sorted(path.name for path in kitbench_home.iterdir()) == ["config.json"]


def test_a_damaged_config_file_is_a_clear_error(kitbench_home):
    kitbench_home.mkdir(parents=True)
    (kitbench_home / "config.json").write_text("[1, 2")
    with pytest.raises(ConfigError, match="cannot read"):
        Config().get("backend.url")


def test_config_unset_forgets_a_key(kitbench_home):
    from click.testing import CliRunner

    from app.cli import cli

    runner = CliRunner()
    assert (
        runner.invoke(cli, ["config", "set", "backend.url", "https://fleet.example"]).exit_code == 0
    )
    result = runner.invoke(cli, ["config", "unset", "backend.url"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["config", "get", "backend.url"]).exit_code == 1
    assert runner.invoke(cli, ["config", "unset", "backend.nope"]).exit_code == 2
