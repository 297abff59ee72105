"""The window's compiled translations for tests: `make translations` builds them for `make
test`; a test run without make compiles what is missing or stale the same way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

I18N = Path(__file__).resolve().parents[1] / "app" / "ui" / "i18n"
LRELEASE = Path(sys.executable).parent / "pyside6-lrelease"


def build_catalogues() -> Path:
    """Compile each .ts whose .qm is missing or older; the folder the window loads from.
    Each .qm is written beside and renamed into place, so parallel test workers never read
    one half written."""
    for ts in sorted(I18N.glob("kitbench_*.ts")):
        qm = ts.with_suffix(".qm")
        if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            partial = qm.with_name(f".{qm.name}.{os.getpid()}")
            subprocess.run([LRELEASE, "-silent", ts, "-qm", partial], check=True)
            partial.replace(qm)
    return I18N
