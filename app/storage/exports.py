"""The asset register as files reseller portals take: zero-touch, Knox (KME/KDP), Esper, CSV, JSON.

One row per device (its newest matching run), checked before anything is written: IMEIs are
15 digits with a correct Luhn digit, no IMEI belongs to two devices, the manufacturer is
spelled as the portal lists it, and a device without an IMEI has what the portal needs
instead (zero-touch: serial, model and manufacturer). A row that cannot be valid is an
`ExportProblem` naming its run and serial; the caller decides whether to refuse the whole
export (the default) or write only the valid rows and say so. Formats and their sources are
in docs/exports.md.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Any

from sqlalchemy.orm import Session

from app.core.identity import is_imei
from app.storage.history import RunFilter, list_runs, page_cursor


class ExportFormat(StrEnum):
    ZERO_TOUCH = "zero-touch"
    KME = "kme"
    ESPER = "esper"
    CSV = "csv"
    JSON = "json"


class ProblemKind(StrEnum):
    """Why a device's row cannot go into the file (words in app/cli/export.py and the GUI)."""

    BAD_IMEI = "bad-imei"  # not 15 digits with a correct Luhn digit
    DUPLICATE_IMEI = "duplicate-imei"  # the same IMEI on another device in this export
    NO_IDENTIFIER = "no-identifier"  # no IMEI/MEID and not serial + model + manufacturer
    MANUFACTURER = "manufacturer"  # not a manufacturer the portal lists


@dataclass(frozen=True)
class ExportProblem:
    run_id: str
    serial: str | None
    kind: ProblemKind
    value: str = ""  # the IMEI or manufacturer at fault
    other_serial: str | None = None  # for a duplicate: the device that has it too


@dataclass(frozen=True)
class ExportResult:
    written: int
    problems: tuple[ExportProblem, ...]


# Build.MANUFACTURER as zero-touch's manufacturer-names reference lists it (the portal's CSV
# import checks it); matched without case, written as listed.
ZERO_TOUCH_MANUFACTURERS = (
    "ASUS",
    "BlackBerry",
    "Blackview",
    "Coolpad",
    "CAT",
    "Datalogic",
    "Fairphone",
    "Fujitsu",
    "Getac",
    "Google",
    "HMD Global",
    "Honeywell",
    "HTC",
    "Huawei",
    "Kyocera",
    "Lenovo",
    "LGE",
    "Motorola",
    "Nokia",
    "OnePlus",
    "OPPO",
    "Panasonic",
    "samsung",
    "Sharp",
    "Sonim",
    "Sony",
    "TCL",
    "Unitech",
    "vivo",
    "Xiaomi",
    "Zebra Technologies",
)
_ZERO_TOUCH_BY_KEY = {name.casefold(): name for name in ZERO_TOUCH_MANUFACTURERS}
KNOX_MANUFACTURER = "samsung"  # Knox Deployment Program takes Samsung devices only

ZERO_TOUCH_HEADER = ("IMEI", "IMEI2", "MEID", "Serial Number", "Model", "Manufacturer")
ESPER_HEADER = ("IMEI1", "IMEI2", "serial number")
CSV_HEADER = (
    "serial",
    "manufacturer",
    "model",
    "imei1",
    "imei2",
    "meid",
    "wifi_mac",
    "bluetooth_mac",
    "build_fingerprint",
    "security_patch",
    "hardware_serial",
    "template",
    "result",
    "finished_at",
    "run_id",
)
PAGE = 1000


def devices_of(session: Session, run_filter: RunFilter) -> list[dict[str, Any]]:
    """The newest matching run of each device, newest first (a run with no serial stands alone)."""
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    page = list_runs(session, run_filter, limit=PAGE)
    while page:
        for run in page:
            if run["serial"] and run["serial"] in seen:
                continue
            if run["serial"]:
                seen.add(run["serial"])
            rows.append(run)
        page = list_runs(session, run_filter, limit=PAGE, before=page_cursor(page))
    return rows


def check(runs: Sequence[dict[str, Any]], export_format: ExportFormat) -> list[ExportProblem]:
    """Every reason a row cannot be written in this format."""
    problems: list[ExportProblem] = []
    owner: dict[str, dict[str, Any]] = {}
    for run in runs:
        found = _row_problems(run, export_format)
        for imei in run["imei"]:
            if not is_imei(imei):
                found.append(_problem(run, ProblemKind.BAD_IMEI, imei))
            elif imei in owner:
                first = owner[imei]
                found.append(_problem(run, ProblemKind.DUPLICATE_IMEI, imei, first["serial"]))
            else:
                owner[imei] = run
        problems.extend(found)
    return problems


def _problem(run: dict[str, Any], kind: ProblemKind, value: str = "",
             other: str | None = None) -> ExportProblem:  # fmt: skip
    return ExportProblem(run["id"], run["serial"], kind, value, other)


