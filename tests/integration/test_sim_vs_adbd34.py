"""The simulator against AOSP adbd 34, service by service, through one small raw client.

The same sequence of packets goes to real adbd 34 (tests/adbd34.py) and to a simulated Pixel 8
(Android 14); what comes back must be framed alike: the CNXN reply (version, max payload,
checksum, feature list), and per stream the order of OKAY, WRTE and CLSE, their arguments
(ids as each side assigned them, consistently), OKAY payloads under delayed_ack, and what the
WRTEs carry once decoded (shell v2 packets, sync messages). Consecutive WRTEs are compared
as one: where a side cuts its output depends on timing, on hardware too; and so is where the
acks of the host's WRTEs fall among the device's own packets, so they are compared apart
(how many, and their payloads).

What cannot be compared (docs/simulator.md): adbd here runs on Linux, so command output
other than the shell's own, file contents and metadata of Android paths, abb (no binder:
adbd refuses it), reboot, and auth (Debian's adbd has it disabled).
"""

from __future__ import annotations

import posixpath
import secrets
import struct

import brotli
import lz4.frame
import pytest
import zstandard

from app.sim import protocol as p
from tests.raw_host import V2, RawHost, shell_v2_frames

REQUEST = struct.Struct("<4sI")
STAT_V2_SIZE, DENT_V2_SIZE = 72, 76
PAYLOAD = b"kitbench compares framing\n" * 3000  # 78 000 bytes: two sync DATA chunks


def v2_stdin(data: bytes) -> bytes:
    return V2.pack(0, len(data)) + data


CLOSE_STDIN = V2.pack(4, 0)
# A sync session's requests go in one WRTE with the QUIT: how many of the host's WRTEs a
# device acks before it closes would otherwise race with the close, on hardware too.
QUIT = REQUEST.pack(b"QUIT", 0)  # shell_protocol.h: stdin 0, stdout 1, stderr 2, exit 3, close 4


def sync_messages(data: bytes) -> list[tuple[str, bytes]]:
    """Sync replies as (id, what identifies them across implementations)."""
    messages: list[tuple[str, bytes]] = []
    while data:
        kind = data[:4].decode()
        if kind in ("STA2", "LST2"):
            error, mode = struct.unpack_from("<I16xI", data, 4)
            messages.append((kind, struct.pack("<II", error, mode & 0o170000)))
            data = data[STAT_V2_SIZE:]
        elif kind == "STAT":
            (mode,) = struct.unpack_from("<I", data, 4)
            messages.append((kind, struct.pack("<I", mode & 0o170000)))
            data = data[16:]
        elif kind in ("DENT", "DNT2"):
            size = 20 if kind == "DENT" else DENT_V2_SIZE
            (length,) = struct.unpack_from("<I", data, size - 4)
            messages.append((kind, data[size : size + length]))
            data = data[size + length :]
        elif kind == "DONE" and messages and messages[-1][0] in ("DENT", "DNT2", "DONE-LIST"):
            size = 20 if messages[-1][0] == "DENT" else DENT_V2_SIZE
            # a directory's order is its filesystem's: compare the entries sorted
            first = next(i for i, (k, _) in enumerate(messages) if k in ("DENT", "DNT2"))
            messages[first:] = sorted(messages[first:])
            messages.append(("DONE-LIST", b""))
            data = data[size:]
        else:
            (length,) = struct.unpack_from("<I", data, 4)
            body = data[8 : 8 + length] if kind in ("DATA", "FAIL") else b""
            messages.append((kind, body))
            data = data[8 + (length if kind in ("DATA", "FAIL") else 0) :]
    return messages


