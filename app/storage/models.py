"""The station's tables: runs, their step results, devices seen, and the sync outbox.

Times are stored as UTC and come back timezone-aware, so history, CSV and the sync payload
never depend on the station's local clock setting.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator[datetime]):
    """A datetime kept as naive UTC in SQLite and handed back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # naive means the station's local time
            value = value.astimezone()
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Run(Base):
    """One application of a template to one device."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    serial: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(128))
    android_release: Mapped[str | None] = mapped_column(String(16))
    slot: Mapped[str] = mapped_column(String(128), default="")
    endpoint: Mapped[str] = mapped_column(String(255))
    template_name: Mapped[str] = mapped_column(String(128))
    template_version: Mapped[int] = mapped_column(Integer)
    template_hash: Mapped[str] = mapped_column(String(64), default="")
    operator: Mapped[str] = mapped_column(String(128), default="")
    station: Mapped[str] = mapped_column(String(128), default="")
    asset_tag: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    result: Mapped[str] = mapped_column(String(16))  # app.core.RunOutcome values
    error: Mapped[str | None] = mapped_column(Text)
    # The release the template came from (None: a local template file).
    release_manifest: Mapped[str | None] = mapped_column(String(64))  # manifest sha256
    release_channel: Mapped[str | None] = mapped_column(String(64))
    # The device's identity, read once per run (migration 0003): the asset register.
    manufacturer: Mapped[str | None] = mapped_column(String(128))
    imei1: Mapped[str | None] = mapped_column(String(15))
    imei2: Mapped[str | None] = mapped_column(String(15))
    meid: Mapped[str | None] = mapped_column(String(14))
    wifi_mac: Mapped[str | None] = mapped_column(String(17))
    bluetooth_mac: Mapped[str | None] = mapped_column(String(17))
    build_fingerprint: Mapped[str | None] = mapped_column(String(255))
    security_patch: Mapped[str | None] = mapped_column(String(16))
    hardware_serial: Mapped[str | None] = mapped_column(String(64))  # only where != serial
    identity_gaps: Mapped[str | None] = mapped_column(Text)  # JSON {field: reason}
    order_number: Mapped[str | None] = mapped_column(String(64))  # the kitting order (0004)
    device_name: Mapped[str | None] = mapped_column(String(255))  # the name the run gave (0005)
    why: Mapped[str | None] = mapped_column(Text)  # `error` typed: app.core.reasons JSON (0007)

    steps: Mapped[list[StepRecord]] = relationship(
        back_populates="run", order_by="StepRecord.index", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # History is read newest first, filtered by one of these; keyset paging on (started_at, id).
        Index("ix_runs_started", "started_at", "id"),
        Index("ix_runs_serial_started", "serial", "started_at", "id"),
        Index("ix_runs_template_started", "template_name", "started_at", "id"),
        Index("ix_runs_result_started", "result", "started_at", "id"),
        Index("ix_runs_imei1", "imei1"),
        Index("ix_runs_order_started", "order_number", "started_at", "id"),
    )


class StepRecord(Base):
    """What one step did on one run; message and output have secrets masked."""

    __tablename__ = "step_results"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16))  # app.core.StepStatus values
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    output: Mapped[str] = mapped_column(Text, default="")
    # A failed step's device log lines, masked and capped (migration 0006)
    evidence: Mapped[str] = mapped_column(Text, default="", server_default="")
    why: Mapped[str | None] = mapped_column(Text)  # `message` typed, as JSON (0007)

    run: Mapped[Run] = relationship(back_populates="steps")


class DeviceRecord(Base):
    """Every device the station has seen, by serial."""

    __tablename__ = "devices"

    serial: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str | None] = mapped_column(String(128))
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_template: Mapped[str | None] = mapped_column(String(128))
    last_result: Mapped[str | None] = mapped_column(String(16))
    # The device's identity, as last read (migration 0003).
    manufacturer: Mapped[str | None] = mapped_column(String(128))
    imei1: Mapped[str | None] = mapped_column(String(15))
    imei2: Mapped[str | None] = mapped_column(String(15))
    meid: Mapped[str | None] = mapped_column(String(14))
    wifi_mac: Mapped[str | None] = mapped_column(String(17))
    bluetooth_mac: Mapped[str | None] = mapped_column(String(17))
    build_fingerprint: Mapped[str | None] = mapped_column(String(255))
    security_patch: Mapped[str | None] = mapped_column(String(16))
    hardware_serial: Mapped[str | None] = mapped_column(String(64))  # only where != serial


class OutboxEntry(Base):
    """A finished run waiting for the fleet backend's acknowledgement."""

    __tablename__ = "outbox"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_outbox_waiting", "sent_at", "created_at"),)


class OrderRecord(Base):
    """A kitting order (app.core.orders.Order) as the station keeps it."""

    __tablename__ = "orders"

    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer: Mapped[str] = mapped_column(String(128), default="")
    target: Mapped[int] = mapped_column(Integer)
    template_name: Mapped[str] = mapped_column(String(128), default="")
    template_version: Mapped[int | None] = mapped_column(Integer)
    expected: Mapped[str] = mapped_column(Text, default="[]")  # JSON [{serial, imei}]
    state: Mapped[str] = mapped_column(String(16))  # app.core.orders.OrderState values
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
