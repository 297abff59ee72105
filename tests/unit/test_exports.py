"""`kitbench export`: each portal's documented columns, checks before writing (docs/exports.md)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.core.identity import DeviceIdentity, IdentityGap
from app.storage import Store
from app.storage.models import Run
from tests.unit.test_storage_identity import run_with

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
PIXEL = DeviceIdentity(serial="PIXEL8A01", manufacturer="Google", model="Pixel 8",
                       imei=("358240051111128", "358240051111110"),
                       wifi_mac="f4:f5:e8:12:34:56")  # fmt: skip
TAB = DeviceIdentity(serial="R52TAB0001", manufacturer="samsung", model="SM-X200",
                     imei=("353320110000010",))  # fmt: skip
ZEBRA = DeviceIdentity(serial="21012ZEB0001", manufacturer="Zebra Technologies", model="TC52",
                       gaps={"imei": IdentityGap.NO_RADIO})  # fmt: skip


def record(home, identities) -> list[str]:
    """One finished run per identity, a minute apart, serial from the identity."""
    with Store(home, recording=True) as store:
        recorder = store.recorder()
        ids = []
        for number, identity in enumerate(identities):
            run_id = run_with(recorder, identity, T0 + timedelta(minutes=number))
            ids.append(run_id)
        recorder.flush(10)
        # finished() records serial R52A7Q20ZK3: give each run its device's serial
        for run_id, identity in zip(ids, identities, strict=True):
            store.writer.submit(lambda s, r=run_id, i=identity: _serial(s, r, i)).result()
    return ids


def _serial(session, run_id: str, identity: DeviceIdentity) -> None:
    run = session.get(Run, run_id)
    run.serial, run.model = identity.serial, identity.model


def export(*args: str):
    return CliRunner().invoke(cli, ["export", *args], catch_exceptions=False)


def test_zero_touch_has_its_columns_lowest_imei_first_and_serial_model_maker_without_imei(
    kitbench_home, tmp_path
):
    record(kitbench_home, [PIXEL, ZEBRA])
    out = tmp_path / "zt.csv"
    result = export("--format", "zero-touch", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["IMEI", "IMEI2", "MEID", "Serial Number", "Model", "Manufacturer"]
    assert sorted(rows[1:]) == sorted([
        ["358240051111110", "358240051111128", "", "PIXEL8A01", "Pixel 8", "Google"],
        ["", "", "", "21012ZEB0001", "TC52", "Zebra Technologies"],
    ])  # fmt: skip
    assert "2 device(s) written" in result.output


def test_esper_header_and_rows_as_documented(kitbench_home, tmp_path):
    record(kitbench_home, [PIXEL, ZEBRA])
    out = tmp_path / "esper.csv"
    assert export("--format", "esper", "--out", str(out)).exit_code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "IMEI1,IMEI2,serial number"
    assert sorted(lines[1:]) == [",,21012ZEB0001", "358240051111110,358240051111128,PIXEL8A01"]


def test_knox_takes_samsung_only_one_id_a_line(kitbench_home, tmp_path):
    record(kitbench_home, [TAB])
    out = tmp_path / "kme.csv"
    assert export("--format", "kme", "--out", str(out)).exit_code == 0
    assert out.read_text().splitlines() == ["353320110000010"]

    record(kitbench_home, [PIXEL])
    result = export("--format", "kme", "--out", str(tmp_path / "k2.csv"))
    assert result.exit_code == 1
    assert "PIXEL8A01" in result.output and "'Google' is not a manufacturer" in result.output


def test_an_invalid_imei_is_refused_with_its_row_named_and_nothing_written(kitbench_home, tmp_path):
    bad = replace(PIXEL, serial="PIXELBAD01", imei=("358240051111111",))  # Luhn digit off by one
    run_ids = record(kitbench_home, [TAB, bad])
    out = tmp_path / "zt.csv"
    result = export("--format", "zero-touch", "--out", str(out))
    assert result.exit_code == 1
    assert f"PIXELBAD01 (run {run_ids[1]})" in result.output
    assert "IMEI 358240051111111 is not 15 digits with a correct Luhn check digit" in result.output
    assert "nothing written" in result.output
    assert not out.exists()
    assert not list(tmp_path.glob("*.partial"))

    result = export("--format", "zero-touch", "--out", str(out), "--skip-invalid")
    assert result.exit_code == 0
    assert "left out PIXELBAD01" in result.output and "1 left out" in result.output
    assert "353320110000010" in out.read_text() and "358240051111111" not in out.read_text()


def test_an_imei_on_two_devices_is_refused_and_a_device_counts_once(kitbench_home, tmp_path):
    twin = replace(TAB, serial="R52TAB0002")  # the same IMEI as TAB
    record(kitbench_home, [TAB, TAB, twin])  # TAB twice: the newest run, one row
    result = export("--format", "esper", "--out", str(tmp_path / "e.csv"))
    assert result.exit_code == 1
    assert "IMEI 353320110000010 is also on" in result.output
    assert result.output.count("cannot export") == 1


def test_zero_touch_refuses_a_device_it_cannot_identify(kitbench_home, tmp_path):
    nameless = replace(ZEBRA, model=None, manufacturer="Acme")
    record(kitbench_home, [nameless])
    result = export("--format", "zero-touch", "--out", str(tmp_path / "z.csv"))
    assert result.exit_code == 1
    assert "'Acme' is not a manufacturer this portal takes" in result.output


def test_csv_keeps_imeis_whole_in_a_spreadsheet_and_json_has_every_field(kitbench_home, tmp_path):
    record(kitbench_home, [PIXEL])
    out = tmp_path / "all.csv"
    assert export("--format", "csv", "--out", str(out), "--result", "done").exit_code == 0
    row = next(csv.DictReader(io.StringIO(out.read_text())))
    assert row["imei1"] == '="358240051111110"'  # text in Excel/LibreOffice, never 3.58E+14
    assert row["wifi_mac"] == "f4:f5:e8:12:34:56"

    out = tmp_path / "all.json"
    assert export("--format", "json", "--out", str(out)).exit_code == 0
    (device,) = json.loads(out.read_text())
    assert device["imei"] == ["358240051111128", "358240051111110"]
    assert device["manufacturer"] == "Google" and device["serial"] == "PIXEL8A01"


def test_filters_and_bad_input(kitbench_home, tmp_path):
    record(kitbench_home, [PIXEL])
    out = tmp_path / "none.csv"
    result = export("--format", "esper", "--out", str(out), "--result", "failed")
    assert result.exit_code == 0 and out.read_text().splitlines() == ["IMEI1,IMEI2,serial number"]
    assert export("--format", "nope", "--out", str(out)).exit_code == 2
    result = export("--format", "esper", "--out", str(tmp_path / "missing" / "x.csv"))
    assert result.exit_code == 1 and "cannot write" in result.output


@pytest.mark.parametrize("since", ["2025-03-02", "1d"])
def test_since_limits_the_runs(kitbench_home, tmp_path, since):
    record(kitbench_home, [PIXEL])
    out = tmp_path / "s.csv"
    assert export("--format", "esper", "--out", str(out), "--since", since).exit_code == 0
    assert out.read_text().splitlines() == ["IMEI1,IMEI2,serial number"]
