"""A run and its steps keep why they failed or were refused as typed data beside the English
`error` and `message` (app.core.reasons, as JSON), so the window's History says it in the
bench's language. Neither sync nor the CLI reads it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("why", sa.Text(), nullable=True))
    with op.batch_alter_table("step_results") as batch:
        batch.add_column(sa.Column("why", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("step_results") as batch:
        batch.drop_column("why")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("why")
