"""`kitbench qr` and `kitbench sheet`: every code decoded by an independent decoder (zxing-cpp).

Sheets are real PDF files, rasterized by poppler's pdftoppm and read back by pdftotext.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from click.testing import CliRunner
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from app.cli import cli
from app.templates import SecretStore

WIFI_PASSWORD = "correct-horse-battery"
TOKEN = "ENROLL-TOKEN-8c1f2e"
TEMPLATE = """\
kitbench: 1
name: retail-pos
version: 3
variables:
  site: WH-01
enrollment:
  dpc_component: com.google.android.apps.work.clouddpc/.receivers.CloudDeviceAdminReceiver
  dpc_download_url: https://play.google.com/managed/downloadManagingApp?identifier=setup
  dpc_signature_checksum: I5YvS0O5hXY46mb01BlRjq4oJJGs2kuUcHvVkAPEXlg
  wifi: {ssid: Warehouse, security: WPA, password: "{secret:warehouse_wifi}"}
  timezone: Europe/Berlin
  locale: en_US
  leave_system_apps: true
  admin_extras:
    com.google.android.apps.work.clouddpc.EXTRA_ENROLLMENT_TOKEN: "{secret:amapi_token}"
    device_name: "POS-{site}-{seq:04d}"
"""
EXTRAS = "android.app.extra.PROVISIONING_ADMIN_EXTRAS_BUNDLE"
NEEDS_POPPLER = pytest.mark.skipif(
    shutil.which("pdftoppm") is None and not os.environ.get("KITBENCH_CI"),
    reason="needs Debian's poppler-utils (pdftoppm, pdftotext)",
)


@pytest.fixture(autouse=True)
def qt_application(qapp):
    """One QApplication for the test process, so the CLI's offscreen one is not needed."""
    return qapp


@pytest.fixture
def template(tmp_path) -> Path:
    secrets = SecretStore()
    secrets.set("warehouse_wifi", WIFI_PASSWORD)
    secrets.set("amapi_token", TOKEN)
    path = tmp_path / "pos.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    return path


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def decode(image: QImage) -> list[str]:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    results = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    return [result.text for result in results]


def decode_pdf(pdf: Path, tmp_path: Path) -> list[list[str]]:
    """The codes on each page of a PDF, rasterized at 150 dpi as a scanner would see it."""
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
    return [decode(QImage(str(page))) for page in pages]


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_png_code_decodes_to_the_payload_with_its_secrets(template, tmp_path):
    out = tmp_path / "code.png"
    result = run("qr", "--template", str(template), "--out", str(out), "--seq", "5")
    assert result.exit_code == 0, result.output
    assert "error correction M" in result.output
    payload = json.loads(run("qr", "--template", str(template), "--payload", "--seq", "5").output)
    (text,) = decode(QImage(str(out)))
    assert json.loads(text) == payload
    assert payload["android.app.extra.PROVISIONING_WIFI_PASSWORD"] == WIFI_PASSWORD
    assert payload[EXTRAS]["device_name"] == "POS-WH-01-0005"


def test_png_keeps_the_quiet_zone(template, tmp_path):
    out = tmp_path / "code.png"
    run("qr", "--template", str(template), "--out", str(out), "--ecc", "L")
    image = QImage(str(out))
    border = 4 * 8  # four modules at eight pixels
    white = [
        image.pixelColor(x, y).lightness() > 200
        for x in range(image.width())
        for y in (*range(border), *range(image.height() - border, image.height()))
    ]
    assert all(white)


