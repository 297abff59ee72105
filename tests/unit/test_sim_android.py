"""The simulated Android device model: profiles, persistence, files, packages, boot."""

import json
import re
import stat

import pytest

from app.sim.android import AndroidDevice
from app.sim.apk import build_apk
from app.sim.device_state import FsError
from app.sim.profiles import PROFILES, profile_for


def clean_serial(profile_name: str) -> str:
    """A serial of this profile whose device carries no leftover account, if there is one."""
    profile = PROFILES[profile_name]
    serials = [profile.serial_for(port, "tests") for port in range(7400, 7500)]
    return next((s for s in serials if not profile.leftover_accounts(s)), serials[0])


@pytest.fixture
def make_device(tmp_path):
    def make(profile_name: str = "pixel8", serial: str | None = None, name: str = "device"):
        profile = PROFILES[profile_name]
        return AndroidDevice(tmp_path / name, profile, serial or clean_serial(profile_name))

    return make


# --- profiles ----------------------------------------------------------------------------------


def test_profiles_cover_the_four_required_android_releases():
    releases = {
        (p.props["ro.build.version.release"], p.props["ro.build.version.sdk"])
        for p in PROFILES.values()
    }
    assert {("14", "34"), ("13", "33"), ("11", "30"), ("8.1.0", "27")} <= releases


def test_mixed_cycles_through_profiles_in_order():
    names = [profile_for("mixed", index).name for index in range(len(PROFILES) + 1)]
    assert names == [*PROFILES, next(iter(PROFILES))]
    assert profile_for("zebra_tc52", 5).name == "zebra_tc52"


def test_unknown_profile_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"pixel8.*legacy_phone.*mixed"):
        profile_for("iphone", 0)


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("pixel8", r"[0-9]{5}FD[A-Z]{3}[0-9A-Z]{4}"),
        ("galaxy_tab", r"R52[0-9A-Z]{8}"),
        ("zebra_tc52", r"[0-9]{14}"),
        ("legacy_phone", r"[0-9a-f]{16}"),
    ],
)
def test_serials_follow_the_vendor_style_and_are_unique_and_stable(name, pattern):
    profile = PROFILES[name]
    serials = [profile.serial_for(port, "salt") for port in range(7400, 7656)]
    assert all(re.fullmatch(pattern, serial) for serial in serials)
    assert len(set(serials)) == len(serials)
    assert profile.serial_for(7400, "salt") == serials[0]
    assert profile.serial_for(7400, "other salt") != serials[0]


# --- identity, boot, battery -------------------------------------------------------------------


def test_banner_and_identity_properties(make_device):
    device = make_device("galaxy_tab")
    assert device.banner() == "ro.product.name=gtactive3xx;ro.product.model=SM-T575;" + (
        "ro.product.device=gtactive3;"
    )
    assert device.getprop("ro.serialno") == device.serial
    assert device.getprop("ro.boot.serialno") == device.serial
    assert device.getprop("ro.build.version.sdk") == "33"
    assert device.getprop("no.such.prop") == ""


def test_reboot_clears_boot_completed_until_finished(make_device):
    device = make_device()
    assert device.getprop("sys.boot_completed") == "1"
    device.set_property("debug.kitbench", "x")
    device.begin_reboot()
    assert device.getprop("sys.boot_completed") == ""
    assert device.uptime() < 5
    device.finish_boot()
    assert device.getprop("sys.boot_completed") == "1"
    assert device.getprop("debug.kitbench") == ""  # only persist.* survives a reboot
    assert device.state.settings["global"]["boot_count"] == "2"


def test_battery_level_is_settable_and_reported(make_device):
    device = make_device()
    device.set_battery(12)
    assert "  level: 12\n" in device.run_shell("dumpsys battery").stdout.decode()


# --- persistence -------------------------------------------------------------------------------


