"""Read and build Android APKs for the device simulator.

A simulated device learns what Android's package manager learns from an APK before installing
it: the package name, the version and the minimum SDK. `read_apk` decodes them from the binary
AndroidManifest.xml with apkInspector. `build_apk` writes small but genuine APKs, so tests,
benchmarks and the demo never need committed binaries.
"""

import importlib
import io
import logging
import random
import re
import struct
import zipfile
from dataclasses import dataclass


def _import_apkinspector_axml():
    """Import apkInspector's AXML decoder without letting it configure logging.

    apkInspector calls `logging.basicConfig(level=DEBUG)` on import, which would send every debug
    record to stderr and turn the application's own later `basicConfig` into a no-op.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    axml = importlib.import_module("apkInspector.axml")
    root.handlers[:] = handlers
    root.setLevel(level)
    return axml


_axml = _import_apkinspector_axml()

MANIFEST_ENTRY = "AndroidManifest.xml"
ANDROID_NAMESPACE = "http://schemas.android.com/apk/res/android"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024  # far above real manifests; keeps zip bombs out of memory
INT32_MAX = 2**31 - 1
PACKAGE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+")

# Chunk and value types from AOSP's ResourceTypes.h.
RES_STRING_POOL_TYPE = 0x0001
RES_XML_TYPE = 0x0003
RES_XML_START_NAMESPACE_TYPE = 0x0100
RES_XML_END_NAMESPACE_TYPE = 0x0101
RES_XML_START_ELEMENT_TYPE = 0x0102
RES_XML_END_ELEMENT_TYPE = 0x0103
RES_XML_RESOURCE_MAP_TYPE = 0x0180
TYPE_STRING = 0x03
TYPE_FIRST_INT = 0x10
TYPE_INT_DEC = 0x10
TYPE_LAST_INT = 0x1F
NO_INDEX = 0xFFFFFFFF

# The framework attributes we write or read, in resource id order as aapt emits them.
ANDROID_ATTRIBUTE_IDS = {
    "label": 0x01010001,
    "minSdkVersion": 0x0101020C,
    "versionCode": 0x0101021B,
    "versionName": 0x0101021C,
}
ANDROID_ATTRIBUTE_NAMES = {res_id: name for name, res_id in ANDROID_ATTRIBUTE_IDS.items()}

# The simulator never runs code; the entry exists because every real APK has one.
DEX_STUB = b"dex\n035\x00" + bytes(0x68)
PAYLOAD_ENTRY = "assets/payload.bin"

Attributes = dict[str, int | str | None]


@dataclass(frozen=True)
class ApkInfo:
    """What the package manager needs from an APK to install it."""

    package: str
    version_code: int
    version_name: str | None
    min_sdk: int | None  # from <uses-sdk android:minSdkVersion>, None if absent


class NotAnApk(ValueError):
    """The bytes are not an APK Android could parse; str(e) is a short reason."""


def read_apk(data: bytes) -> ApkInfo:
    """Decode package, version and minimum SDK the way the package manager would need them.

    Raises NotAnApk, and nothing else, for any input bytes.
    """
    manifest = _read_manifest_entry(data)
    if len(manifest) < 8 or struct.unpack_from("<HH", manifest) != (RES_XML_TYPE, 8):
        raise NotAnApk(f"{MANIFEST_ENTRY} is not binary XML")
    if struct.unpack_from("<I", manifest, 4)[0] > len(manifest):
        raise NotAnApk(f"{MANIFEST_ENTRY} is truncated")  # Android checks this before parsing
    elements = _decode_start_elements(manifest)
    if not elements or elements[0][0] != "manifest":
        raise NotAnApk(f"{MANIFEST_ENTRY} has no <manifest> root element")
    manifest_attributes = elements[0][1]
    package = manifest_attributes.get("package")
    if not isinstance(package, str) or not package:
        raise NotAnApk("<manifest> has no package attribute")
    if not PACKAGE_NAME.fullmatch(package):
        raise NotAnApk(f"invalid package name {package!r}")
    uses_sdk = next((attributes for tag, attributes in elements if tag == "uses-sdk"), {})
    version_name = manifest_attributes.get("versionName")
    return ApkInfo(
        package=package,
        version_code=_integer_attribute(manifest_attributes, "versionCode", default=0),
        version_name=version_name if isinstance(version_name, str) else None,
        min_sdk=_integer_attribute(uses_sdk, "minSdkVersion", default=None),
    )


def _read_manifest_entry(data: bytes) -> bytes:
    """Extract AndroidManifest.xml; the zip layer's many exception types become NotAnApk."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:
        raise NotAnApk("not a zip archive (or truncated)") from exc
    with archive:
        try:
            entry = archive.getinfo(MANIFEST_ENTRY)
        except KeyError:
            raise NotAnApk(f"no {MANIFEST_ENTRY} in the archive") from None
        if entry.file_size > MAX_MANIFEST_BYTES:
            raise NotAnApk(f"{MANIFEST_ENTRY} is implausibly large ({entry.file_size} bytes)")
        try:
            return archive.read(entry)
        except Exception as exc:
            raise NotAnApk(f"cannot extract {MANIFEST_ENTRY}: {exc}") from exc


