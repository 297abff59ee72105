"""Installing APKs over one `Device`, as `adb install` and `adb install-multiple` do.

Three ways, chosen by the caller and the device: streamed to the package manager (Android 7+:
no copy on the device, and an APK refused up front stops being sent), pushed compressed to a
temporary file and installed from there (`packed`: fewer bytes on a full bus), or pushed
plain and `pm install`ed (older devices). A split set goes through an install session, all or
nothing. Temporary files are removed in the install's own round trip, and after a push that
failed or was stopped. Like the Device, these run on the worker that owns it.
"""

from __future__ import annotations

import logging
import re
import secrets
import shlex
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack, nullcontext
from pathlib import Path

from app.devices.adb_protocol import PackedFile
from app.devices.device import (
    DEFAULT_SHELL_TIMEOUT_S,
    REMOTE_TEMP_DIR,
    Device,
    DeviceError,
    Progress,
    ShellResult,
)

log = logging.getLogger("kitbench.devices")

SESSION_CREATED = re.compile(r"^Success: created install session \[(\d+)\]", re.MULTILINE)


def install(
    device: Device,
    apk: Path,
    options: list[str],
    progress: Progress | None = None,
    timeout: float | None = None,
    transfer_slot: AbstractContextManager[object] | None = None,
    packed: PackedFile | None = None,
    prefetched: str | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> ShellResult:
    """Install an APK as `adb install` does; the result's output says Success or Failure.

    `packed` (the APK compressed with `device.install_compression()`): pushed compressed to
    a temporary file, `pm install`ed from there and removed, so fewer bytes cross a full
    bus. Otherwise streamed where the device offers it (`abb_exec:package install -S` on
    Android 11+, `exec:cmd package install -S` on Android 7+). Older devices get it pushed
    to a temporary file, `pm install`ed and removed. `transfer_slot` is held while the bytes
    cross the bus only, so the bus is not also held while the package manager works.

    `prefetched`: the temporary file the compressed APK was already pushed to (`prefetch`);
    it is installed from there and removed. `meanwhile` runs while the package manager
    installs from a pushed file, on the same session (`Device.shell_meanwhile`): the next
    step's prefetch.
    """
    features = device.features()
    if packed is None and _streams(features):
        words = ["package", "install", *options, "-S", str(apk.stat().st_size)]
        timeout = timeout or DEFAULT_SHELL_TIMEOUT_S
        with ExitStack() as on_the_bus:
            on_the_bus.enter_context(transfer_slot or nullcontext())
            # the bus is free while the package manager works
            output = device.stream_into(_service(words, features), apk, progress, timeout,
                                        sent=on_the_bus.close)  # fmt: skip
        return ShellResult(0 if "Success" in output else 1, output)
    remote = prefetched or _temporary_apk()
    removed = False
    try:
        if prefetched is None:
            with transfer_slot or nullcontext():
                device.push(apk, remote, progress, packed)
        # Installed and removed in one round trip; pm's own status is the command's.
        command = f"{shlex.join(['pm', 'install', *options, remote])}; {_removing([remote])}"
        result = device.shell_meanwhile(command, timeout, meanwhile)
        removed = True
        return result
    finally:
        if not removed:  # a failed or cancelled push: no half APKs left in /data/local/tmp
            device.remove_temporary([remote])


def prefetch(device: Device, apks: Sequence[Path], packed: Sequence[PackedFile]) -> list[str]:
    """Push APKs compressed to temporary files of their own for a later install
    (`install(prefetched=…)`, `install_set(prefetched=…)`), which removes them; the caller
    removes them if no install does (`Device.remove_temporary`). Nothing is left behind
    when a push fails."""
    remotes = [_temporary_apk() for _ in apks]
    pushed = False
    try:
        for apk, pack, remote in zip(apks, packed, remotes, strict=True):
            device.push(apk, remote, None, pack)
        pushed = True
    finally:
        if not pushed:
            device.remove_temporary(remotes)
    return remotes


def install_set(
    device: Device,
    apks: list[Path],
    options: list[str],
    progress: Progress | None = None,
    timeout: float | None = None,
    transfer_slot: AbstractContextManager[object] | None = None,
    packed: Sequence[PackedFile] | None = None,
    prefetched: Sequence[str] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> ShellResult:
    """Install a base APK and its splits as one app through an install session, as `adb
    install-multiple` does: install-create, one install-write per APK, install-commit.

    All or nothing: the package manager installs the set at commit or not at all, and a
    write or commit that fails abandons the session (install-abandon), so nothing staged
    stays behind. `packed` (each APK compressed with `install_compression()`): all are
    pushed compressed to temporary files, written into the session from there in one round
    trip and removed. Otherwise each APK is streamed where the device offers it (abb_exec,
    exec:cmd), else pushed to a temporary file that `pm install-write` reads.
    `transfer_slot` is held while the APKs cross the bus, not while the package manager
    works. `prefetched`: the temporary files the packed APKs were already pushed to
    (`prefetch`), written from there and removed. `meanwhile` runs while the set commits.
    """
    features = device.features()
    pm = "cmd package" if _streams(features) else "pm"
    try:
        created = device.shell(f"{pm} install-create {shlex.join(options)}".strip(), timeout)
    except DeviceError:
        device.remove_temporary(prefetched or [])
        raise
    number = SESSION_CREATED.search(created.output)
    if number is None:
        device.remove_temporary(prefetched or [])  # no session to write them into
        return ShellResult(1, created.output)
    session_id = number.group(1)
    committed = False
    try:
        if packed is not None:
            written = _write_packed(device, apks, packed, session_id, pm, progress, timeout,
                                    transfer_slot, prefetched)  # fmt: skip
        else:
            with transfer_slot or nullcontext():
                written = _write_each(device, apks, session_id, features, progress, timeout)
        if written is not None:
            return written
        committed = True  # a commit ends the session, whatever its verdict
        result = device.shell_meanwhile(f"{pm} install-commit {session_id}", timeout,
                                        meanwhile)  # fmt: skip
        return ShellResult(0 if "Success" in result.output else 1, result.output)
    finally:
        if not committed:
            try:
                device.shell(f"{pm} install-abandon {session_id}", timeout=10)
            except DeviceError:
                log.info("%s: could not abandon install session", device.endpoint.spec)


def _write_packed(
    device: Device,
    apks: list[Path],
    packed: Sequence[PackedFile],
    session_id: str,
    pm: str,
    progress: Progress | None,
    timeout: float | None,
    transfer_slot: AbstractContextManager[object] | None,
    prefetched: Sequence[str] | None,
) -> ShellResult | None:
    """Push every APK compressed to a temporary file (unless `prefetched` there), then write
    them all into the session and remove them in one round trip. None when all were
    written; else the package manager's refusal."""
    remotes = list(prefetched) if prefetched else [_temporary_apk() for _ in apks]
    sizes = [pack.size for pack in packed]
    removed = False
    try:
        if not prefetched:
            with transfer_slot or nullcontext():
                for index, (apk, pack) in enumerate(zip(apks, packed, strict=True)):
                    part = _offset_progress(progress, sum(sizes[:index]), sum(sizes))
                    device.push(apk, remotes[index], part, pack)
        writes = " && ".join(
            shlex.join([*pm.split(), "install-write", "-S", str(pack.raw_size), session_id,
                        _split_name(index, apk), remote])
            for index, (apk, pack, remote) in enumerate(zip(apks, packed, remotes, strict=True))
        )  # fmt: skip
        written = device.shell(f"{writes}; {_removing(remotes)}", timeout)
        removed = True
    finally:
        if not removed:  # a failed or cancelled push: no half APKs left in /data/local/tmp
            device.remove_temporary(remotes)
    if written.ok and written.output.count("Success") == len(apks):
        return None
    return ShellResult(1, written.output)


def _write_each(
    device: Device,
    apks: list[Path],
    session_id: str,
    features: frozenset[str],
    progress: Progress | None,
    timeout: float | None,
) -> ShellResult | None:
    """Each APK into the session in turn, streamed where the device offers it, else pushed
    to a temporary file that `pm install-write` reads. None when all were written; else the
    package manager's refusal."""
    sizes = [apk.stat().st_size for apk in apks]
    for index, apk in enumerate(apks):
        part = _offset_progress(progress, sum(sizes[:index]), sum(sizes))
        name = _split_name(index, apk)
        if _streams(features):
            words = ["package", "install-write", "-S", str(sizes[index]), session_id, name, "-"]
            output = device.stream_into(_service(words, features), apk, part,
                                        timeout or DEFAULT_SHELL_TIMEOUT_S)  # fmt: skip
        else:
            remote = _temporary_apk()
            try:
                device.push(apk, remote, part)
                output = device.shell(
                    shlex.join(["pm", "install-write", "-S", str(sizes[index]), session_id,
                                name, remote]), timeout,
                ).output  # fmt: skip
            finally:
                device.remove_temporary([remote])
        if "Success" not in output:
            return ShellResult(1, output)
    return None


def _streams(features: frozenset[str]) -> bool:
    """Whether the device's package manager takes an APK on a stream (Android 7+)."""
    return "abb_exec" in features or "cmd" in features


def _service(words: list[str], features: frozenset[str]) -> bytes:
    """The package manager's command as a stream destination: `abb_exec:` (Android 11+,
    no shell in between) where offered, else `exec:cmd`."""
    if "abb_exec" in features:
        return b"abb_exec:" + "\0".join(words).encode()
    return f"exec:cmd {shlex.join(words)}".encode()


def _split_name(index: int, apk: Path) -> str:
    """An APK's name in its install session, its own even when two files share a name."""
    return f"{index:02d}_{apk.name}"


def _removing(remotes: Sequence[str]) -> str:
    """The end of a command that removes `remotes` and keeps the command's own status."""
    return f"status=$?; rm -f {' '.join(remotes)}; exit $status"


def _temporary_apk() -> str:
    """A name of its own in the device's temporary folder, for one APK on its way in."""
    return f"{REMOTE_TEMP_DIR}/kitbench-{secrets.token_hex(6)}.apk"


def _offset_progress(progress: Progress | None, before: int, total: int) -> Progress | None:
    """One APK's progress as the whole set's: its bytes after the `before` already sent."""
    if progress is None:
        return None
    return lambda done, _size: progress(before + done, total)
