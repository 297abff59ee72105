"""Device specs as users type them: `usb:1-1.4` (a slot), `usb:SERIAL`, `tcp:HOST:PORT`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.devices.usb_session import UsbEndpoint


class EndpointError(ValueError):
    """A device spec that cannot be used; str(e) says what to write instead."""


@dataclass(frozen=True)
class TcpEndpoint:
    host: str
    port: int

    @property
    def spec(self) -> str:
        return f"tcp:{self.host}:{self.port}"

    @property
    def slot(self) -> str:
        """The bench label of a network device: where it listens."""
        return f"{self.host}:{self.port}"

    @property
    def bus(self) -> str:
        """Transfers to every network device share one pool, named like a USB bus."""
        return "tcp"


def parse_endpoint(spec: str) -> TcpEndpoint | UsbEndpoint:
    """Parse a device spec; raise EndpointError with a clear reason for anything else."""
    kind, _, rest = spec.strip().partition(":")
    if kind == "usb":
        from app.devices.usb_session import parse_usb_spec

        try:
            return parse_usb_spec(spec)
        except ValueError as exc:
            raise EndpointError(str(exc)) from None
    if kind != "tcp" or not rest:
        raise EndpointError(
            f"{spec!r} is not a device spec; expected usb:1-1.4, usb:SERIAL or tcp:HOST:PORT"
        )
    host, _, port_text = rest.rpartition(":")
    host = host.strip("[]")  # tcp:[::1]:7400
    if not host or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise EndpointError(f"{spec!r}: expected tcp:HOST:PORT with a port from 1 to 65535")
    return TcpEndpoint(host, int(port_text))
