"""`Device`: one ADB session to one device, the only way the engine talks to hardware.

A Device is owned by one worker thread; nothing else may call it. Every call is
bounded by a timeout, and every failure of the session, whatever adb-shell or the
socket raised, becomes one `DeviceError` whose message a person understands.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import shlex
import struct
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from adb_shell import exceptions as adb_errors
from adb_shell.adb_device import AdbDevice
from adb_shell.auth.sign_pythonrsa import PythonRSASigner

from app.core import Problem as Problem  # re-exported: callers take it with DeviceError
from app.core.buses import packed_compressions
from app.core.evidence import PNG_SIGNATURE
from app.devices.adb_protocol import (
    AdbSession,
    ConnectFailed,
    PackedFile,
    PackedStream,
    authorize,
)
from app.devices.endpoints import TcpEndpoint, parse_endpoint
from app.devices.transport import FullWriteTcpTransport
from app.devices.usb import LIBUSB_ERROR_OVERFLOW

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

    from app.devices.usb_session import UsbEndpoint

log = logging.getLogger("kitbench.devices")

CONNECT_TIMEOUT_S = 10.0  # TCP connect and the device's first answer
DEFAULT_SHELL_TIMEOUT_S = 60.0
TRANSFER_STALL_TIMEOUT_S = 30.0  # a push fails when no bytes move for this long
REMOTE_TEMP_DIR = "/data/local/tmp"
REBOOT_DOWN_TIMEOUT_S = 10.0  # how long a reboot waits for the device to go down
SCREENCAP_TIMEOUT_S = 10.0  # a screencap of a large screen takes a real device about a second
PUSH_MODE = 0o100644
GARBAGE_ERRORS = (
    adb_errors.InvalidCommandError,
    adb_errors.InvalidChecksumError,
    adb_errors.InvalidResponseError,
    struct.error,
    UnicodeDecodeError,
)
TIMEOUT_ERRORS = (adb_errors.AdbTimeoutError, adb_errors.TcpTimeoutException, TimeoutError)
# A cable pulled or a socket closed: USB I/O raises adb-shell's own errors, TCP raises OSError.
LOST_ERRORS = (
    OSError,
    adb_errors.AdbConnectionError,
    adb_errors.UsbReadFailedError,
    adb_errors.UsbWriteFailedError,
)
COMMAND_NOT_FOUND = 127  # the shell's exit status for a program it cannot find
NOT_ANDROID = "not an Android device (getprop not found)"
PROPERTY_LINE = re.compile(r"^\[(?P<name>[^\]]+)\]: \[(?P<value>.*)\]$", re.MULTILINE)
BATTERY_LEVEL = re.compile(r"^\s*level: (\d+)\s*$", re.MULTILINE)

Progress = Callable[[int, int], None]  # (bytes done, bytes total)


@dataclass(frozen=True)
class Identity:
    """What a device's properties say it is; None where they say nothing (each caller has
    its own better guess: the USB descriptors, the slot)."""

    serial: str | None
    model: str | None
    manufacturer: str | None
    android_release: str | None
    sdk: int | None
    android: bool = True  # False: the device has no getprop, so it runs no Android at all

    @classmethod
    def from_props(cls, props: dict[str, str]) -> Identity:
        sdk = props.get("ro.build.version.sdk", "")
        return cls(
            serial=props.get("ro.serialno") or props.get("ro.boot.serialno") or None,
            model=props.get("ro.product.model") or None,
            manufacturer=props.get("ro.product.manufacturer") or None,
            android_release=props.get("ro.build.version.release") or None,
            sdk=int(sdk) if sdk.isdigit() else None,
        )

    @classmethod
    def not_android(cls) -> Identity:
        return cls(None, None, None, None, None, android=False)


class DeviceError(Exception):
    """Anything that went wrong talking to a device; str(e) is for people, .problem for code."""

    def __init__(self, problem: Problem, message: str) -> None:
        super().__init__(message)
        self.problem = problem

    @property
    def lost_session(self) -> bool:
        """The device is gone or unusable, as opposed to refusing one request."""
        return self.problem.loses_session


@dataclass(frozen=True)
class ShellResult:
    exit_code: int
    stdout: str  # under shell v1 stderr arrives in here too, interleaved
    stderr: str = ""  # apart only under shell v2

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def output(self) -> str:
        """Everything the command printed, for people: stdout, then stderr."""
        return self.stdout + self.stderr


class Device:
    """Facade over one adb-shell session, over USB or TCP through the same methods."""

    def __init__(self, endpoint: TcpEndpoint | UsbEndpoint, key: PythonRSASigner) -> None:
        self.endpoint = endpoint
        self._key = key
        self._session: AdbDevice | None = None
        # Pushes compress with this (sendrecv_v2: "lz4", "zstd", "brotli") where the device
        # offers it; the station picks it by the device's bus (app.core.buses).
        self.push_compression: str | None = None
        # Installs then go as compressed pushes too (see `install_compression`); False: they
        # stream uncompressed wherever the device can stream (the physical bench's baseline).
        self.compressed_installs = True
        # Files compressed once per batch take zstd where the device offers it (False: the
        # bus's push compression, the physical bench's baseline); see `offered_compression`.
        self.strongest_packing = True

    @classmethod
    def open(
        cls,
        endpoint: str,
        key: PythonRSASigner,
        *,
        auth_timeout_s: float = 60,
        on_auth_prompt: Callable[[], None] | None = None,
    ) -> Device:
        """Connect and authorize; `on_auth_prompt` is called when the device shows "Allow?"."""
        device = cls(parse_endpoint(endpoint), key)
        device._connect(auth_timeout_s, on_auth_prompt)
        return device

    # -- commands -------------------------------------------------------------------------------

    def shell(self, command: str, timeout: float | None = None) -> ShellResult:
        """Run `command` with `sh -c` and return its exit status and output.

        Through shell v2 when the device's banner lists `shell_v2` (Android 7 on): the exit
        status and stderr are the device's own. `shell:` v1 has neither, so the command runs
        in a subshell followed by an echo of `$?` with a unique marker, stripped again: an
        `exit`, a trailing `# comment` or `&` cannot swallow it. A command that ends the
        shell anyway (`exec`, a broken quote) fails this call; the session stays.
        """
        timeout = timeout or DEFAULT_SHELL_TIMEOUT_S
        with self._errors(f"running `{_program(command)}`", timeout):
            session = self._connected()
            if isinstance(session, AdbSession) and "shell_v2" in session.features:
                answer = session.shell_v2(command, timeout, timeout, timeout)
                exit_code, stdout = answer.exit_code, _text(answer.stdout)
                stderr = _text(answer.stderr)
            else:
                (exit_code, stdout), stderr = _shell_v1(session, command, timeout), ""
        if exit_code is None:
            raise DeviceError(
                Problem.FAILED, "the command ended the shell before reporting its status"
            )
        return ShellResult(exit_code, stdout, stderr)

    def offered_compression(self) -> str | None:
        """What a file compressed once per batch (`pack_file`) is pushed with: where the bus
        compresses pushes, the first of `packed_compressions` the device offers (sendrecv_v2,
        Android 11+: zstd where offered, else the bus's), else None."""
        if self.push_compression is None:
            return None
        with self._errors("connecting", CONNECT_TIMEOUT_S):
            session = self._connected()
        if not isinstance(session, AdbSession):
            return None
        for compression in packed_compressions(
            self.push_compression, strongest=self.strongest_packing
        ):
            session.push_compression = compression
            if session.compression() == compression:
                return compression
        return None

    def install_compression(self) -> str | None:
        """The compression installs are pushed with (`offered_compression`), or None: they
        go as `adb install` sends them."""
        return self.offered_compression() if self.compressed_installs else None

    def push(
        self,
        local: Path,
        remote: str,
        progress: Progress | None = None,
        packed: PackedFile | None = None,
    ) -> None:
        """Copy a local file to `remote`. `progress` may raise to abandon the transfer.

        `packed`: the file already compressed (`pack_file`), sent as it is where the device
        takes its compression; progress then counts compressed bytes."""
        total = local.stat().st_size
        with (
            local.open("rb") as source,
            self._errors(f"pushing {local.name}", TRANSFER_STALL_TIMEOUT_S),
        ):
            session = self._connected()
            stream: io.BytesIO = _ProgressReader(source, total, progress)
            if isinstance(session, AdbSession):
                session.push_compression = self.push_compression
                if packed is not None:
                    session.push_compression = packed.compression
                    if session.compression() == packed.compression:
                        stream = PackedStream(packed, progress)
            session.push(
                stream,
                remote,
                st_mode=PUSH_MODE,
                transport_timeout_s=TRANSFER_STALL_TIMEOUT_S,
                read_timeout_s=TRANSFER_STALL_TIMEOUT_S,
            )

    def features(self) -> frozenset[str]:
        """The services the device's banner lists (`shell_v2`, `abb_exec`, `sendrecv_v2`…)."""
        with self._errors("connecting", CONNECT_TIMEOUT_S):
            session = self._connected()
        return session.features if isinstance(session, AdbSession) else frozenset()

    def stream_into(
        self,
        service: bytes,
        local: Path,
        progress: Progress | None,
        timeout: float,
        sent: Callable[[], object] | None = None,
    ) -> str:
        """Open `service` (`exec:…`, `abb_exec:…`) with `local`'s bytes as its input, as `adb
        install` streams an APK, and return what it printed. A service that answers before
        it took everything (the package manager refusing an APK up front) gets nothing
        more. `sent` is called once the device has taken the input (or refused it)."""
        size = local.stat().st_size
        with local.open("rb") as source, self._errors(f"installing {local.name}", timeout):
            session = self._connected()
            assert isinstance(session, AdbSession)  # streams need the banner's features
            output, _ = session.exec_with_input(
                service,
                _ProgressReader(source, size, progress),
                TRANSFER_STALL_TIMEOUT_S,
                max(timeout, TRANSFER_STALL_TIMEOUT_S),
                None,
                sent=sent,
            )
        return _text(output)

    def shell_meanwhile(
        self, command: str, timeout: float | None, meanwhile: Callable[[], None] | None
    ) -> ShellResult:
        """Run `command`, and `meanwhile` while it runs on the device: ADB multiplexes
        streams on one session, so a push goes beside a shell stream whose output waits on
        the session. The same thread does both (adb-shell holds the session's lock while
        it waits for a packet, so a second thread would wait for the command anyway).
        `meanwhile` must not raise. Without shell v2 (Android before 7) nothing runs
        meanwhile."""
        session = self._connected()
        if meanwhile is None or not (
            isinstance(session, AdbSession) and "shell_v2" in session.features
        ):
            return self.shell(command, timeout)
        timeout = timeout or DEFAULT_SHELL_TIMEOUT_S
        with self._errors(f"running `{_program(command)}`", timeout):
            started = session.start_shell_v2(command, timeout, timeout, timeout)
        meanwhile()
        with self._errors(f"running `{_program(command)}`", timeout):
            answer = session.shell_v2_result(started)  # this session's, even if a push lost it
        if answer.exit_code is None:
            raise DeviceError(
                Problem.FAILED, "the command ended the shell before reporting its status"
            )
        return ShellResult(answer.exit_code, _text(answer.stdout), _text(answer.stderr))

    def remove_temporary(self, remotes: Sequence[str]) -> None:
        """Remove temporary files (pushed installs, prefetched files no install took); a
        device that cannot be reached keeps them (logged)."""
        if not remotes:
            return
        try:
            self.shell(f"rm -f {' '.join(remotes)}", timeout=10)
        except DeviceError:
            log.info("%s: could not remove %s", self.endpoint.spec, " ".join(remotes))

    def screencap(self, timeout: float = SCREENCAP_TIMEOUT_S) -> bytes:
        """The device's screen as a PNG (`screencap -p`), bytes as the device gave them.

        Over shell v2 (exit status and stderr apart) where the device offers it, else
        `exec:` (raw, no pty to turn the PNG's line feeds into CR LF). DeviceError with
        Problem.FAILED when the device answers without a PNG."""
        with self._errors("taking a screenshot", timeout):
            session = self._connected()
            if isinstance(session, AdbSession) and "shell_v2" in session.features:
                answer = session.shell_v2("screencap -p", timeout, timeout, timeout)
                data, stderr = answer.stdout, _text(answer.stderr)
            elif isinstance(session, AdbSession):
                data, _ = session.exec_with_input(b"exec:screencap -p", io.BytesIO(), timeout,
                                                  timeout, timeout)  # fmt: skip
                stderr = ""
            else:
                data = session.shell("screencap -p", timeout, timeout, timeout, decode=False)
                stderr = ""
        if not data.startswith(PNG_SIGNATURE):
            said = (stderr or _text(data[:200])).strip().splitlines()[-1:] or ["no picture"]
            raise DeviceError(Problem.FAILED, f"screencap gave no picture: {said[0]}")
        return bytes(data)

    def props(self) -> dict[str, str]:
        """Every system property; DeviceError when the device has none to give."""
        return parse_props(_property_read(self.shell("getprop", timeout=20), "getprop"))

    def identity(self) -> Identity:
        """Who the device says it is; `android` is False for a device without getprop."""
        result = self.shell("getprop", timeout=20)
        if result.exit_code == COMMAND_NOT_FOUND:
            return Identity.not_android()
        stdout = _property_read(result, "getprop")
        return Identity.from_props(parse_props(stdout))

    def getprop(self, name: str) -> str:
        """One property's value ("" when unset), never an error's text."""
        result = self.shell(f"getprop {shlex.quote(name)}", timeout=20)
        return _property_read(result, f"getprop {name}").strip()

    def battery(self) -> int | None:
        """Battery percent, or None when the device does not say."""
        match = BATTERY_LEVEL.search(self.shell("dumpsys battery", timeout=20).output)
        return int(match.group(1)) if match else None

    def reboot(self) -> None:
        """Ask the device to reboot; the session ends (call `reconnect` to come back)."""
        session = self._connected()
        try:
            if isinstance(session, AdbSession):
                session.reboot_and_wait(REBOOT_DOWN_TIMEOUT_S)
            else:
                session.reboot(transport_timeout_s=10, read_timeout_s=10, timeout_s=10)
        except (*GARBAGE_ERRORS, *TIMEOUT_ERRORS, OSError, adb_errors.AdbConnectionError):
            pass  # the device drops the connection as it goes down, often before answering
        self._drop()

    def reconnect(self, timeout: float, cancel: threading.Event | None = None) -> None:
        """Connect again within `timeout` seconds, e.g. while a device reboots.

        Setting `cancel` (a Stop) ends the wait within a quarter second, as a failure.
        """
        self._drop()
        cancel = cancel or threading.Event()
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._connect(max(1.0, deadline - time.monotonic()), None)
                return
            except DeviceError as error:
                if error.problem is Problem.UNAUTHORIZED or time.monotonic() >= deadline:
                    raise DeviceError(
                        error.problem, f"did not come back within {timeout:g} s ({error})"
                    ) from None
            if cancel.wait(min(0.25, max(0.0, deadline - time.monotonic()))):
                raise DeviceError(Problem.FAILED, "stopped while waiting for the device")

    def close(self) -> None:
        self._drop()

    # -- session --------------------------------------------------------------------------------

    def _connect(self, auth_timeout_s: float, on_auth_prompt: Callable[[], None] | None) -> None:
        if not isinstance(self.endpoint, TcpEndpoint):
            self._session = _open_usb(self.endpoint.spec, self._key, auth_timeout_s, on_auth_prompt)
            return
        session = AdbSession(FullWriteTcpTransport(self.endpoint.host, self.endpoint.port))
        try:
            authorize(
                session,
                self._key,
                timeout_s=CONNECT_TIMEOUT_S,
                auth_timeout_s=auth_timeout_s,
                on_auth_prompt=on_auth_prompt,
            )
        except ConnectFailed as failure:
            exc = failure.cause
            if failure.prompted and isinstance(exc, (*TIMEOUT_ERRORS, adb_errors.DeviceAuthError)):
                raise DeviceError(
                    Problem.UNAUTHORIZED, "not authorized: tap Allow on the device"
                ) from None
            if isinstance(exc, adb_errors.DeviceAuthError):
                raise DeviceError(
                    Problem.UNAUTHORIZED, "the device refused this station's key"
                ) from None
            raise _translate(exc, "connecting", CONNECT_TIMEOUT_S) from None
        self._session = session

    def _connected(self) -> AdbDevice:
        """The live session, reconnected once if an abandoned command left it unusable."""
        if self._session is None:
            self._connect(CONNECT_TIMEOUT_S, None)
        assert self._session is not None
        return self._session

    def _drop(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    @contextmanager
    def _errors(self, doing: str, timeout: float) -> Iterator[None]:
        """Turn whatever the session raised into a DeviceError; a broken session is dropped."""
        try:
            yield
        except DeviceError:
            self._drop()
            raise
        except adb_errors.PushFailedError as exc:
            raise DeviceError(Problem.FAILED, f"{doing} failed: {_push_reason(exc)}") from None
        except (*GARBAGE_ERRORS, *TIMEOUT_ERRORS, *LOST_ERRORS) as exc:
            self._drop()
            raise _translate(exc, doing, timeout) from None
        except BaseException:
            self._drop()  # abandoned mid-stream (e.g. cancelled): the protocol state is unknown
            raise


class _ProgressReader(io.BytesIO):
    """Feeds a push from a file (`AdbSession._push` reads into its packet), reporting
    progress as each chunk is read.

    adb-shell swallows exceptions from its own progress callback, so progress is reported
    here, where an exception (a cancellation) does stop the transfer. It is a BytesIO only
    because adb-shell takes any other argument for a path.
    """

    def __init__(self, source: io.BufferedReader, total: int, progress: Progress | None) -> None:
        super().__init__()
        self._source, self._total, self._progress, self._done = source, total, progress, 0

    def readinto(self, buffer: WriteableBuffer) -> int:
        count = self._source.readinto(buffer)
        if count and self._progress is not None:
            self._done += count
            self._progress(self._done, self._total)
        return count


def _open_usb(
    spec: str,
    key: PythonRSASigner,
    auth_timeout_s: float,
    on_auth_prompt: Callable[[], None] | None,
) -> AdbDevice:
    """A USB session on the device's slot; its errors already say what to do."""
    from app.devices.usb import UsbError
    from app.devices.usb_session import UsbAuthError, open_usb_session

    try:
        return open_usb_session(
            spec, key, auth_timeout_s=auth_timeout_s, on_auth_prompt=on_auth_prompt
        )
    except UsbAuthError as exc:
        raise DeviceError(Problem.UNAUTHORIZED, str(exc)) from None
    except UsbError as exc:
        raise DeviceError(Problem.DISCONNECTED, str(exc)) from None


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").replace("\r\n", "\n")


def _shell_v1(session: AdbDevice, command: str, timeout: float) -> tuple[int | None, str]:
    """`shell:` v1: the exit status from a marker echoed after the command (None: no marker)."""
    marker = f"KB{secrets.token_hex(8)}"
    raw = session.shell(
        f'(\n{command}\n)\necho "{marker}:$?"',
        transport_timeout_s=timeout,
        read_timeout_s=timeout,
        timeout_s=timeout,
        decode=False,
    )
    text = _text(raw)
    position = text.rfind(f"{marker}:")
    status = text[position + len(marker) + 1 :].strip() if position >= 0 else ""
    if not status.isdigit():
        return None, text
    return int(status), text[:position]


def parse_props(stdout: str) -> dict[str, str]:
    """The properties in what `getprop` (no arguments) printed."""
    return {m["name"]: m["value"] for m in PROPERTY_LINE.finditer(stdout)}


def _property_read(result: ShellResult, doing: str) -> str:
    """The stdout of a property read that worked; a failed one raises, never becomes a value."""
    if result.exit_code == COMMAND_NOT_FOUND:
        raise DeviceError(Problem.FAILED, NOT_ANDROID)
    if not result.ok:
        reason = result.stderr.strip().splitlines()[-1:] or [f"exit status {result.exit_code}"]
        raise DeviceError(Problem.FAILED, f"{doing} failed: {reason[0]}")
    return result.stdout


def _translate(exc: BaseException, doing: str, timeout: float) -> DeviceError:
    if isinstance(exc, GARBAGE_ERRORS) or _overflowed(exc):
        return DeviceError(Problem.GARBAGE, f"device answered with garbage while {doing}")
    if isinstance(exc, TIMEOUT_ERRORS):
        return DeviceError(Problem.TIMEOUT, f"no answer within {timeout:g} s while {doing}")
    if isinstance(exc, ConnectionRefusedError):
        return DeviceError(Problem.DISCONNECTED, "not reachable (connection refused)")
    return DeviceError(Problem.DISCONNECTED, "disconnected")


def _overflowed(exc: BaseException) -> bool:
    """A USB read the device answered with more than was asked for: not ADB framing."""
    usb_error = getattr(exc, "usb_error", None)
    return isinstance(exc, adb_errors.UsbReadFailedError) and (
        getattr(usb_error, "value", None) == LIBUSB_ERROR_OVERFLOW
    )


def _push_reason(exc: adb_errors.PushFailedError) -> str:
    reason = exc.args[0] if exc.args else b""
    if isinstance(reason, bytes | bytearray):  # adb-shell passes the FAIL's data as it came
        reason = bytes(reason).decode("utf-8", "replace")
    return str(reason).strip() or "the device refused the file"


def _program(command: str) -> str:
    """Only the program a command runs: messages about a command must never carry its
    arguments, which may hold a secret (a Wi-Fi password, an enrollment token)."""
    return command.split(maxsplit=1)[0] if command.strip() else "sh"
