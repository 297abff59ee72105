"""The port map: the label printed on each bench port, and the labels of unmapped ports.

Bench staff think in "A4", not "1-1.4". `ports.yaml` in the data directory maps a port, a
USB slot (bus-port path) or a network device's HOST:PORT, to its label. A port not in the
map gets the next generated label ("A1".."A10" for the first ten-port hub, then "B1"..) in
detection order, so a bench without a map still reads A1, A2, ... The label a station gives
a port is what its tile shows and what its runs record.

A network port may also name the bus it sits on (and that bus's speed, usb2 by default):
devices with the same bus share its bandwidth, and the station schedules their transfers
as it does those of USB devices on one bus. A network device without a bus is a bandwidth
domain of its own. (USB devices need no entry: their slot says their bus.)

    # port (USB slot or HOST:PORT): label on the bench
    1-1.1: A1
    1-1.2: A2
    127.0.0.1:7400: N1
    127.0.0.1:7401: {label: N2, bus: 2, speed: usb2}
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from app.core.buses import BUS_SPEEDS, DEFAULT_BUS_SPEED, speed_of_mbps
from app.core.paths import data_dir, write_atomically
from app.devices.endpoints import TcpEndpoint, parse_endpoint
from app.devices.usb_discovery import SLOT_PATTERN

PORT_MAP_FILE = "ports.yaml"
SYSFS_USB = Path("/sys/bus/usb/devices")
MAX_LABEL_LENGTH = 32
PORTS_PER_HUB = 10
NETWORK_PORT = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(?P<port>\d{1,5})$")
HEADER = "# port (USB slot or HOST:PORT): label on the bench\n"


class PortMapError(ValueError):
    """A port map that cannot be used; str(e) is "FILE:LINE: what to fix"."""


def port_key(endpoint: str) -> str:
    """The part of a device spec that names a port: `usb:1-1.4` -> `1-1.4`, `tcp:H:P` -> `H:P`."""
    kind, separator, rest = endpoint.strip().partition(":")
    return rest if separator and kind in ("usb", "tcp") else endpoint.strip()


def generated_label(position: int) -> str:
    """0 -> A1, 9 -> A10, 10 -> B1: hub letter(s), then the port number on that hub."""
    hub, port = divmod(position, PORTS_PER_HUB)
    letters = ""
    hub += 1
    while hub:
        hub, remainder = divmod(hub - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return f"{letters}{port + 1}"


def label_order(label: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that puts A2 before A10 and A10 before B1: text compared, numbers by value."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
        for part in re.findall(r"\d+|\D+", label)
    )


@dataclass(frozen=True)
class BusInfo:
    """The bus a network port sits on, as the port map names it, and its speed."""

    name: str
    speed: str = DEFAULT_BUS_SPEED


@dataclass(frozen=True)
class PortMap:
    labels: Mapping[str, str] = field(default_factory=dict)
    buses: Mapping[str, BusInfo] = field(default_factory=dict)  # network ports only

    @classmethod
    def load(cls, path: Path | None = None) -> PortMap:
        """Read the port map (no file: no labels); raises PortMapError naming the bad line."""
        path = path or data_dir() / PORT_MAP_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as exc:
            raise PortMapError(f"{path}: cannot read the port map: {exc}") from None
        return cls.parse(text, str(path))

    @classmethod
    def parse(cls, text: str, source: str = PORT_MAP_FILE) -> PortMap:
        """A port map from `PORT: LABEL` lines; errors start with "SOURCE:LINE:"."""
        labels, buses = _parse(text, source)
        return cls(labels, buses)

    @classmethod
    def for_bench(cls, ports: Sequence[tuple[str, BusInfo | None]]) -> PortMap:
        """A map of ports in bench order: generated labels (A1.., B1.. per ten ports of a
        hub) and each port's bus, e.g. for a simulated bench (`kitbench sim --ports-file`)."""
        labels = {port: generated_label(index) for index, (port, _) in enumerate(ports)}
        return cls(labels, {port: bus for port, bus in ports if bus is not None})

    def text(self) -> str:
        """The map as `ports.yaml` holds it."""
        if not self.labels:
            return HEADER
        entries: dict[str, object] = {}
        for port, label in self.labels.items():
            bus = self.buses.get(port)
            entries[port] = (
                label
                if bus is None
                else _FlowMap({"label": label, "bus": bus.name, "speed": bus.speed})
            )
        return HEADER + yaml.dump(
            entries, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=200
        )

    def save(self, path: Path | None = None) -> Path:
        """Write `ports.yaml` atomically: a crash leaves the old map or the new, never half."""
        path = path or data_dir() / PORT_MAP_FILE
        write_atomically(path, self.text(), mode=0o600)
        return path

    def label(self, slot: str) -> str:
        """The bench label of a port, or the port itself."""
        return self.labels.get(port_key(slot), port_key(slot))


def bus_of(spec: str, port_map: PortMap) -> tuple[str, float | None]:
    """The bandwidth domain of a device and what it carries (bytes/s; None: no shared cap).

    A USB device shares its bus (the root hub its slot starts with) at that bus's speed; a
    network device the bus the port map gives it, or nothing (a domain of its own)."""
    endpoint = parse_endpoint(spec)
    if isinstance(endpoint, TcpEndpoint):
        bus = port_map.buses.get(endpoint.slot)
        return (f"bus {bus.name}", BUS_SPEEDS[bus.speed]) if bus else (spec, None)
    return endpoint.bus, BUS_SPEEDS[usb_bus_speed(endpoint.bus)]


