"""Tests for the simulator's APK builder and reader (app.sim.apk)."""

import io
import random
import struct
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path

import pytest
from apkInspector.axml import get_manifest, parse_apk_for_manifest

from app.sim.apk import (
    INT32_MAX,
    MANIFEST_ENTRY,
    PAYLOAD_ENTRY,
    ApkInfo,
    NotAnApk,
    build_apk,
    read_apk,
)

ANDROID = "{http://schemas.android.com/apk/res/android}"
REPO_ROOT = Path(__file__).resolve().parents[2]


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def manifest_of(apk: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(apk)) as archive:
        return archive.read(MANIFEST_ENTRY)


def read_or_reject(data: bytes) -> ApkInfo | None:
    """read_apk's contract for arbitrary bytes: an ApkInfo or NotAnApk, never anything else."""
    try:
        return read_apk(data)
    except NotAnApk as exc:
        assert str(exc)
        return None


@pytest.mark.parametrize(
    ("package", "version_code", "version_name", "min_sdk"),
    [
        ("com.example.pos", 1, "1.0", 21),
        ("com.example.scanner_app", 42, "2.3.1-beta", 26),
        ("org.fleet.kiosk.v2", 0, "", 34),
        ("a.b", INT32_MAX, "β-release 😀", 1),
        ("com.example.nosdk", 7, "7.0", None),
        ("com.example.longname", 3, "x" * 40_000, 21),
    ],
)
def test_round_trip(package, version_code, version_name, min_sdk):
    apk = build_apk(package, version_code, version_name, min_sdk=min_sdk)

    assert read_apk(apk) == ApkInfo(package, version_code, version_name, min_sdk)


def test_defaults():
    assert read_apk(build_apk("com.example.pos", 5)) == ApkInfo("com.example.pos", 5, "1.0", 21)


def test_same_arguments_give_identical_bytes():
    assert build_apk("com.example.pos", 3, payload_size=5000, seed=9) == build_apk(
        "com.example.pos", 3, payload_size=5000, seed=9
    )


def test_seed_changes_only_the_payload():
    assert build_apk("com.example.pos", 3, payload_size=64, seed=1) != build_apk(
        "com.example.pos", 3, payload_size=64, seed=2
    )
    assert build_apk("com.example.pos", 3, seed=1) == build_apk("com.example.pos", 3, seed=2)


@pytest.mark.parametrize("payload_size", [1, 4096, 3 * 1024 * 1024])
def test_payload_makes_apk_at_least_that_big_and_still_parses(payload_size):
    apk = build_apk("com.example.big", 9, payload_size=payload_size, seed=5)

    assert len(apk) >= payload_size
    assert read_apk(apk) == ApkInfo("com.example.big", 9, "1.0", 21)
    with zipfile.ZipFile(io.BytesIO(apk)) as archive:
        payload = archive.getinfo(PAYLOAD_ENTRY)
        assert payload.compress_type == zipfile.ZIP_STORED
        assert payload.file_size == payload_size
        assert archive.testzip() is None


def test_apk_has_dex_and_no_payload_by_default():
    with zipfile.ZipFile(io.BytesIO(build_apk("com.example.pos", 1))) as archive:
        assert archive.namelist() == [MANIFEST_ENTRY, "classes.dex"]
        assert archive.read("classes.dex").startswith(b"dex\n035\x00")


def test_manifest_chunks_are_real_axml():
    manifest = manifest_of(build_apk("com.example.pos", 42, "2.1", min_sdk=26))

    xml_type, xml_header_size, xml_size = struct.unpack_from("<HHI", manifest, 0)
    assert (xml_type, xml_header_size, xml_size) == (0x0003, 8, len(manifest))
    pool_type, pool_header_size, pool_size = struct.unpack_from("<HHI", manifest, 8)
    assert (pool_type, pool_header_size) == (0x0001, 28)
    map_type, map_header_size, map_size = struct.unpack_from("<HHI", manifest, 8 + pool_size)
    assert (map_type, map_header_size) == (0x0180, 8)
    resource_ids = struct.unpack_from(f"<{(map_size - 8) // 4}I", manifest, 16 + pool_size)
    assert set(resource_ids) == {0x0101021B, 0x0101021C, 0x0101020C, 0x01010001}
    first_node_type = struct.unpack_from("<H", manifest, 8 + pool_size + map_size)[0]
    assert first_node_type == 0x0100  # start namespace


def test_apkinspector_decodes_manifest_on_its_own():
    apk = build_apk("com.example.pos", 42, "2.1", min_sdk=26)

    for decoded in (
        get_manifest(io.BytesIO(manifest_of(apk))),
        parse_apk_for_manifest(io.BytesIO(apk), raw=True),  # its own zip reader too
    ):
        root = ElementTree.fromstring(decoded)
        assert root.tag == "manifest"
        assert root.get("package") == "com.example.pos"
        assert root.get(f"{ANDROID}versionCode") == "42"
        assert root.get(f"{ANDROID}versionName") == "2.1"
        assert root.find("uses-sdk").get(f"{ANDROID}minSdkVersion") == "26"
        assert root.find("application").get(f"{ANDROID}label") == "pos"


