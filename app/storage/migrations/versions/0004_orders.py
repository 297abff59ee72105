"""Kitting orders: an order's number, customer, target, template, expected devices and state;
a run records the order it was made for.

Revision ID: 0004
Revises: 0003
Create Date: 2026-02-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("number", sa.String(64), primary_key=True),
        sa.Column("customer", sa.String(128), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("template_name", sa.String(128), nullable=False),
        sa.Column("template_version", sa.Integer()),
        sa.Column("expected", sa.Text(), nullable=False),  # JSON [{serial, imei}]
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime()),
        sa.Column("closed_at", sa.DateTime()),
    )
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("order_number", sa.String(64)))
    op.create_index("ix_runs_order_started", "runs", ["order_number", "started_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_runs_order_started", "runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("order_number")
    op.drop_table("orders")
