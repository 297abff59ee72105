"""What benchmarks assert: the work finished as expected, never how fast.

`unfinished` compares the runs a benchmark saw finish (RunResult, from RunFinished events or
the GUI's tiles) with the devices it started, and describes every device that did not end as
expected: which one, and how it ended.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from app.core import RunOutcome, RunResult


def unfinished(
    started: Iterable[str],
    results: Iterable[RunResult],
    *,
    steps: int | None = None,
    expected: RunOutcome = RunOutcome.DONE,
) -> list[str]:
    """One line per device in `started` that did not end `expected` exactly once (with
    `steps` steps recorded, when given), and per run of a device nobody started."""
    started = list(started)
    results = list(results)
    by_endpoint: dict[str, list[RunResult]] = {}
    for result in results:
        by_endpoint.setdefault(result.endpoint, []).append(result)
    problems = []
    for endpoint in started:
        runs = by_endpoint.get(endpoint, [])
        if not runs:
            problems.append(f"{endpoint}: never finished (no RunFinished)")
        elif len(runs) > 1:
            problems.append(
                f"{endpoint}: finished {len(runs)} times ("
                + ", ".join(_ended(run) for run in runs)
                + ")"
            )
        elif runs[0].outcome is not expected:
            problems.append(f"{endpoint}: {_ended(runs[0])}")
        elif steps is not None and len(runs[0].steps) != steps:
            problems.append(
                f"{endpoint}: {runs[0].outcome.value} with {len(runs[0].steps)} of {steps} "
                "steps recorded"
            )
    for endpoint in by_endpoint.keys() - set(started):
        problems.append(f"{endpoint}: a run on a device the benchmark did not start")
    return problems


def describe(problems: list[str], started: int, what: str = "devices") -> str:
    """An assertion message: how many did not finish, then each of them."""
    shown = problems[:30]
    more = f"\n  … and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    return (
        f"not as expected, {len(problems)} finding(s) among {started} {what}:\n  "
        + "\n  ".join(shown)
        + more
    )


def tally(results: Iterable[RunResult]) -> str:
    """'98 done, 2 failed': how the runs ended, for a figure line or a message."""
    counts = Counter(result.outcome.value for result in results)
    return ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items())) or "none"


def _ended(result: RunResult) -> str:
    """'failed: step 1 (push big.bin) failed: …': the outcome and the run's own reason (or,
    without one, its first failed step)."""
    failed = [step for step in result.steps if step.status.value == "failed"]
    if result.error:
        return f"{result.outcome.value}: {result.error}"
    if failed:
        step = failed[0]
        return f"{result.outcome.value} at step {step.index + 1} ({step.name}): {step.message}"
    return result.outcome.value


def mismatched(wanted: Mapping[str, object], found: Mapping[str, object]) -> list[str]:
    """'KEY: wanted W, found F' for every key whose found value differs from the wanted one."""
    return [
        f"{key}: wanted {value!r}, found {found.get(key, 'nothing')!r}"
        for key, value in wanted.items()
        if found.get(key) != value
    ]
