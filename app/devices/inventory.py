"""`kitbench devices`: what is on the bench now, USB and network, with serial and model, and
(for --json) the identity each ready device gives: IMEIs, MEID, factory MACs, fingerprint.

USB devices come from discovery (slot, state, names from the descriptors). Every device that
speaks ADB is then asked for its properties with the station key, in parallel, through the
same `Device` facade provisioning uses; a device that has not accepted the key yet is listed
as `unauthorized` with the hint to tap Allow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from adb_shell.auth.sign_pythonrsa import PythonRSASigner

from app.core import DeviceInfo, DeviceState
from app.core.identity import DeviceIdentity
from app.devices.device import NOT_ANDROID, Device, DeviceError, Problem
from app.devices.endpoints import EndpointError, TcpEndpoint, parse_endpoint
from app.devices.identity import read_identity
from app.devices.slots import PortMap
from app.devices.usb_discovery import UsbDevice, enumerate_usb

PROBE_AUTH_TIMEOUT_S = 3.0  # listing does not wait for someone to tap Allow
MAX_PARALLEL_PROBES = 32


@dataclass(frozen=True)
class Listed:
    """One line of `kitbench devices`."""

    info: DeviceInfo
    usb: UsbDevice | None = None
    identity: DeviceIdentity | None = None  # read from a ready Android device
    device_name: str | None = None  # what the device calls itself (settings global device_name)

    def as_json(self) -> dict[str, Any]:
        info = self.info
        record: dict[str, Any] = {
            "slot": info.slot,
            "state": str(info.state),
            "serial": info.serial,
            "model": info.model,
            "endpoint": info.endpoint,
            "manufacturer": info.manufacturer,
            "android_release": info.android_release,
            "sdk": info.sdk,
            "battery": info.battery,
            "message": info.message,
        }
        if self.identity is not None:
            identity = self.identity
            record |= {
                "device_name": self.device_name,
                "imei": list(identity.imei),
                "meid": identity.meid,
                "wifi_mac": identity.wifi_mac,
                "bluetooth_mac": identity.bluetooth_mac,
                "build_fingerprint": identity.build_fingerprint,
                "security_patch": identity.security_patch,
                "hardware_serial": identity.hardware_serial,
                "identity_gaps": {name: str(gap) for name, gap in identity.gaps.items()},
            }
        if self.usb is not None:
            record |= {
                "usb_path": self.usb.slot,
                "vendor_id": f"{self.usb.vendor_id:04x}",
                "product_id": f"{self.usb.product_id:04x}",
            }
        return record


def tcp_spec(text: str) -> str:
    """`HOST:PORT` or `tcp:HOST:PORT` as a device spec; EndpointError explains a bad one."""
    spec = text if text.startswith("tcp:") else f"tcp:{text}"
    return parse_endpoint(spec).spec


def list_devices(
    *,
    usb: bool,
    tcp: Sequence[str],
    key: Callable[[], PythonRSASigner],
    port_map: PortMap | None = None,
) -> list[Listed]:
    """USB devices (if `usb`) in slot order, then the `tcp` specs in the order given.

    Raises UsbError when USB cannot be enumerated and PortMapError for a broken port map.
    """
    port_map = port_map or PortMap.load()
    found = enumerate_usb() if usb else []
    listed = [Listed(device.device_info(port_map.label(device.slot)), device) for device in found]
    listed += [Listed(_tcp_info(spec)) for spec in tcp]
    waiting = [i for i, entry in enumerate(listed) if entry.info.state is DeviceState.ATTACHED]
    if not waiting:
        return listed
    signer = key()
    with ThreadPoolExecutor(min(MAX_PARALLEL_PROBES, len(waiting))) as pool:
        probes = {i: pool.submit(_probe, listed[i], signer) for i in waiting}
        return [probes[i].result() if i in probes else entry for i, entry in enumerate(listed)]


def _tcp_info(spec: str) -> DeviceInfo:
    endpoint = parse_endpoint(spec)
    if not isinstance(endpoint, TcpEndpoint):  # tcp_spec made every spec given here
        raise EndpointError(f"{spec!r} is not a network device spec")
    return DeviceInfo(endpoint=endpoint.spec, slot=endpoint.slot, state=DeviceState.ATTACHED)


def _probe(entry: Listed, key: PythonRSASigner) -> Listed:
    """Connect, read the properties, and say what state the device is in."""
    info = entry.info
    try:
        device = Device.open(info.endpoint, key, auth_timeout_s=PROBE_AUTH_TIMEOUT_S)
    except EndpointError:
        return entry  # this kind of endpoint has no sessions yet: discovery's view stands
    except DeviceError as exc:
        state = DeviceState.UNAUTHORIZED if exc.problem is Problem.UNAUTHORIZED else None
        if state is None:
            state = DeviceState.ATTACHED if entry.usb else DeviceState.DETACHED
        return replace(entry, info=replace(info, state=state, message=str(exc)))
    try:
        identity = device.identity()
        battery = device.battery() if identity.android else None
        held = read_identity(device, device.props()) if identity.android else None
        name = _device_name(device) if identity.android else None
    except DeviceError as exc:
        return replace(entry, info=replace(info, message=str(exc)))
    finally:
        device.close()
    ready = replace(
        info,
        state=DeviceState.READY,
        serial=identity.serial or info.serial,
        model=identity.model or info.model,
        manufacturer=identity.manufacturer or info.manufacturer,
        android_release=identity.android_release,
        sdk=identity.sdk,
        battery=battery,
        message=None if identity.android else NOT_ANDROID,
    )
    return replace(entry, info=ready, identity=held, device_name=name)


def _device_name(device: Device) -> str | None:
    """The name the device goes by (a provisioning run's device_name step sets it); None where
    it has none."""
    answer = device.shell("settings get global device_name", timeout=10)
    name = answer.output.strip()
    return name if answer.ok and name and name != "null" else None
