"""The Enrollment tab: the live code scans as the payload, saves and prints real files."""

from __future__ import annotations

import json
import subprocess

import zxingcpp
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter

from app.storage import Config
from app.templates import SecretStore, load_template
from app.ui.enrollment_tab import EnrollmentTab
from app.ui.taskman import Failure, TaskManager

WIFI_PASSWORD = "tab-wifi-secret"
TEMPLATE = """\
kitbench: 1
name: {name}
version: 4
enrollment:
  dpc_component: com.example.mdm/.AdminReceiver
  dpc_download_url: https://mdm.example.com/dpc.apk
  dpc_signature_checksum: I5YvS0O5hXY46mb01BlRjq4oJJGs2kuUcHvVkAPEXlg
  wifi: {{ssid: Depot, security: WPA, password: "{{secret:depot_wifi}}"}}
  admin_extras: {{device: "D-{{seq:03d}}"}}
"""
EXTRAS = "android.app.extra.PROVISIONING_ADMIN_EXTRAS_BUNDLE"


def loaded_templates(tmp_path, *names: str, enrollment: bool = True):
    templates = []
    for name in names:
        path = tmp_path / f"{name}.yaml"
        text = TEMPLATE.format(name=name)
        if not enrollment:
            text = text.split("enrollment:")[0]
        path.write_text(text, encoding="utf-8")
        templates.append(load_template(path))
    return templates


def decode(image: QImage) -> list[str]:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return [r.text for r in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)]


def make_tab(qtbot) -> EnrollmentTab:
    tab = EnrollmentTab()
    qtbot.addWidget(tab)
    tab.resize(900, 600)
    tab.show()
    return tab


def test_live_code_on_screen_scans_as_the_payload_and_follows_the_choices(qtbot, tmp_path):
    SecretStore().set("depot_wifi", WIFI_PASSWORD)
    tab = make_tab(qtbot)
    tab.set_templates(loaded_templates(tmp_path, "scanners", "tablets"))
    qtbot.waitUntil(lambda: tab.preview is not None)
    (text,) = decode(tab.qr_view.grab().toImage())
    payload = json.loads(text)
    assert payload[EXTRAS]["device"] == "D-001"
    assert payload["android.app.extra.PROVISIONING_WIFI_PASSWORD"] == WIFI_PASSWORD
    assert "scanners v4" in tab.label_text.text()
    assert WIFI_PASSWORD not in tab.label_text.text() + tab.status.text()

    tab.seq_box.setValue(7)
    qtbot.waitUntil(lambda: decode(tab.qr_view.grab().toImage()) != [text])
    assert json.loads(decode(tab.qr_view.grab().toImage())[0])[EXTRAS]["device"] == "D-007"

    tab.template_box.setCurrentIndex(1)
    qtbot.waitUntil(lambda: "tablets v4" in tab.label_text.text())
    tab.ecc_box.setCurrentText("H")
    qtbot.waitUntil(lambda: tab.preview is not None and tab.preview.code.error == "H")


def test_missing_secret_is_shown_and_blocks_printing(qtbot, tmp_path):
    tab = make_tab(qtbot)
    tab.set_templates(loaded_templates(tmp_path, "scanners"))
    qtbot.waitUntil(lambda: "Cannot make the code" in tab.status.text())
    assert "kitbench secret set depot_wifi" in tab.status.text()
    assert not tab.print_button.isEnabled() and not tab.pdf_button.isEnabled()


def test_templates_without_enrollment_are_not_offered(qtbot, tmp_path):
    tab = make_tab(qtbot)
    tab.set_templates(loaded_templates(tmp_path, "plain", enrollment=False))
    assert tab.template_box.count() == 0
    assert "No template has an enrollment: section" in tab.status.text()
    assert not tab.png_button.isEnabled()


def test_saves_png_svg_and_a_pdf_sheet(qtbot, tmp_path):
    SecretStore().set("depot_wifi", WIFI_PASSWORD)
    tab = make_tab(qtbot)
    tab.set_templates(loaded_templates(tmp_path, "scanners"))
    qtbot.waitUntil(lambda: tab.preview is not None)
    tab.save_image(tmp_path / "code.png").result(timeout=30)
    tab.save_image(tmp_path / "code.svg").result(timeout=30)
    (text,) = decode(QImage(str(tmp_path / "code.png")))
    assert json.loads(text)[EXTRAS]["device"] == "D-001"
    assert (tmp_path / "code.svg").read_text().lstrip().startswith("<?xml")

    tab.count_box.setValue(3)
    tab.save_pdf(tmp_path / "sheet.pdf").result(timeout=60)
    qtbot.waitUntil(lambda: "Saved" in tab.status.text())
    assert "3 codes on 1 page" in tab.status.text()
    assert (tmp_path / "sheet.pdf").read_bytes().startswith(b"%PDF")


def test_printing_uses_the_same_layout(qtbot, tmp_path):
    """A printer set to PDF output stands in for a real one: the same painting reaches it."""
    SecretStore().set("depot_wifi", WIFI_PASSWORD)
    tab = make_tab(qtbot)
    tab.set_templates(loaded_templates(tmp_path, "scanners"))
    qtbot.waitUntil(lambda: tab.preview is not None)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    tab.count_box.setValue(2)
    tab.print_to(printer).result(timeout=60)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(tmp_path / "printed.pdf"), str(tmp_path / "p")],
        check=True,
    )
    codes = decode(QImage(str(next(tmp_path.glob("p-*.png")))))
    assert sorted(json.loads(c)[EXTRAS]["device"] for c in codes) == ["D-001", "D-002"]


def test_station_name_and_secrets_come_from_the_stations_own_data_dir(qtbot, tmp_path):
    """{station} is read from the config the tab is given, not the default data dir."""
    station_dir = tmp_path / "station"
    config = Config(station_dir)
    config.set("station.name", "bench-9")
    SecretStore(station_dir).set("depot_wifi", WIFI_PASSWORD)
    path = tmp_path / "named.yaml"
    path.write_text(
        TEMPLATE.replace("D-{{seq:03d}}", "{{station}}-{{seq:03d}}").format(name="named"),
        encoding="utf-8",
    )
    tab = EnrollmentTab(config=config)
    qtbot.addWidget(tab)
    tab.resize(900, 600)
    tab.show()
    tab.set_templates([load_template(path)])
    qtbot.waitUntil(lambda: tab.preview is not None)
    (text,) = decode(tab.qr_view.grab().toImage())
    assert json.loads(text)[EXTRAS]["device"] == "bench-9-001"


def test_a_save_that_fails_says_so_in_the_tab_and_to_the_window_masked(qtbot, tmp_path):
    """The file asked for was not made: the tab's line and the window's dialog say why."""
    SecretStore().set("depot_wifi", WIFI_PASSWORD)
    tasks = TaskManager()
    reported: list[Failure] = []
    tasks.set_reporter(reported.append)
    tab = EnrollmentTab(tasks=tasks)
    qtbot.addWidget(tab)
    tab.show()
    try:
        tab.set_templates(loaded_templates(tmp_path, "scanners"))
        qtbot.waitUntil(lambda: tab.preview is not None)
        tab.save_image(tmp_path / "gone" / "code.png")
        tab.save_image(tmp_path / "code.png")  # after the failed one: in order

        qtbot.waitUntil(lambda: tab.status.text() == f"Saved {tmp_path / 'code.png'}")
        (failure,) = reported
        assert failure.label == "Saving code.png"
        assert failure.lost_input
        assert "No such file or directory" in failure.reason
        assert WIFI_PASSWORD not in failure.text
    finally:
        tasks.shutdown()
