"""Device profiles: the models a simulated fleet is made of.

A profile is everything a factory-fresh device of one model shares: its build properties, the
apps it ships with, its screen and battery. What differs between two devices of the same model
(the serial, whether a previous user left an account behind) is derived from the serial, so a
fleet is varied yet reproducible.
"""

import hashlib
import string
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class SystemApp:
    """An app on the system image: it can be disabled or hidden for a user, never deleted."""

    package: str
    version_code: int
    version_name: str
    path: str  # the base.apk `pm path` reports


@dataclass(frozen=True)
class Profile:
    name: str
    props: Mapping[str, str]
    system_packages: tuple[SystemApp, ...]
    serial_style: str  # "pixel", "samsung", "zebra" or "hex"; see serial_for
    screen_size: tuple[int, int] = (1080, 2400)
    density: int = 420
    battery_level: int = 87
    timezone: str = "America/New_York"
    screen_off_timeout_ms: int = 30000
    used_share: float = 0.25  # share of devices that still carry a previous user's Google account
    kernel: str = "5.10.198-android13-4-00050-g12f3388f3d6e-ab11130178"
    storage_gb: int = 128
    # What the package manager takes per install before the size-dependent part: steady for
    # a model (flash speed, dexopt), so the realistic latency uses it instead of a random draw.
    install_seconds: float = 1.5
    # With realistic latency: how fast the device takes data over ADB on its own (its USB
    # controller and flash; a bus shared with others may give it less), and how fast the
    # package manager verifies and optimises an APK's bytes after the fixed part.
    write_bytes_per_s: float = 30e6
    dexopt_bytes_per_s: float = 30e6

    @property
    def sdk(self) -> int:
        return int(self.props["ro.build.version.sdk"])

    def serial_for(self, port: int, salt: str) -> str:
        """A serial in the vendor's style, stable for (profile, port, salt) and unique per port.

        The port is spread into the serial by a bijection, so two ports never collide; the rest
        comes from a hash, so serials do not look sequential.
        """
        digest = hashlib.sha256(f"{self.name}:{salt}:{port}".encode()).digest()
        key = int.from_bytes(hashlib.sha256(f"{self.name}:{salt}".encode()).digest()[:4], "big")
        noise = int.from_bytes(digest[:8], "big")
        if self.serial_style == "pixel":  # e.g. 35201FDH2000KL
            tail = _encode(port * 7919 + key, string.digits + string.ascii_uppercase, 4)
            return f"{noise % 10**5:05d}FD{_encode(noise, string.ascii_uppercase, 3)}{tail}"
        if self.serial_style == "samsung":  # e.g. R52N40ABCDE
            body = _encode(port * 7919 + key, string.digits + string.ascii_uppercase, 4)
            return f"R52{_encode(noise, string.digits + string.ascii_uppercase, 4)}{body}"
        if self.serial_style == "zebra":  # 14 digits, e.g. 21182522500987
            return f"{noise % 10**9:09d}{(port * 7919 + key) % 10**5:05d}"
        if self.serial_style == "hex":  # 16 lowercase hex digits, e.g. 00b7f2d6c2e3a1f4
            return f"{noise % 16**12:012x}{(port * 7919 + key) % 16**4:04x}"
        raise ValueError(f"unknown serial style {self.serial_style!r}")

    def build_date(self) -> str:
        stamp = int(self.props.get("ro.build.date.utc", "0"))
        return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(stamp))

    def proc_version(self) -> str:
        """/proc/version of this model's kernel."""
        return (
            f"Linux version {self.kernel} (build-user@build-host) (Android clang version "
            f"14.0.7) #1 SMP PREEMPT {self.build_date()}\n"
        )

    def build_prop(self) -> str:
        """/system/build.prop: the read-only properties the image was built with."""
        lines = [f"{k}={v}\n" for k, v in sorted(self.props.items()) if k.startswith("ro.")]
        return "# begin build properties\n" + "".join(lines)

    def leftover_accounts(self, serial: str) -> list[str]:
        """The Google account a previous user left behind, on `used_share` of the devices."""
        digest = hashlib.sha256(f"account:{serial}".encode()).digest()
        if int.from_bytes(digest[:4], "big") / 2**32 >= self.used_share:
            return []
        return [f"previous.owner.{digest[4:6].hex()}@gmail.com"]

    def factory_settings(self, android_id: str) -> dict[str, dict[str, str]]:
        """The settings provider's content after setup wizard, by namespace."""
        model = self.props["ro.product.model"]
        return {
            "global": {
                "adb_enabled": "1",
                "airplane_mode_on": "0",
                "auto_time": "1",
                "auto_time_zone": "1",
                "boot_count": "1",
                "development_settings_enabled": "1",
                "device_name": model,
                "device_provisioned": "1",
                "stay_on_while_plugged_in": "0",
                "verifier_verify_adb_installs": "1",
                "wifi_on": "1",
                "window_animation_scale": "1.0",
                "transition_animation_scale": "1.0",
                "animator_duration_scale": "1.0",
            },
            "secure": {
                "android_id": android_id,
                "bluetooth_name": model,
                "location_mode": "3",
                "user_setup_complete": "1",
            },
            "system": {
                "screen_off_timeout": str(self.screen_off_timeout_ms),
                "screen_brightness": "102",
                "screen_brightness_mode": "1",
                "font_scale": "1.0",
                "time_12_24": "24",
            },
        }


