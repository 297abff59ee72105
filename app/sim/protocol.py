"""The ADB wire format, device side: packet framing, checksums and host key verification.

Follows AOSP's `packages/modules/adb/docs/dev/protocol.md`: a 24-byte little-endian
header (command, arg0, arg1, data length, data checksum, magic) then the payload.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

A_SYNC = 0x434E5953
A_CNXN = 0x4E584E43
A_AUTH = 0x48545541
A_OPEN = 0x4E45504F
A_OKAY = 0x59414B4F
A_CLSE = 0x45534C43
A_WRTE = 0x45545257
A_STLS = 0x534C5453

COMMAND_NAMES = {
    A_SYNC: "SYNC",
    A_CNXN: "CNXN",
    A_AUTH: "AUTH",
    A_OPEN: "OPEN",
    A_OKAY: "OKAY",
    A_CLSE: "CLSE",
    A_WRTE: "WRTE",
    A_STLS: "STLS",
}

A_VERSION_MIN = 0x01000000
# From this version on (Android 9) both sides send a zero data checksum.
A_VERSION_SKIP_CHECKSUM = 0x01000001
A_VERSION = A_VERSION_SKIP_CHECKSUM
SDK_SKIP_CHECKSUM = 28

AUTH_TOKEN = 1
AUTH_SIGNATURE = 2
AUTH_RSAPUBLICKEY = 3
TOKEN_SIZE = 20

HEADER = struct.Struct("<6I")
HEADER_SIZE = HEADER.size

# Android 9 raised adbd's payload limit from 256 KiB to 1 MiB.
MAX_PAYLOAD_LEGACY = 256 * 1024
MAX_PAYLOAD = 1024 * 1024
# With delayed_ack, what adbd lets a host send on a new stream before its first ack (adb.h).
INITIAL_DELAYED_ACK_BYTES = 32 * 1024 * 1024
DELAYED_ACK = "delayed_ack"

# What each release's adbd puts in its CNXN banner, in its order: adbd 34.0.5 as it answers
# (Android 14); Android 13's packages/modules/adb before delayed_ack; Android 11's and 8's as
# devices of those releases answer (their FeatureSet was an unordered_set, hence the order).
ADBD_FEATURES: dict[int, tuple[str, ...]] = {
    34: (
        "shell_v2", "cmd", "stat_v2", "ls_v2", "fixed_push_mkdir", "apex", "abb",
        "fixed_push_symlink_timestamp", "abb_exec", "remount_shell", "track_app", "sendrecv_v2",
        "sendrecv_v2_brotli", "sendrecv_v2_lz4", "sendrecv_v2_zstd", "sendrecv_v2_dry_run_send",
        "openscreen_mdns", DELAYED_ACK,
    ),
    33: (
        "shell_v2", "cmd", "stat_v2", "ls_v2", "fixed_push_mkdir", "apex", "abb",
        "fixed_push_symlink_timestamp", "abb_exec", "remount_shell", "track_app", "sendrecv_v2",
        "sendrecv_v2_brotli", "sendrecv_v2_lz4", "sendrecv_v2_zstd", "sendrecv_v2_dry_run_send",
        "openscreen_mdns",
    ),
    30: (
        "sendrecv_v2_brotli", "remount_shell", "sendrecv_v2", "abb_exec", "fixed_push_mkdir",
        "fixed_push_symlink_timestamp", "abb", "shell_v2", "cmd", "ls_v2", "apex", "stat_v2",
    ),
    27: ("cmd", "stat_v2", "shell_v2"),
}  # fmt: skip


def adbd_features(sdk: int) -> tuple[str, ...]:
    """The features the adbd of an Android release advertises (the newest release not after it)."""
    known = max(
        (release for release in ADBD_FEATURES if release <= sdk), default=min(ADBD_FEATURES)
    )
    return ADBD_FEATURES[known]


class ProtocolError(Exception):
    """The peer sent something that is not ADB: the connection must be dropped."""


@dataclass(frozen=True)
class Packet:
    command: int
    arg0: int
    arg1: int
    data: bytes | bytearray = b""  # a large payload arrives in its own bytearray, uncopied

    @property
    def name(self) -> str:
        return COMMAND_NAMES.get(self.command, f"0x{self.command:08x}")


def checksum(data: bytes | bytearray) -> int:
    """ADB's data checksum: the byte sum, modulo 2**32."""
    return sum(data) & 0xFFFFFFFF


def encode(
    command: int, arg0: int, arg1: int, data: bytes = b"", *, with_checksum: bool = True
) -> bytes:
    """A packet; without `with_checksum` the checksum is 0, as adbd sends it from Android 9."""
    return encode_header(command, arg0, arg1, data, with_checksum=with_checksum) + data