def _row_problems(run: dict[str, Any], export_format: ExportFormat) -> list[ExportProblem]:
    manufacturer = run["manufacturer"] or ""
    has_modem_id = bool(run["imei"] or run["meid"])
    if export_format is ExportFormat.ZERO_TOUCH:
        if manufacturer.casefold() not in _ZERO_TOUCH_BY_KEY:
            return [_problem(run, ProblemKind.MANUFACTURER, manufacturer)]
        if not has_modem_id and not (run["serial"] and run["model"]):
            return [_problem(run, ProblemKind.NO_IDENTIFIER)]
    elif export_format is ExportFormat.KME:
        if manufacturer.casefold() != KNOX_MANUFACTURER:
            return [_problem(run, ProblemKind.MANUFACTURER, manufacturer)]
        if not has_modem_id and not run["serial"]:
            return [_problem(run, ProblemKind.NO_IDENTIFIER)]
    elif export_format is ExportFormat.ESPER and not run["imei"] and not run["serial"]:
        return [_problem(run, ProblemKind.NO_IDENTIFIER)]
    return []


def write(out: IO[str], runs: Iterable[dict[str, Any]], export_format: ExportFormat) -> int:
    """Write `runs` (already checked) in the format; returns how many devices were written."""
    rows = list(runs)
    if export_format is ExportFormat.JSON:
        json.dump([_json_row(run) for run in rows], out, indent=2)
        out.write("\n")
        return len(rows)
    writer = csv.writer(out, lineterminator="\r\n")
    if export_format is ExportFormat.ZERO_TOUCH:
        writer.writerow(ZERO_TOUCH_HEADER)
        writer.writerows(_zero_touch_row(run) for run in rows)
    elif export_format is ExportFormat.KME:
        writer.writerows([_knox_id(run)] for run in rows)  # one device a line, no header
    elif export_format is ExportFormat.ESPER:
        writer.writerow(ESPER_HEADER)
        writer.writerows(_esper_row(run) for run in rows)
    else:
        writer.writerow(CSV_HEADER)
        writer.writerows(_csv_row(run) for run in rows)
    return len(rows)


def _imeis(run: dict[str, Any]) -> tuple[str, str]:
    """Lowest IMEI first: zero-touch works more reliably with the numerically lowest one."""
    imeis = [*sorted(run["imei"]), "", ""]  # 15 digits each: sorted as text is sorted as numbers
    return imeis[0], imeis[1]


def _zero_touch_row(run: dict[str, Any]) -> list[str]:
    imei1, imei2 = _imeis(run)
    manufacturer = _ZERO_TOUCH_BY_KEY[(run["manufacturer"] or "").casefold()]
    return [imei1, imei2, run["meid"] or "", run["serial"] or "", run["model"] or "", manufacturer]


def _knox_id(run: dict[str, Any]) -> str:
    imei1, _ = _imeis(run)
    return str(imei1 or run["meid"] or run["serial"])


def _esper_row(run: dict[str, Any]) -> list[str]:
    imei1, imei2 = _imeis(run)
    return [imei1, imei2, run["serial"] or ""]


def _spreadsheet_text(value: str | None) -> str:
    """A long number as a formula yielding text, so a spreadsheet keeps every digit
    (358240051111110, not 3.58E+14); other text that would run as a formula is quoted."""
    if not value:
        return ""
    if value.isdigit() and len(value) > 11:
        return f'="{value}"'
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_row(run: dict[str, Any]) -> list[str]:
    imei1, imei2 = _imeis(run)
    values = (run["serial"], run["manufacturer"], run["model"], imei1, imei2, run["meid"],
              run["wifi_mac"], run["bluetooth_mac"], run["build_fingerprint"],
              run["security_patch"], run["hardware_serial"], run["template"], run["result"],
              run["finished_at"], run["id"])  # fmt: skip
    return [_spreadsheet_text(value) for value in values]


def _json_row(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "serial": run["serial"],
        "manufacturer": run["manufacturer"],
        "model": run["model"],
        "imei": run["imei"],
        "meid": run["meid"],
        "wifi_mac": run["wifi_mac"],
        "bluetooth_mac": run["bluetooth_mac"],
        "build_fingerprint": run["build_fingerprint"],
        "security_patch": run["security_patch"],
        "hardware_serial": run["hardware_serial"],
        "identity_gaps": run["identity_gaps"],
        "template": run["template"],
        "result": run["result"],
        "finished_at": run["finished_at"],
        "run_id": run["id"],
    }


def export(session: Session, out: IO[str] | None, export_format: ExportFormat,
           run_filter: RunFilter, *, skip_invalid: bool = False) -> ExportResult:  # fmt: skip
    """Check the matching devices and write them to `out`; with problems and not
    `skip_invalid`, nothing is written (`out` untouched) and `written` is 0."""
    runs = devices_of(session, run_filter)
    problems = check(runs, export_format)
    if problems and not skip_invalid:
        return ExportResult(0, tuple(problems))
    bad = {problem.run_id for problem in problems}
    written = 0
    if out is not None:
        written = write(out, (run for run in runs if run["id"] not in bad), export_format)
    return ExportResult(written, tuple(problems))
