"""Split APK sets from a bundletool `.apks` archive.

bundletool's `build-apks` writes a zip with `toc.pb` (a BuildApksResult protobuf that says which
APK serves which device: ABI, screen density, language, SDK) and the APKs under `splits/`
(base-master.apk and config splits, for Android 5+) and `standalones/` (for older devices).
Kitbench installs every APK under `splits/` as one set and does not read toc.pb: picking by
toc.pb's targeting would need its protobuf schema and each device's ABI, density and locales,
and the package manager accepts config splits a device does not use. An admin who wants only
the fitting splits on the devices builds the archive for the fleet (`--device-spec`), or lists
the APKs in the template instead.
"""

from __future__ import annotations

import os
import tempfile
import threading
import zipfile
from pathlib import Path, PurePosixPath

SPLITS_FOLDER = "splits/"
_extracting = threading.Lock()


class NotAnApkSet(ValueError):
    """The archive holds no installable split set: `detail` is why it cannot be read, ""
    when it holds no splits/*.apk."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or "no splits/*.apk")
        self.detail = detail


def archive_splits(archive: Path, sha256: str) -> list[Path]:
    """The archive's splits/*.apk, base first, extracted once per content (by `sha256`)
    into the temporary folder, however many devices install them."""
    folder = Path(tempfile.gettempdir()) / "kitbench-apks" / sha256[:32]
    with _extracting:
        done = folder / ".complete"
        if not done.exists():
            _extract(archive, folder)
            done.touch()
        names = folder.glob("*.apk")
        return sorted(names, key=lambda path: (path.name != "base-master.apk", path.name))


def _extract(archive: Path, folder: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as bundle:
            entries = [
                entry
                for entry in bundle.infolist()
                if entry.filename.startswith(SPLITS_FOLDER) and entry.filename.endswith(".apk")
            ]
            if not entries:
                raise NotAnApkSet()
            folder.mkdir(parents=True, exist_ok=True)
            for entry in entries:
                target = folder / PurePosixPath(entry.filename).name
                partial = target.with_suffix(".part")
                partial.write_bytes(bundle.read(entry))
                os.replace(partial, target)
    except (zipfile.BadZipFile, OSError) as exc:
        raise NotAnApkSet(str(exc)) from None