def _decode_start_elements(manifest: bytes) -> list[tuple[str, Attributes]]:
    """Return (tag, {attribute: value}) for each start tag in document order.

    apkInspector reports malformed input through whatever exception the bad offset causes
    (struct.error, IndexError, ValueError, UnicodeDecodeError, AttributeError...), and so would
    looking up its string indices here, hence the single broad handler.
    """
    try:
        tree = _axml.ManifestStruct.parse(io.BytesIO(manifest))
        strings = tree.string_pool.string_list
        resource_names = [
            ANDROID_ATTRIBUTE_NAMES.get(res_id) for res_id in tree.resource_map.resids
        ]
        return [
            (strings[element.attrext[1]], _attributes(element, strings, resource_names))
            for element in tree.elements
            if isinstance(element, _axml.XmlStartElement)
        ]
    except Exception as exc:
        raise NotAnApk(f"undecodable {MANIFEST_ENTRY}: {exc or type(exc).__name__}") from exc


def _attributes(element, strings: list[str], resource_names: list[str | None]) -> Attributes:
    """Name attributes by resource id where there is one, as Android matches framework attributes
    by id rather than pool text. Keep int and string literals; other types need resources.arsc.
    """
    attributes = {}
    for attribute in element.attributes:
        index, value_type = attribute.name_index, attribute.typed_value_datatype
        name = (resource_names[index] if index < len(resource_names) else None) or strings[index]
        if TYPE_FIRST_INT <= value_type <= TYPE_LAST_INT:
            attributes[name] = attribute.typed_value_data
        elif value_type == TYPE_STRING:
            attributes[name] = strings[attribute.typed_value_data]
        else:
            attributes[name] = None
    return attributes


def _integer_attribute(attributes: Attributes, name: str, default: int | None) -> int | None:
    if name not in attributes:
        return default
    if not isinstance(attributes[name], int):
        raise NotAnApk(f"android:{name} is not an integer literal")
    return attributes[name]


def build_apk(
    package: str,
    version_code: int,
    version_name: str = "1.0",
    *,
    min_sdk: int | None = 21,
    payload_size: int = 0,
    seed: int = 0,
) -> bytes:
    """Build a minimal real APK: binary manifest, a classes.dex stub, optionally a payload.

    The payload is a stored (uncompressed) asset of `payload_size` pseudo-random bytes derived
    from `seed`, so the APK is at least that big. `min_sdk=None` omits <uses-sdk>. `package` is
    written unchecked, so tests can build APKs Android would reject. The same arguments always
    give the same bytes.
    """
    if not 0 <= version_code <= INT32_MAX:
        raise ValueError(f"version_code must be in 0..{INT32_MAX}, got {version_code}")
    if min_sdk is not None and not 1 <= min_sdk <= INT32_MAX:
        raise ValueError(f"min_sdk must be in 1..{INT32_MAX}, got {min_sdk}")
    if payload_size < 0:
        raise ValueError(f"payload_size must not be negative, got {payload_size}")
    label = package.rsplit(".", 1)[-1]
    manifest = _manifest_axml(package, version_code, version_name, min_sdk, label)
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
    package: str, version_code: int, version_name: str, min_sdk: int | None, label: str
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
