"""The evidence a failed step keeps: capped from the end, and only the package's own lines."""

from app.core.evidence import capped, png_size
from app.provisioning.evidence import package_lines

DUMP = """\
Activity Resolver Table:
  Non-Data Actions:
      android.intent.action.MAIN:
        1f2e3d4 com.example.kiosk/.Main filter 5a6b7c8
Packages:
  Package [com.example.kiosk] (1a2b3c4):
    userId=10123
    codePath=/data/app/~~AbC==/com.example.kiosk-XyZ==
    versionCode=7 minSdk=26 targetSdk=34
    versionName=7.0
    splits=[base]
    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ]
    dataDir=/data/user/0/com.example.kiosk
    lastUpdateTime=2026-12-07 15:10:42
    installerPackageName=com.android.shell
    User 0: ceDataInode=1234 installed=true hidden=false enabled=0
  Package [com.example.other] (5d6e7f8):
    versionCode=1 minSdk=21 targetSdk=34
"""


def test_only_the_packages_own_state_is_kept():
    lines = package_lines(DUMP, "com.example.kiosk").splitlines()
    assert lines == [
        "  Package [com.example.kiosk] (1a2b3c4):",
        "    codePath=/data/app/~~AbC==/com.example.kiosk-XyZ==",
        "    versionCode=7 minSdk=26 targetSdk=34",
        "    versionName=7.0",
        "    splits=[base]",
        "    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ]",
        "    lastUpdateTime=2026-12-07 15:10:42",
        "    installerPackageName=com.android.shell",
        "    User 0: ceDataInode=1234 installed=true hidden=false enabled=0",
    ]


def test_a_package_the_device_does_not_know_says_so():
    dump = "Dexopt state:\n  Unable to find package: com.example.gone\n"
    assert package_lines(dump, "com.example.gone") == "  Unable to find package: com.example.gone"
    assert package_lines("", "com.example.gone") == "(nothing about com.example.gone)"


def test_capping_keeps_the_last_whole_lines_and_says_so():
    text = "".join(f"line {n} ü\n" for n in range(2000))
    kept = capped(text, 1000)
    assert len(kept.encode()) <= 1000
    assert kept.startswith("[… earlier lines left out]\nline ")
    assert kept.endswith("line 1999 ü\n")
    assert kept.splitlines()[1].startswith("line ") and kept.splitlines()[1].endswith("ü")
    assert capped("short\n", 1000) == "short\n"


def test_png_size_reads_the_header_only_of_a_png():
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (1080).to_bytes(4, "big")
    assert png_size(header + (2400).to_bytes(4, "big")) == (1080, 2400)
    assert png_size(b"screencap: not found\n" + bytes(20)) is None
