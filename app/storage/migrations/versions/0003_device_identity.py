"""A run records the device's identity as read once per run: the asset register.

IMEIs, MEID, factory Wi-Fi and Bluetooth MACs, build fingerprint, security patch, the
hardware serial where it differs from ro.serialno, the manufacturer the reseller portals
need, and why a field is empty (``identity_gaps``: JSON {field: reason}). The devices
table keeps the latest identity of each serial so ``kitbench devices`` needs no join.

Revision ID: 0003
Revises: 0002
Create Date: 2026-02-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_IDENTITY = (
    ("manufacturer", 128),
    ("imei1", 15),
    ("imei2", 15),
    ("meid", 14),
    ("wifi_mac", 17),
    ("bluetooth_mac", 17),
    ("build_fingerprint", 255),
    ("security_patch", 16),
    ("hardware_serial", 64),
)


def upgrade() -> None:
    # batch mode: SQLite cannot add columns inside every ALTER form alembic may emit.
    with op.batch_alter_table("runs") as batch:
        for name, length in _IDENTITY:
            batch.add_column(sa.Column(name, sa.String(length)))
        batch.add_column(sa.Column("identity_gaps", sa.Text()))
    with op.batch_alter_table("devices") as batch:
        for name, length in _IDENTITY:
            batch.add_column(sa.Column(name, sa.String(length)))
    op.create_index("ix_runs_imei1", "runs", ["imei1"])


def downgrade() -> None:
    op.drop_index("ix_runs_imei1", "runs")
    with op.batch_alter_table("devices") as batch:
        for name, _ in reversed(_IDENTITY):
            batch.drop_column(name)
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("identity_gaps")
        for name, _ in reversed(_IDENTITY):
            batch.drop_column(name)
