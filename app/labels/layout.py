"""A label's layout and the data it shows, both in millimetres and plain values (no I/O).

A layout is a size and a list of elements; each element shows one field of the device's run
as text, as a Code 128 barcode or as a QR code. The default fits a 100 x 50 mm label; a
station can use its own (`kitbench config set label.layout FILE.yaml`), and a template's
`label:` section (app.templates.model.Label) comes before either for that template's runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, get_args

import yaml

from app.templates.model import Label, LabelField


class LabelLayoutError(ValueError):
    """A layout file a person has to correct; the message says where and how."""


class Kind(StrEnum):
    TEXT = "text"
    CODE128 = "code128"
    QR = "qr"


@dataclass(frozen=True)
class LabelData:
    """What one label says about one device, taken from its run record."""

    serial: str
    imei: tuple[str, ...] = ()
    device_name: str = ""  # the name the template gave it, else its model
    asset_tag: str = ""
    order: str = ""
    printed_on: date | None = None

    def field(self, name: str) -> str:
        """The text of a field by its layout name ("" when the device has none)."""
        values = {
            "serial": self.serial,
            "imei": self.imei[0] if self.imei else "",
            "imei2": self.imei[1] if len(self.imei) > 1 else "",
            "device_name": self.device_name,
            "asset_tag": self.asset_tag,
            "order": self.order,
            "date": self.printed_on.isoformat() if self.printed_on else "",
            "qr": self.qr_text,
        }
        return values[name]

    @property
    def qr_text(self) -> str:
        """The QR code's payload: every identifier of the device, one `KEY:value` a line."""
        lines = [f"SN:{self.serial}"]
        lines += [f"IMEI:{imei}" for imei in self.imei]
        if self.asset_tag:
            lines.append(f"TAG:{self.asset_tag}")
        if self.order:
            lines.append(f"PO:{self.order}")
        return "\n".join(lines)


FIELDS: tuple[str, ...] = get_args(LabelField)


@dataclass(frozen=True)
class Element:
    """One thing on the label: `field` drawn as `kind` with its top-left corner at (x, y).

    `height_mm` is the text's cap height, the bars' height or the QR code's side.
    A text element shows `caption` before the value; an element whose field is empty is left
    out (a Wi-Fi-only tablet has no IMEI barcode)."""

    kind: Kind
    field: str
    x_mm: float
    y_mm: float
    height_mm: float
    caption: str = ""


@dataclass(frozen=True)
class LabelLayout:
    width_mm: float
    height_mm: float
    elements: tuple[Element, ...]
    dpmm: int = 8  # the printer's dots per millimetre: 8 = 203 dpi, 12 = 300 dpi


DEFAULT_LAYOUT = LabelLayout(
    width_mm=100,
    height_mm=50,
    elements=(
        Element(Kind.TEXT, "device_name", 4, 3, 4.5),
        Element(Kind.TEXT, "serial", 4, 9.5, 3, caption="S/N "),
        Element(Kind.CODE128, "serial", 4, 14, 8),
        Element(Kind.TEXT, "imei", 4, 26, 3, caption="IMEI "),
        Element(Kind.CODE128, "imei", 4, 30.5, 8),
        Element(Kind.QR, "qr", 74, 3, 22),
        Element(Kind.TEXT, "asset_tag", 64, 30, 2.5, caption="Asset "),
        Element(Kind.TEXT, "order", 64, 35, 2.5, caption="PO "),
        Element(Kind.TEXT, "date", 64, 40, 2.5),
    ),
)


def layout_of(label: Label) -> LabelLayout:
    """A template's `label:` section as the layout ZPL and PDF labels are drawn from."""
    elements = tuple(Element(Kind(item.kind), item.field, item.x_mm, item.y_mm, item.height_mm,
                             item.caption) for item in label.elements)  # fmt: skip
    return LabelLayout(label.width_mm, label.height_mm, elements, label.dpmm)


def parse_layout(text: str, source: str) -> LabelLayout:
    """A layout from YAML: `width_mm`, `height_mm`, optional `dpmm`, and `elements`, each
    `{kind, field, x_mm, y_mm, height_mm, caption}`."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LabelLayoutError(f"{source}: not YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise LabelLayoutError(
            f"{source}: a layout is a mapping with width_mm, height_mm, elements"
        )
    width = _number(raw, "width_mm", source)
    height = _number(raw, "height_mm", source)
    dpmm = raw.get("dpmm", 8)
    if dpmm not in (6, 8, 12, 24):
        raise LabelLayoutError(f"{source}: dpmm is 6, 8, 12 or 24 (the printer's dots per mm)")
    items = raw.get("elements")
    if not isinstance(items, list) or not items:
        raise LabelLayoutError(f"{source}: elements is a list of what the label shows")
    elements = tuple(_element(item, f"{source}: element {n}", (width, height))
                     for n, item in enumerate(items, start=1))  # fmt: skip
    return LabelLayout(width, height, elements, dpmm)


def _number(raw: dict[str, Any], key: str, where: str, *, limit: float = 500.0) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= limit:
        raise LabelLayoutError(f"{where}: {key} is a number of millimetres from 0 to {limit:g}")
    return float(value)


def _element(item: Any, where: str, size: tuple[float, float]) -> Element:
    if not isinstance(item, dict):
        raise LabelLayoutError(f"{where}: an element is a mapping (kind, field, x_mm, …)")
    kinds = ", ".join(Kind)
    try:
        kind = Kind(str(item.get("kind")))
    except ValueError:
        raise LabelLayoutError(f"{where}: kind is one of {kinds}") from None
    if item.get("field") not in FIELDS:
        raise LabelLayoutError(f"{where}: field is one of {', '.join(FIELDS)}")
    x, y = _number(item, "x_mm", where), _number(item, "y_mm", where)
    height = _number(item, "height_mm", where)
    if x >= size[0] or y + height > size[1] or height <= 0:
        raise LabelLayoutError(f"{where}: does not fit on a {size[0]:g} x {size[1]:g} mm label")
    return Element(kind, item["field"], x, y, height, str(item.get("caption", "")))
