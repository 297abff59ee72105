"""An order's manifest: one row per device with the order's header and totals, as data.

CSV here; the PDF is drawn by `app.ui.manifest` with the same QPainter machinery as the
enrollment sheets. Both take the rows from `manifest_of`, so they never disagree.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from app.core.orders import Order, OrderProgress
from app.storage.history import FORMULA_STARTS
from app.storage.orders import OrderDevice

COLUMNS = (
    ("bench_label", "Bench label"),
    ("serial", "Serial"),
    ("imeis", "IMEIs"),
    ("wifi_mac", "Wi-Fi MAC"),
    ("asset_tag", "Asset tag"),
    ("device_name", "Device name given"),
    ("template_version", "Template"),
    ("result", "Result"),
    ("finished_at", "Finished at"),
    ("operator", "Operator"),
)


@dataclass(frozen=True)
class Manifest:
    order: Order
    progress: OrderProgress
    rows: tuple[dict[str, str], ...]

    @property
    def header_lines(self) -> list[str]:
        order, progress = self.order, self.progress
        template = order.template_name or "any template"
        if order.template_version is not None:
            template += f" v{order.template_version}"
        return [
            f"Order {order.number}" + (f" · {order.customer}" if order.customer else ""),
            f"Template {template} · state {order.state}",
            f"{progress.done} of {progress.target} done · {progress.failed} failed · "
            f"{progress.refused} refused · {progress.remaining} remaining",
        ]


def manifest_of(order: Order, progress: OrderProgress, devices: list[OrderDevice]) -> Manifest:
    return Manifest(order, progress, tuple(_row(device) for device in devices))


def _row(device: OrderDevice) -> dict[str, str]:
    run: dict[str, Any] = device.run
    imeis = " ".join(value for value in (run.get("imei1"), run.get("imei2")) if value)
    finished = run.get("finished_at")
    return {
        "bench_label": run.get("slot") or "",
        "serial": device.serial,
        "imeis": imeis,
        "wifi_mac": run.get("wifi_mac") or "",
        "asset_tag": run.get("asset_tag") or "",
        "device_name": run.get("device_name") or "",
        "template_version": f"{run['template_name']} v{run['template_version']}",
        "result": str(device.outcome or "running"),
        "finished_at": finished.strftime("%Y-%m-%d %H:%M:%SZ")  # stored as UTC
        if isinstance(finished, datetime)
        else "",
        "operator": run.get("operator") or "",
    }


def write_csv(manifest: Manifest, out: IO[str]) -> int:
    """The header lines as comments, then one row per device; returns the device count."""
    for line in manifest.header_lines:
        out.write(f"# {line}\n")
    writer = csv.writer(out)
    writer.writerow([key for key, _title in COLUMNS])
    for row in manifest.rows:
        writer.writerow([_cell(row[key]) for key, _title in COLUMNS])
    return len(manifest.rows)


def _cell(value: str) -> str:
    return "'" + value if value[:1] in FORMULA_STARTS else value
