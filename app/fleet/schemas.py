"""The wire format between stations and the fleet backend (docs/sync-api.md).

Request models are strict (`extra="forbid"`): a station that sends a field the backend does
not know learns it at once instead of losing data silently. Times are ISO-8601; a time
without an offset is taken as UTC, and every time the backend returns is UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
)

from app.core import StepStatus
from app.core.evidence import EVIDENCE_MAX_BYTES

MAX_RUNS_PER_BATCH = 500
MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_STEPS_PER_RUN = 1000
MAX_RUNS_PER_PAGE = 10_000
MAX_ORDERS_PER_BATCH = 1000

RUN_ID_PATTERN = r"^[0-9a-f]{32}$"  # uuid4().hex
SHA256_PATTERN = r"^[0-9a-f]{64}$"
CHANNEL_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
TEMPLATE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
RunResultName = Literal["done", "failed", "refused", "interrupted"]


MAX_INT = 2**31 - 1  # the databases' INTEGER: a bigger number is refused, not a 500


def _a_json_number(value: object) -> object:
    """JSON's integers only: `false` and `"1"` are not numbers (`2.0` is, as JSON Schema says)."""
    if isinstance(value, bool | str | bytes):
        raise ValueError("Input should be a valid integer")
    return value


JsonInt = Annotated[int, BeforeValidator(_a_json_number)]


def _a_json_time(value: object) -> object:
    """A time is ISO-8601 text (or a datetime, in a response), never a number of seconds."""
    if isinstance(value, bool | int | float):
        raise ValueError("Input should be an ISO-8601 date and time")
    return value


def as_utc(moment: datetime) -> datetime:
    """Naive times are UTC by contract; aware ones are converted to UTC.

    ValueError (a 422 in a request) for a time whose UTC falls outside years 1 to 9999,
    e.g. 0001-01-01T00:00+05:00.
    """
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{moment.isoformat()} is out of range in UTC") from None