def test_not_a_zip():
    with pytest.raises(NotAnApk, match="not a zip"):
        read_apk(b"this is not an apk")


def test_empty_bytes():
    with pytest.raises(NotAnApk, match="not a zip"):
        read_apk(b"")


def test_zip_without_manifest():
    with pytest.raises(NotAnApk, match=r"no AndroidManifest\.xml"):
        read_apk(zip_of({"classes.dex": b"dex\n035\x00"}))


def test_zip_with_text_manifest():
    text = b'<?xml version="1.0"?><manifest package="com.example.pos"/>'
    with pytest.raises(NotAnApk, match="not binary XML"):
        read_apk(zip_of({MANIFEST_ENTRY: text}))


def test_every_truncation_of_an_apk_is_rejected():
    apk = build_apk("com.example.pos", 1)
    for length in range(len(apk)):
        with pytest.raises(NotAnApk, match="not a zip archive"):
            read_apk(apk[:length])


def test_every_truncation_of_the_manifest_is_rejected():
    manifest = manifest_of(build_apk("com.example.pos", 1))
    for length in range(len(manifest)):
        with pytest.raises(NotAnApk, match=r"not binary XML|truncated"):
            read_apk(zip_of({MANIFEST_ENTRY: manifest[:length]}))


def test_corrupt_manifest_entry_is_rejected():
    apk = bytearray(build_apk("com.example.pos", 1))
    compressed_start = 30 + len(MANIFEST_ENTRY)  # first entry's data follows its local header
    apk[compressed_start : compressed_start + 8] = bytes(8)
    with pytest.raises(NotAnApk, match="cannot extract"):
        read_apk(bytes(apk))


def test_empty_package_is_rejected():
    with pytest.raises(NotAnApk, match="no package attribute"):
        read_apk(build_apk("", 1))


@pytest.mark.parametrize("package", ["pos", "com..example", "com.1example", "com.exa mple"])
def test_package_name_android_would_refuse(package):
    with pytest.raises(NotAnApk, match="invalid package name"):
        read_apk(build_apk(package, 1))


def test_version_code_that_is_not_a_literal_is_rejected():
    apk = build_apk("com.example.pos", 12345)
    int_value = struct.pack("<HBBI", 8, 0, 0x10, 12345)  # Res_value TYPE_INT_DEC 12345
    reference = struct.pack("<HBBI", 8, 0, 0x01, 12345)  # Res_value TYPE_REFERENCE
    manifest = manifest_of(apk)
    assert manifest.count(int_value) == 1
    patched = zip_of({MANIFEST_ENTRY: manifest.replace(int_value, reference)})
    with pytest.raises(NotAnApk, match="versionCode is not an integer literal"):
        read_apk(patched)


@pytest.mark.parametrize(
    "arguments",
    [
        {"version_code": -1},
        {"version_code": INT32_MAX + 1},
        {"version_code": 1, "min_sdk": 0},
        {"version_code": 1, "payload_size": -1},
    ],
)
def test_build_rejects_unencodable_arguments(arguments):
    with pytest.raises(ValueError):
        build_apk("com.example.pos", **arguments)


def test_fuzz_random_bytes():
    rng = random.Random(1)
    for _ in range(300):
        prefix = rng.choice([b"", b"PK\x03\x04", b"PK\x05\x06", b"\x03\x00\x08\x00"])
        read_or_reject(prefix + rng.randbytes(rng.randrange(0, 2000)))


def test_fuzz_mutated_manifests():
    """Corrupt the AXML itself, then zip it validly, so apkInspector's decoder sees the damage."""
    manifest = manifest_of(build_apk("com.example.pos", 42, "2.1", min_sdk=26))
    rng = random.Random(2)
    for _ in range(400):
        mutated = bytearray(manifest)
        for _ in range(rng.randrange(1, 6)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        read_or_reject(zip_of({MANIFEST_ENTRY: bytes(mutated)}))


def test_fuzz_mutated_apks():
    apk = build_apk("com.example.pos", 42, "2.1", min_sdk=26)
    rng = random.Random(3)
    for _ in range(400):
        mutated = bytearray(apk)
        for _ in range(rng.randrange(1, 4)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        read_or_reject(bytes(mutated))


def test_import_leaves_root_logging_unconfigured():
    """apkInspector calls logging.basicConfig(level=DEBUG) on import; app.sim.apk undoes it."""
    check = (
        "import logging, app.sim.apk; root = logging.getLogger();"
        "assert not root.handlers and root.level == logging.WARNING, (root.handlers, root.level)"
    )
    subprocess.run([sys.executable, "-c", check], cwd=REPO_ROOT, check=True)
