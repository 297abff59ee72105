"""The device's identity in the details panel and History; History exports zero-touch CSV."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from app.core import DeviceInfo, DeviceState, RunFinished, RunOutcome, RunResult, RunStarted
from app.core.identity import DeviceIdentity, IdentityGap
from app.storage.exports import ExportFormat
from app.ui.details_panel import DetailsPanel
from app.ui.tile_view import Tile

PIXEL = DeviceIdentity(serial="PIXEL8A01", manufacturer="Google", model="Pixel 8",
                       imei=("358240051111110", "358240051111128"),
                       wifi_mac="f4:f5:e8:12:34:56",
                       build_fingerprint="google/shiba/shiba:14/AP1A/1:user/release-keys",
                       security_patch="2024-03-05",
                       gaps={"bluetooth_mac": IdentityGap.REFUSED})  # fmt: skip


def _result(identity: DeviceIdentity, serial: str, *, android: str = "14") -> RunResult:
    start = datetime.now(UTC) - timedelta(minutes=1)
    return RunResult(uuid.uuid4().hex, f"tcp:h:{serial}", "A1", serial, identity.model, android,
                     "retail-pos", 1, "hash", start, start + timedelta(seconds=42),
                     RunOutcome.DONE, identity=identity)  # fmt: skip


def test_the_details_panel_shows_the_identity_and_why_a_field_is_missing(qtbot):
    panel = DetailsPanel()
    qtbot.addWidget(panel)
    info = DeviceInfo("tcp:h:1", "A1", DeviceState.DONE, "PIXEL8A01", "Pixel 8", "Google", "14")
    tile = Tile(info)
    panel.show_tile(tile)
    assert panel._fields["IMEI"].text() == "— (read when a run starts)"

    tile.result = _result(PIXEL, "PIXEL8A01")
    panel.refresh()
    assert panel._fields["IMEI"].text() == "358240051111110, 358240051111128"
    assert panel._fields["Wi-Fi MAC"].text() == "f4:f5:e8:12:34:56"
    assert panel._fields["Bluetooth MAC"].text() == "not given by Android 14 (refused to the shell)"
    assert panel._fields["Security patch"].text() == "2024-03-05"
    assert panel._fields["MEID"].text() == "—"

    gaps = {"imei": IdentityGap.NO_RADIO, "wifi_mac": IdentityGap.RANDOMIZED}
    wifi_only = DeviceIdentity(serial="TC52", gaps=gaps)
    tile.result = _result(wifi_only, "TC52", android="10")
    panel.refresh()
    assert panel._fields["IMEI"].text() == "none (the device has no such radio)"
    assert panel._fields["Wi-Fi MAC"].text() == (
        "not given by Android 10 (only a randomized MAC is visible)"
    )


def test_history_shows_imei_and_mac_and_exports_zero_touch_csv(open_bench, qtbot, tmp_path):
    bench = open_bench()
    window, store = bench.window, bench.services.store
    recorder = store.recorder()
    result = replace(_result(PIXEL, "PIXEL8A01"), device_name="POS-berlin-0042")
    recorder.on_event(RunStarted(result.run_id, result.endpoint, "retail-pos", 1, 1,
                                 result.started_at))  # fmt: skip
    recorder.record(RunFinished(result))
    history = window.history
    window.tabs.setCurrentWidget(history)
    history.apply_filter()
    qtbot.waitUntil(lambda: history.status.text() == "1 run")
    model = history.model
    columns = range(model.columnCount())
    headers = [model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
               for c in columns]  # fmt: skip
    row = {headers[c]: model.data(model.index(0, c), Qt.ItemDataRole.DisplayRole) for c in columns}
    assert row["IMEI"] == "358240051111110, 358240051111128"
    assert row["Wi-Fi MAC"] == "f4:f5:e8:12:34:56"
    assert row["Device name"] == "POS-berlin-0042"

    history.table.selectRow(0)
    qtbot.waitUntil(lambda: "Bluetooth MAC" in history.steps.toPlainText())
    assert "not given by Android 14 (refused to the shell)" in history.steps.toPlainText()

    out = tmp_path / "zt.csv"
    history.export_register_to(out, ExportFormat.ZERO_TOUCH)
    qtbot.waitUntil(lambda: history.status.text().startswith("Exported"))
    assert history.status.text() == "Exported 1 device to zt.csv"
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows == [
        ["IMEI", "IMEI2", "MEID", "Serial Number", "Model", "Manufacturer"],
        ["358240051111110", "358240051111128", "", "PIXEL8A01", "Pixel 8", "Google"],
    ]

    out = tmp_path / "knox.csv"  # a Pixel is no Samsung: named, nothing written
    history.export_register_to(out, ExportFormat.KME)
    qtbot.waitUntil(lambda: history.status.text().startswith("Nothing exported"))
    assert not out.exists()
    assert "PIXEL8A01" in history.export_problems.detailedText()
    history.export_problems.close()
