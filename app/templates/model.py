"""The typed template: what a valid YAML template becomes, and the source of its JSON Schema.

Each step is a mapping with exactly one action key plus the common keys
(`name`, `timeout`, `retries`, `optional`). `STEP_TYPES` maps an action key to its
step model so the loader can validate a step against the one model it names and
report precise errors.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

SUPPORTED_FORMATS = (1,)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_text(value: Any) -> Any:
    """YAML reads `value: 7` as an int; Android settings and props are strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


# A string that may be written as a bare YAML number or boolean (`value: 7`).
Text = Annotated[
    str,
    BeforeValidator(_as_text),
    WithJsonSchema({"type": ["string", "number", "boolean"]}),
]
VariableName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class Requires(Strict):
    sdk_min: int | None = Field(None, ge=1, description="Lowest Android API level accepted")
    sdk_max: int | None = Field(None, ge=1, description="Highest Android API level accepted")
    battery_min: int | None = Field(None, ge=0, le=100, description="Battery percent needed")
    models: list[str] = Field(default_factory=list, description="Model globs, e.g. 'SM-T*'")
    manufacturers: list[str] = Field(default_factory=list, description="Manufacturer globs")

    @model_validator(mode="after")
    def _sdk_range_not_empty(self) -> Requires:
        if self.sdk_min and self.sdk_max and self.sdk_min > self.sdk_max:
            raise ValueError(
                f"sdk_min {self.sdk_min} is above sdk_max {self.sdk_max}: no device fits"
            )
        return self


# -- action parameters


class Install(Strict):
    apk: str = Field(
        description="APK path, relative to the template file; a bundletool .apks archive"
        " installs its splits/ as one split set"
    )
    splits: list[str] = Field(
        default_factory=list,
        description="Split APKs installed with `apk` (the base) as one set, all or nothing",
    )
    package: str | None = Field(None, description="Expected package name (checked)")
    sha256: str | None = Field(
        None, pattern=r"^[0-9a-fA-F]{64}$", description="Pinned SHA-256 of the APK (64 hex digits)"
    )
    grant_permissions: bool = Field(False, description="Grant all runtime permissions (-g)")
    downgrade: bool = Field(False, description="Allow a lower versionCode (-d)")

    @model_validator(mode="after")
    def _one_form_of_split_set(self) -> Install:
        if self.splits and self.apk.endswith(".apks"):
            raise ValueError("a .apks archive holds its splits: list no splits beside it")
        return self


class Uninstall(Strict):
    package: str


class Packages(Strict):
    packages: list[str] = Field(min_length=1)


class Grant(Strict):
    package: str
    permissions: list[str] = Field(min_length=1)


class Setting(Strict):
    namespace: Literal["global", "secure", "system"]
    key: str
    value: Text


class Push(Strict):
    src: str = Field(description="Local file, relative to the template file")
    dest: str = Field(pattern=r"^/", description="Absolute path on the device")


class Shell(Strict):
    command: str
    expect: str | None = Field(None, description="Regex the output must match")


class Wifi(Strict):
    ssid: str
    security: Literal["open", "wpa2", "wpa3"] = "wpa2"
    password: str | None = Field(None, description="Use {secret:NAME} rather than plain text")
    hidden: bool = False

    @model_validator(mode="after")
    def _password_matches_security(self) -> Wifi:
        if self.security == "open" and self.password:
            raise ValueError("an open network takes no password")
        if self.security != "open" and not self.password:
            raise ValueError(f"a {self.security} network needs a password")
        return self


class DeviceOwner(Strict):
    component: str = Field(description="package/.Receiver of the device admin")


class Reboot(Strict):
    wait: bool = Field(True, description="Wait until sys.boot_completed=1")


class PropCheck(Strict):
    name: str = Field(description="System property, e.g. ro.build.version.sdk")
    equals: Text | None = None
    min: int | None = Field(None, description="The property read as an integer is at least this")

    @model_validator(mode="after")
    def _has_condition(self) -> PropCheck:
        if self.equals is None and self.min is None:
            raise ValueError("say what to check: 'equals' or 'min'")
        return self


class SettingCheck(Strict):
    namespace: Literal["global", "secure", "system"]
    key: str
    equals: Text


class VersionCheck(Strict):
    package: str
    version_code: int


class Conditions(Strict):
    @model_validator(mode="after")
    def _has_condition(self) -> Conditions:
        """An empty wait_for or verify would pass on any device: a mistake in the template."""
        if all(getattr(self, field) is None for field in type(self).model_fields):
            raise ValueError(f"name at least one condition: {', '.join(type(self).model_fields)}")
        return self


class WaitFor(Conditions):
    """Wait until a condition holds (polling), up to the step's timeout."""

    boot_completed: bool | None = None
    getprop: PropCheck | None = None
    package_installed: str | None = None


