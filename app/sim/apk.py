"""Build Android APKs for the device simulator, and read them as its package manager does.

`build_apk` writes small but genuine APKs, so tests, benchmarks and the demo never need
committed binaries. Reading lives in `app.core.apk`, shared with the engine.
"""

import io
import random
import struct
import zipfile

from app.core.apk import (
    ANDROID_ATTRIBUTE_IDS,
    ANDROID_NAMESPACE,
    INT32_MAX,
    MANIFEST_ENTRY,
    NO_INDEX,
    RES_STRING_POOL_TYPE,
    RES_XML_END_ELEMENT_TYPE,
    RES_XML_END_NAMESPACE_TYPE,
    RES_XML_RESOURCE_MAP_TYPE,
    RES_XML_START_ELEMENT_TYPE,
    RES_XML_START_NAMESPACE_TYPE,
    RES_XML_TYPE,
    TYPE_INT_DEC,
    TYPE_STRING,
    ApkInfo,
    NotAnApk,
    read_apk,
)

__all__ = [
    "INT32_MAX",
    "MANIFEST_ENTRY",
    "PAYLOAD_ENTRY",
    "ApkInfo",
    "NotAnApk",
    "build_apk",
    "read_apk",
]

# The simulator never runs code; the entry exists because every real APK has one.
DEX_STUB = b"dex\n035\x00" + bytes(0x68)
PAYLOAD_ENTRY = "assets/payload.bin"


def build_apk(
    package: str,
    version_code: int,
    version_name: str = "1.0",
    *,
    min_sdk: int | None = 21,
    payload_size: int = 0,
    seed: int = 0,
    split: str | None = None,
) -> bytes:
    """Build a minimal real APK: binary manifest, a classes.dex stub, optionally a payload.

    The payload is a stored (uncompressed) asset of `payload_size` pseudo-random bytes derived
    from `seed`, so the APK is at least that big. `min_sdk=None` omits <uses-sdk>. `package` is
    written unchecked, so tests can build APKs Android would reject. The same arguments always
    give the same bytes. `split` names a split APK of the package (<manifest split="…">).
    """
    if not 0 <= version_code <= INT32_MAX:
        raise ValueError(f"version_code must be in 0..{INT32_MAX}, got {version_code}")
    if min_sdk is not None and not 1 <= min_sdk <= INT32_MAX:
        raise ValueError(f"min_sdk must be in 1..{INT32_MAX}, got {min_sdk}")
    if payload_size < 0:
        raise ValueError(f"payload_size must not be negative, got {payload_size}")
    label = package.rsplit(".", 1)[-1]
    manifest = _manifest_axml(package, version_code, version_name, min_sdk, label, split)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add_entry(archive, MANIFEST_ENTRY, manifest, zipfile.ZIP_DEFLATED)
        _add_entry(archive, "classes.dex", DEX_STUB, zipfile.ZIP_DEFLATED)
        if payload_size:
            payload = random.Random(seed).randbytes(payload_size)
            _add_entry(archive, PAYLOAD_ENTRY, payload, zipfile.ZIP_STORED)
    return buffer.getvalue()


def _add_entry(archive: zipfile.ZipFile, name: str, data: bytes, compression: int) -> None:
    """Fix timestamp, host system and mode, which zipfile otherwise takes from the environment."""
    entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    entry.create_system = 3  # Unix
    entry.external_attr = 0o644 << 16
    entry.compress_type = compression
    archive.writestr(entry, data)


class _StringPool:
    """Interns strings; AXML chunks refer to strings by their index in the pool."""

    def __init__(self, leading: list[str]) -> None:
        self._indices = {text: index for index, text in enumerate(leading)}

    def index(self, text: str) -> int:
        return self._indices.setdefault(text, len(self._indices))

    def chunk(self) -> bytes:
        """A UTF-16 ResStringPool: header, one offset per string, then the string data."""
        encoded = [_utf16_pool_string(text) for text in self._indices]
        offsets, position = [], 0
        for data in encoded:
            offsets.append(position)
            position += len(data)
        string_data = b"".join(encoded)
        string_data += bytes(-len(string_data) % 4)  # chunks stay 4-byte aligned
        strings_start = 28 + 4 * len(offsets)
        header = struct.pack("<IIIII", len(offsets), 0, 0, strings_start, 0)
        body = struct.pack(f"<{len(offsets)}I", *offsets) + string_data
        return _chunk(RES_STRING_POOL_TYPE, header, body)


