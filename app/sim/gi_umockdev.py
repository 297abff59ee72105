"""umockdev's GObject API (python3-gi and gir1.2-umockdev-1.0), from the venv too.

python3-gi is a Debian package built for the system python, which is the venv's base; its
folder is added to the path when the venv does not see it ($KITBENCH_GI_PATH names another).
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

SYSTEM_GI_PATHS = ("/usr/lib/python3/dist-packages",)
INSTALL_HINT = "emulated USB needs umockdev: apt install umockdev gir1.2-umockdev-1.0 python3-gi"


class UmockdevMissing(RuntimeError):
    """umockdev or its GObject API is not installed; str(e) says what to install."""


@functools.cache
def require() -> tuple[Any, Any]:
    """(GLib, UMockdev); raises UmockdevMissing when they cannot be imported."""
    extra = [os.environ["KITBENCH_GI_PATH"]] if os.environ.get("KITBENCH_GI_PATH") else []
    for folder in [None, *extra, *SYSTEM_GI_PATHS]:
        if folder is not None and folder not in sys.path:
            if not os.path.isdir(os.path.join(folder, "gi")):
                continue
            sys.path.append(folder)
        try:
            import gi  # type: ignore[import-not-found]  # python3-gi ships no stubs

            gi.require_version("UMockdev", "1.0")
            from gi.repository import GLib, UMockdev  # type: ignore[import-not-found]

            return GLib, UMockdev
        except (ImportError, ValueError):
            continue
    raise UmockdevMissing(INSTALL_HINT)
