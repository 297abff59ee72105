"""A simulated device's files as the shell user sees them, and where their bytes live.

The tree (every path with its mode and time) is part of the device's saved state; each file's
bytes are one host file under `fs/`. Android's rules apply: the shell user writes only to
shared storage and /data/local/tmp, cannot look into other apps' data, and finds the system
read-only.
"""

import hashlib
import os
import posixpath
import stat
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from app.core import paths
from app.sim.device_state import (
    EACCES,
    EEXIST,
    EISDIR,
    ENOENT,
    ENOTDIR,
    ENOTEMPTY,
    EROFS,
    DeviceState,
    FileStat,
    FsError,
)
from app.sim.identity import WLAN_ADDRESS, wlan_address
from app.sim.profiles import Profile

MAX_HOST_NAME = 240  # bytes of a host file name; longer device paths are hashed
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


def factory_nodes(now: int) -> dict[str, list[int]]:
    """The file tree of a fresh device: path -> [mode, mtime]."""
    nodes: dict[str, list[int]] = {}
    for path in FACTORY_DIRS:
        nodes[path] = [stat.S_IFDIR | _factory_dir_mode(path), now]
    for name in SHARED_STORAGE_DIRS:
        nodes[f"/storage/emulated/0/{name}"] = [stat.S_IFDIR | 0o2770, now]
    for path in VIRTUAL_FILES:
        nodes[path] = [stat.S_IFREG | (0o444 if path.startswith("/proc") else 0o644), now]
    return nodes


def _factory_dir_mode(path: str) -> int:
    if path.startswith("/storage/emulated/0"):
        return 0o2770
    if path.startswith("/data"):
        return 0o751 if path == "/data/local" else 0o771
    return 0o555 if path == "/proc" else 0o755


class FileSystem:
    """The file operations of `AndroidDevice` (mixed into it), on its state and host files."""

    state: DeviceState
    profile: Profile
    files: HostFiles
    _fs_root: Path

    if TYPE_CHECKING:  # provided by AndroidDevice

        def save(self) -> None: ...

        def uptime(self) -> float: ...

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