class Verify(Conditions):
    """Check the device is as wanted; fails the step when it is not."""

    package_installed: str | None = None
    package_version_min: VersionCheck | None = None
    setting: SettingCheck | None = None
    getprop: PropCheck | None = None


# -- steps: one action key plus the common keys


class StepBase(Strict):
    ACTION: ClassVar[str]
    name: str | None = Field(None, description="Shown on tiles and in logs")
    timeout: float | None = Field(None, gt=0, description="Seconds before the step fails")
    retries: int = Field(0, ge=0, le=10, description="Extra attempts after a failure")
    optional: bool = Field(False, description="A failure does not fail the run")

    @property
    def action(self) -> str:
        return self.ACTION

    @property
    def params(self) -> Any:
        return getattr(self, self.ACTION)


def _step(action: str, params_type: Any, doc: str) -> type[StepBase]:
    return type(
        f"{action.title().replace('_', '')}Step",
        (StepBase,),
        {"__doc__": doc, "__annotations__": {action: params_type}, "ACTION": action},
    )


STEP_TYPES: dict[str, type[StepBase]] = {
    action: _step(action, params, doc)
    for action, params, doc in [
        (
            "install",
            Install,
            "Install an APK or a split set; ok when the same versionCode (and splits) is present.",
        ),
        ("uninstall", Uninstall, "Remove a package; ok when it is absent."),
        ("disable", Packages, "Disable packages for user 0."),
        ("enable", Packages, "Enable packages."),
        ("grant", Grant, "Grant runtime permissions."),
        ("setting", Setting, "Put an Android setting; ok when already equal."),
        ("push", Push, "Copy a file to the device; ok when the same content is there."),
        ("shell", Shell, "Run a shell command; fails on a non-zero exit or no `expect` match."),
        ("wifi", Wifi, "Add and connect a Wi-Fi network (Android 11+)."),
        ("timezone", str, "Set the time zone, e.g. Europe/Berlin."),
        ("device_name", str, "Set the device name; variables allowed."),
        ("device_owner", DeviceOwner, "Make a DPC the device owner."),
        ("reboot", Reboot, "Reboot, and by default wait for boot to complete."),
        ("wait_for", WaitFor, "Wait for a condition."),
        ("verify", Verify, "Check a condition."),
    ]
}

# The loader validates each step against the one type its action key names; the union
# is for the JSON Schema and for building a Template from already validated steps. A type
# checker cannot follow a union built at runtime: to it, every step is a StepBase.
if TYPE_CHECKING:
    AnyStep = StepBase
else:
    AnyStep = Union[tuple(STEP_TYPES.values())]  # noqa: UP007 - built from a tuple at runtime


