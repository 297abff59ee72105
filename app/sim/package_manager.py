"""A simulated device's package manager: installs (one APK or a session of splits), the
refusals Android gives and why, and uninstalls.

Every install goes through a session (`pm install-create` … commit), so a plain install and a
split set meet the same checks; an APK's files are stored in a fresh code directory under
/data/app, as Android 11+ names it (or the older layout), and the package manager logs what it
did to the device's log.
"""

import base64
import hashlib
import posixpath
import stat
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.sim.apk import ApkInfo, NotAnApk, read_apk
from app.sim.device_state import FIRST_APP_UID, CommandResult, Package
from app.sim.file_system import SYSTEM_EPOCH, FileSystem
from app.sim.logcat import LogBuffer
from app.sim.profiles import Profile

FACTORY_DATA_BYTES = 9_851_472 * 1024  # /data in use on a fresh device (as `df` shows it)


def factory_packages(profile: Profile) -> dict[str, Package]:
    """The system apps of a fresh device of `profile`, by package name."""
    packages: dict[str, Package] = {}
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
    return packages


class PackageManager(FileSystem):
    """The package manager of `AndroidDevice` (mixed into it); an app's APKs are its files."""

    serial: str
    log: LogBuffer
    install_fault: Callable[[str], str | None] | None
    install_sessions: dict[int, dict[str, bytes]]
    install_options: dict[int, list[str]]

    if TYPE_CHECKING:  # provided by AndroidDevice

        @property
        def sdk(self) -> int: ...

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

    def refuse_install_of(self, size: int) -> CommandResult | None:
        """pm's answer when an APK of `size` bytes cannot even be staged (no room on /data),
        given before it reads a byte of it; None when it fits."""
        free = self.profile.storage_gb * 1_000_000_000 - FACTORY_DATA_BYTES - self.bytes_stored()
        if size <= free:
            return None
        reason = f"Failed to allocate {size} bytes: No space left on device"
        return _install_failure("INSTALL_FAILED_INSUFFICIENT_STORAGE", reason)


def _install_failure(code: str, reason: str) -> CommandResult:
    return CommandResult(stdout=f"Failure [{code}: {reason}]\n".encode(), exit_code=1)
