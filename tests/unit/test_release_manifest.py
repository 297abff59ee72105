"""Release manifests, signatures and loading a release's files from the cache."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from app.templates import CachedFile, ReleaseOrigin, TemplateError, load_template
from app.templates.release import (
    ContentStore,
    Manifest,
    ManifestError,
    load_private_key,
    manifest_for,
    new_private_key,
    sign,
    signature_valid,
)

TEMPLATE = """\
kitbench: 1
name: kiosk
version: 2
steps:
  - push: {src: files/a.txt, dest: /sdcard/a.txt}
  - push: {src: files/b.txt, dest: /sdcard/b.txt}
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "a.txt").write_text("alpha")
    (tmp_path / "files" / "b.txt").write_text("beta")
    (tmp_path / "kiosk.yaml").write_text(TEMPLATE)
    return tmp_path


def test_a_manifest_names_every_file_by_hash_and_round_trips(folder):
    manifest = manifest_for(load_template(folder / "kiosk.yaml"))
    assert [entry.path for entry in manifest.files] == ["files/a.txt", "files/b.txt"]
    assert manifest.files[0].sha256 == hashlib.sha256(b"alpha").hexdigest()
    assert Manifest.from_bytes(manifest.to_bytes()) == manifest
    with pytest.raises(ManifestError, match="canonical"):
        Manifest.from_bytes(manifest.to_bytes().replace(b",", b", ", 1))


def test_a_signature_covers_every_file_hash(folder):
    pem, public = new_private_key()
    manifest = manifest_for(load_template(folder / "kiosk.yaml"))
    signature = sign(load_private_key(pem), manifest)
    assert signature_valid(public, manifest.to_bytes(), signature)
    other = dataclasses.replace(manifest.files[1], sha256="0" * 64)
    changed = dataclasses.replace(manifest, files=(manifest.files[0], other))
    assert not signature_valid(public, changed.to_bytes(), signature)
    assert not signature_valid(new_private_key()[1], manifest.to_bytes(), signature)


def test_a_template_with_files_outside_its_folder_cannot_be_released(tmp_path):
    (tmp_path / "shared.txt").write_text("x")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "t.yaml").write_text(
        "kitbench: 1\nname: t\nversion: 1\nsteps:\n  - push: {src: ../shared.txt, dest: /a}\n"
    )
    with pytest.raises(ManifestError, match="inside its folder"):
        manifest_for(load_template(tmp_path / "t" / "t.yaml"))


def release_in_cache(folder, tmp_path):
    """The template beside no files; its files only in a content store, as a station has."""
    manifest = manifest_for(load_template(folder / "kiosk.yaml"))
    store = ContentStore(tmp_path / "cache")
    files = {}
    for entry in manifest.files:
        source = tmp_path / "incoming"
        source.write_bytes((folder / entry.path).read_bytes())
        files[entry.path] = CachedFile(store.adopt(entry.sha256, source), entry.sha256)
    pulled = tmp_path / "pulled"
    pulled.mkdir()
    (pulled / "kiosk-v2.yaml").write_text(TEMPLATE)
    origin = ReleaseOrigin(manifest.sha256, "canary", manifest.template.sha256)
    return pulled / "kiosk-v2.yaml", files, origin


def test_a_release_loads_its_files_from_the_cache(folder, tmp_path):
    path, files, origin = release_in_cache(folder, tmp_path)
    loaded = load_template(path, files=files, release=origin)
    assert loaded.release == origin
    assert loaded.resolve_path("files/b.txt") == files["files/b.txt"].path
    assert loaded.resolve_path("files/b.txt").read_text() == "beta"


def test_a_damaged_cache_file_is_named_when_the_release_loads(folder, tmp_path):
    path, files, origin = release_in_cache(folder, tmp_path)
    damaged = files["files/a.txt"].path
    damaged.chmod(0o644)
    damaged.write_text("ALPHA")
    with pytest.raises(TemplateError, match=r"files/a\.txt in the release cache is damaged"):
        load_template(path, files=files, release=origin)


def test_a_changed_release_template_is_refused(folder, tmp_path):
    path, files, origin = release_in_cache(folder, tmp_path)
    path.write_text(TEMPLATE.replace("/sdcard/b.txt", "/sdcard/c.txt"))
    with pytest.raises(TemplateError, match="differs from its release"):
        load_template(path, files=files, release=origin)