def _base64url(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _checked_checksum(value: str) -> str:
    """Android refuses a checksum that is not URL-safe base64 of a SHA-256 without padding.

    Wrong encodings are the most common QR mistake in the field, so say how to fix them.
    """
    wanted = "Android wants the SHA-256 as URL-safe base64 without '=' padding"
    compact = value.strip()
    if re.fullmatch(r"[0-9A-Fa-f]{64}|[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}", compact):
        fixed = _base64url(bytes.fromhex(compact.replace(":", "")))
        raise ValueError(f"looks like hex: {wanted}; write it as {fixed}")
    normalized = compact.rstrip("=").replace("+", "-").replace("/", "_")
    try:
        digest = base64.urlsafe_b64decode(normalized + "=" * (-len(normalized) % 4))
    except (binascii.Error, ValueError):
        digest = b""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", normalized) or not digest:
        raise ValueError(f"is not base64: {wanted} (or give dpc_apk: PATH to compute it)")
    if len(digest) != 32:
        raise ValueError(f"decodes to {len(digest)} bytes, not the 32 of a SHA-256: {wanted}")
    if compact != value:
        raise ValueError(f"has spaces or a newline: {wanted}; write it as {normalized}")
    if "=" in value:
        raise ValueError(f"has '=' padding: {wanted}; write it as {normalized}")
    if normalized != value:
        raise ValueError(f"uses '+' or '/': {wanted}; write it as {normalized}")
    return value


Checksum = Annotated[str, AfterValidator(_checked_checksum)]


def _checked_component(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z][\w.]*/[\w.$]+", value):
        raise ValueError("must be PACKAGE/CLASS, e.g. com.example.mdm/.AdminReceiver")
    return value


def _checked_url(value: str) -> str:
    if not re.fullmatch(r"https?://\S+", value):
        raise ValueError("must be an http(s):// URL the device can download the DPC from")
    return value


class EnrollmentWifi(Strict):
    """The network a device joins during setup to download its DPC."""

    ssid: str = Field(min_length=1)
    security: Literal["NONE", "WPA", "WEP", "EAP"] = "WPA"
    password: str | None = Field(
        None, description="Use {secret:NAME}: the code carries it, printed labels never do"
    )
    hidden: bool = False

    @model_validator(mode="after")
    def _password_matches_security(self) -> EnrollmentWifi:
        if self.security == "NONE" and self.password:
            raise ValueError("an open network (security NONE) takes no password")
        if self.security != "NONE" and not self.password:
            raise ValueError(f"a {self.security} network needs a password")
        return self


class Enrollment(Strict):
    """What the Android Enterprise provisioning QR code carries."""

    dpc_component: Annotated[str, AfterValidator(_checked_component)] = Field(
        description="package/.AdminReceiver of the DPC"
    )
    dpc_download_url: Annotated[str, AfterValidator(_checked_url)] = Field(
        description="Where the device downloads the DPC APK (https://…)"
    )
    dpc_signature_checksum: Checksum | None = None
    dpc_package_checksum: Checksum | None = None
    dpc_apk: str | None = Field(None, description="Local DPC APK: its checksum is computed")
    wifi: EnrollmentWifi | None = None
    timezone: str | None = None
    locale: str | None = None
    leave_system_apps: bool | None = None
    skip_encryption: bool | None = None
    use_mobile_data: bool | None = None
    admin_extras: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_checksum(self) -> Enrollment:
        given = [
            name
            for name in ("dpc_signature_checksum", "dpc_package_checksum", "dpc_apk")
            if getattr(self, name)
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of dpc_signature_checksum, dpc_package_checksum or dpc_apk"
                " (a local APK whose package checksum Kitbench computes)"
            )
        return self


LabelField = Literal["serial", "imei", "imei2", "device_name", "asset_tag", "order", "date", "qr"]
MAX_LABEL_MM = 500


class LabelElement(Strict):
    """One thing on the device label: a field drawn as text, a Code 128 barcode or a QR code,
    its top-left corner at (x_mm, y_mm); an element whose field is empty is left out."""

    kind: Literal["text", "code128", "qr"] = Field(
        description="Text, a Code 128 barcode, a QR code"
    )
    field: LabelField = Field(
        description="serial, imei (the first), imei2, device_name (the name the run gave, else"
        " the model), asset_tag, order, date (the day it was done), qr (every identifier)"
    )
    x_mm: float = Field(ge=0, le=MAX_LABEL_MM, description="From the label's left edge")
    y_mm: float = Field(ge=0, le=MAX_LABEL_MM, description="From the label's top edge")
    height_mm: float = Field(
        gt=0, le=MAX_LABEL_MM, description="Text's cap height, the bars' height, the QR's side"
    )
    caption: str = Field("", description="Text shown before a text element's value")


class Label(Strict):
    """The device label's layout, used instead of the station's `label.layout` for runs of this
    template (auto-print, Print label, `kitbench label --template`)."""

    width_mm: float = Field(gt=0, le=MAX_LABEL_MM, description="The label's width")
    height_mm: float = Field(gt=0, le=MAX_LABEL_MM, description="The label's height")
    dpmm: Literal[6, 8, 12, 24] = Field(
        8, description="The printer's dots per millimetre: 8 = 203 dpi, 12 = 300 dpi"
    )
    elements: list[LabelElement] = Field(min_length=1, description="What the label shows")

    def misfits(self) -> list[int]:
        """The elements (by index) that do not fit on the label."""
        return [
            index
            for index, element in enumerate(self.elements)
            if element.x_mm >= self.width_mm
            or element.y_mm + element.height_mm > self.height_mm
            or (element.kind == "qr" and element.x_mm + element.height_mm > self.width_mm)
        ]


class Template(Strict):
    kitbench: int = Field(
        description="Template format version",
        json_schema_extra={"enum": list(SUPPORTED_FORMATS)},
    )
    name: str = Field(
        min_length=1,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="Template name: letters, digits, '.', '_', '-'",
    )
    version: int = Field(
        ge=0,
        le=2**31 - 1,  # the fleet backend stores it as a 32-bit integer
        description="Template version; runs record name and version",
    )
    description: str = ""
    requires: Requires = Field(
        default_factory=Requires, description="A device outside these is refused, with the reason"
    )
    seq: Literal["fleet", "station"] = Field(
        "fleet",
        description="Where {seq} comes from: fleet (unique per template name across the"
        " backend's stations; a station out of numbers offline starts no run) or station"
        " (this station's own counter, works offline always, may repeat across stations)",
    )
    variables: dict[VariableName, Text] = Field(
        default_factory=dict, description="Plain-text values used as {name} in steps"
    )
    steps: list[AnyStep] = Field(
        default_factory=list,
        description="In order; each has one action key plus optional name, timeout, retries,"
        " optional",
    )
    enrollment: Enrollment | None = Field(None, description="What the enrollment QR code carries")
    label: Label | None = Field(
        None, description="The device label's layout (else the station's label.layout)"
    )