def _utf16_pool_string(text: str) -> bytes:
    """Length in UTF-16 units (two words with the high bit set past 0x7FFF), units, NUL."""
    units = text.encode("utf-16-le")
    length = len(units) // 2
    if length > 0x7FFF:
        prefix = struct.pack("<HH", 0x8000 | length >> 16, length & 0xFFFF)
    else:
        prefix = struct.pack("<H", length)
    return prefix + units + b"\x00\x00"


def _chunk(chunk_type: int, header: bytes, body: bytes) -> bytes:
    """Prefix a ResChunk_header; `header` is the rest of the type-specific header."""
    header_size = 8 + len(header)
    return struct.pack("<HHI", chunk_type, header_size, header_size + len(body)) + header + body


def _node(chunk_type: int, line: int, body: bytes) -> bytes:
    """An XML tree node: its header adds a line number and a (absent) comment."""
    return _chunk(chunk_type, struct.pack("<II", line, NO_INDEX), body)


def _manifest_axml(
    package: str,
    version_code: int,
    version_name: str,
    min_sdk: int | None,
    label: str,
    split: str | None = None,
) -> bytes:
    """Compile the manifest to AXML as aapt would: pool, resource map, then the node chunks.

    Attribute names with a resource id come first in the pool, because the resource map gives
    the ids of pool entries 0..n-1.
    """
    pool = _StringPool(list(ANDROID_ATTRIBUTE_IDS))
    android = pool.index(ANDROID_NAMESPACE)
    prefix = pool.index("android")

    def attribute(name: str, value: int | str, namespace: int = android) -> bytes:
        if isinstance(value, int):
            raw_value, value_type, data = NO_INDEX, TYPE_INT_DEC, value
        else:
            raw_value = data = pool.index(value)
            value_type = TYPE_STRING
        return struct.pack(
            "<IIIHBBI", namespace, pool.index(name), raw_value, 8, 0, value_type, data
        )

    def element(line: int, tag: str, attributes: list[bytes], children: bytes = b"") -> bytes:
        start = struct.pack(
            "<IIHHHHHH", NO_INDEX, pool.index(tag), 20, 20, len(attributes), 0, 0, 0
        )
        end = struct.pack("<II", NO_INDEX, pool.index(tag))
        return (
            _node(RES_XML_START_ELEMENT_TYPE, line, start + b"".join(attributes))
            + children
            + _node(RES_XML_END_ELEMENT_TYPE, line, end)
        )

    uses_sdk = (
        b"" if min_sdk is None else element(3, "uses-sdk", [attribute("minSdkVersion", min_sdk)])
    )
    application = element(4, "application", [attribute("label", label)])
    manifest_attributes = [
        attribute("versionCode", version_code),
        attribute("versionName", version_name),
        attribute("package", package, namespace=NO_INDEX),
    ]
    if split is not None:
        manifest_attributes.append(attribute("split", split, namespace=NO_INDEX))
    namespace = struct.pack("<II", prefix, android)
    nodes = (
        _node(RES_XML_START_NAMESPACE_TYPE, 2, namespace)
        + element(2, "manifest", manifest_attributes, uses_sdk + application)
        + _node(RES_XML_END_NAMESPACE_TYPE, 2, namespace)
    )
    resource_map = struct.pack(f"<{len(ANDROID_ATTRIBUTE_IDS)}I", *ANDROID_ATTRIBUTE_IDS.values())
    return _chunk(
        RES_XML_TYPE,
        b"",
        pool.chunk() + _chunk(RES_XML_RESOURCE_MAP_TYPE, b"", resource_map) + nodes,
    )
