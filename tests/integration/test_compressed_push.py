"""Pushes over sendrecv_v2 with compression (SND2 with the LZ4, zstd or brotli flag, as adb 34
sends them) where the device offers it: the file arrives intact, and compressible data
carries fewer bytes on the bus."""

from __future__ import annotations

import hashlib
import random

import pytest

from app.devices.device import Device

MB = 1024 * 1024


@pytest.mark.parametrize("compression", ["lz4", "zstd", "brotli"])
def test_a_compressed_push_arrives_intact_with_fewer_bytes_on_the_bus(
    start_fleet, host_key, tmp_path, compression
):
    fleet = start_fleet(1, auth="none", profile="pixel8", latency="realistic", buses=1)
    bus = fleet.devices[0].behaviour.bus
    assert bus is not None
    source = tmp_path / "config.bin"  # half random, half text-like: compresses to about half
    noise = random.Random(7).randbytes(2 * MB)
    source.write_bytes(noise + b"kitbench settings line\n" * (2 * MB // 23))
    wanted = hashlib.sha256(source.read_bytes()).hexdigest()
    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        carried = []
        for name, chosen in (("plain", None), ("packed", compression)):
            device.push_compression = chosen
            before = bus.carried
            device.push(source, f"/sdcard/Download/{name}.bin")
            carried.append(bus.carried - before)
            found = device.shell(f"sha256sum /sdcard/Download/{name}.bin").output.split()[0]
            assert found == wanted
    finally:
        device.close()
    plain, packed = carried
    assert plain >= source.stat().st_size
    assert packed < 0.7 * plain, f"{packed} bytes compressed vs {plain} plain"


def test_a_device_without_the_compression_gets_a_plain_push(start_fleet, host_key, tmp_path):
    """An Android 11 device offers brotli only: LZ4 asked for, the push goes uncompressed."""
    fleet = start_fleet(1, auth="none", profile="zebra_tc52")
    source = tmp_path / "zeros.bin"
    source.write_bytes(bytes(3 * MB))
    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        device.push_compression = "lz4"
        device.push(source, "/sdcard/Download/zeros.bin")
        found = device.shell("sha256sum /sdcard/Download/zeros.bin").output.split()[0]
    finally:
        device.close()
    assert found == hashlib.sha256(source.read_bytes()).hexdigest()


def test_the_station_compresses_pushes_on_a_usb2_bus_only():
    from app.core.buses import BUS_SPEEDS, packed_compressions, push_compression

    assert push_compression(BUS_SPEEDS["usb2"]) == "lz4"
    assert push_compression(BUS_SPEEDS["usb3"]) is None
    assert push_compression(None) is None  # a network device of its own: no shared cap
    # files packed once per batch: zstd first where the device offers it, then brotli (all
    # that Android 11 offers), else the bus's
    assert packed_compressions("lz4") == ("zstd", "brotli", "lz4")
    assert packed_compressions("lz4", strongest=False) == ("lz4",)