UtcDatetime = Annotated[
    datetime,
    BeforeValidator(_a_json_time),
    PlainSerializer(lambda moment: as_utc(moment).isoformat(), return_type=str, when_used="json"),
]
Name = Annotated[str, Field(min_length=1, max_length=200)]
ShortText = Annotated[str, Field(max_length=200)]
IdentityText = Annotated[str, Field(max_length=32)]
OrderNumber = Annotated[str, Field(min_length=1, max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StepIn(Strict):
    index: JsonInt = Field(ge=0, le=MAX_INT)
    action: Name
    name: Annotated[str, Field(max_length=1000)]
    # Pending/running appear in interrupted runs: the station died before the step ended.
    status: StepStatus
    duration_ms: JsonInt = Field(0, ge=0, le=MAX_INT)
    message: str = ""
    evidence: Annotated[str, Field(max_length=EVIDENCE_MAX_BYTES)] = Field(
        "",
        description="A failed step: the end of the device's log (and, for an install, the "
        "package's state), secrets masked, at most 16 KB",
    )


class RunIn(Strict):
    id: str = Field(pattern=RUN_ID_PATTERN, description="The run's uuid4 hex: the idempotency key")
    station: ShortText | None = Field(None, description="Ignored: the token names the station")
    serial: ShortText | None = None
    model: ShortText | None = None
    android_release: ShortText | None = None
    slot: ShortText | None = None
    endpoint: ShortText | None = None
    template: Name
    template_version: JsonInt = Field(ge=0, le=MAX_INT)
    template_hash: Annotated[str, Field(max_length=128)]
    operator: ShortText | None = None
    asset_tag: ShortText | None = None
    started_at: UtcDatetime
    finished_at: UtcDatetime | None = None
    result: RunResultName
    error: str | None = None
    steps: list[StepIn] = Field(default_factory=list, max_length=MAX_STEPS_PER_RUN)
    release_manifest: str | None = Field(
        None, pattern=SHA256_PATTERN, description="The release's manifest sha256, if any"
    )
    release_channel: str | None = Field(None, max_length=64)
    order_number: OrderNumber | None = Field(None, description="The kitting order it ran for")
    device_name: Annotated[str, Field(max_length=255)] | None = Field(
        None, description="The name the template's device_name step gave the device"
    )
    # The device's identity as the run read it; sent by stations since #16, all optional.
    manufacturer: ShortText | None = None
    imei: list[IdentityText] = Field(default_factory=list, max_length=2)
    meid: IdentityText | None = None
    wifi_mac: IdentityText | None = Field(None, description="The factory MAC, aa:bb:…")
    bluetooth_mac: IdentityText | None = None
    build_fingerprint: Annotated[str, Field(max_length=255)] | None = None
    security_patch: IdentityText | None = None
    hardware_serial: ShortText | None = Field(None, description="Only where it differs")
    identity_gaps: dict[IdentityText, IdentityText] | None = Field(
        None, max_length=20, description="Why a field is empty: {field: reason}"
    )

    @field_validator("started_at", "finished_at")
    @classmethod
    def _utc(cls, moment: datetime | None) -> datetime | None:
        return None if moment is None else as_utc(moment)


class RunOut(RunIn):
    """A stored run: what was posted, with the station its token names."""

    station: str


class RunBatch(Strict):
    runs: list[RunIn] = Field(max_length=MAX_RUNS_PER_BATCH)


class BatchReceipt(BaseModel):
    accepted: list[str] = Field(description="Ids stored by this request")
    duplicates: list[str] = Field(description="Ids the backend already had: stored once, earlier")


class RunList(BaseModel):
    runs: list[RunOut]


class DeviceOut(BaseModel):
    serial: str
    model: str | None
    last_seen: UtcDatetime
    latest_run: RunOut = Field(description="Its latest run, with the identity that run read")


class DeviceList(BaseModel):
    devices: list[DeviceOut]


Channel = Annotated[str, Field(pattern=CHANNEL_PATTERN, description="e.g. canary, production")]


class ReleaseIn(Strict):
    manifest: Annotated[str, Field(min_length=2, max_length=MAX_BODY_BYTES)] = Field(
        description="The manifest's canonical JSON, exactly the bytes signed"
    )
    signature: str | None = Field(None, max_length=200, description="Ed25519, base64")
    key: str | None = Field(None, max_length=200, description="ed25519:BASE64 public key")
    channel: Channel


class ChannelIn(Strict):
    channel: Channel


class ReleaseReceipt(BaseModel):
    name: str
    version: int
    manifest_sha256: str
    channel: str | None = None


class ReleaseOut(BaseModel):
    name: str
    version: int
    manifest: str
    manifest_sha256: str
    signature: str | None
    key: str | None
    channels: list[str]
    published_by: str
    published_at: UtcDatetime
    withdrawn_by: str | None
    withdrawn_at: UtcDatetime | None


class ReleaseList(BaseModel):
    releases: list[ReleaseOut]


class ChannelOut(BaseModel):
    channel: str
    releases: list[ReleaseOut] = Field(description="Per template, its current release")


class ReleaseEvent(BaseModel):
    at: UtcDatetime
    actor: str
    action: Literal["publish", "promote", "withdraw"]
    name: str
    version: int
    channel: str | None


class ReleaseEventList(BaseModel):
    events: list[ReleaseEvent]


class FileWanted(Strict):
    sha256: str = Field(pattern=SHA256_PATTERN)
    size: JsonInt = Field(ge=0)


class FilesQuery(Strict):
    files: list[FileWanted] = Field(max_length=10_000)


class FileMissing(BaseModel):
    sha256: str
    offset: int = Field(description="Bytes already uploaded: resume the upload here")


class FilesMissing(BaseModel):
    missing: list[FileMissing]


class UploadOut(BaseModel):
    sha256: str
    offset: int
    complete: bool


class HeartbeatIn(Strict):
    waiting: JsonInt = Field(ge=0, le=MAX_INT, description="Runs the station still has to send")
    version: ShortText = Field(description="The station's Kitbench version")


class HeartbeatOut(BaseModel):
    station: str
    server_time: UtcDatetime


class StationOut(BaseModel):
    name: str
    created_at: UtcDatetime
    last_heartbeat: UtcDatetime | None
    waiting: int | None
    version: str | None


class StationList(BaseModel):
    stations: list[StationOut]


class ErrorOut(BaseModel):
    detail: str


# -- kitting orders (#18)

OrderStateName = Literal["open", "complete", "closed"]


class OrderIn(Strict):
    """A kitting order as a station keeps it (app.core.orders.Order)."""

    number: OrderNumber
    customer: ShortText = ""
    target: JsonInt = Field(ge=1, le=MAX_INT, description="Devices the order needs done")
    template: ShortText = Field("", description="The template's name; empty: any")
    template_version: JsonInt | None = Field(None, ge=0, le=MAX_INT, description="null: any")
    state: OrderStateName = Field(description="As the sending station sees it")
    notes: Annotated[str, Field(max_length=10_000)] = ""
    created_at: UtcDatetime
    closed_at: UtcDatetime | None = None

    @field_validator("created_at", "closed_at")
    @classmethod
    def _utc(cls, moment: datetime | None) -> datetime | None:
        return None if moment is None else as_utc(moment)


class OrderBatch(Strict):
    orders: list[OrderIn] = Field(max_length=MAX_ORDERS_PER_BATCH)


class OrderReceipt(BaseModel):
    stored: list[str] = Field(description="The numbers stored or updated")


class OrderOut(BaseModel):
    """An order across every station working on it; counts as app.core.orders.tally."""

    number: str
    customer: str
    target: int | None = Field(description="null: no station has sent the order yet")
    template: str
    template_version: int | None
    notes: str
    state: OrderStateName = Field(description="closed by any station, else complete at target")
    done: int
    failed: int
    refused: int
    remaining: int | None
    devices_seen: int
    stations: list[str] = Field(description="Stations that sent it or ran devices on it")
    created_at: UtcDatetime | None
    closed_at: UtcDatetime | None


class OrderList(BaseModel):
    orders: list[OrderOut]


class OrderDeviceOut(BaseModel):
    """One device of an order: counted once, by the run that speaks for it (its done run,
    else its latest)."""

    serial: str
    result: RunResultName | None
    runs: int = Field(description="Runs under the order on any station")
    run_id: str
    station: str
    slot: str | None
    model: str | None
    manufacturer: str | None
    imei: list[str]
    meid: str | None
    wifi_mac: str | None
    bluetooth_mac: str | None
    hardware_serial: str | None
    asset_tag: str | None
    device_name: str | None = Field(description="The name its run gave it, if one did")
    operator: str | None
    template: str
    template_version: int
    finished_at: UtcDatetime | None


class OrderDetail(OrderOut):
    devices: list[OrderDeviceOut]