def test_svg_code_decodes_at_the_chosen_error_correction(template, tmp_path):
    out = tmp_path / "code.svg"
    result = run("qr", "--template", str(template), "--out", str(out), "--ecc", "h")
    assert result.exit_code == 0, result.output
    assert "error correction H" in result.output
    image = QImage(800, 800, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    QSvgRenderer(str(out)).render(painter)
    painter.end()
    (text,) = decode(image)
    payload = json.loads(run("qr", "--template", str(template), "--payload").output)
    assert json.loads(text) == payload
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    results = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    assert results[0].ec_level == "H"


def test_per_device_variables_from_the_command_line(template, tmp_path):
    template.write_text(
        TEMPLATE.replace('device_name: "POS-{site}-{seq:04d}"', 'serial: "{serial}"'),
        encoding="utf-8",
    )
    result = run("qr", "--template", str(template), "--payload", "--var", "serial=R58M777")
    assert json.loads(result.output)[EXTRAS]["serial"] == "R58M777"
    missing = run("qr", "--template", str(template), "--payload")
    assert missing.exit_code == 1
    assert "unknown variable {serial}" in missing.output


@NEEDS_POPPLER
def test_sheet_pages_hold_every_code_and_no_secret_in_their_text(template, tmp_path):
    out = tmp_path / "sheet.pdf"
    result = run(
        "sheet", "--template", str(template), "--count", "8", "--seq", "101",
        "--out", str(out), "--per-page", "6",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "8 codes on 2 pages (a4, 6 a page)" in result.output
    pages = decode_pdf(out, tmp_path)
    assert [len(page) for page in pages] == [6, 2]
    names = sorted(json.loads(text)[EXTRAS]["device_name"] for page in pages for text in page)
    assert names == [f"POS-WH-01-{seq:04d}" for seq in range(101, 109)]
    assert all(WIFI_PASSWORD in text and TOKEN in text for page in pages for text in page)
    printed = pdf_text(out)
    assert WIFI_PASSWORD not in printed and TOKEN not in printed
    for expected in ("retail-pos v3 · WH-01", "#101", "#108", "Wi-Fi Warehouse", "Page 2 of 2"):
        assert expected in printed
    assert "tap the same spot six times" in printed


@NEEDS_POPPLER
def test_sheet_from_a_device_list_on_letter_paper(template, tmp_path):
    template.write_text(
        TEMPLATE.replace('device_name: "POS-{site}-{seq:04d}"', 'serial: "{serial}"'),
        encoding="utf-8",
    )
    devices = tmp_path / "devices.csv"
    devices.write_text(
        "asset,serial\n" + "".join(f"A-{n:03d},R58M{n:04d}\n" for n in range(1, 13)),
        encoding="utf-8",
    )
    out = tmp_path / "sheet.pdf"
    result = run(
        "sheet", "--template", str(template), "--devices", str(devices),
        "--out", str(out), "--paper", "letter",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    serials = sorted(
        json.loads(text)[EXTRAS]["serial"] for page in decode_pdf(out, tmp_path) for text in page
    )
    assert serials == [f"R58M{n:04d}" for n in range(1, 13)]
    printed = pdf_text(out)
    for label in ("Asset A-001", "SN R58M0001", "Asset A-012", "SN R58M0012"):
        assert label in printed
    size = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert "612 x 792 pts (letter)" in size


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["qr", "--out", "x.png"], 2, "Missing option '--template'"),
        (["qr", "--template", "{t}"], 2, "give either --out FILE.png|FILE.svg or --payload"),
        (["qr", "--template", "{t}", "--out", "x.jpg"], 2, "must be a .png or .svg file"),
        (["qr", "--template", "{t}", "--payload", "--ecc", "X"], 2, "Invalid value for '--ecc'"),
        (["sheet", "--template", "{t}", "--out", "s.pdf"], 2, "give either --count N or"),
        (["sheet", "--template", "{t}", "--count", "2", "--out", "s.png"], 2, "as a .pdf file"),
        (["qr", "--template", "{tmp}/absent.yaml", "--payload"], 1, "absent.yaml:1:1:"),
        (["sheet", "--template", "{t}", "--count", "1", "--out", "{tmp}/no/s.pdf"], 1, "cannot"),
        (
            ["sheet", "--template", "{t}", "--devices", "{tmp}/no.csv", "--out", "s.pdf"],
            1,
            "no.csv",
        ),
    ],
)
def test_exit_codes_and_messages(template, tmp_path, args, code, says):
    args = [arg.format(t=template, tmp=tmp_path) for arg in args]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == code, result.output
    assert says in result.output
    assert "Traceback" not in result.output


def test_bad_checksum_in_the_template_says_how_to_fix_it(template):
    hex_checksum = "238e2f4b43b9857638ea66f4d4196d8eaa2824919ada4b94707bd59003c45e59"
    template.write_text(
        TEMPLATE.replace("I5YvS0O5hXY46mb01BlRjq4oJJGs2kuUcHvVkAPEXlg", hex_checksum),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["qr", "--template", str(template), "--payload"])
    assert result.exit_code == 1
    assert f"{template}:9:27: enrollment.dpc_signature_checksum: looks like hex" in result.output
    assert "write it as I44vS0O5hXY46mb01BltjqooJJGa2kuUcHvVkAPEXlk" in result.output


def test_missing_secret_fails_cleanly_without_leaking_the_others(template):
    store = SecretStore()
    store.delete("amapi_token")
    result = CliRunner().invoke(cli, ["qr", "--template", str(template), "--payload"])
    assert result.exit_code == 1
    assert "kitbench secret set amapi_token" in result.output
    assert WIFI_PASSWORD not in result.output


def test_oversized_payload_is_refused_and_large_one_warned(template, tmp_path):
    big = "x" * 900
    template.write_text(TEMPLATE + f"    note: {big}\n", encoding="utf-8")
    out = str(tmp_path / "a.png")
    result = CliRunner().invoke(cli, ["qr", "--template", str(template), "--out", out])
    assert result.exit_code == 0
    assert "warning: the payload is" in result.output and "struggle to scan" in result.output
    result = CliRunner().invoke(
        cli, ["qr", "--template", str(template), "--out", out, "--ecc", "H"]
    )
    assert result.exit_code == 1
    assert "holds at most 1273" in result.output


@NEEDS_POPPLER
def test_the_installed_command_prints_a_sheet_without_a_display(template, tmp_path):
    """The real entry point creates its own offscreen Qt application."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    out = tmp_path / "sheet.pdf"
    process = subprocess.run(
        [sys.executable, "-m", "app", "sheet", "--template", str(template), "--count", "2",
         "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    assert sorted(len(page) for page in decode_pdf(out, tmp_path)) == [2]
