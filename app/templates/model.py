"""The typed template: what a valid YAML template becomes, and the source of its JSON Schema.

Each step is a mapping with exactly one action key plus the common keys
(`name`, `timeout`, `retries`, `optional`). `STEP_TYPES` maps an action key to its
step model so the loader can validate a step against the one model it names and
report precise errors.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


class Requires(Strict):
    sdk_min: int | None = Field(None, ge=1, description="Lowest Android API level accepted")
    sdk_max: int | None = Field(None, ge=1, description="Highest Android API level accepted")
    battery_min: int | None = Field(None, ge=0, le=100, description="Battery percent needed")
    models: list[str] = Field(default_factory=list, description="Model globs, e.g. 'SM-T*'")
    manufacturers: list[str] = Field(default_factory=list, description="Manufacturer globs")


# -- action parameters


class Install(Strict):
    apk: str = Field(description="APK path, relative to the template file")
    package: str | None = Field(None, description="Expected package name (checked)")
    sha256: str | None = Field(None, description="Pinned SHA-256 of the APK, hex")
    grant_permissions: bool = Field(False, description="Grant all runtime permissions (-g)")
    downgrade: bool = Field(False, description="Allow a lower versionCode (-d)")


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
    value: str

    _text = field_validator("value", mode="before")(_as_text)


class Push(Strict):
    src: str = Field(description="Local file, relative to the template file")
    dest: str = Field(description="Absolute path on the device")


class Shell(Strict):
    command: str
    expect: str | None = Field(None, description="Regex the output must match")


class Wifi(Strict):
    ssid: str
    security: Literal["open", "wpa2", "wpa3"] = "wpa2"
    password: str | None = None
    hidden: bool = False


class DeviceOwner(Strict):
    component: str = Field(description="package/.Receiver of the device admin")


class Reboot(Strict):
    wait: bool = Field(True, description="Wait until sys.boot_completed=1")


class PropCheck(Strict):
    name: str
    equals: str | None = None
    min: int | None = None

    _text = field_validator("equals", mode="before")(_as_text)


class SettingCheck(Strict):
    namespace: Literal["global", "secure", "system"]
    key: str
    equals: str

    _text = field_validator("equals", mode="before")(_as_text)


class VersionCheck(Strict):
    package: str
    version_code: int


class WaitFor(Strict):
    """Wait until a condition holds (polling), up to the step's timeout."""

    boot_completed: bool | None = None
    getprop: PropCheck | None = None
    package_installed: str | None = None


class Verify(Strict):
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
        ("install", Install, "Install an APK; ok when the same versionCode is present."),
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
# is for the JSON Schema and for building a Template from already validated steps.
AnyStep = Union[tuple(STEP_TYPES.values())]  # noqa: UP007 - built from a tuple at runtime


class Enrollment(Strict):
    """What the Android Enterprise provisioning QR code carries."""

    dpc_component: str
    dpc_download_url: str
    dpc_signature_checksum: str | None = None
    dpc_package_checksum: str | None = None
    dpc_apk: str | None = Field(None, description="Local DPC APK: its checksum is computed")
    wifi: dict[str, Any] | None = None
    timezone: str | None = None
    locale: str | None = None
    leave_system_apps: bool | None = None
    skip_encryption: bool | None = None
    use_mobile_data: bool | None = None
    admin_extras: dict[str, Any] = Field(default_factory=dict)


class Template(Strict):
    kitbench: int = Field(description="Template format version")
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    version: int = Field(ge=0)
    description: str = ""
    requires: Requires = Field(default_factory=Requires)
    variables: dict[str, str] = Field(default_factory=dict)
    steps: list[AnyStep] = Field(default_factory=list)  # type: ignore[valid-type]
    enrollment: Enrollment | None = None

    _text_variables = field_validator("variables", mode="before")(
        lambda values: (
            {k: _as_text(v) for k, v in values.items()} if isinstance(values, dict) else values
        )
    )
