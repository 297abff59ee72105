"""APKs built like real ones, for benchmarks that move them over a bus.

A real APK holds bytes that no transfer can compress further, classes.dex deflated inside the
zip (dex deflates to about half) and images, and bytes stored uncompressed that do compress:
native libraries (stored so Android can map them in place; machine code) and resources.arsc
(string pools and entry tables). `build_kitting_apk` writes such an APK of an exact size, the
shares of each part given by a `Layout`, with a manifest the app's own APK reader accepts. The
contents are pseudo-random from a seed, so the same arguments always give the same bytes.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass
from itertools import accumulate

from app.sim.apk import MANIFEST_ENTRY, build_apk

DEX_ENTRY = "classes.dex"
DEX_HEADER = b"dex\n035\x00"
DEX_DEFLATED_SHARE = 0.51  # what the dex generator's bytes deflate to (measured: 0.49-0.52)
DEX_SKEW = 1.4  # opcode k is drawn with weight 1/(k+1)^skew, about real dex's entropy
ZIP_END_RECORD = 22
# Machine code as a compiler emits it: instruction words (4 bytes, as arm64's), the common
# ones far more common; idioms of a few words repeated all over (prologues, loads, calls);
# after each idiom about 1.3 words found nowhere else (branch offsets, addresses, immediates).
NATIVE_WORDS = 4096
NATIVE_IDIOMS = 20000
NATIVE_IDIOM_WORDS = 8  # at most
NATIVE_SECOND_UNIQUE = 0.3  # the chance of a second unique word after an idiom
RESOURCE_WORDS = [
    "abc", "action", "bar", "title", "menu", "item", "color", "primary", "dark", "text",
    "size", "margin", "padding", "button", "dialog", "icon", "layout", "string", "style",
    "theme", "material", "compat", "view", "list", "header", "footer", "label", "hint",
    "error",
]  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """Shares of the APK's bytes on disk: deflated dex, stored native libraries, stored
    resources.arsc and stored images. They add up to 1."""

    dex: float = 0.0
    native: float = 0.0
    resources: float = 0.0
    images: float = 0.0


# What the kitting template's APKs hold: an app with native code, a bundle's base, its two
# config splits (native libraries for one ABI, images for one density), a small app.
MONOLITH = Layout(dex=0.35, native=0.55, resources=0.10)
BUNDLE_BASE = Layout(dex=0.75, resources=0.25)
ABI_SPLIT = Layout(native=1.0)
DENSITY_SPLIT = Layout(resources=0.25, images=0.75)
SMALL_APP = Layout(dex=0.5, native=0.35, resources=0.15)


def build_kitting_apk(
    package: str,
    version_code: int,
    size: int,
    layout: Layout,
    *,
    split: str | None = None,
    seed: int = 0,
) -> bytes:
    """An APK of exactly `size` bytes laid out as `layout`, with a binary manifest of
    `package`, `version_code` and `split` (a split APK's name)."""
    rng = random.Random(seed)
    manifest = zipfile.ZipFile(io.BytesIO(build_apk(package, version_code, split=split)))
    stored = [
        (f"lib/arm64-v8a/lib{seed}.so", layout.native, lambda n: _native(rng, n)),
        ("resources.arsc", layout.resources, lambda n: _resource_table(rng, n)),
        ("res/drawable-xxhdpi-v4/art.png", layout.images, rng.randbytes),
    ]
    stored = [(name, share, make) for name, share, make in stored if share]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add(archive, MANIFEST_ENTRY, manifest.read(MANIFEST_ENTRY), zipfile.ZIP_DEFLATED)
        if layout.dex:
            _add(archive, DEX_ENTRY, _dex(rng, layout.dex * size), zipfile.ZIP_DEFLATED)
        names = [MANIFEST_ENTRY, *([DEX_ENTRY] if layout.dex else []), *(n for n, *_ in stored)]
        directory = sum(46 + len(name) for name in names) + ZIP_END_RECORD
        left = size - buffer.tell() - directory - sum(30 + len(n) for n, *_ in stored)
        shares = sum(share for _, share, _ in stored)
        for index, (name, share, make) in enumerate(stored):
            length = left if index == len(stored) - 1 else int(left * share / shares)
            shares -= share
            left -= length
            _add(archive, name, make(length), zipfile.ZIP_STORED)
    apk = buffer.getvalue()
    if len(apk) != size:
        raise ValueError(f"{package}: {size} bytes asked for, {len(apk)} built")
    return apk


def _dex(rng: random.Random, deflated_size: float) -> bytes:
    """Bytecode-like bytes that deflate to about `deflated_size`: a skewed byte distribution,
    as opcodes and register numbers are, with no long repeats."""
    weights = [1 / (k + 1) ** DEX_SKEW for k in range(256)]
    symbols = list(range(256))
    random.Random(0).shuffle(symbols)
    table = bytearray()
    for symbol, weight in zip(symbols, weights, strict=True):
        table += bytes([symbol]) * round(weight / sum(weights) * 256)
    table = (table + bytes([symbols[0]]) * 256)[:256]
    raw = rng.randbytes(int(deflated_size / DEX_DEFLATED_SHARE) - len(DEX_HEADER))
    return DEX_HEADER + raw.translate(bytes(table))


def _native(rng: random.Random, size: int) -> bytes:
    """Bytes that compress as a real native library does. Measured on 8 MB: zstd level 9
    leaves 0.353, level 1 0.491, LZ4 0.609, brotli quality 5 0.372; x86-64 Qt 6 libraries
    0.36, 0.44, 0.57, 0.35, and arm64 libraries (numpy's and scipy's wheels) 0.21 with zstd 9
    and 0.43 with LZ4: these compress a little less than real code does."""
    words = [rng.randbytes(4) for _ in range(NATIVE_WORDS)]
    common_words = list(accumulate(1 / (k + 1) ** 1.1 for k in range(NATIVE_WORDS)))
    idioms = [
        b"".join(rng.choices(words, cum_weights=common_words,
                             k=rng.randint(1, NATIVE_IDIOM_WORDS)))
        for _ in range(NATIVE_IDIOMS)
    ]  # fmt: skip
    common_idioms = list(accumulate(1 / (k + 1) for k in range(NATIVE_IDIOMS)))
    code = bytearray()
    while len(code) < size:
        for idiom in rng.choices(idioms, cum_weights=common_idioms, k=4096):
            code += idiom
            code += rng.randbytes(8 if rng.random() < NATIVE_SECOND_UNIQUE else 4)
    return bytes(code[:size])


def _resource_table(rng: random.Random, size: int) -> bytes:
    """resources.arsc-like bytes: UTF-16 resource names and 16-byte typed entries."""
    names = [
        "_".join(rng.choices(RESOURCE_WORDS, k=rng.randint(2, 5))).encode("utf-16-le")
        for _ in range(2000)
    ]
    parts, length = [], 0
    while length < size:
        name = rng.choice(names)
        value = rng.randrange(1 << rng.choice((4, 8, 24, 32)))
        entry = struct.pack("<HHIHBBI", 8, 0, rng.randrange(20000), 8, 0, 0x10, value)
        part = struct.pack("<H", len(name) // 2) + name + b"\0\0" + entry
        parts.append(part)
        length += len(part)
    return b"".join(parts)[:size]


def _add(archive: zipfile.ZipFile, name: str, data: bytes, compression: int) -> None:
    """A zip entry with a fixed timestamp, so the same arguments give the same bytes."""
    entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    entry.compress_type = compression
    archive.writestr(entry, data, compresslevel=zlib.Z_DEFAULT_COMPRESSION)
