"""The manifest PDF an order ships with: every identifier whole, whatever its width."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from app.core.orders import Order, OrderProgress
from app.storage.manifest import COLUMNS, Manifest
from app.ui.manifest import write_manifest_pdf


def row(serial: str, asset_tag: str) -> dict[str, str]:
    values = {key: "" for key, _title in COLUMNS}
    values.update(serial=serial, imeis="353912345678901 353912345678919",
                  wifi_mac="3c:28:6d:43:45:78", asset_tag=asset_tag,
                  device_name="a device name far too long for its column to show whole",
                  template_version="kiosk v4", result="done")  # fmt: skip
    return values


def test_wide_serials_and_asset_tags_are_printed_whole_and_found_by_pdftotext(qapp, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    wide = ["WWMWGGKRWWMWGGKRWWMW", "83862FDHWGGKRW", "R58MA0BCDEFGHWWW"]  # 20, 14, 16 chars
    manifest = Manifest(
        Order("PO-4711", target=3),
        OrderProgress(target=3, done=3),
        tuple(row(serial, f"ASSET-{serial}") for serial in wide),
    )
    pdf = tmp_path / "manifest.pdf"
    write_manifest_pdf(manifest, pdf)

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    words = text.split()
    for serial in wide:
        assert serial in words
        assert f"ASSET-{serial}" in words
    assert "a device name far too long for its column to show whole" not in text  # elided
