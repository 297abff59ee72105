"""A simulated Android device: its state, its properties, its boot and its keys.

Everything a provisioning run can change lives here and is saved (`state.json` written
atomically, at once or a moment later by the server; file contents as real files under
`fs/`), so a restarted simulator finds the same device. Its files are `app.sim.file_system`,
its package manager `app.sim.package_manager`; the shell (`app.sim.shell`) is the
command-line face of this model, which knows nothing of command syntax, only of the rules
Android enforces (who may write where, which installs are refused).
"""

import base64
import hashlib
import json
import os
import shutil
import stat
import time
from collections.abc import Callable
from pathlib import Path

from app.core import paths
from app.sim.commands_core import Stdin
from app.sim.device_state import Battery, CommandResult, DeviceState
from app.sim.file_system import HostFiles, factory_nodes
from app.sim.identity import factory_secure_settings
from app.sim.logcat import LogBuffer, boot_messages
from app.sim.package_manager import PackageManager, factory_packages
from app.sim.profiles import Profile

STATE_VERSION = 2  # 2: file bytes flat in fs/, one host file per device file


class AndroidDevice(PackageManager):
    """One simulated device. Pure and synchronous: latency and the wire are the server's job."""

    def __init__(
        self, state_dir: Path, profile: Profile, serial: str, *, boot_time: float | None = None
    ) -> None:
        self.state_dir = Path(state_dir)
        self.profile = profile
        self.boot_time = time.time() if boot_time is None else boot_time
        self.booted = True
        self.volatile_props: dict[str, str] = {}  # set by setprop, lost on reboot
        self.battery_override: dict[str, int] = {}  # `dumpsys battery set`, lost on reboot
        # Set by the server to inject faults: pm's answer to an install it breaks, else None.
        self.install_fault: Callable[[str], str | None] | None = None
        # Open install sessions (`pm install-create`): the APKs written so far, by name.
        self.install_sessions: dict[int, dict[str, bytes]] = {}
        self.install_options: dict[int, list[str]] = {}
        # Where files' bytes live on the host: the fleet shares one copy of identical content.
        self.files = HostFiles()
        # Set by the server to write state.json a little later, once for a burst of changes.
        self.on_change: Callable[[], None] | None = None
        self.log = LogBuffer()  # logcat's main buffer, lost on a reboot
        # The public keys of hosts the "Allow USB debugging?" dialog asks about now.
        self.allow_prompts: list[bytes] = []
        self._state_path = self.state_dir / "state.json"
        self._fs_root = self.state_dir / "fs"
        if self._state_path.exists():
            saved = json.loads(self._state_path.read_text())
            self.state = DeviceState.from_json(saved)
            if saved.get("version", 1) < 2:
                self._flatten_files()
        else:
            self._fs_root.mkdir(parents=True, exist_ok=True)
            self.state = self._factory_state(serial)
            self.write_state()
        self.serial = self.state.serial
        boot_messages(self)

    # --- persistence -------------------------------------------------------------------------

    def save(self) -> None:
        """Record that the state changed: written at once, or soon by the server (`on_change`)."""
        if self.on_change is None:
            self.write_state()
        else:
            self.on_change()

    def write_state(self) -> None:
        """Write state.json atomically: a crash leaves the old state or the new, never half."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        data = {"version": STATE_VERSION, **vars(self.state)}
        # vars() for the nested dataclasses and no indent keep json's C encoder: a save
        # is 0.06 ms instead of 0.7 ms with asdict() and indenting, and it runs on every change.
        text = json.dumps(data, sort_keys=True, default=vars)
        paths.write_atomically(self._state_path, text, fsync=False)

    def _factory_state(self, serial: str) -> DeviceState:
        profile = self.profile
        digest = hashlib.sha256(serial.encode()).digest()
        state = DeviceState(
            serial=serial,
            profile=profile.name,
            props={"persist.sys.timezone": profile.timezone},
            packages=factory_packages(profile),
            settings=profile.factory_settings(android_id=digest[4:12].hex()),
            accounts=profile.leftover_accounts(serial),
            battery=Battery(level=profile.battery_level),
            next_session=100_000_000 + int.from_bytes(digest[14:18], "big") % 900_000_000,
            nodes=factory_nodes(int(time.time())),
        )
        state.settings["secure"].update(factory_secure_settings(profile.name, profile.sdk, serial))
        return state

    def _flatten_files(self) -> None:
        """Move a version 1 state's files, kept as a tree under fs/, to where they are now."""
        tree, self._fs_root = self._fs_root, self.state_dir / "fs-flat"
        self._fs_root.mkdir(exist_ok=True)
        for path, (mode, _mtime) in self.state.nodes.items():
            old = tree / path.lstrip("/")
            if stat.S_ISREG(mode) and old.is_file():
                os.replace(old, self._host(path))
        shutil.rmtree(tree, ignore_errors=True)
        self._fs_root = self._fs_root.rename(tree)
        self.write_state()

    # --- identity, properties and boot ---------------------------------------------------------

    @property
    def sdk(self) -> int:
        return self.profile.sdk

    def banner(self) -> str:
        return "".join(
            f"{name}={self.getprop(name)};"
            for name in ("ro.product.name", "ro.product.model", "ro.product.device")
        )

    def properties(self) -> dict[str, str]:
        """Every property getprop lists, build-time, runtime and persistent."""
        booted = "1" if self.booted else ""
        props = dict(self.profile.props)
        props.update(
            {
                "ro.serialno": self.serial,
                "ro.boot.serialno": self.serial,
                "ro.product.first_api_level": props["ro.build.version.sdk"],
                "sys.boot_completed": booted,
                "dev.bootcomplete": booted,
                "init.svc.bootanim": "stopped" if self.booted else "running",
                "service.bootanim.exit": booted or "0",
                "sys.usb.state": "adb",
                "net.hostname": f"android-{self.state.settings['secure']['android_id']}",
            }
        )
        props.update(self.state.props)
        props.update(self.volatile_props)
        return props

    def getprop(self, name: str) -> str:
        return self.properties().get(name, "")

    def set_property(self, name: str, value: str) -> None:
        """Record a property; persist.* ones survive a reboot, as on Android."""
        if name.startswith("persist."):
            self.state.props[name] = value
            self.save()
        else:
            self.volatile_props[name] = value

    def uptime(self) -> float:
        return max(0.0, time.time() - self.boot_time)

    def begin_reboot(self) -> None:
        self.booted = False
        self.boot_time = time.time()
        self.volatile_props.clear()
        self.battery_override.clear()
        self.log.clear()
        boot_count = int(self.state.settings["global"].get("boot_count", "0")) + 1
        self.state.settings["global"]["boot_count"] = str(boot_count)
        self.save()

    def finish_boot(self) -> None:
        self.booted = True
        boot_messages(self)

    def run_shell(self, command: str, stdin: bytes | Stdin = b"") -> CommandResult:
        """Run a command line as the shell user, the way adbd hands it to `sh -c`."""
        from app.sim.shell import run_shell

        return run_shell(self, command, stdin)

    # --- ADB keys and battery ----------------------------------------------------------------

    def trusted_keys(self) -> list[bytes]:
        return [base64.b64decode(key) for key in self.state.trusted_keys]

    def trust_key(self, key: bytes) -> None:
        encoded = base64.b64encode(key).decode()
        if encoded not in self.state.trusted_keys:
            self.state.trusted_keys.append(encoded)
            self.save()

    def set_battery(self, level: int) -> None:
        self.state.battery.level = max(0, min(100, level))
        self.save()
