"""What a simulated device's adbd does that adbd on Linux cannot show (tests/adbd34.py has no
binder, no Android release but 14): abb and abb_exec as adb 34 uses them for an install,
each release's feature list and what its adbd refused, and a device that honours the host's
delayed-ack window."""

from __future__ import annotations

import struct

import pytest

from app.sim import protocol as p
from app.sim.apk import build_apk
from tests.raw_host import RawHost, shell_v2_frames

STDOUT, EXIT = 1, 3
SYNC_REQUEST = struct.Struct("<4sI")


@pytest.fixture
def host_for(start_fleet):
    hosts: list[RawHost] = []

    def connect(
        profile: str, features: str = "shell_v2,cmd", max_payload: int = p.MAX_PAYLOAD
    ) -> RawHost:
        endpoint = start_fleet(1, auth="none", profile=profile).endpoints[0]
        host = RawHost(endpoint.host, endpoint.port)
        hosts.append(host)
        host.connect(p.A_VERSION_SKIP_CHECKSUM, max_payload, features)
        return host

    yield connect
    for host in hosts:
        host.close()


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ("pixel8", p.ADBD_FEATURES[34]),
        ("galaxy_tab", p.ADBD_FEATURES[33]),
        ("zebra_tc52", p.ADBD_FEATURES[30]),
        ("legacy_phone", ("cmd", "stat_v2", "shell_v2")),
    ],
)
def test_each_release_advertises_its_adbds_features(host_for, profile, expected):
    endpoint_host = host_for(profile)
    endpoint_host.send(p.A_CNXN, p.A_VERSION_SKIP_CHECKSUM, p.MAX_PAYLOAD, b"host::")
    _, banner = endpoint_host.receive()
    assert tuple(p.parse_banner(banner)[2]) == expected


def test_adb_34s_install_over_abb_exec(host_for):
    """adb 34 asks for the incremental default first (a device without incremental install
    answers it no boolean), then streams the APK to `package install -S SIZE`."""
    host = host_for("pixel8")
    query = host.run("abb_exec:settings\0get\0enable_adb_incremental_install_default")
    assert query.data == b"Invalid namespace 'enable_adb_incremental_install_default'\n"
    apk = build_apk("com.example.pos", 7, "7.0")
    installed = host.run(f"abb_exec:package\0install\0-r\0-S\0{len(apk)}", [apk])
    assert installed.data == b"Success\n"
    listed = host.run("abb_exec:package\0list\0packages\0-3")
    assert listed.data == b"package:com.example.pos\n"


def test_abb_frames_with_the_shell_protocol(host_for):
    host = host_for("pixel8")
    frames = shell_v2_frames(host.run("abb:package\0path\0com.android.settings").data)
    assert frames[0][0] == STDOUT and frames[0][1].startswith(b"package:/")
    assert frames[-1] == (EXIT, b"\0")
    missing = shell_v2_frames(host.run("abb:nosuch\0call").data)
    assert missing[-1] == (EXIT, bytes([20]))  # cmd: Can't find service


def test_an_android_8_device_has_no_abb_and_no_v2_listing(host_for):
    host = host_for("legacy_phone")
    assert host.run("abb_exec:package\0list\0packages").refused
    listing = host.run("sync:", [SYNC_REQUEST.pack(b"LIS2", 4) + b"/tmp"])
    assert listing.data.startswith(b"FAIL") and b"unknown command 3253494c" in listing.data


def test_the_device_stops_at_the_hosts_window_and_goes_on_with_its_acks(host_for):
    """Under delayed_ack the device sends without waiting for each OKAY, up to the window
    the host gave in its OPEN, and on as each OKAY adds the bytes it acks."""
    host = host_for("pixel8", "shell_v2,cmd,delayed_ack", max_payload=4096)
    window = 100_000
    host.send(p.A_OPEN, 1, window, b"shell,v2,raw:printf %0400000d 0\0")
    opened, payload = host.receive()
    assert opened.command == p.A_OKAY
    assert struct.unpack("<i", payload) == (p.INITIAL_DELAYED_ACK_BYTES,)
    received = 0
    while received < window:  # no ack sent: all of it arrives all the same
        header, data = host.receive()
        assert header.command == p.A_WRTE
        received += len(data)
    host.socket.settimeout(0.3)
    with pytest.raises(TimeoutError):
        host.receive()  # the window is spent: nothing more until an ack
    host.socket.settimeout(10)
    total = received
    while True:
        host.send(p.A_OKAY, 1, opened.arg0, struct.pack("<i", received))
        header, data = host.receive()
        if header.command == p.A_CLSE:
            break
        received = len(data)
        total += received
    assert total == 5 + 400_000 + 6  # stdout's header and data, the exit packet
