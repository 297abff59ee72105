"""Releases: a template and every file it names, fixed by hash and signed (docs/releases.md).

A release manifest lists the template's YAML and each file it references with its SHA-256 and
size. Its canonical JSON bytes are what the publisher signs (Ed25519) and what stations verify,
so a manifest names exactly one set of bytes. Files live content-addressed (`ContentStore`), on
the backend and on stations alike.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.templates.loader import FILE_FIELDS, LoadedTemplate

MANIFEST_FORMAT = 1
KEY_PREFIX = "ed25519:"
SHA256 = re.compile(r"^[0-9a-f]{64}$")
TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
DEFAULT_CHANNEL = "production"


class ManifestError(ValueError):
    """A manifest that is not one Kitbench writes; the message says what is wrong."""


class PublisherKeyError(ValueError):
    """A publisher key (private or public) that cannot be used."""


@dataclass(frozen=True)
class ReleaseFile:
    path: str  # as the template names it, relative to the template ("apps/pos.apk")
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What a release is: the template file and every file it references, by hash."""

    name: str
    version: int
    template: ReleaseFile
    files: tuple[ReleaseFile, ...]

    def to_bytes(self) -> bytes:
        """The canonical JSON the signature covers (sorted keys, no spaces, ASCII)."""
        document = {
            "format": MANIFEST_FORMAT,
            "name": self.name,
            "version": self.version,
            "template": _file_dict(self.template),
            "files": [_file_dict(entry) for entry in self.files],
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("ascii")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()

    @property
    def all_files(self) -> tuple[ReleaseFile, ...]:
        return (self.template, *self.files)

    @property
    def size(self) -> int:
        return sum(entry.size for entry in self.all_files)

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Parse and check a manifest; the bytes must be exactly its canonical form."""
        try:
            document = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ManifestError(f"the manifest is not JSON: {exc}") from None
        if not isinstance(document, dict):
            raise ManifestError("the manifest is not a JSON object")
        if document.get("format") != MANIFEST_FORMAT:
            raise ManifestError(f"unsupported manifest format {document.get('format')!r}")
        name, version = document.get("name"), document.get("version")
        if not isinstance(name, str) or not TEMPLATE_NAME.match(name) or len(name) > 200:
            raise ManifestError(f"bad template name {name!r}")
        if type(version) is not int or not 0 <= version < 2**31:
            raise ManifestError(f"bad template version {version!r}")
        files = document.get("files")
        if not isinstance(files, list):
            raise ManifestError("files must be a list")
        manifest = cls(
            name,
            version,
            _file_from(document.get("template")),
            tuple(_file_from(entry) for entry in files),
        )
        paths = [entry.path for entry in manifest.files]
        if len(set(paths)) != len(paths):
            raise ManifestError("a file is listed twice")
        if set(document) != {"format", "name", "version", "template", "files"}:
            raise ManifestError("the manifest has unknown keys")
        if manifest.to_bytes() != data:
            raise ManifestError("the manifest is not in canonical form")
        return manifest


def _file_dict(entry: ReleaseFile) -> dict[str, Any]:
    return {"path": entry.path, "sha256": entry.sha256, "size": entry.size}


def _file_from(value: Any) -> ReleaseFile:
    if not isinstance(value, dict) or set(value) != {"path", "sha256", "size"}:
        raise ManifestError("a file entry is {path, sha256, size}")
    path, sha256, size = value["path"], value["sha256"], value["size"]
    if not isinstance(path, str) or not safe_relative_path(path):
        raise ManifestError(f"bad file path {path!r}: a relative path inside the template folder")
    if not isinstance(sha256, str) or not SHA256.match(sha256):
        raise ManifestError(f"bad sha256 for {path}")
    if type(size) is not int or size < 0:
        raise ManifestError(f"bad size for {path}")
    return ReleaseFile(path, sha256, size)


def safe_relative_path(path: str) -> bool:
    """A path that stays inside the template's folder: relative, no '..', no backslashes."""
    if not path or "\\" in path or "\x00" in path or len(path) > 1000:
        return False
    parts = PurePosixPath(path).parts
    return not PurePosixPath(path).is_absolute() and ".." not in parts and "." not in path[:1]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def referenced_files(loaded: LoadedTemplate) -> list[str]:
    """The relative paths the template names (APKs, pushed files, the DPC), in order, once."""
    found: list[str] = []

    def visit(value: Any, parent: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if (parent, key) in FILE_FIELDS and isinstance(item, str):
                    found.append(item)
                elif (parent, key) in FILE_FIELDS and isinstance(item, list):
                    found.extend(path for path in item if isinstance(path, str))
                else:
                    visit(item, key)
        elif isinstance(value, list):
            for item in value:
                visit(item, parent)

    document = loaded.template.model_dump(exclude_none=True)
    for step in document.get("steps", []):
        visit(step, "")
    visit(document.get("enrollment"), "enrollment")
    return list(dict.fromkeys(found))


def manifest_for(loaded: LoadedTemplate) -> Manifest:
    """The manifest of a validated template: its YAML and every file it names, hashed."""
    files = []
    for relative in referenced_files(loaded):
        if not safe_relative_path(relative):
            raise ManifestError(
                f"{relative}: a released template's files must be inside its folder"
                " (a relative path without '..')"
            )
        path = loaded.resolve_path(relative)
        files.append(ReleaseFile(relative, file_sha256(path), path.stat().st_size))
    template_file = ReleaseFile(loaded.path.name, loaded.sha256, loaded.path.stat().st_size)
    return Manifest(loaded.template.name, loaded.template.version, template_file, tuple(files))


# -- keys and signatures


def public_key_text(key: Ed25519PublicKey) -> str:
    """`ed25519:` and the raw 32-byte key in base64: one line to paste into a station."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KEY_PREFIX + base64.b64encode(raw).decode("ascii")


def parse_public_key(text: str) -> Ed25519PublicKey:
    text = text.strip()
    if not text.startswith(KEY_PREFIX):
        raise PublisherKeyError(f"a publisher key looks like {KEY_PREFIX}BASE64, not {text[:20]!r}")
    try:
        raw = base64.b64decode(text[len(KEY_PREFIX) :], validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise PublisherKeyError(f"not an Ed25519 public key: {text[:20]}…") from None


def new_private_key() -> tuple[bytes, str]:
    """A new publisher key: (its private PEM, its public key text)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem, public_key_text(key.public_key())


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise PublisherKeyError(f"not a PEM private key without a password: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise PublisherKeyError(
            "the private key is not an Ed25519 key (make one: kitbench keys create-publisher)"
        )
    return key


def sign(key: Ed25519PrivateKey, manifest: Manifest) -> str:
    return base64.b64encode(key.sign(manifest.to_bytes())).decode("ascii")


def signature_valid(public_key: str, manifest_bytes: bytes, signature: str) -> bool:
    try:
        key = parse_public_key(public_key)
        key.verify(base64.b64decode(signature, validate=True), manifest_bytes)
    except (PublisherKeyError, InvalidSignature, binascii.Error, ValueError):
        return False
    return True


# -- content-addressed files


class ContentStore:
    """Files named by their SHA-256 under `root/ab/abcdef…`; a name is a promise of content."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int | None:
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def adopt(self, sha256: str, source: Path) -> Path:
        """Move a complete, verified file into the store (read-only), atomically."""
        target = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(source, 0o444)
        os.replace(source, target)
        return target

    def hashes(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if folder.is_dir() and len(folder.name) == 2:
                for entry in folder.iterdir():
                    if SHA256.match(entry.name):
                        yield entry.name

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)
