"""QR codes for enrollment payloads, through segno (pure Python: PNG and SVG without Pillow)."""

from __future__ import annotations

from pathlib import Path

import segno

from app.enrollment.payload import EnrollmentError

ERROR_LEVELS = ("L", "M", "Q", "H")
DEFAULT_ERROR = "M"
# Phones scan dense codes badly; past this many bytes the admin hears about it.
LARGE_PAYLOAD_BYTES = 1500
# What a version 40 code holds in byte mode at each error correction level.
CAPACITY_BYTES = {"L": 2953, "M": 2331, "Q": 1663, "H": 1273}
QUIET_ZONE = 4  # modules of white around a code, as the QR standard asks
IMAGE_KINDS = {".png": "png", ".svg": "svg"}


def make_qr(text: str, error: str = DEFAULT_ERROR) -> segno.QRCode:
    """A QR code at exactly `error` correction; EnrollmentError when the text does not fit."""
    try:
        return segno.make(text, error=error.lower(), mode="byte", micro=False, boost_error=False)
    except segno.DataOverflowError:
        raise EnrollmentError(
            f"the payload is {len(text.encode('utf-8'))} bytes; a QR code at error correction"
            f" {error} holds at most {CAPACITY_BYTES[error]}: shorten the admin extras"
            + (" or choose a lower --ecc" if error != "L" else "")
        ) from None


def size_warnings(text: str) -> list[str]:
    size = len(text.encode("utf-8"))
    if size <= LARGE_PAYLOAD_BYTES:
        return []
    return [
        f"the payload is {size} bytes: codes past ~{LARGE_PAYLOAD_BYTES} bytes are dense and"
        " many phones struggle to scan them; shorten the admin extras or print codes larger"
    ]


def image_kind(path: Path) -> str:
    """'png' or 'svg' from the file name; EnrollmentError for anything else."""
    kind = IMAGE_KINDS.get(path.suffix.lower())
    if kind is None:
        raise EnrollmentError(f"{path}: the QR image must be a .png or .svg file")
    return kind


def save_qr(code: segno.QRCode, path: Path, *, scale: int = 8) -> None:
    """Write the code with its quiet zone; PNG at `scale` pixels a module, SVG as vectors."""
    kind = image_kind(path)
    try:
        code.save(str(path), kind=kind, scale=scale, border=QUIET_ZONE)
    except OSError as exc:
        raise EnrollmentError(f"cannot write {path}: {exc.strerror or exc}") from None