def usb_bus_speed(bus: str) -> str:
    """The speed class of a USB bus ("usb1"…) from its root hub in sysfs; usb2 if unknown."""
    try:
        return speed_of_mbps(int(float((SYSFS_USB / bus / "speed").read_text())))
    except (OSError, ValueError):
        return DEFAULT_BUS_SPEED


class SlotLabeller:
    """Gives each port its label once and keeps it for the life of the station.

    A mapped port gets its label; any other port the first generated label that neither the
    map nor an earlier port holds, in the order ports are first asked about. Thread-safe.
    """

    def __init__(self, port_map: PortMap | None = None) -> None:
        self.port_map = port_map or PortMap()
        self._given: dict[str, str] = {}
        self._taken = set(self.port_map.labels.values())
        self._next = 0
        self._lock = threading.Lock()

    def label(self, endpoint: str) -> str:
        """The label of a device spec (`usb:1-1.4`, `tcp:HOST:PORT`) or a bare port."""
        port = port_key(endpoint)
        with self._lock:
            given = self._given.get(port)
            if given is None:
                given = self.port_map.labels.get(port) or self._generate()
                self._given[port] = given
            return given

    def _generate(self) -> str:
        while generated_label(self._next) in self._taken:
            self._next += 1
        label = generated_label(self._next)
        self._taken.add(label)
        return label


class _FlowMap(dict[str, str]):
    """An entry written on one line: `HOST:PORT: {label: A1, bus: sim1, speed: usb2}`."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _FlowMap, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, True)
)


def _parse(text: str, source: str) -> tuple[dict[str, str], dict[str, BusInfo]]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise PortMapError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if root is None:
        return {}, {}
    if not isinstance(root, yaml.MappingNode):
        raise PortMapError(f"{source}:{root.start_mark.line + 1}: expected lines of PORT: LABEL")
    labels: dict[str, str] = {}
    buses: dict[str, BusInfo] = {}
    ports_by_label: dict[str, str] = {}
    for key, value in root.value:
        line = f"{source}:{key.start_mark.line + 1}"
        port = port_key(str(key.value))
        if not isinstance(key, yaml.ScalarNode) or not _is_port(port):
            raise PortMapError(
                f"{line}: {port!r} is not a USB slot like 1-1.4 or a network HOST:PORT"
            )
        label_node = value
        if isinstance(value, yaml.MappingNode):
            fields = _entry_fields(value, line, port)
            label_node = fields.get("label") or yaml.ScalarNode("tag:yaml.org,2002:str", "")
            bus = _bus_of(fields, line, port)
            if bus is not None:
                buses[port] = bus
        label = str(label_node.value).strip() if isinstance(label_node, yaml.ScalarNode) else ""
        if not label or len(label) > MAX_LABEL_LENGTH:
            raise PortMapError(
                f"{line}: the label of {port} must be 1 to {MAX_LABEL_LENGTH} characters"
            )
        if port in labels:
            raise PortMapError(f"{line}: {port} is labelled twice")
        if label in ports_by_label:
            raise PortMapError(f"{line}: {label!r} already labels {ports_by_label[label]}")
        labels[port], ports_by_label[label] = label, port
    return labels, buses


ENTRY_FIELDS = ("label", "bus", "speed")


def _entry_fields(node: yaml.MappingNode, line: str, port: str) -> dict[str, yaml.Node]:
    """The fields of a `{label: …, bus: …, speed: …}` entry, each a plain value."""
    fields: dict[str, yaml.Node] = {}
    for key, value in node.value:
        name = str(key.value)
        if name not in ENTRY_FIELDS:
            raise PortMapError(
                f"{line}: {port} has an unknown field {name!r} (known: {', '.join(ENTRY_FIELDS)})"
            )
        if not isinstance(value, yaml.ScalarNode):
            raise PortMapError(f"{line}: the {name} of {port} must be a plain value")
        fields[name] = value
    return fields


def _bus_of(fields: dict[str, yaml.Node], line: str, port: str) -> BusInfo | None:
    bus = str(fields["bus"].value).strip() if "bus" in fields else ""
    speed = str(fields["speed"].value).strip() if "speed" in fields else DEFAULT_BUS_SPEED
    if "speed" in fields and not bus:
        raise PortMapError(f"{line}: {port} has a speed but no bus")
    if speed not in BUS_SPEEDS:
        raise PortMapError(
            f"{line}: the speed of {port} must be one of {', '.join(BUS_SPEEDS)}, not {speed!r}"
        )
    if bus and SLOT_PATTERN.match(port):
        raise PortMapError(f"{line}: {port} is a USB slot; its bus is its own, not the map's")
    return BusInfo(bus, speed) if bus else None


def _is_port(port: str) -> bool:
    if SLOT_PATTERN.match(port):
        return True
    network = NETWORK_PORT.match(port)
    return network is not None and 1 <= int(network["port"]) <= 65535