def joined_data(messages: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Consecutive DATA messages as one (each side chooses its chunk sizes)."""
    joined: list[tuple[str, bytes]] = []
    for kind, body in messages:
        if kind == "DATA" and joined and joined[-1][0] == "DATA":
            joined[-1] = ("DATA", joined[-1][1] + body)
        else:
            joined.append((kind, body))
    return joined


DECOMPRESS = {
    0: bytes,
    1: brotli.decompress,
    2: lz4.frame.decompress,
    4: zstandard.ZstdDecompressor().decompressobj,
}
COMPRESS = {
    0: bytes,
    1: brotli.compress,
    2: lz4.frame.compress,
    4: lambda data: zstandard.ZstdCompressor().compress(data),
}


def unpacked(flags: int, messages: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """A RCV2's reply with its DATA decompressed: the bytes, whatever the encoder chose."""
    if flags == 4:
        return [(k, zstandard.ZstdDecompressor().decompressobj().decompress(b) if k == "DATA"
                 else b) for k, b in messages]  # fmt: skip
    return [(k, DECOMPRESS[flags](b) if k == "DATA" else b) for k, b in messages]


def sync_request(kind: bytes, path: str) -> bytes:
    return REQUEST.pack(kind, len(path.encode())) + path.encode()


def push_v1(path: str, data: bytes) -> list[bytes]:
    spec = f"{path},{0o100644}"
    return [sync_request(b"SEND", spec) + REQUEST.pack(b"DATA", len(data)) + data
            + REQUEST.pack(b"DONE", 1_700_000_000)]  # fmt: skip


def push_v2(path: str, data: bytes, flags: int) -> list[bytes]:
    encoded = COMPRESS[flags](data)
    chunks = [encoded[i : i + 65536] for i in range(0, len(encoded), 65536)]
    body = b"".join(REQUEST.pack(b"DATA", len(c)) + c for c in chunks)
    return [sync_request(b"SND2", path) + struct.pack("<4sII", b"SND2", 0o100644, flags)
            + body + REQUEST.pack(b"DONE", 1_700_000_000)]  # fmt: skip


def conversation(host: RawHost, scratch: str) -> dict[str, object]:
    """Everything both implement, in one order; the answers keyed by what was asked."""
    answers: dict[str, object] = {}

    def shell(name: str, service: str, writes: list[bytes] = ()) -> None:
        transcript = host.run(service, list(writes))
        answers[name] = (transcript.framing, shell_v2_frames(transcript.data))

    shell("v2 echo", "shell,v2,raw:echo hi")
    shell("v2 exit", "shell,v2,raw:exit 3")
    shell("v2 stderr", "shell,v2,raw:echo oops >&2; exit 1")
    shell("v2 stdin", "shell,v2,raw:cat", [v2_stdin(b"hello\n"), CLOSE_STDIN])
    shell("v2 subshell", 'shell,v2,raw:(\nexit 4\n)\necho "KB:$?"')
    shell("v2 comment", "shell,v2,raw:echo kept # note; echo lost")
    shell("v2 background", 'shell,v2,raw:false & echo "KB:$?"')
    for name, service in (("v1 echo", "shell:echo hi"), ("exec echo", "exec:echo hi")):
        transcript = host.run(service)
        answers[name] = (transcript.framing, transcript.data)
    refused = host.run("nosuch:")
    answers["unknown service"] = (refused.framing, refused.refused)

    folder = posixpath.join(scratch, f"cmp-{secrets.token_hex(4)}")  # new for each run
    target = posixpath.join(folder, "v1.txt")
    requests = [
        ("stat v1 missing", sync_request(b"STAT", posixpath.join(scratch, "missing"))),
        ("stat v2 missing", sync_request(b"STA2", posixpath.join(scratch, "missing"))),
        ("stat v2 folder", sync_request(b"STA2", scratch)),
        ("lstat v2 folder", sync_request(b"LST2", scratch)),
        ("push v1", push_v1(target, PAYLOAD)[0]),
        ("list v1", sync_request(b"LIST", folder)),
        ("list v2", sync_request(b"LIS2", folder)),
        ("stat v2 file", sync_request(b"STA2", target)),
        ("pull v1", sync_request(b"RECV", target)),
        ("pull v1 missing", sync_request(b"RECV", posixpath.join(scratch, "missing"))),
    ]
    for name, request in requests:
        transcript = host.run("sync:", [request + QUIT])
        answers[name] = (transcript.framing, sync_messages(transcript.data))
    for flags in (0, 1, 2, 4):
        path = posixpath.join(folder, f"v2-{flags}.txt")
        pushed = host.run("sync:", [push_v2(path, PAYLOAD, flags)[0] + QUIT])
        answers[f"push v2 flags {flags}"] = (pushed.framing, sync_messages(pushed.data))
        request = sync_request(b"RCV2", path) + struct.pack("<4sI", b"RCV2", flags)
        pulled = host.run("sync:", [request + QUIT])
        messages = joined_data(sync_messages(pulled.data))
        answers[f"pull v2 flags {flags}"] = (pulled.framing, unpacked(flags, messages))
    both = host.run("sync:", [sync_request(b"SND2", posixpath.join(folder, "x"))
                              + struct.pack("<4sII", b"SND2", 0o100644, 3)])  # fmt: skip
    answers["push v2 two compressions"] = (both.framing, sync_messages(both.data))
    return answers


@pytest.fixture(scope="module")
def real_adbd34():
    from tests.adbd34 import running_adbd

    with running_adbd() as adbd:
        yield adbd


@pytest.fixture
def sides(real_adbd34, start_fleet):
    """(host, port, scratch folder) of adbd 34 and of a simulated Pixel 8."""
    endpoint = start_fleet(1, auth="none", profile="pixel8").endpoints[0]
    return {
        "adbd34": (real_adbd34.host, real_adbd34.port, str(real_adbd34.workdir)),
        "sim": (endpoint.host, endpoint.port, "/data/local/tmp"),
    }


def answers_of(side, version: int, payload: int, features: str, *, talk: bool = True):
    host_name, port, scratch = side
    host = RawHost(host_name, port)
    try:
        header, banner = host.connect(version, payload, features)
        kind, _, device_features = p.parse_banner(banner)
        reply = {
            "version": header.arg0,
            "max payload": header.arg1,
            "checksummed": header.data_checksum != 0,
            "kind": kind,
            "features": device_features,
        }
        return reply, conversation(host, scratch) if talk else {}
    finally:
        host.close()


@pytest.mark.parametrize(
    ("version", "payload", "features"),
    [
        (p.A_VERSION_MIN, 4096, ""),
        (p.A_VERSION_SKIP_CHECKSUM, 256 * 1024, "shell_v2,cmd"),
        (p.A_VERSION_SKIP_CHECKSUM, 4 * p.MAX_PAYLOAD, "shell_v2,cmd,delayed_ack"),
    ],
    ids=["old-host", "adb-29-like", "delayed-ack"],
)
def test_the_connect_reply_is_adbds(sides, version, payload, features):
    real, _ = answers_of(sides["adbd34"], version, payload, features, talk=False)
    simulated, _ = answers_of(sides["sim"], version, payload, features, talk=False)
    assert simulated == real


@pytest.mark.parametrize(
    "features",
    [
        "shell_v2,cmd,stat_v2,ls_v2,sendrecv_v2",
        "shell_v2,cmd,stat_v2,ls_v2,sendrecv_v2,delayed_ack",
    ],
    ids=["acks", "delayed-ack"],
)
def test_every_service_both_implement_is_framed_alike(sides, features):
    _, real = answers_of(sides["adbd34"], p.A_VERSION_SKIP_CHECKSUM, p.MAX_PAYLOAD, features)
    _, simulated = answers_of(sides["sim"], p.A_VERSION_SKIP_CHECKSUM, p.MAX_PAYLOAD, features)
    assert list(simulated) == list(real)
    different = {name: {"adbd34": real[name], "sim": simulated[name]}
                 for name in real if simulated[name] != real[name]}  # fmt: skip
    assert not different


def test_an_open_must_agree_with_delayed_ack(sides):
    """adbd refuses an OPEN whose window says the opposite of what CNXN agreed."""
    for side in sides.values():
        host = RawHost(*side[:2])
        try:
            host.connect(p.A_VERSION_SKIP_CHECKSUM, p.MAX_PAYLOAD, "shell_v2,delayed_ack")
            assert host.run("shell,v2,raw:echo hi", window=0).refused
            opened = host.run("shell,v2,raw:echo hi", window=1 << 20)
            assert opened.events[0] == f"OKAY{(p.INITIAL_DELAYED_ACK_BYTES,)}"
        finally:
            host.close()