def encode_header(
    command: int, arg0: int, arg1: int, data: bytes = b"", *, with_checksum: bool = True
) -> bytes:
    data_check = checksum(data) if with_checksum else 0
    return HEADER.pack(command, arg0, arg1, len(data), data_check, command ^ 0xFFFFFFFF)


def adbd_version(sdk: int) -> int:
    """The protocol version a device's adbd speaks: Android 9 brought the checksum-free one."""
    return A_VERSION if sdk >= SDK_SKIP_CHECKSUM else A_VERSION_MIN


def connect_reply_version(sdk: int, host_version: int) -> int:
    """arg0 of adbd's CNXN: its own version since Android 9 (send_connect sends A_VERSION),
    the negotiated (lower) one before; the checksums follow the negotiated one either way."""
    own = adbd_version(sdk)
    return own if sdk >= SDK_SKIP_CHECKSUM else min(own, host_version)


@dataclass(frozen=True)
class Header:
    command: int
    arg0: int
    arg1: int
    length: int
    data_checksum: int


def decode_header(raw: bytes | bytearray, max_payload: int) -> Header:
    """Parse and sanity-check a header; raise ProtocolError for anything a real adbd drops."""
    command, arg0, arg1, length, data_checksum, magic = HEADER.unpack(raw)
    if magic != command ^ 0xFFFFFFFF:
        raise ProtocolError(f"bad magic 0x{magic:08x} for command 0x{command:08x}")
    if command not in COMMAND_NAMES:
        raise ProtocolError(f"unknown command 0x{command:08x}")
    if length > max_payload:
        raise ProtocolError(f"payload of {length} bytes exceeds the maximum of {max_payload}")
    return Header(command, arg0, arg1, length, data_checksum)


def parse_banner(data: bytes) -> tuple[str, dict[str, str], list[str]]:
    """Split `kind::key=value;...;features=a,b` into its kind, properties and features."""
    text = data.rstrip(b"\0").decode("utf-8", "replace")
    kind, _, rest = text.partition("::")
    props: dict[str, str] = {}
    for item in rest.split(";"):
        key, sep, value = item.partition("=")
        if sep:
            props[key] = value
    features = [f for f in props.pop("features", "").split(",") if f]
    return kind, props, features


def host_features(payload: bytes | bytearray) -> list[str]:
    """The features of a host's CNXN banner read as adbd reads them (adb.cpp parse_banner):
    the whole payload, so a NUL the host appended stays on its last feature."""
    pieces = bytes(payload).decode("utf-8", "replace").split(":")
    features: list[str] = []
    for prop in pieces[2].split(";") if len(pieces) > 2 else []:
        key_value = prop.split("=")
        if len(key_value) == 2 and key_value[0] == "features":
            features = key_value[1].split(",")
    return features


# Android's `RSAPublicKey` struct (little-endian words): size in words, n0inv,
# modulus, R^2 mod N, exponent. Base64 of it, then " user@host", then NUL.
_ANDROID_KEY_WORDS = 64
_ANDROID_KEY_SIZE = 4 + 4 + 4 * _ANDROID_KEY_WORDS * 2 + 4


def decode_android_pubkey(blob: bytes) -> rsa.RSAPublicKey:
    """Turn what the host sends in AUTH(RSAPUBLICKEY) into a public key; ValueError if malformed."""
    encoded = blob.rstrip(b"\0").split(b" ", 1)[0]
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError as exc:
        raise ValueError("public key is not base64") from exc
    if len(raw) != _ANDROID_KEY_SIZE:
        raise ValueError(f"public key struct is {len(raw)} bytes, expected {_ANDROID_KEY_SIZE}")
    (words,) = struct.unpack_from("<I", raw, 0)
    if words != _ANDROID_KEY_WORDS:
        raise ValueError(f"unsupported key size of {words} words")
    modulus = int.from_bytes(raw[8 : 8 + 4 * words], "little")
    (exponent,) = struct.unpack_from("<I", raw, 8 + 8 * words)
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


def key_fingerprint(blob: bytes) -> bytes:
    """The part of a host key that identifies it: its base64 struct, without user@host."""
    return blob.rstrip(b"\0").split(b" ", 1)[0].strip()


def signature_matches(key_blob: bytes, token: bytes, signature: bytes) -> bool:
    """True when `signature` is the host's RSA/SHA-1 signature of `token` by that key.

    adb signs the random token as if it were a SHA-1 digest (RSA_sign(NID_sha1, ...)).
    """
    try:
        key = decode_android_pubkey(key_blob)
        key.verify(signature, token, padding.PKCS1v15(), Prehashed(hashes.SHA1()))
    except (InvalidSignature, ValueError):
        return False
    return True
