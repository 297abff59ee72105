"""Blocks of `{seq}` numbers the backend leases to stations (hi/lo), unique per series.

A series (a template's name) has one row holding its next free number. Leasing a block is
one `UPDATE … RETURNING` that moves that number on: PostgreSQL locks the row and SQLite the
database for the statement, so two backend workers (or two backends on one PostgreSQL)
never hand out the same number. Every block is also kept in `seq_leases`, which station got
it and when, for an admin who asks where a number went.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    case,
    insert,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from app.fleet.database import create_tables
from app.fleet.schemas import MAX_INT, TEMPLATE_NAME_PATTERN, JsonInt

MAX_BLOCK = 10_000

metadata = MetaData()

seq_series = Table(
    "seq_series",
    metadata,
    Column("series", String(200), primary_key=True),
    Column("next_seq", Integer, nullable=False),  # the lowest number never handed out
)

seq_leases = Table(
    "seq_leases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("series", String(200), nullable=False),
    Column("first", Integer, nullable=False),
    Column("last", Integer, nullable=False),
    Column("station", String(200), nullable=False),
    Column("leased_at", DateTime, nullable=False),
)


class BlockRequest(BaseModel):
    series: str = Field(pattern=TEMPLATE_NAME_PATTERN, max_length=200)
    size: JsonInt = Field(ge=1, le=MAX_BLOCK, description="How many numbers")
    at_least: JsonInt = Field(
        1, ge=1, le=MAX_INT - MAX_BLOCK, description="The block starts here or above"
    )


class BlockOut(BaseModel):
    series: str
    first: int = Field(description="The block's first number")
    last: int = Field(description="Its last number (inclusive)")


@dataclass(frozen=True)
class Block:
    series: str
    first: int
    last: int


class SeqLeases:
    """The series table on the backend's engine (created on first use)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_tables(engine, metadata)

    def lease(self, series: str, size: int, at_least: int, station: str, now: datetime) -> Block:
        """The next `size` numbers of `series` no one ever got, from `at_least` up."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        start = case((seq_series.c.next_seq < at_least, at_least), else_=seq_series.c.next_seq)
        with self.engine.begin() as connection:
            connection.execute(
                dialect.insert(seq_series)
                .values(series=series, next_seq=1)
                .on_conflict_do_nothing(index_elements=[seq_series.c.series])
            )
            after = connection.execute(
                update(seq_series)
                .where(seq_series.c.series == series)
                .values(next_seq=start + size)
                .returning(seq_series.c.next_seq)
            ).scalar_one()
            block = Block(series, after - size, after - 1)
            connection.execute(
                insert(seq_leases).values(
                    series=series,
                    first=block.first,
                    last=block.last,
                    station=station,
                    leased_at=now,
                )
            )
        return block
