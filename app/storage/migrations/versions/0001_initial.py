"""Initial schema: runs, step results, devices, outbox.

Revision ID: 0001
Revises:
Create Date: 2025-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("serial", sa.String(64)),
        sa.Column("model", sa.String(128)),
        sa.Column("android_release", sa.String(16)),
        sa.Column("slot", sa.String(128), nullable=False),
        sa.Column("endpoint", sa.String(255), nullable=False),
        sa.Column("template_name", sa.String(128), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("template_hash", sa.String(64), nullable=False),
        sa.Column("operator", sa.String(128), nullable=False),
        sa.Column("station", sa.String(128), nullable=False),
        sa.Column("asset_tag", sa.String(128)),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime()),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("error", sa.Text()),
    )
    op.create_index("ix_runs_started", "runs", ["started_at", "id"])
    op.create_index("ix_runs_serial_started", "runs", ["serial", "started_at", "id"])
    op.create_index("ix_runs_template_started", "runs", ["template_name", "started_at", "id"])
    op.create_index("ix_runs_result_started", "runs", ["result", "started_at", "id"])
    op.create_table(
        "step_results",
        sa.Column(
            "run_id",
            sa.String(32),
            sa.ForeignKey("runs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("index", sa.Integer(), primary_key=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column("serial", sa.String(64), primary_key=True),
        sa.Column("model", sa.String(128)),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("last_template", sa.String(128)),
        sa.Column("last_result", sa.String(16)),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "run_id",
            sa.String(32),
            sa.ForeignKey("runs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("sent_at", sa.DateTime()),
    )
    op.create_index("ix_outbox_waiting", "outbox", ["sent_at", "created_at"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("devices")
    op.drop_table("step_results")
    op.drop_table("runs")
