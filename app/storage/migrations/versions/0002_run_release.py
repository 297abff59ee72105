"""A run records the release its template came from: manifest hash and channel.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot add columns inside every ALTER form alembic may emit.
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("release_manifest", sa.String(64)))
        batch.add_column(sa.Column("release_channel", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("release_channel")
        batch.drop_column("release_manifest")
