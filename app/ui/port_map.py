"""Bench labels for device ports: "A1".."A10" for the first ten-port hub, "B1".. for the next.

An IT admin maps each physical port (a USB bus-port path such as `1-1.4`, or a network
endpoint's HOST:PORT) to the label printed on the hub; a port not in the map gets the next
free generated label in detection order, so a bench with no map still reads A1, A2, ...
"""

from __future__ import annotations

PORTS_PER_HUB = 10


def port_key(endpoint: str) -> str:
    """The part of a device spec that names a physical port: `usb:1-1.4` -> `1-1.4`."""
    _, _, rest = endpoint.partition(":")
    return rest or endpoint


def generated_label(position: int) -> str:
    """0 -> A1, 9 -> A10, 10 -> B1: hub letter, then port number on that hub."""
    hub, port = divmod(position, PORTS_PER_HUB)
    letters = ""
    hub += 1
    while hub:
        hub, remainder = divmod(hub - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return f"{letters}{port + 1}"


def parse_port_map(text: str) -> dict[str, str]:
    """Lines of `PORT LABEL` (or `PORT=LABEL`); blank lines and `#` comments are ignored."""
    mapping: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        port, separator, label = line.replace("=", " ", 1).partition(" ")
        if not separator or not label.strip():
            raise ValueError(f"line {number}: expected 'PORT LABEL', got {raw.strip()!r}")
        if port.startswith(("usb:", "tcp:")):
            port = port_key(port)
        mapping[port] = label.strip()
    return mapping


def format_port_map(mapping: dict[str, str]) -> str:
    return "".join(f"{port} {label}\n" for port, label in mapping.items())


class PortLabels:
    """Assigns each endpoint its label once, and remembers it for the session."""

    def __init__(self, mapping: dict[str, str] | None = None) -> None:
        self.mapping: dict[str, str] = dict(mapping or {})
        self._assigned: dict[str, str] = {}
        self._order = list(self.mapping.values())

    def label(self, endpoint: str) -> str:
        known = self._assigned.get(endpoint)
        if known is not None:
            return known
        label = self.mapping.get(port_key(endpoint))
        if label is None:
            used = set(self.mapping.values()) | set(self._assigned.values())
            position = 0
            while generated_label(position) in used:
                position += 1
            label = generated_label(position)
        self._assigned[endpoint] = label
        return label

    def sort_key(self, endpoint: str, detected: int) -> tuple[int, int]:
        """Mapped ports in map order first, then the rest in detection order."""
        label = self.mapping.get(port_key(endpoint))
        if label is not None:
            return (0, self._order.index(label))
        return (1, detected)
