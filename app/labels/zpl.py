"""ZPL II for Zebra label printers, from a layout and a device's data (pure text).

One label is `^XA … ^XZ`; positions are in printer dots (the layout's dots per millimetre).
Field data goes through `^FH` hex escapes, so a serial or tag with `^` or `~` cannot end a
field or start a command; `^CI28` makes the text UTF-8.
"""

from __future__ import annotations

from app.labels.layout import Element, Kind, LabelData, LabelLayout

MODULE_DOTS = 2  # the narrowest bar, in dots (^BY): 0.25 mm at 8 dots/mm, scans everywhere


def label_zpl(layout: LabelLayout, data: LabelData) -> str:
    """The ZPL of one label."""
    dots = layout.dpmm
    commands = [
        "^XA",
        "^CI28",
        f"^PW{round(layout.width_mm * dots)}",
        f"^LL{round(layout.height_mm * dots)}",
        "^LH0,0",
    ]
    for element in layout.elements:
        value = data.field(element.field)
        if value:
            commands.append(_element(element, value, dots))
    commands.append("^XZ")
    return "\n".join(commands) + "\n"


def labels_zpl(layout: LabelLayout, labels: list[LabelData]) -> str:
    """Several labels, one after the other (a printer prints each ^XA … ^XZ as one label)."""
    return "".join(label_zpl(layout, data) for data in labels)


def _element(element: Element, value: str, dots: int) -> str:
    x, y = round(element.x_mm * dots), round(element.y_mm * dots)
    height = max(1, round(element.height_mm * dots))
    origin = f"^FO{x},{y}"
    if element.kind is Kind.TEXT:
        # ^A0 is the scalable font; its height is the character cell, about 1.4 cap heights.
        cell = round(height * 1.4)
        return f"{origin}^A0N,{cell},{cell}^FH^FD{_escaped(element.caption + value)}^FS"
    if element.kind is Kind.CODE128:
        # No interpretation line (the layout puts the text where it wants); mode A picks the
        # subsets itself, so 15 IMEI digits go mostly in subset C and stay short.
        return f"{origin}^BY{MODULE_DOTS}^BCN,{height},N,N,N,A^FH^FD{_escaped(value)}^FS"
    # ^BQ model 2; the magnification makes the code `height` dots wide at its version.
    magnification = max(1, min(10, height // _qr_modules(value)))
    return f"{origin}^BQN,2,{magnification}^FH^FDMA,{_escaped(value)}^FS"


def _qr_modules(value: str) -> int:
    """How many modules wide a QR code of `value` is (error correction M, byte mode)."""
    import segno

    return int(segno.make_qr(value, error="m", boost_error=False).symbol_size(border=0)[0])


def _escaped(text: str) -> str:
    """Field data safe inside ^FH^FD…^FS: `_`, `^` and `~` (and controls) as `_XX` hex."""
    out = []
    for char in text:
        if char in "_^~" or ord(char) < 0x20:
            out.append("".join(f"_{byte:02X}" for byte in char.encode("utf-8")))
        else:
            out.append(char)
    return "".join(out)
