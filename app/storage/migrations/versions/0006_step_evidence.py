"""A failed step keeps what the device said about it: the end of its log and, for an install,
the package's state (secrets masked, at most 16 KB; app.core.evidence).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("step_results") as batch:
        batch.add_column(sa.Column("evidence", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("step_results") as batch:
        batch.drop_column("evidence")
