"""Read what Android's package manager reads from an APK: package, versionCode, minimum SDK.

Pure parsing of bytes (no I/O), shared by the engine, which checks an install before it
pushes anything, and by the simulator, which plays the package manager. `read_apk` decodes
the binary AndroidManifest.xml with apkInspector.
"""

import importlib
import io
import logging
import re
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol, overload


def _import_apkinspector_axml() -> ModuleType:
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

Attributes = dict[str, int | str | None]


class _XmlAttribute(Protocol):
    """One attribute of an apkInspector XmlStartElement (apkInspector ships no types)."""

    name_index: int
    typed_value_datatype: int
    typed_value_data: int


class _XmlStartElement(Protocol):
    @property
    def attributes(self) -> Sequence[_XmlAttribute]: ...


@dataclass(frozen=True)
class ApkInfo:
    """What the package manager needs from an APK to install it."""

    package: str
    version_code: int
    version_name: str | None
    min_sdk: int | None  # from <uses-sdk android:minSdkVersion>, None if absent
    split: str | None = None  # <manifest split="…">: a split APK's name, None for a base APK


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
    split = manifest_attributes.get("split")
    return ApkInfo(
        package=package,
        version_code=_integer_attribute(manifest_attributes, "versionCode", default=0),
        version_name=version_name if isinstance(version_name, str) else None,
        min_sdk=_integer_attribute(uses_sdk, "minSdkVersion", default=None),
        split=split if isinstance(split, str) and split else None,
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


def _attributes(
    element: _XmlStartElement, strings: list[str], resource_names: list[str | None]
) -> Attributes:
    """Name attributes by resource id where there is one, as Android matches framework attributes
    by id rather than pool text. Keep int and string literals; other types need resources.arsc.
    """
    attributes: Attributes = {}
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


@overload
def _integer_attribute(attributes: Attributes, name: str, default: int) -> int: ...
@overload
def _integer_attribute(attributes: Attributes, name: str, default: None) -> int | None: ...
def _integer_attribute(attributes: Attributes, name: str, default: int | None) -> int | None:
    if name not in attributes:
        return default
    value = attributes[name]
    if not isinstance(value, int):
        raise NotAnApk(f"android:{name} is not an integer literal")
    return value