def _encode(number: int, alphabet: str, width: int) -> str:
    """`number` modulo len(alphabet)**width, written in that alphabet with fixed width."""
    base = len(alphabet)
    number %= base**width
    chars = []
    for _ in range(width):
        number, digit = divmod(number, base)
        chars.append(alphabet[digit])
    return "".join(reversed(chars))


def _props(**values: str) -> Mapping[str, str]:
    """Build properties given as keyword arguments with dots written as underscores."""
    common = {
        "ro.build.type": "user",
        "ro.build.tags": "release-keys",
        "ro.build.version.codename": "REL",
        "ro.debuggable": "0",
        "ro.secure": "1",
        "ro.adb.secure": "1",
        "ro.product.locale": "en-US",
        "persist.sys.usb.config": "adb",
    }
    # Underscores become dots, except in the one property whose name has one.
    common.update({key.replace("_", ".").replace("security.patch", "security_patch"): value
                   for key, value in values.items()})  # fmt: skip
    return MappingProxyType(common)


def _android_apps(sdk: int) -> tuple[SystemApp, ...]:
    """The AOSP core every Android device ships, versioned like the platform."""
    framework = [
        ("android", "/system/framework/framework-res.apk"),
        ("com.android.settings", "/system_ext/priv-app/Settings/Settings.apk"),
        ("com.android.systemui", "/system_ext/priv-app/SystemUIGoogle/SystemUIGoogle.apk"),
        ("com.android.shell", "/system/priv-app/Shell/Shell.apk"),
        (
            "com.android.providers.settings",
            "/system/priv-app/SettingsProvider/SettingsProvider.apk",
        ),
        ("com.android.bluetooth", "/system/app/Bluetooth/Bluetooth.apk"),
        (
            "com.android.managedprovisioning",
            "/system/priv-app/ManagedProvisioning/ManagedProvisioning.apk",
        ),
        (
            "com.android.providers.downloads",
            "/system/priv-app/DownloadProvider/DownloadProvider.apk",
        ),
    ]
    release = {34: "14", 33: "13", 30: "11", 27: "8.1.0"}[sdk]
    if sdk < 29:  # the /system_ext partition arrived with Android 10
        framework = [
            (package, path.replace("/system_ext/", "/system/")) for package, path in framework
        ]
    return tuple(SystemApp(package, sdk, release, path) for package, path in framework)


