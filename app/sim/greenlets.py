"""Synchronous simulator code that waits on the event loop, without threads.

The Android model and its shell are synchronous, and must stay on the loop's thread (every
connection of a device shares one model). A command that reads its stdin from the host must
wait for bytes that arrive on the loop: `run_sync` runs the model in a greenlet, and where it
calls `wait_for(awaitable)` the greenlet hands the awaitable to `run_sync`, which awaits it on
the loop and switches back with its result. Nothing else ever pauses, so the model sees no
interleaving it would not see from a single command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from greenlet import getcurrent, greenlet

T = TypeVar("T")


class _ModelGreenlet(greenlet):
    """A greenlet that runs model code for `run_sync` and can pause on its awaitables."""

    def __init__(self, function: Callable[..., Any], driver: greenlet) -> None:
        super().__init__(function, driver)
        self.driver = driver


async def run_sync(function: Callable[..., T], *args: Any) -> T:
    """Call `function(*args)` and return its result; its `wait_for` calls await on this loop."""
    worker = _ModelGreenlet(function, getcurrent())
    request = worker.switch(*args)
    while not worker.dead:
        try:
            value = await request
        except BaseException as exc:  # delivered into the model, which may handle it
            request = worker.throw(exc)
        else:
            request = worker.switch(value)
    result: T = request
    return result


def under_run_sync() -> bool:
    """Whether model code runs under `run_sync` (a host's command), so `wait_for` works."""
    return isinstance(getcurrent(), _ModelGreenlet)


def wait_for(awaitable: Awaitable[T]) -> T:
    """From model code under `run_sync`: the awaitable's result, awaited on the loop."""
    current = getcurrent()
    if not isinstance(current, _ModelGreenlet):
        raise RuntimeError("wait_for outside run_sync")
    result: T = current.driver.switch(awaitable)
    return result
