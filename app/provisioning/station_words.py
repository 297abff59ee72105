"""Words for a station problem: what is wrong, where, and what to do, in one sentence.

Presentation shared by the `kitbench` command, the tiles and the status bar, so a full disk
reads the same everywhere. The operating system's own words (`StationProblem.detail`) are for
the log and the details view, not for this sentence.
"""

from __future__ import annotations

from app.core.status import StationProblem, StorageProblem


def describe_no_numbers(series: str) -> str:
    """Why a device got no run when the station is out of fleet `{seq}` numbers, and the fix."""
    return (
        f"No {{seq}} number of {series} left: this station's block is used up and the fleet "
        "backend cannot be reached. Start again once it answers (a template may say "
        "`seq: station` for station-local numbers)."
    )


def describe_station_problem(problem: StationProblem) -> str:
    """One sentence naming the data folder and the fix, e.g. for a full disk:

    "The data folder /x is full: free space there (or point KITBENCH_HOME at a bigger disk),
    then start again."
    """
    folder = problem.folder
    if problem.kind is StorageProblem.DISK_FULL:
        return (
            f"The data folder {folder} is full: free space there (or point KITBENCH_HOME at a "
            "bigger disk), then start again."
        )
    if problem.kind is StorageProblem.NOT_WRITABLE:
        return (
            f"Kitbench cannot write to its data folder {folder}: make it writable for the user "
            "running Kitbench (or point KITBENCH_HOME at a folder that is), then start again."
        )
    if problem.kind is StorageProblem.LOCKED:
        return (
            f"The station database in {folder} is locked by another program: close it (another "
            "Kitbench, a backup or a database browser holding kitbench.db), then start again."
        )
    return (
        f"The station database in {folder} is damaged: move kitbench.db out of that folder "
        "(keep it for recovery; Kitbench starts a new one), then start again."
    )
