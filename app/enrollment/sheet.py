"""What a printed sheet of enrollment codes holds: one code and label per device, no layout.

The layout (QPainter) lives in app.ui.sheet; this module decides the codes, so the CLI, the
GUI and the tests agree on them. Codes are numbered from `first_seq`, or come one per row of a
CSV file whose columns (`asset`, `serial`, …) become variables for the admin extras.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.enrollment.payload import EnrollmentError, PayloadBuilder, payload_text
from app.enrollment.qr import DEFAULT_ERROR, make_qr, size_warnings
from app.templates.variables import NAME

INSTRUCTIONS = (
    "1. Factory-reset the device (a new device is ready as it comes).",
    "2. On the welcome screen, tap the same spot six times: a QR scanner opens.",
    "3. Scan one code per device. It joins Wi-Fi and enrolls itself.",
)
# The codes carry the Wi-Fi password and enrollment tokens, even though no label shows them.
NOTICE = "Confidential: these codes carry Wi-Fi and enrollment credentials."
MAX_CODES = 10_000


@dataclass(frozen=True)
class SheetCode:
    matrix: tuple[bytes, ...]  # rows of modules (1 = dark), without the quiet zone
    label: tuple[str, ...]  # printed under the code; never holds a secret
    text: str  # the payload the code carries: holds secrets, never print or log it


@dataclass(frozen=True)
class Sheet:
    title: str
    instructions: tuple[str, ...]
    codes: tuple[SheetCode, ...]
    warnings: tuple[str, ...]


def read_devices_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a device list with a header line (e.g. `asset,serial`); columns become variables."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            reader = csv.reader(file)
            header = next(reader, None)
            if header is None:
                raise EnrollmentError(f"{path}: empty; the first line names the columns")
            columns = [name.strip().lower() for name in header]
            for name in columns:
                if not NAME.match(name):
                    raise EnrollmentError(
                        f"{path}:1: column '{name}' is not a variable name"
                        " (letters, digits and _, e.g. asset, serial)"
                    )
            rows = []
            for values in reader:
                if not any(value.strip() for value in values):
                    continue
                if len(values) > len(columns):
                    raise EnrollmentError(
                        f"{path}:{reader.line_num}: {len(values)} fields but the header"
                        f" names {len(columns)} columns"
                    )
                rows.append({c: v.strip() for c, v in zip(columns, values, strict=False)})
    except OSError as exc:
        raise EnrollmentError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise EnrollmentError(f"{path}: not a UTF-8 CSV file ({exc})") from None
    if not rows:
        raise EnrollmentError(f"{path}: no devices listed below the header line")
    if len(rows) > MAX_CODES:
        raise EnrollmentError(f"{path}: {len(rows)} devices; print at most {MAX_CODES} at once")
    return rows


def plan_sheet(
    builder: PayloadBuilder,
    *,
    count: int | None = None,
    rows: Sequence[Mapping[str, str]] | None = None,
    first_seq: int = 1,
    station: str = "",
    error: str = DEFAULT_ERROR,
) -> Sheet:
    """One code per device: `count` numbered ones, or one per CSV row (numbered too)."""
    if rows is None:
        rows = [{}] * (count or 0)
    if not rows:
        raise EnrollmentError("nothing to print: ask for at least one code")
    codes = []
    largest = ""
    for offset, row in enumerate(rows):
        variables = builder.variables(seq=first_seq + offset, station=station, row=row)
        text = payload_text(builder.build(variables))
        code = make_qr(text, error)
        codes.append(
            SheetCode(
                matrix=tuple(bytes(line) for line in code.matrix),
                label=tuple(builder.label(variables)),
                text=text,
            )
        )
        largest = max(largest, text, key=len)
    template = builder.template
    return Sheet(
        title=f"Enrollment codes · {template.name} v{template.version}",
        instructions=INSTRUCTIONS,
        codes=tuple(codes),
        warnings=tuple(size_warnings(largest)),
    )