def test_device_survives_reinstantiation_from_its_state_dir(tmp_path):
    profile = PROFILES["pixel8"]
    serial = clean_serial("pixel8")
    device = AndroidDevice(tmp_path / "d", profile, serial)
    device.fs_write("/sdcard/Download/app.apk", build_apk("com.example.pos", 4), 0o644, 1000)
    assert device.run_shell("pm install /sdcard/Download/app.apk").exit_code == 0
    device.run_shell("settings put global stay_on_while_plugged_in 7")
    device.run_shell("setprop persist.sys.timezone Europe/Berlin")
    device.run_shell("dpm set-device-owner com.example.pos/.AdminReceiver")
    device.run_shell("cmd wifi connect-network Warehouse wpa2 secret123")
    device.trust_key(b"QAAAAKEY user@host\x00")

    again = AndroidDevice(tmp_path / "d", profile, "ignored: the state knows its serial")
    assert again.serial == serial
    assert again.package("com.example.pos").version_code == 4
    assert again.run_shell("settings get global stay_on_while_plugged_in").stdout == b"7\n"
    assert again.getprop("persist.sys.timezone") == "Europe/Berlin"
    assert again.fs_read("/sdcard/Download/app.apk") == build_apk("com.example.pos", 4)
    assert again.trusted_keys() == [b"QAAAAKEY user@host\x00"]
    assert again.state.device_owner == "com.example.pos/com.example.pos.AdminReceiver"
    assert "Warehouse" in again.run_shell("cmd wifi list-networks").stdout.decode()


def test_files_of_a_version_1_state_dir_are_kept(tmp_path):
    """Version 1 mirrored the device tree under fs/; a simulator started on it keeps the files."""
    profile, serial = PROFILES["pixel8"], clean_serial("pixel8")
    device = AndroidDevice(tmp_path / "d", profile, serial)
    device.fs_write("/sdcard/Download/notes.txt", b"kept\n", 0o644, 1000)
    state = json.loads((tmp_path / "d" / "state.json").read_text())
    (tmp_path / "d" / "state.json").write_text(json.dumps({**state, "version": 1}))
    for flat in (tmp_path / "d" / "fs").iterdir():
        flat.unlink()
    tree = tmp_path / "d" / "fs" / "storage" / "emulated" / "0" / "Download"
    tree.mkdir(parents=True)
    (tree / "notes.txt").write_bytes(b"kept\n")

    again = AndroidDevice(tmp_path / "d", profile, serial)
    assert again.fs_read("/sdcard/Download/notes.txt") == b"kept\n"
    assert all(entry.is_file() for entry in (tmp_path / "d" / "fs").iterdir())


def test_trusting_a_key_twice_keeps_one_copy(make_device):
    device = make_device()
    device.trust_key(b"key")
    device.trust_key(b"key")
    assert device.trusted_keys() == [b"key"]


# --- files -------------------------------------------------------------------------------------


def test_push_creates_parent_directories_and_keeps_data(make_device):
    device = make_device()
    data = bytes(range(256)) * 4096
    device.fs_write("/data/local/tmp/a/b/blob.bin", data, stat.S_IFREG | 0o640, 1_700_000_000)
    info = device.fs_stat("/data/local/tmp/a/b/blob.bin")
    assert (info.size, info.mtime, stat.S_IMODE(info.mode)) == (len(data), 1_700_000_000, 0o640)
    assert stat.S_ISDIR(device.fs_stat("/data/local/tmp/a").mode)
    assert device.fs_read("/data/local/tmp/a/b/blob.bin") == data
    assert [name for name, _ in device.fs_list("/data/local/tmp/a")] == ["b"]


def test_sdcard_is_a_link_to_shared_storage_with_fuse_modes(make_device):
    device = make_device()
    device.fs_write("/sdcard/Download/config.json", b"{}", 0o755, 1)
    info = device.fs_stat("/storage/emulated/0/Download/config.json")
    assert stat.S_IMODE(info.mode) == 0o660
    assert stat.S_ISDIR(device.fs_stat("/sdcard").mode)
    assert ("sdcard", stat.S_IFLNK | 0o777) in [(n, i.mode) for n, i in device.fs_list("/")]


