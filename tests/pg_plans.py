"""What PostgreSQL does for the statements a piece of code runs on the runs table: the
statements captured as they are sent, and the scans of their plans (EXPLAIN)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def statements_on_runs(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every SELECT reading the runs table sent through `engine` meanwhile, with its
    parameters, as the driver received them."""
    seen: list[tuple[str, Any]] = []

    def keep(_connection, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM runs" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def scans(engine: Engine, statement: str, parameters: Any, *, avoid_seq_scans: bool) -> list[str]:
    """The plan's scans, e.g. "Index Scan using runs_serial_started_at on runs"; one that
    walks a whole index only to filter its rows ends in " (filter only)". With
    `avoid_seq_scans`, PostgreSQL takes an index wherever one can serve the statement (a
    small test table would otherwise be read whole), so a Seq Scan or a filter-only scan
    left means no index can."""
    with engine.connect() as connection:
        if avoid_seq_scans:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
        root = plan.scalar()[0]["Plan"]
        connection.rollback()
    found: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if "Relation Name" in node or "Index Name" in node:
            index = f" using {node['Index Name']}" if "Index Name" in node else ""
            table = f" on {node['Relation Name']}" if "Relation Name" in node else ""
            searched = "Index Cond" in node or "Recheck Cond" in node
            filter_only = " (filter only)" if "Filter" in node and not searched else ""
            found.append(f"{node['Node Type']}{index}{table}{filter_only}")
        for child in node.get("Plans", []):
            walk(child)

    walk(root)
    return found
