"""Render resources/icons/kitbench.svg into the raster icons installers need.

The SVG is the one source; a 256 px PNG (Linux icon themes, the window), an .ico (Windows
executable and shortcuts) and an .icns (macOS app) are made from it at build or install time,
so no binary is committed. ICO and ICNS both hold the PNG as it is (Windows Vista and macOS
10.5 on read that), so Qt's SVG renderer is the only tool needed.

    python installer/render_icon.py OUT_DIR      writes kitbench.png, kitbench.ico, kitbench.icns
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

SVG = Path(__file__).resolve().parents[1] / "resources" / "icons" / "kitbench.svg"
SIZE = 256


def render_png(svg: Path, out: Path, size: int = SIZE) -> Path:
    """Draw the SVG on a transparent size × size image and save it as PNG."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    # Fonts and some paint engines need an application object while drawing.
    _app = QGuiApplication.instance() or QGuiApplication(["render_icon", "-platform", "offscreen"])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(bytes(data))
    return out


def write_ico(png: Path, out: Path) -> Path:
    """A one-image ICO whose image is the PNG (width/height 0 in the directory mean 256)."""
    data = png.read_bytes()
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(data), 6 + 16)
    out.write_bytes(header + entry + data)
    return out


def write_icns(png: Path, out: Path) -> Path:
    """An ICNS with one 'ic08' (256 × 256 PNG) element."""
    data = png.read_bytes()
    element = b"ic08" + struct.pack(">I", 8 + len(data)) + data
    out.write_bytes(b"icns" + struct.pack(">I", 8 + len(element)) + element)
    return out


def render_icons(out_dir: Path, svg: Path = SVG) -> dict[str, Path]:
    """Every raster icon from the SVG, by suffix: {"png": …, "ico": …, "icns": …}."""
    png = render_png(svg, out_dir / "kitbench.png")
    return {
        "png": png,
        "ico": write_ico(png, out_dir / "kitbench.ico"),
        "icns": write_icns(png, out_dir / "kitbench.icns"),
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.rsplit("\n\n", 1)[-1].strip())
    for path in render_icons(Path(sys.argv[1])).values():
        print(path)