def test_file_errors_read_like_android(make_device):
    device = make_device()
    with pytest.raises(FsError, match=r"^open failed: No such file or directory$"):
        device.fs_read("/sdcard/nothing")
    with pytest.raises(FsError) as refused:
        device.fs_write("/system/app/evil.apk", b"x", 0o644, 1)
    assert refused.value.reason == str(refused.value) == "Read-only file system"
    with pytest.raises(FsError, match="Permission denied"):
        device.fs_write("/data/data/com.android.chrome/x", b"x", 0o644, 1)
    with pytest.raises(FsError, match="Is a directory"):
        device.fs_read("/sdcard/Download")
    assert device.fs_stat("/data/data/com.android.chrome") is None
    assert device.fs_list("/data") is None
    assert device.fs_list("/sdcard/Download/nothing") is None


def test_virtual_files(make_device):
    device = make_device("legacy_phone")
    assert device.fs_read("/proc/version").startswith(b"Linux version 3.10")
    assert b"ro.build.version.sdk=27\n" in device.fs_read("/system/build.prop")


# --- packages ----------------------------------------------------------------------------------


def test_streamed_install_success_and_install_bytes(make_device):
    device = make_device()
    apk = build_apk("com.example.pos", 3, "3.0", payload_size=10_000)
    result = device.install_apk(apk, ["-r", "-g"])
    assert (result.stdout, result.exit_code, result.install_bytes) == (b"Success\n", 0, len(apk))
    package = device.package("com.example.pos")
    assert (package.version_code, package.version_name, package.system) == (3, "3.0", False)
    assert device.fs_read(package.path) == apk  # `adb pull $(pm path …)` works


def test_downgrade_is_refused_unless_allowed(make_device):
    device = make_device()
    device.install_apk(build_apk("com.example.pos", 2), [])
    refused = device.install_apk(build_apk("com.example.pos", 1), ["-r"])
    assert refused.exit_code == 1
    assert refused.stdout == (
        b"Failure [INSTALL_FAILED_VERSION_DOWNGRADE: Downgrade detected: Update version code 1 "
        b"is older than current 2]\n"
    )
    assert device.package("com.example.pos").version_code == 2
    assert device.install_apk(build_apk("com.example.pos", 1), ["-r", "-d"]).exit_code == 0
    assert device.package("com.example.pos").version_code == 1


def test_reinstalling_the_same_version_replaces_it(make_device):
    device = make_device()
    device.install_apk(build_apk("com.example.pos", 2), [])
    old_path = device.package("com.example.pos").path
    assert device.install_apk(build_apk("com.example.pos", 2, seed=1), []).exit_code == 0
    new_path = device.package("com.example.pos").path
    assert new_path != old_path
    assert device.fs_stat(old_path) is None
    assert device.fs_stat(new_path) is not None


def test_install_refuses_non_apks_and_newer_sdks(make_device):
    device = make_device("zebra_tc52")
    garbage = device.install_apk(b"this is not a zip", [])
    assert garbage.exit_code == 1
    assert garbage.stdout.startswith(b"Failure [INSTALL_PARSE_FAILED_NOT_APK: Failed to parse ")
    too_new = device.install_apk(build_apk("com.example.new", 1, min_sdk=34), [])
    assert too_new.stdout == (
        b"Failure [INSTALL_FAILED_OLDER_SDK: Requires newer sdk version #34 "
        b"(current version is #30)]\n"
    )
    assert device.package("com.example.new") is None


def test_legacy_layout_of_app_paths(make_device):
    device = make_device("legacy_phone")
    device.install_apk(build_apk("com.example.pos", 1), [])
    assert "/~~" not in device.package("com.example.pos").path  # ~~ dirs came with Android 11
    modern = make_device("pixel8", name="modern")
    modern.install_apk(build_apk("com.example.pos", 1), [])
    assert modern.package("com.example.pos").path.startswith("/data/app/~~")


def test_used_devices_carry_a_google_account():
    legacy = PROFILES["legacy_phone"]
    assert all(legacy.leftover_accounts(legacy.serial_for(p, "s")) for p in range(7400, 7420))
    zebra = PROFILES["zebra_tc52"]
    assert not any(zebra.leftover_accounts(zebra.serial_for(p, "s")) for p in range(7400, 7420))
    pixel = PROFILES["pixel8"]
    used = sum(bool(pixel.leftover_accounts(pixel.serial_for(p, "s"))) for p in range(400))
    assert 40 < used < 160  # about one in four
