"""A simulated Android device: its state, its files and its package manager.

Everything a provisioning run can change lives here and is saved (`state.json` written
atomically, at once or a moment later by the server; file contents as real files under
`fs/`), so a restarted simulator finds the same device. The shell (`app.sim.shell`) is the
command-line face of this model; this module knows nothing of command syntax, only of the rules
Android enforces (who may write where, which installs are refused).
"""

import base64
import hashlib
import json
import os
import posixpath
import shutil
import stat
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from urllib.parse import quote

from app.core import paths
from app.sim.apk import ApkInfo, NotAnApk, read_apk
from app.sim.commands_core import Stdin
from app.sim.device_state import (
    EACCES,
    EEXIST,
    EISDIR,
    ENOENT,
    ENOTDIR,
    ENOTEMPTY,
    EROFS,
    FIRST_APP_UID,
    Battery,
    CommandResult,
    DeviceState,
    FileStat,
    FsError,
    Package,
)
from app.sim.identity import WLAN_ADDRESS, factory_secure_settings, wlan_address
from app.sim.logcat import LogBuffer, boot_messages
from app.sim.profiles import Profile

MAX_HOST_NAME = 240  # bytes of a host file name; longer device paths are hashed
STATE_VERSION = 2  # 2: file bytes flat in fs/, one host file per device file
SYSTEM_EPOCH = 1230768000  # 2009-01-01: the timestamp of everything on a system image
SHELL_WRITABLE = ("/storage/emulated/0", "/data/local/tmp")
SHELL_READABLE_IN_DATA = ("/data/local", "/data/app")
SYMLINKS = {
    "/sdcard": "/storage/self/primary",
    "/storage/self/primary": "/storage/emulated/0",
    "/etc": "/system/etc",
}
SHARED_STORAGE_DIRS = (
    "Alarms", "Android", "Audiobooks", "DCIM", "Documents", "Download", "Movies", "Music",
    "Notifications", "Pictures", "Podcasts", "Recordings", "Ringtones",
)  # fmt: skip
FACTORY_DIRS = (
    "/", "/system", "/system/bin", "/system/app", "/system/priv-app", "/system/etc",
    "/system/framework", "/vendor", "/product", "/proc", "/dev", "/storage", "/storage/emulated",
    "/storage/emulated/0", "/storage/self", "/data", "/data/local", "/data/local/tmp",
    "/data/data", "/data/app", "/data/misc", "/sys", "/sys/class", "/sys/class/net",
    "/sys/class/net/wlan0",
)  # fmt: skip
VIRTUAL_FILES = ("/proc/version", "/proc/uptime", "/system/build.prop", "/system/etc/hosts",
                 WLAN_ADDRESS)  # fmt: skip


class HostFiles:
    """Where a device's file bytes live: one host file per device file.

    Replaced atomically but not fsynced, since a simulator's state is disposable and pushes
    are large. A fleet swaps in its `SharedFiles`, which keeps one copy of each content.
    """

    def put(self, host: Path, data: bytes) -> None:
        paths.write_atomically(host, data, fsync=False)

    def get(self, host: Path) -> bytes:
        return host.read_bytes() if host.exists() else b""

    def known(self) -> Sequence[bytes]:
        """Large contents held in memory that a push may well repeat (none here)."""
        return ()


def resolve(path: str, cwd: str = "/") -> str:
    """An absolute, normalised path with the device's symlinks followed."""
    path = posixpath.normpath(posixpath.join(cwd, path))
    path = "/" + path.lstrip("/")
    for _ in range(8):
        for link, target in SYMLINKS.items():
            if path == link or path.startswith(link + "/"):
                path = target + path[len(link) :]
                break
        else:
            return path
    return path


def _within(path: str, roots) -> bool:
    return any(path == root or path.startswith(root + "/") for root in roots)


