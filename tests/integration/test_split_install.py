"""Split APK sets installed as one app through an install session: all or nothing (a bad
split leaves the installed app as it was and no session open), and never sent again when
the same versionCode with the same splits is installed."""

from __future__ import annotations

import zipfile

import pytest
from station_events import bus_bytes_after_forced_runs

from app.devices import installs
from app.devices.device import Device
from app.sim.apk import build_apk

MB = 1024 * 1024
PACKAGE = "com.example.maps"
SPLITS = ("config.arm64_v8a", "config.xxhdpi")


def write_set(folder, version: int, *, bad_split: str | None = None) -> list:
    """base.apk and two config splits; `bad_split` is written as bytes that are no APK."""
    folder.mkdir(exist_ok=True)
    paths = []
    for split in (None, *SPLITS):
        path = folder / f"{split or 'base'}.apk"
        data = build_apk(PACKAGE, version, split=split, payload_size=MB, seed=version)
        path.write_bytes(data[: len(data) // 2] if split == bad_split and split else data)
        paths.append(path)
    return paths


def installed(device: Device) -> str:
    dump = device.shell(f"dumpsys package {PACKAGE}").output
    lines = [line.strip() for line in dump.splitlines()]
    return " ".join(line for line in lines if line.startswith(("versionCode=", "splits=")))


@pytest.mark.parametrize("profile", ["pixel8", "zebra_tc52", "legacy_phone"])
def test_a_split_set_installs_all_or_nothing(start_fleet, host_key, tmp_path, profile):
    fleet = start_fleet(1, auth="none", profile=profile)
    model = fleet.devices[0].model
    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        sent = []
        result = installs.install_set(
            device,
            write_set(tmp_path / "v3", 3),
            ["-r"],
            progress=lambda done, total: sent.append(done),
        )
        assert "Success" in result.output
        assert sent[-1] == sum(p.stat().st_size for p in write_set(tmp_path / "v3", 3))
        assert installed(device).startswith("versionCode=3")
        assert "splits=[base, config.arm64_v8a, config.xxhdpi]" in installed(device)

        broken = write_set(tmp_path / "v4", 4, bad_split="config.xxhdpi")
        refused = installs.install_set(device, broken, ["-r"])
        assert not refused.ok and "INSTALL_PARSE_FAILED_NOT_APK" in refused.output
        assert installed(device).startswith("versionCode=3")  # the app as it was
        assert "splits=[base, config.arm64_v8a, config.xxhdpi]" in installed(device)
        assert fleet.call(lambda: dict(model.install_sessions)) == {}  # nothing left staged
        assert "kitbench-" not in device.shell("ls /data/local/tmp").output
    finally:
        device.close()


def test_a_failed_write_abandons_the_session(start_fleet, host_key, tmp_path):
    """A split the device cannot take (no room) ends the install: session abandoned."""
    from dataclasses import replace

    fleet = start_fleet(1, auth="none", profile="pixel8")
    model = fleet.devices[0].model
    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        paths = write_set(tmp_path / "v3", 3)
        paths[1].unlink()
        paths[1].write_bytes(build_apk(PACKAGE, 3, split=SPLITS[0]))
        fleet.call(lambda: setattr(model, "profile", replace(model.profile, storage_gb=0)))
        result = installs.install_set(device, paths, ["-r"])
        assert not result.ok
        assert fleet.call(lambda: dict(model.install_sessions)) == {}
        assert PACKAGE not in device.shell("pm list packages").output
    finally:
        device.close()


def bundletool_archive(path, paths) -> None:
    """A .apks as bundletool writes it: toc.pb and splits/base-master.apk, splits/base-*.apk."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("toc.pb", b"\x0a\x00")  # not read: see app/provisioning/apk_sets.py
        for apk in paths:
            name = "base-master.apk" if apk.stem == "base" else f"base-{apk.stem[7:]}.apk"
            archive.write(apk, f"splits/{name}")


@pytest.mark.parametrize("form", ["list", "apks"])
def test_an_unchanged_split_set_is_not_sent_again(start_fleet, tmp_path, form):
    from app.templates import load_template

    fleet = start_fleet(1, auth="none", profile="pixel8", latency="realistic", buses=1)
    paths = write_set(tmp_path / "maps", 5)
    if form == "list":
        install = (
            "{apk: maps/base.apk, splits: [maps/config.arm64_v8a.apk, maps/config.xxhdpi.apk]}"
        )
    else:
        bundletool_archive(tmp_path / "maps.apks", paths)
        install = "{apk: maps.apks}"
    (tmp_path / "t.yaml").write_text(
        f"kitbench: 1\nname: splits\nversion: 1\nsteps:\n  - install: {install}\n"
    )
    template = load_template(tmp_path / "t.yaml")
    carried = bus_bytes_after_forced_runs(fleet, template, tmp_path / "home")
    assert carried[0] >= sum(p.stat().st_size for p in paths)
    assert carried[1] == carried[0]  # versionCode 5 with both splits found: nothing sent
