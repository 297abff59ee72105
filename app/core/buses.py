"""What one USB bus carries: the bandwidth the station schedules by and the simulator models.

Every device behind one hub's USB 2.0 side (or one root port) shares its bus's bulk
bandwidth, in both directions. The figures are ADB payload in bytes per second (10^6 bytes
to the MB), what a bus nets after packet and protocol overhead: USB 2.0 high speed about
40 MB/s, a USB 3 port about 350.
"""

from __future__ import annotations

BUS_SPEEDS: dict[str, float] = {"usb2": 40e6, "usb3": 350e6}
DEFAULT_BUS_SPEED = "usb2"


def speed_of_mbps(mbps: int) -> str:
    """The bus class of a USB link speed as sysfs gives it (480, 5000, …, in Mbit/s)."""
    return "usb3" if mbps >= 5000 else DEFAULT_BUS_SPEED


def push_compression(bytes_per_s: float | None) -> str | None:
    """The sendrecv_v2 compression for pushes over a bus of this bandwidth: LZ4 on a USB 2.0
    bus or slower, none on faster or uncapped links, where compressing on a 2-core station
    would be slower than sending (docs/architecture.md, "Compressed pushes")."""
    if bytes_per_s is not None and bytes_per_s <= BUS_SPEEDS[DEFAULT_BUS_SPEED]:
        return "lz4"
    return None


def packed_compressions(live: str, *, strongest: bool = True) -> tuple[str, ...]:
    """The compressions for a file compressed once per batch (`pack_file`) on a bus whose live
    pushes compress with `live`, preferred first, each taken where the device offers it:
    zstd, then brotli (Android 11 offers only brotli), stronger and slower than `live`, since
    their CPU is paid once per batch and not per device (docs/architecture.md, "Compressed
    pushes"), then `live`. Not `strongest`: `live` only (the physical bench's baseline)."""
    if not strongest:
        return (live,)
    return tuple(dict.fromkeys(("zstd", "brotli", live)))