def _google_apps(chrome: tuple[int, str], gms: tuple[int, str], vending: tuple[int, str]):
    """Google Mobile Services as preloaded on a GMS device, with this build's versions."""
    apps = [
        ("com.android.chrome", *chrome, "app/Chrome/Chrome"),
        ("com.google.android.gms", *gms, "priv-app/PrebuiltGmsCore/PrebuiltGmsCore"),
        ("com.google.android.gsf", gms[0] // 10000, "14", "priv-app/GoogleServicesFramework/GSF"),
        ("com.android.vending", *vending, "priv-app/Phonesky/Phonesky"),
        ("com.google.android.youtube", 1541152192, "19.05.36", "app/YouTube/YouTube"),
        ("com.google.android.webview", *chrome, "app/WebViewGoogle/WebViewGoogle"),
    ]
    return tuple(
        SystemApp(pkg, code, name, f"/product/{path}.apk") for pkg, code, name, path in apps
    )


PIXEL_8 = Profile(
    name="pixel8",
    props=_props(
        ro_product_model="Pixel 8",
        ro_product_name="shiba",
        ro_product_device="shiba",
        ro_product_board="shiba",
        ro_product_manufacturer="Google",
        ro_product_brand="google",
        ro_hardware="shiba",
        ro_board_platform="zuma",
        ro_soc_manufacturer="Google",
        ro_soc_model="Tensor G3",
        ro_build_version_release="14",
        ro_build_version_sdk="34",
        ro_build_version_security_patch="2024-02-05",
        ro_build_version_incremental="11269751",
        ro_build_id="UQ1A.240205.004",
        ro_build_display_id="UQ1A.240205.004",
        ro_build_fingerprint="google/shiba/shiba:14/UQ1A.240205.004/11269751:user/release-keys",
        ro_build_date_utc="1705962451",
        ro_product_cpu_abi="arm64-v8a",
        ro_product_cpu_abilist="arm64-v8a",
        ro_sf_lcd_density="420",
        ro_build_characteristics="nosdcard",
    ),
    system_packages=_android_apps(34)
    + _google_apps(
        (614509233, "120.0.6099.230"),
        (240413038, "24.04.13 (190400-603174006)"),
        (83971310, "39.7.13-31 [0] [PR] 604958453"),
    )
    + (
        SystemApp(
            "com.google.android.apps.nexuslauncher",
            34,
            "14",
            "/system_ext/priv-app/NexusLauncherRelease/NexusLauncherRelease.apk",
        ),
        SystemApp(
            "com.google.android.GoogleCamera",
            65820305,
            "9.2.113.604778888.20",
            "/product/app/GoogleCamera/GoogleCamera.apk",
        ),
    ),
    serial_style="pixel",
    install_seconds=1.2,
    write_bytes_per_s=35e6,
    dexopt_bytes_per_s=40e6,
    battery_level=87,
    timezone="America/Los_Angeles",
    kernel="5.15.110-android14-11-g2bd6f4f6b6b6-ab11130245",
)

GALAXY_TAB_ACTIVE3 = Profile(
    name="galaxy_tab",
    props=_props(
        ro_product_model="SM-T575",
        ro_product_name="gtactive3xx",
        ro_product_device="gtactive3",
        ro_product_board="universal9810",
        ro_product_manufacturer="samsung",
        ro_product_brand="samsung",
        ro_hardware="samsungexynos9810",
        ro_board_platform="exynos5",
        ro_build_version_release="13",
        ro_build_version_sdk="33",
        ro_build_version_security_patch="2023-12-01",
        ro_build_version_incremental="T575XXU5DWK2",
        ro_build_id="TP1A.220624.014",
        ro_build_display_id="TP1A.220624.014.T575XXU5DWK2",
        ro_build_fingerprint=(
            "samsung/gtactive3xx/gtactive3:13/TP1A.220624.014/T575XXU5DWK2:user/release-keys"
        ),
        ro_build_date_utc="1700119582",
        ro_product_cpu_abi="arm64-v8a",
        ro_product_cpu_abilist="arm64-v8a,armeabi-v7a,armeabi",
        ro_sf_lcd_density="240",
        ro_build_characteristics="tablet",
    ),
    system_packages=_android_apps(33)
    + _google_apps(
        (604505433, "119.0.6045.193"),
        (234414038, "23.44.14 (190400-587924347)"),
        (83771310, "37.7.13-29 [0] [PR] 580112253"),
    )
    + (
        SystemApp(
            "com.sec.android.app.launcher",
            1450000100,
            "14.5.00.100",
            "/system/priv-app/TouchWizHome_2017/TouchWizHome_2017.apk",
        ),
        SystemApp(
            "com.sec.android.app.camera",
            1300025000,
            "13.0.02.50",
            "/system/priv-app/SamsungCamera/SamsungCamera.apk",
        ),
        SystemApp(
            "com.samsung.android.knox.containercore",
            400000000,
            "4.0.00",
            "/system/priv-app/KnoxCore/KnoxCore.apk",
        ),
    ),
    serial_style="samsung",
    install_seconds=1.8,
    write_bytes_per_s=30e6,
    dexopt_bytes_per_s=30e6,
    screen_size=(1200, 1920),
    density=240,
    battery_level=64,
    timezone="Europe/Berlin",
    screen_off_timeout_ms=60000,
    kernel="4.9.118-26571478",
    storage_gb=64,
)

ZEBRA_TC52 = Profile(
    name="zebra_tc52",
    props=_props(
        ro_product_model="TC52",
        ro_product_name="TC52",
        ro_product_device="TC52",
        ro_product_board="sdm660",
        ro_product_manufacturer="Zebra Technologies",
        ro_product_brand="Zebra",
        ro_hardware="qcom",
        ro_board_platform="sdm660",
        ro_build_version_release="11",
        ro_build_version_sdk="30",
        ro_build_version_security_patch="2023-10-01",
        ro_build_version_incremental="11-49-09.00-RG-U00-STD-HEL-04",
        ro_build_id="RKQ1.211103.001",
        ro_build_display_id="11-49-09.00-RG-U00-STD-HEL-04",
        ro_build_fingerprint=(
            "Zebra/TC52/TC52:11/11-49-09.00-RG-U00-STD-HEL-04/113:user/release-keys"
        ),
        ro_build_date_utc="1697612211",
        ro_product_cpu_abi="arm64-v8a",
        ro_product_cpu_abilist="arm64-v8a,armeabi-v7a,armeabi",
        ro_sf_lcd_density="320",
        ro_build_characteristics="default",
    ),
    system_packages=_android_apps(30)
    + _google_apps(
        (567414233, "114.0.5735.196"),
        (232414022, "23.24.14 (100400-544564497)"),
        (83611810, "36.1.18-21 [0] [PR] 544321421"),
    )
    + (
        SystemApp(
            "com.symbol.datawedge", 1165, "11.4.26", "/system/priv-app/DataWedge/DataWedge.apk"
        ),
        SystemApp(
            "com.symbol.mxmf", 11402, "11.4.0.2", "/system/priv-app/MxFramework/MxFramework.apk"
        ),
        SystemApp(
            "com.symbol.tool.stagenow", 5111, "5.11.0.1", "/system/priv-app/StageNow/StageNow.apk"
        ),
    ),
    serial_style="zebra",
    install_seconds=2.2,
    write_bytes_per_s=25e6,
    dexopt_bytes_per_s=20e6,
    screen_size=(720, 1280),
    density=320,
    battery_level=73,
    timezone="America/Chicago",
    screen_off_timeout_ms=60000,
    used_share=0.0,  # rugged fleet devices come from a staging process, never from a consumer
    kernel="4.19.157-perf",
    storage_gb=32,
)

NEXUS_5X = Profile(
    name="legacy_phone",
    props=_props(
        ro_product_model="Nexus 5X",
        ro_product_name="bullhead",
        ro_product_device="bullhead",
        ro_product_board="bullhead",
        ro_product_manufacturer="LGE",
        ro_product_brand="google",
        ro_hardware="bullhead",
        ro_board_platform="msm8992",
        ro_build_version_release="8.1.0",
        ro_build_version_sdk="27",
        ro_build_version_security_patch="2018-12-05",
        ro_build_version_incremental="5080180",
        ro_build_id="OPM7.181205.001",
        ro_build_display_id="OPM7.181205.001",
        ro_build_fingerprint="google/bullhead/bullhead:8.1.0/OPM7.181205.001/5080180:user/release-keys",
        ro_build_date_utc="1542241329",
        ro_product_cpu_abi="arm64-v8a",
        ro_product_cpu_abilist="arm64-v8a,armeabi-v7a,armeabi",
        ro_sf_lcd_density="420",
        ro_build_characteristics="nosdcard",
    ),
    system_packages=_android_apps(27)
    + _google_apps(
        (332008251, "71.0.3578.99"),
        (14799037, "14.7.99 (100400-223214910)"),
        (81341900, "13.4.19-all [0] [PR] 227353473"),
    ),
    serial_style="hex",
    install_seconds=3.0,
    write_bytes_per_s=15e6,
    dexopt_bytes_per_s=10e6,
    screen_size=(1080, 1920),
    density=420,
    battery_level=41,
    timezone="Europe/London",
    used_share=1.0,  # a second-hand phone: the previous owner's account is still there
    kernel="3.10.73-g5a3d8a9",
    storage_gb=32,
)

PROFILES: dict[str, Profile] = {
    profile.name: profile for profile in (PIXEL_8, GALAXY_TAB_ACTIVE3, ZEBRA_TC52, NEXUS_5X)
}


def profile_for(name: str, index: int) -> Profile:
    """The profile of the index-th device of a fleet; "mixed" cycles through all profiles."""
    if name == "mixed":
        profiles = list(PROFILES.values())
        return profiles[index % len(profiles)]
    try:
        return PROFILES[name]
    except KeyError:
        valid = ", ".join([*PROFILES, "mixed"])
        raise ValueError(f"unknown profile {name!r}; valid profiles: {valid}") from None