class AndroidDevice:
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
        profile, now = self.profile, int(time.time())
        digest = hashlib.sha256(serial.encode()).digest()
        packages = {}
        for uid, app in enumerate(profile.system_packages, start=FIRST_APP_UID - 150):
            packages[app.package] = Package(
                name=app.package,
                version_code=app.version_code,
                version_name=app.version_name,
                system=True,
                path=app.path,
                uid=1000 if app.package == "android" else uid,
                min_sdk=min(profile.sdk, 21),
                target_sdk=profile.sdk,
                first_install_ms=SYSTEM_EPOCH * 1000,
                last_update_ms=SYSTEM_EPOCH * 1000,
            )
        state = DeviceState(
            serial=serial,
            profile=profile.name,
            props={"persist.sys.timezone": profile.timezone},
            packages=packages,
            settings=profile.factory_settings(android_id=digest[4:12].hex()),
            accounts=profile.leftover_accounts(serial),
            battery=Battery(level=profile.battery_level),
            next_session=100_000_000 + int.from_bytes(digest[14:18], "big") % 900_000_000,
        )
        state.settings["secure"].update(factory_secure_settings(profile.name, profile.sdk, serial))
        for path in FACTORY_DIRS:
            state.nodes[path] = [stat.S_IFDIR | self._dir_mode(path), now]
        for name in SHARED_STORAGE_DIRS:
            state.nodes[f"/storage/emulated/0/{name}"] = [stat.S_IFDIR | 0o2770, now]
        for path in VIRTUAL_FILES:
            state.nodes[path] = [stat.S_IFREG | (0o444 if path.startswith("/proc") else 0o644), now]
        return state

    @staticmethod
    def _dir_mode(path: str) -> int:
        if path.startswith("/storage/emulated/0"):
            return 0o2770
        if path.startswith("/data"):
            return 0o751 if path == "/data/local" else 0o771
        return 0o555 if path == "/proc" else 0o755

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

    # --- files -------------------------------------------------------------------------------

    def fs_stat(self, path: str) -> FileStat | None:
        """stat(2) as the shell user sees it, None where it fails."""
        try:
            return self.stat_path(resolve(path))
        except FsError:
            return None

    def stat_path(self, path: str) -> FileStat:
        """stat of a resolved path; FsError with the reason when the shell user cannot."""
        node = self.state.nodes.get(path)
        if node is None or not self._may_look(path):
            self._check_parent(path)
            raise FsError(ENOENT if self._may_look(path) else EACCES)
        mode, mtime = node
        if stat.S_ISDIR(mode):
            size = 4096
        elif path in VIRTUAL_FILES:
            size = 0 if path.startswith("/proc") else len(self._virtual_content(path))
        else:
            host = self._host(path)
            size = host.stat().st_size if host.exists() else 0
        return FileStat(mode=mode, size=size, mtime=mtime)

    def _check_parent(self, path: str) -> None:
        parent = posixpath.dirname(path)
        if (
            path != "/"
            and parent in self.state.nodes
            and not stat.S_ISDIR(self.state.nodes[parent][0])
        ):
            raise FsError(ENOTDIR)

    def fs_list(self, path: str) -> list[tuple[str, FileStat]] | None:
        try:
            return self.list_dir(resolve(path))
        except FsError:
            return None

    def list_dir(self, path: str) -> list[tuple[str, FileStat]]:
        info = self.stat_path(path)
        if not stat.S_ISDIR(info.mode):
            raise FsError(ENOTDIR)
        if not self._may_list(path):
            raise FsError(EACCES)
        prefix = path.rstrip("/") + "/"
        entries = [
            (child[len(prefix) :], self.stat_path(child))
            for child in self.state.nodes
            if child.startswith(prefix) and "/" not in child[len(prefix) :] and child != "/"
        ]
        for link, target in SYMLINKS.items():
            if posixpath.dirname(link) == path:
                entries.append(
                    (
                        posixpath.basename(link),
                        FileStat(stat.S_IFLNK | 0o777, len(target), SYSTEM_EPOCH),
                    )
                )
        return sorted(entries)

    def fs_read(self, path: str) -> bytes:
        """The file's bytes; FsError("open failed: …") as adbd reports it."""
        try:
            return self.read_file(resolve(path))
        except FsError as error:
            raise FsError(error.reason, "open failed") from None

    def read_file(self, path: str) -> bytes:
        info = self.stat_path(path)
        if stat.S_ISDIR(info.mode):
            raise FsError(EISDIR)
        if not self._may_read(path):
            raise FsError(EACCES)
        if path in VIRTUAL_FILES:
            return self._virtual_content(path)
        return self.files.get(self._host(path))

    def fs_write(self, path: str, data: bytes, mode: int, mtime: int) -> None:
        """Create or replace a file like adbd's push: missing parent directories are created."""
        path = resolve(path)
        self._check_writable(path)
        missing = []
        parent = posixpath.dirname(path)
        while parent not in self.state.nodes:
            missing.append(parent)
            parent = posixpath.dirname(parent)
        for directory in reversed(missing):
            self.make_dir(directory, 0o771)
        self.write_file(path, data, mode=mode, mtime=mtime)

    def write_file(
        self, path: str, data: bytes, *, mode: int = 0o644, mtime: int | None = None, append=False
    ) -> None:
        """Write a resolved path whose parent directory exists (the shell's `>` and `>>`)."""
        self._check_new_entry(path)
        node = self.state.nodes.get(path)
        if node and stat.S_ISDIR(node[0]):
            raise FsError(EISDIR)
        host = self._host(path)
        if append:
            data = self.files.get(host) + data
        self.files.put(host, data)
        new_mode = node[0] if node else stat.S_IFREG | self._new_mode(path, mode & 0o7777)
        self.state.nodes[path] = [new_mode, int(time.time()) if mtime is None else mtime]
        self.save()

    def make_dir(self, path: str, mode: int = 0o755) -> None:
        self._check_new_entry(path)
        if path in self.state.nodes:
            raise FsError(EEXIST)
        new_mode = stat.S_IFDIR | self._new_mode(path, mode, directory=True)
        self.state.nodes[path] = [new_mode, int(time.time())]
        self.save()

    def _check_new_entry(self, path: str) -> None:
        """The shell user may create `path`: writable area, parent an existing directory."""
        self._check_writable(path)
        parent = self.state.nodes.get(posixpath.dirname(path))
        if parent is None:
            raise FsError(ENOENT)
        if not stat.S_ISDIR(parent[0]):
            raise FsError(ENOTDIR)

    def remove(self, path: str, *, recursive: bool = False) -> None:
        info = self.stat_path(path)
        self._check_writable(path)
        children = [p for p in self.state.nodes if p.startswith(path.rstrip("/") + "/")]
        if stat.S_ISDIR(info.mode) and children and not recursive:
            raise FsError(ENOTEMPTY)
        for node in [*children, path]:
            del self.state.nodes[node]
        self._drop_bytes([*children, path])
        self.save()

    def rename(self, source: str, target: str) -> None:
        self.stat_path(source)
        self._check_writable(source)
        self._check_writable(target)
        if posixpath.dirname(target) not in self.state.nodes:
            raise FsError(ENOENT)
        moved = [p for p in self.state.nodes if p == source or p.startswith(source + "/")]
        for old in moved:
            new = target + old[len(source) :]
            self.state.nodes[new] = self.state.nodes.pop(old)
            if self._host(old).exists():
                os.replace(self._host(old), self._host(new))
        self.save()

    def set_mode(self, path: str, mode: int) -> None:
        info = self.stat_path(path)
        self._check_writable(path)
        directory = stat.S_ISDIR(info.mode)
        self.state.nodes[path][0] = stat.S_IFMT(info.mode) | self._new_mode(
            path, mode & 0o7777, directory=directory
        )
        self.save()

    def touch(self, path: str, mtime: int) -> None:
        if path in self.state.nodes:
            self._check_writable(path)
            self.state.nodes[path][1] = mtime
            self.save()
        else:
            self.write_file(path, b"", mtime=mtime)

    def refuse_install_of(self, size: int) -> CommandResult | None:
        """pm's answer when an APK of `size` bytes cannot even be staged (no room on /data),
        given before it reads a byte of it; None when it fits."""
        free = self.profile.storage_gb * 1_000_000_000 - FACTORY_DATA_BYTES - self.bytes_stored()
        if size <= free:
            return None
        reason = f"Failed to allocate {size} bytes: No space left on device"
        return _install_failure("INSTALL_FAILED_INSUFFICIENT_STORAGE", reason)

    def bytes_stored(self) -> int:
        """What the files pushed, written and installed take on the data partition."""
        return sum(f.stat().st_size for f in self._fs_root.iterdir())

    def _host(self, path: str) -> Path:
        """Where a device file's bytes live: flat in fs/, named by the quoted device path.

        Not a mirror of the device's tree: the tree is in the state, and creating a host
        directory for every device directory was most of a fleet's cost on ext4 (each new
        directory inode is a search through the file system's block groups).
        """
        name = quote(path, safe="")
        if len(name) > MAX_HOST_NAME:
            name = hashlib.sha256(path.encode()).hexdigest()
        return self._fs_root / name

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

    def _drop_bytes(self, paths: Iterable[str]) -> None:
        for path in paths:
            self._host(path).unlink(missing_ok=True)

    @staticmethod
    def _new_mode(path: str, requested: int, *, directory: bool = False) -> int:
        """Shared storage ignores the mode asked for, as Android's FUSE layer does."""
        if path.startswith("/storage/"):
            return 0o2770 if directory else 0o660
        return requested

    def _check_writable(self, path: str) -> None:
        if any(path.startswith(root + "/") for root in SHELL_WRITABLE):
            return
        raise FsError(EACCES if path.startswith(("/data", "/proc", "/storage")) else EROFS)

    def _may_look(self, path: str) -> bool:
        """Whether the shell user can stat the path (it cannot see into other apps' data)."""
        if not path.startswith("/data/") or _within(path, SHELL_READABLE_IN_DATA):
            return True
        return path in ("/data/data", "/data/misc")

    def _may_list(self, path: str) -> bool:
        return not path.startswith("/data") or _within(path, ("/data/local",))

    def _may_read(self, path: str) -> bool:
        return not path.startswith("/data/") or _within(path, SHELL_READABLE_IN_DATA)

    def _virtual_content(self, path: str) -> bytes:
        if path == "/proc/uptime":
            up = self.uptime()
            return f"{up:.2f} {up * 7.3:.2f}\n".encode()
        if path == WLAN_ADDRESS:
            return wlan_address(self)
        if path == "/system/etc/hosts":
            return b"127.0.0.1       localhost\n::1             ip6-localhost\n"
        profile = self.profile
        return (
            profile.proc_version() if path == "/proc/version" else profile.build_prop()
        ).encode()

    # --- package manager ---------------------------------------------------------------------

    def packages(self, *, include_uninstalled: bool = False) -> list[Package]:
        return sorted(
            (p for p in self.state.packages.values() if p.installed or include_uninstalled),
            key=lambda p: p.name,
        )

    def package(self, name: str) -> Package | None:
        """An installed package (for user 0), else None."""
        package = self.state.packages.get(name)
        return package if package and package.installed else None

    def install_apk(self, apk: bytes, args: list[str]) -> CommandResult:
        """`pm install`/`cmd package install` after the APK bytes arrived: Success or Failure."""
        session = self.create_install_session(args)
        self.install_sessions[session]["base.apk"] = apk
        return self.commit_install_session(session)

    def create_install_session(self, args: list[str]) -> int:
        """`pm install-create`: a session id; its APKs install together at commit, or none."""
        session = self.state.next_session
        self.state.next_session += 1
        self.install_sessions[session] = {}
        self.install_options[session] = list(args)
        return session

    def commit_install_session(self, session: int) -> CommandResult:
        """Install every APK written to `session` as one app, atomically: a refusal (of any
        split) installs nothing and leaves the installed app as it was. The session ends.
        The package manager logs what it did, and why it refused."""
        sizes = sum(map(len, self.install_sessions.get(session, {}).values()))
        self.log.write("I", "PackageInstaller", f"session {session}: committing {sizes} bytes")
        result = self._commit(session)
        verdict = result.stdout.decode("utf-8", "replace").strip()
        if result.exit_code == 0:
            self.log.write("I", "PackageManager", f"session {session}: installed, {verdict}")
        else:
            self.log.write("E", "PackageManager", f"session {session}: refused: {verdict}")
            self.log.write("W", "PackageInstaller",
                           f"session {session}: staged files under /data/app/vmdl{session}.tmp "
                           "deleted, the installed app (if any) left as it was")  # fmt: skip
        return result

    def _commit(self, session: int) -> CommandResult:
        written = self.install_sessions.pop(session)
        args = self.install_options.pop(session)
        allow_downgrade = "-d" in args  # -r is the default since Android 7; -g and -t are moot
        infos: dict[str, ApkInfo] = {}
        for name, apk in written.items():
            staged = f"/data/app/vmdl{session}.tmp/{name}"
            try:
                infos[name] = read_apk(apk)
            except NotAnApk:
                reason = f"Failed to parse {staged}: Failed to load asset path {staged}"
                if self.sdk < 28:
                    reason = f"Failed adding asset path: {staged}"
                return _install_failure("INSTALL_PARSE_FAILED_NOT_APK", reason)
        base = next((info for info in infos.values() if info.split is None), None)
        if base is None:
            reason = "Full install must include a base package"
            return _install_failure("INSTALL_FAILED_INVALID_APK", reason)
        seen: set[str | None] = set()
        for name, info in infos.items():
            if info.package != base.package:
                reason = f"Inconsistent package {info.package} in {name}; expected {base.package}"
                return _install_failure("INSTALL_FAILED_INVALID_APK", reason)
            if info.version_code != base.version_code:
                reason = (
                    f"Inconsistent version {info.version_code} in {name}; "
                    f"expected {base.version_code}"
                )
                return _install_failure("INSTALL_FAILED_INVALID_APK", reason)
            if info.split in seen:
                reason = f"Split {info.split or 'base'} was defined multiple times"
                return _install_failure("INSTALL_FAILED_INVALID_APK", reason)
            seen.add(info.split)
        if self.install_fault and (failure := self.install_fault(base.package)):
            return CommandResult(stdout=failure.encode(), exit_code=1)
        if base.min_sdk and base.min_sdk > self.sdk:
            reason = f"Requires newer sdk version #{base.min_sdk} (current version is #{self.sdk})"
            return _install_failure("INSTALL_FAILED_OLDER_SDK", reason)
        existing = self.state.packages.get(base.package)
        if existing and base.version_code < existing.version_code and not allow_downgrade:
            reason = (
                f"Downgrade detected: Update version code {base.version_code} is older than "
                f"current {existing.version_code}"
            )
            return _install_failure("INSTALL_FAILED_VERSION_DOWNGRADE", reason)
        apks = {info.split or "": written[name] for name, info in infos.items()}
        self._store_package(base, apks, existing)
        return CommandResult(stdout=b"Success\n", install_bytes=sum(map(len, written.values())))

    def _store_package(self, info, apks: dict[str, bytes], existing: Package | None) -> None:
        """Store base.apk (key "") and each split as split_NAME.apk in a new code directory."""
        now_ms = int(time.time() * 1000)
        # Random-looking and unique per install, as Android's; not a hash of 8 MB of APK.
        seed = f"{self.serial}:{info.package}:{self.state.next_session}"
        token = hashlib.sha256(seed.encode()).digest()
        outer = base64.urlsafe_b64encode(token[:16]).decode()
        inner = base64.urlsafe_b64encode(token[16:32]).decode()
        directory = f"/data/app/{info.package}-{inner}"
        if self.sdk >= 30:
            directory = f"/data/app/~~{outer}/{info.package}-{inner}"
        if existing and not existing.system:
            self._drop_apk(existing.path)
        for path in (posixpath.dirname(directory), directory):
            self.state.nodes.setdefault(path, [stat.S_IFDIR | 0o775, now_ms // 1000])
        for split, apk in apks.items():
            file = f"{directory}/split_{split}.apk" if split else f"{directory}/base.apk"
            self.files.put(self._host(file), apk)
            self.state.nodes[file] = [stat.S_IFREG | 0o644, now_ms // 1000]
        path = f"{directory}/base.apk"
        package = Package(
            name=info.package,
            version_code=info.version_code,
            version_name=info.version_name,
            system=bool(existing and existing.system),
            path=path,
            uid=existing.uid if existing else self.state.next_uid,
            min_sdk=info.min_sdk or 1,
            target_sdk=max(info.min_sdk or 1, self.sdk),
            first_install_ms=existing.first_install_ms if existing else now_ms,
            last_update_ms=now_ms,
            installer="com.android.shell" if self.sdk >= 30 else None,
            splits=sorted(split for split in apks if split),
        )
        if existing:
            package.enabled, package.granted = existing.enabled, existing.granted
        else:
            self.state.next_uid += 1
        self.state.packages[info.package] = package
        self.save()

    def _drop_apk(self, path: str) -> None:
        directory = posixpath.dirname(path)
        top = directory if self.sdk < 30 else posixpath.dirname(directory)
        dropped = [p for p in self.state.nodes if p == top or p.startswith(top + "/")]
        for node in dropped:
            del self.state.nodes[node]
        self._drop_bytes(dropped)

    def uninstall(self, name: str, *, for_user_only: bool) -> str:
        """Remove a package; returns pm's verdict ("Success" or "Failure [...]")."""
        package = self.state.packages.get(name)
        if package is None:
            return "Failure [DELETE_FAILED_INTERNAL_ERROR]"
        if not package.installed:
            return (
                "Failure [not installed for 0]"
                if for_user_only
                else ("Failure [DELETE_FAILED_INTERNAL_ERROR]")
            )
        if self.state.device_owner and self.state.device_owner.startswith(name + "/"):
            return "Failure [DELETE_FAILED_DEVICE_POLICY_MANAGER]"
        factory = next((a for a in self.profile.system_packages if a.package == name), None)
        if package.system and for_user_only:
            package.installed = False
        elif package.system and factory and package.version_code != factory.version_code:
            self._drop_apk(package.path)  # removes the update, the factory version remains
            package.version_code, package.version_name = factory.version_code, factory.version_name
            package.path = factory.path
        elif package.system:
            return "Failure [DELETE_FAILED_INTERNAL_ERROR]"
        else:
            self._drop_apk(package.path)
            del self.state.packages[name]
        self.save()
        return "Success"


FACTORY_DATA_BYTES = 9_851_472 * 1024  # /data in use on a fresh device (as `df` shows it)


def _install_failure(code: str, reason: str) -> CommandResult:
    return CommandResult(stdout=f"Failure [{code}: {reason}]\n".encode(), exit_code=1)
