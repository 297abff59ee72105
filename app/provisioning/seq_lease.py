"""Fleet-unique `{seq}`: where the ledger gets blocks of numbers, and what it does without one.

With a backend, `{seq}` is unique per series (the template's name) across every station of
that backend: the backend leases each station blocks of numbers no station ever got (hi/lo),
the station hands them out from its ledger, offline too, and asks for the next block in the
background when its numbers run low. The source of blocks is injected from above (the sync
layer's client, `app/sync/leases.py`), so this layer makes no network calls of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from app.templates.model import Template
from app.templates.variables import VariableError, placeholders

LOW_WATER_FRACTION = 4  # ask for the next block when fewer than size/4 numbers are left


class BlockUnavailableError(Exception):
    """The backend gave no block (unreachable, refused, token rejected); str() says why."""


class BlockSource(Protocol):
    def lease(self, series: str, size: int, at_least: int) -> tuple[int, int]:
        """A block (first, last inclusive) of `series` no one ever got, from `at_least` up;
        BlockUnavailableError if there is none to be had now."""
        ...


@dataclass(frozen=True)
class SeqLeasing:
    """How the station gets fleet numbers: from `source`, `block_size` at a time."""

    source: BlockSource
    block_size: int

    @property
    def low_water(self) -> int:
        return max(1, self.block_size // LOW_WATER_FRACTION)


def series_of(template: Template) -> str | None:
    """The fleet series a template's `{seq}` numbers come from; None for station numbers,
    and for a template whose steps never say `{seq}` (it must not wait for a number)."""
    if template.seq != "fleet":
        return None
    texts = _strings([template.variables, [step.model_dump() for step in template.steps]])
    return template.name if any(_says_seq(text) for text in texts) else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _says_seq(text: str) -> bool:
    try:
        return any(p.name == "seq" and not p.secret for p in placeholders(text))
    except VariableError:  # the loader refused such a template already
        return False


class NoNumbersLeftError(Exception):
    """The station holds no number of `series` and the backend gave it none: the run must not
    start (the template may say `seq: station` for station-local numbers instead)."""

    def __init__(self, series: str, reason: str) -> None:
        super().__init__(f"no {{seq}} number of {series} left: {reason}")
        self.series, self.reason = series, reason
