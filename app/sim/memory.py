"""Keep freed memory in the simulator process instead of handing it back to the kernel.

A simulator moves hundreds of megabytes through short-lived buffers (one per ADB packet,
one per pushed file). glibc returns each large freed block to the kernel and the next one
is faulted in again, page by page: measured here, that churn was three quarters of the
simulator's CPU during a fleet-wide push. Raising glibc's trim and mmap thresholds lets
freed memory be reused. Only for the dedicated `kitbench sim` process; elsewhere a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("kitbench.sim")

# mallopt() parameters from glibc's malloc.h.
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

TRIM_THRESHOLD = 1 << 30  # keep up to 1 GiB of freed heap
TOP_PAD = 64 << 20  # grow the heap in 64 MiB steps
MMAP_THRESHOLD = 32 << 20  # glibc's maximum: blocks below it come from the reusable heap


def keep_freed_memory() -> bool:
    """Tune glibc's allocator for large, short-lived buffers; False where there is no glibc."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return False
    settings = ((M_TRIM_THRESHOLD, TRIM_THRESHOLD), (M_TOP_PAD, TOP_PAD),
                (M_MMAP_THRESHOLD, MMAP_THRESHOLD))  # fmt: skip
    applied = all(mallopt(parameter, value) == 1 for parameter, value in settings)
    if not applied:
        log.info("could not tune the allocator; transfers cost more CPU")
    return applied
