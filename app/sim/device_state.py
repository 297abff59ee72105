"""What a simulated device is made of: the state it keeps across reboots (saved as
state.json), and the values its model answers with (command results, file stats, errors).
"""

from dataclasses import dataclass, field

FIRST_APP_UID = 10150


@dataclass
class CommandResult:
    stdout: bytes = b""
    stderr: bytes = b""
    exit_code: int = 0
    reboot: bool = False  # the command asked the device to reboot
    install_bytes: int = 0  # size of the APK(s) installed, so the server can model install time
    interleaved: bytes | None = None  # stdout and stderr in the order they were written

    @property
    def terminal_output(self) -> bytes:
        """What a pty (shell v1, `exec:`) shows: both streams, in the order they were written."""
        return self.interleaved if self.interleaved is not None else self.stdout + self.stderr


@dataclass(frozen=True)
class FileStat:
    mode: int  # full st_mode with type bits
    size: int
    mtime: int  # seconds


class FsError(Exception):
    """A refused file operation; `reason` is the strerror text ("Permission denied")."""

    def __init__(self, reason: str, action: str = "") -> None:
        super().__init__(f"{action}: {reason}" if action else reason)
        self.reason = reason


ENOENT = "No such file or directory"
EACCES = "Permission denied"
EROFS = "Read-only file system"
ENOTDIR = "Not a directory"
EISDIR = "Is a directory"
EEXIST = "File exists"
ENOTEMPTY = "Directory not empty"


@dataclass
class Package:
    name: str
    version_code: int
    version_name: str | None
    system: bool
    path: str  # the base.apk
    uid: int
    min_sdk: int
    target_sdk: int
    installed: bool = True  # for user 0 (a system app can be removed for the user only)
    enabled: int = 0  # PackageManager.COMPONENT_ENABLED_STATE_*: 0 default, 2 disabled, 3 user
    granted: list[str] = field(default_factory=list)
    first_install_ms: int = 0
    last_update_ms: int = 0
    installer: str | None = None
    splits: list[str] = field(default_factory=list)  # split APKs installed beside base.apk


@dataclass
class WifiNetwork:
    network_id: int
    ssid: str
    security: str  # open, owe, wpa2, wpa3, wep
    passphrase: str = ""


@dataclass
class Battery:
    level: int
    ac: bool = False
    usb: bool = True  # on the bench: charging from the hub
    temperature: int = 285  # tenths of a degree Celsius
    voltage: int = 4123  # millivolts
    health: int = 2  # BatteryManager.BATTERY_HEALTH_GOOD


@dataclass
class DeviceState:
    """Everything that survives a reboot, as saved in state.json."""

    serial: str
    profile: str
    props: dict[str, str]  # persist.* properties set on the device
    packages: dict[str, Package]
    settings: dict[str, dict[str, str]]
    accounts: list[str]
    battery: Battery
    device_owner: str | None = None  # flattened component, "pkg/cls"
    active_admins: list[str] = field(default_factory=list)
    wifi_networks: list[WifiNetwork] = field(default_factory=list)
    wifi_connected: int | None = None
    trusted_keys: list[str] = field(default_factory=list)  # base64 of the RSAPUBLICKEY payload
    nodes: dict[str, list[int]] = field(default_factory=dict)  # path -> [mode, mtime]
    next_uid: int = FIRST_APP_UID
    next_session: int = 0

    @classmethod
    def from_json(cls, data: dict) -> "DeviceState":
        data = dict(data)
        data["packages"] = {name: Package(**p) for name, p in data["packages"].items()}
        data["wifi_networks"] = [WifiNetwork(**n) for n in data["wifi_networks"]]
        data["battery"] = Battery(**data["battery"])
        data.pop("version", None)
        return cls(**data)
