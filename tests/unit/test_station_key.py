"""The station's ADB key: its own by default, or the one the user's stock adb already has."""

from __future__ import annotations

import stat

from click.testing import CliRunner

from app.cli import cli
from app.devices.keys import station_key
from app.storage.config import shares_adb_key


def test_the_station_key_is_made_once_and_kept_private(kitbench_home):
    first = station_key(kitbench_home)
    assert stat.S_IMODE((kitbench_home / "adbkey").stat().st_mode) == 0o600
    assert station_key(kitbench_home).GetPublicKey() == first.GetPublicKey()


def test_adb_key_android_shares_the_key_stock_adb_uses(kitbench_home, tmp_path, monkeypatch):
    monkeypatch.setenv("ANDROID_USER_HOME", str(tmp_path / "android"))
    own = station_key(kitbench_home)
    assert not shares_adb_key()

    result = CliRunner().invoke(cli, ["config", "set", "adb.key", "android"])
    assert result.exit_code == 0, result.output
    assert shares_adb_key()
    shared = station_key(kitbench_home, share_adb_key=shares_adb_key())
    assert (tmp_path / "android" / "adbkey").exists()  # made where adb looks for it
    assert shared.GetPublicKey() != own.GetPublicKey()
    assert (tmp_path / "android" / "adbkey.pub").read_text().split()[0] in shared.GetPublicKey()


def test_adb_key_accepts_only_known_sources(kitbench_home):
    result = CliRunner().invoke(cli, ["config", "set", "adb.key", "laptop"])
    assert result.exit_code == 2
    assert "adb.key must be one of station, android" in result.output


def test_a_broken_key_pair_is_a_clear_error_not_a_traceback(kitbench_home, tmp_path):
    station_key(kitbench_home)
    (kitbench_home / "adbkey.pub").unlink()
    template = tmp_path / "t.yaml"
    template.write_text("kitbench: 1\nname: t\nversion: 1\nsteps:\n  - timezone: UTC\n")
    for args in (
        ["devices", "--tcp", "127.0.0.1:9"],
        ["provision", "-t", str(template), "--device", "tcp:127.0.0.1:9"],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert "cannot use the ADB key" in result.output
        assert "Traceback" not in result.output
