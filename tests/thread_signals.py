"""Signals sent to one thread of another process, as the kernel may deliver a `kill`."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path


def threads_taking(pid: int, signum: int) -> list[int]:
    """The process's threads besides its main one that do not block `signum`: those the
    kernel may give a signal sent to the process (kill) to."""
    threads = []
    for thread in sorted(int(name) for name in os.listdir(f"/proc/{pid}/task")):
        status = Path(f"/proc/{pid}/task/{thread}/status").read_text()
        if thread != pid and not int(status.split("SigBlk:")[1].split()[0], 16) >> signum - 1 & 1:
            threads.append(thread)
    return threads


def signal_thread(pid: int, thread: int, signum: int) -> None:
    assert ctypes.CDLL(None, use_errno=True).tgkill(pid, thread, signum) == 0
