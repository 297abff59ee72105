"""Orders on a simulated bench: `kitbench order`, `provision --order`, `kitbench manifest`."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.sim.apk import build_apk
from app.sim.identity import hardware_ids
from tests.integration.test_provision_cli import TEMPLATE, device_args


@pytest.fixture
def template(tmp_path):
    (tmp_path / "app.apk").write_bytes(build_apk("com.example.kiosk", 4))
    path = tmp_path / "kiosk.yaml"
    path.write_text(TEMPLATE)
    return path


def kitbench(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def shown(number: str) -> dict:
    result = kitbench("order", "show", number, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_an_order_of_6_reaches_complete_re_runs_count_once_and_the_manifest_holds_all(
    start_fleet,
    template,
    tmp_path,
):
    fleet = start_fleet(6, auth="none", profile="pixel8")
    created = kitbench("order", "create", "PO-4711", "--target", "6", "--customer", "Shop X",
                       "--template", "kiosk@4")  # fmt: skip
    assert created.exit_code == 0, created.output
    first = kitbench("provision", "--template", str(template), "--order", "PO-4711",
                     *device_args(fleet.endpoints[:4]))  # fmt: skip
    assert first.exit_code == 0, first.output
    assert "order PO-4711: 4 of 6 done" in first.output
    again = kitbench("provision", "--template", str(template), "--order", "PO-4711", "--force",
                     *device_args(fleet.endpoints))  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "order PO-4711: 6 of 6 done — complete" in again.output

    order = shown("PO-4711")
    assert (order["state"], order["done"], order["remaining"]) == ("complete", 6, 0)
    assert {d["serial"] for d in order["devices"]} == {e.serial for e in fleet.endpoints}
    assert sorted(d["runs"] for d in order["devices"]) == [1, 1, 2, 2, 2, 2]

    out = kitbench("manifest", "PO-4711", "--csv", "-")
    rows = list(csv.DictReader(io.StringIO("".join(
        line + "\n" for line in out.output.splitlines() if not line.startswith("#")))))  # fmt: skip
    assert {row["serial"] for row in rows} == {e.serial for e in fleet.endpoints}
    assert {row["result"] for row in rows} == {"done"}
    names = {row["device_name"] for row in rows}  # the template's device_name: KIOSK-{seq:03d}
    assert len(names) == 6 and all(re.fullmatch(r"KIOSK-\d{3}", name) for name in names), names
    assert "# 6 of 6 done" in out.output
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = tmp_path / "manifest.pdf"
    made = kitbench("manifest", "PO-4711", "--pdf", str(pdf))
    assert made.exit_code == 0, made.output
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    for endpoint in fleet.endpoints:
        assert endpoint.serial in text
    assert all(name in text for name in names)
    assert all(imei in text for row in rows for imei in row["imeis"].split())  # both, unclipped
    assert "Order PO-4711 · Shop X" in text and "Page 1 of 1" in text


def test_a_device_not_on_the_expected_list_is_held_back(start_fleet, template, tmp_path):
    fleet = start_fleet(3, auth="none", profile="pixel8")
    asn = tmp_path / "asn.csv"
    asn.write_text("serial\n" + "".join(e.serial + "\n" for e in fleet.endpoints[:2]))
    assert (
        kitbench("order", "create", "PO-7", "--target", "3", "--expected", str(asn)).exit_code == 0
    )
    result = kitbench("provision", "--template", str(template), "--order", "PO-7", "--json",
                      *device_args(fleet.endpoints))  # fmt: skip
    assert result.exit_code == 1
    lines = {line["serial"]: line for line in map(json.loads, result.output.splitlines()[:3])}
    held = lines[fleet.endpoints[2].serial]
    assert (held["result"], held["not_on_order"]) == ("refused", "PO-7")
    assert held["steps"] == []
    order = shown("PO-7")
    assert (order["done"], order["state"]) == (2, "open")
    assert fleet.endpoints[2].serial not in {d["serial"] for d in order["devices"]}


@pytest.mark.parametrize("listed_by", ["imei", "mixed"])
def test_a_supplier_list_of_imeis_lets_in_a_device_by_either_imei(
    start_fleet, template, tmp_path, listed_by
):
    fleet = start_fleet(4, auth="none", profile="pixel8")  # two IMEIs each (SIM and eSIM)
    first, second, third, stranger = fleet.endpoints
    imeis = {e.serial: hardware_ids("pixel8", e.serial).imeis for e in fleet.endpoints}
    lines = ["serial,imei", f",{imeis[first.serial][0]}", f",{imeis[second.serial][1]}"]
    lines.append(f"{third.serial}," if listed_by == "mixed" else f",{imeis[third.serial][0]}")
    asn = tmp_path / "asn.csv"
    asn.write_text("\n".join(lines) + "\n")
    assert (
        kitbench("order", "create", "PO-5", "--target", "3", "--expected", str(asn)).exit_code == 0
    )

    result = kitbench("provision", "--template", str(template), "--order", "PO-5", "--json",
                      *device_args(fleet.endpoints))  # fmt: skip
    assert result.exit_code == 1, result.output
    ended = {line["serial"]: line for line in map(json.loads, result.output.splitlines()[:4])}
    assert {serial: line["result"] for serial, line in ended.items()} == {
        first.serial: "done", second.serial: "done", third.serial: "done",
        stranger.serial: "refused"}  # fmt: skip
    assert ended[stranger.serial]["not_on_order"] == "PO-5"
    order = shown("PO-5")
    assert (order["done"], order["state"]) == (3, "complete")


def test_an_order_for_another_template_or_a_closed_one_takes_no_runs(start_fleet, template):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    kitbench("order", "create", "PO-8", "--target", "1", "--template", "retail-pos")
    wrong = kitbench("provision", "--template", str(template), "--order", "PO-8",
                     *device_args(fleet.endpoints))  # fmt: skip
    assert wrong.exit_code == 1 and "is for template retail-pos, not kiosk" in wrong.output
    kitbench("order", "create", "PO-9", "--target", "1")
    kitbench("order", "close", "PO-9")
    closed = kitbench("provision", "--template", str(template), "--order", "PO-9",
                      *device_args(fleet.endpoints))  # fmt: skip
    assert closed.exit_code == 1 and "order PO-9 is closed" in closed.output
    missing = kitbench("provision", "--template", str(template), "--order", "NOPE",
                       *device_args(fleet.endpoints))  # fmt: skip
    assert missing.exit_code == 1 and "there is no order NOPE" in missing.output
