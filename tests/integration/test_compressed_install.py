"""Installs from a compressed push, where a device's bus compresses pushes (a usb2 bus) and the
device takes the compression (Android 11+): the APK crosses the bus compressed (zstd where the
device offers it, brotli on Android 11, else LZ4) into a temporary file, `pm install` (or an
install session) reads it from there, and the file is removed whatever happens. Each APK is
compressed once for every device of the batch."""

from __future__ import annotations

import re

import pytest
from station_events import StationEvents

from app.core import Cause, RunFinished, StepProgress
from app.devices import installs
from app.devices.adb_protocol import pack_file
from app.devices.device import Device
from app.devices.slots import BusInfo, PortMap
from app.provisioning import context
from app.provisioning.station import Station
from app.templates import load_template
from tests.bench.kitting_apks import Layout, build_kitting_apk

MB = 1_000_000
PACKAGE = "com.example.kiosk"
COMPRESSIBLE = Layout(dex=0.5, resources=0.5)  # a string table that LZ4 shortens by a third
SPLITS = ("config.arm64_v8a", "config.xxhdpi")
TWO_INSTALLS = (  # an app, then a split set (write_apk, write_set)
    "  - install: {apk: kiosk.apk}\n"
    "  - install: {apk: maps/base.apk, splits: [maps/config.arm64_v8a.apk,"
    " maps/config.xxhdpi.apk]}\n"
)


def write_apk(path, version: int, size: int = 4 * MB, *, package: str = PACKAGE,
              split: str | None = None, seed: int = 1):  # fmt: skip
    path.write_bytes(build_kitting_apk(package, version, size, COMPRESSIBLE, split=split,
                                       seed=seed))  # fmt: skip
    return path


def write_set(folder, version: int, *, package: str = PACKAGE, bad_split: str | None = None):
    """base.apk and two config splits of `package`; `bad_split` is cut in half (no APK)."""
    folder.mkdir(exist_ok=True)
    paths = []
    for seed, split in enumerate((None, *SPLITS), start=1):
        path = write_apk(folder / f"{split or 'base'}.apk", version, 2 * MB, package=package,
                         split=split, seed=seed)  # fmt: skip
        if split is not None and split == bad_split:
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        paths.append(path)
    return paths


def on_a_bus(fleet) -> PortMap:
    """The port map of a simulated bench: each device on the usb2 bus the simulator gave it."""
    pairs = zip(fleet.endpoints, fleet.devices, strict=True)
    return PortMap(
        buses={f"{e.host}:{e.port}": BusInfo(str(d.behaviour.bus.number)) for e, d in pairs}
    )


def provision(fleet, template, home, stations: list | None = None, **options) -> StationEvents:
    """One forced batch on every device of `fleet` by a fresh station; its events. The
    station is added to `stations`, for a test that stops it meanwhile."""
    events = StationEvents()
    station = Station(on_event=events, data_dir=home, port_map=on_a_bus(fleet), **options)
    if stations is not None:
        stations.append(station)
    try:
        station.set_template(template)
        station.start([e.spec for e in fleet.endpoints], force=True)
        assert station.wait_idle(120)
    finally:
        station.close()
    return events


def template_of(folder, steps: str):
    (folder / "t.yaml").write_text(f"kitbench: 1\nname: kiosk\nversion: 1\nsteps:\n{steps}")
    return load_template(folder / "t.yaml")


def temporary_files(device: Device) -> list[str]:
    return [
        name for name in device.shell("ls /data/local/tmp").stdout.split() if "kitbench" in name
    ]


def test_an_install_on_a_usb2_bus_sends_fewer_bytes_and_leaves_no_temporary_file(
    start_fleet, host_key, tmp_path
):
    """Three Pixel 8s (Android 14: zstd and LZ4 offered), each on a usb2 bus of its own: one
    station installs from a zstd push, one from an LZ4 push, one as `adb install` streams
    (the baselines); all end with the app installed, zstd's with the fewest bytes sent."""
    fleet = start_fleet(3, auth="none", profile="pixel8", latency="realistic", buses=3)
    apk = write_apk(tmp_path / "kiosk.apk", 7)
    template = template_of(tmp_path, "  - install: {apk: kiosk.apk}\n")
    packed = pack_file(apk, "zstd").size
    carried = []
    ways = [{}, {"strongest_packing": False}, {"compressed_installs": False}]
    for index, options in enumerate(ways):
        bus = fleet.devices[index].behaviour.bus
        events = StationEvents()
        station = Station(on_event=events, data_dir=tmp_path / f"home-{index}",
                          port_map=on_a_bus(fleet), **options)  # fmt: skip
        try:
            station.set_template(template)
            station.start([fleet.endpoints[index].spec], force=True)
            assert station.wait_idle(120)
        finally:
            station.close()
        assert [e.result.outcome.value for e in events.of(RunFinished)] == ["done"]
        assert max(e.fraction for e in events.of(StepProgress)) == 1.0  # progress reached the end
        carried.append(bus.carried)
        device = Device.open(fleet.endpoints[index].spec, host_key)
        try:
            listed = device.shell(f"pm list packages --show-versioncode {PACKAGE}").stdout
            assert f"package:{PACKAGE} versionCode:7" in listed
            assert temporary_files(device) == []
        finally:
            device.close()
    zstd, lz4, streamed = carried
    assert 0.99 * packed <= zstd <= packed  # the zstd stream, less its framing
    assert 0.99 * pack_file(apk, "lz4").size <= lz4 <= pack_file(apk, "lz4").size
    assert streamed >= apk.stat().st_size
    assert zstd < 0.95 * lz4 < 0.8 * streamed


def test_a_template_set_on_a_usb2_bench_is_compressed_before_any_device_asks(start_fleet, tmp_path):
    """The first install of a batch does not wait for its APK's stream: set on a bench of usb2
    buses, the template's APK and pushed file are packed at once (zstd, which today's devices
    offer), and the runs send those streams; a station with no bus that compresses packs
    nothing ahead."""
    fleet = start_fleet(2, auth="none", profile="pixel8", latency="realistic", buses=1)
    apk = write_apk(tmp_path / "kiosk.apk", 7)
    config = tmp_path / "config.bin"
    config.write_bytes(b"kiosk mode on\n" * 20_000)
    steps = "  - install: {apk: kiosk.apk}\n  - push: {src: config.bin, dest: /sdcard/config.bin}\n"
    template = template_of(tmp_path, steps)
    events = StationEvents()
    station = Station(on_event=events, data_dir=tmp_path / "home", port_map=on_a_bus(fleet))
    try:
        station.set_template(template)
        artifacts = station._batch.artifacts
        artifacts.packing_ahead.join(30)
        assert artifacts.packs == 2  # before any device asked
        station.start([e.spec for e in fleet.endpoints], force=True)
        assert station.wait_idle(120)
        assert artifacts.packs == 2  # the runs took the streams made ahead
    finally:
        station.close()
    assert [e.result.outcome.value for e in events.of(RunFinished)] == ["done", "done"]
    streams = pack_file(apk, "zstd").size + pack_file(config, "zstd").size
    assert 0.99 * 2 * streams <= fleet.devices[0].behaviour.bus.carried <= 2 * streams

    elsewhere = Station(on_event=StationEvents(), data_dir=tmp_path / "home-2", port_map=PortMap())
    try:
        elsewhere.set_template(template)
        assert elsewhere._batch.artifacts.packing_ahead is None
    finally:
        elsewhere.close()


def test_a_device_with_lz4_only_installs_from_an_lz4_push(start_fleet, host_key, tmp_path):
    """A device whose adbd offers LZ4 but neither zstd nor brotli, on a usb2 bus: the APK goes
    as LZ4."""
    fleet = start_fleet(1, auth="none", profile="pixel8", latency="realistic", buses=1)
    sim = fleet.devices[0]
    lz4_only = tuple(
        name for name in sim.features if name not in ("sendrecv_v2_zstd", "sendrecv_v2_brotli")
    )
    fleet.call(lambda: setattr(sim, "features", lz4_only))
    apk = write_apk(tmp_path / "kiosk.apk", 7)
    events = provision(fleet, template_of(tmp_path, "  - install: {apk: kiosk.apk}\n"),
                       tmp_path / "home")  # fmt: skip
    assert [e.result.outcome.value for e in events.of(RunFinished)] == ["done"]
    lz4 = pack_file(apk, "lz4").size
    assert 0.99 * lz4 <= sim.behaviour.bus.carried <= lz4
    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        assert "sendrecv_v2_zstd" not in device._connected().features
        assert "sendrecv_v2_brotli" not in device._connected().features
        assert (
            f"package:{PACKAGE} versionCode:7"
            in device.shell(f"pm list packages --show-versioncode {PACKAGE}").stdout
        )
    finally:
        device.close()


def test_an_android_11_device_installs_from_a_brotli_push(start_fleet, host_key, tmp_path):
    """Android 11's adbd offers brotli and nothing else: on a usb2 bus the APK goes packed in
    brotli, not plain as adb 34 would stream it."""
    fleet = start_fleet(1, auth="none", profile="zebra_tc52", latency="realistic", buses=1)
    apk = write_apk(tmp_path / "kiosk.apk", 7)
    events = provision(fleet, template_of(tmp_path, "  - install: {apk: kiosk.apk}\n"),
                       tmp_path / "home")  # fmt: skip
    assert [e.result.outcome.value for e in events.of(RunFinished)] == ["done"]
    brotli = pack_file(apk, "brotli").size
    assert 0.99 * brotli <= fleet.devices[0].behaviour.bus.carried <= brotli
    assert brotli < 0.8 * apk.stat().st_size
    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        assert (
            f"package:{PACKAGE} versionCode:7"
            in device.shell(f"pm list packages --show-versioncode {PACKAGE}").stdout
        )
        assert temporary_files(device) == []
    finally:
        device.close()


def test_a_refused_install_removes_its_temporary_file_and_fails_the_step(
    start_fleet, host_key, tmp_path
):
    fleet = start_fleet(1, auth="none", profile="pixel8", latency="realistic", buses=1)
    model = fleet.devices[0].model
    refusal = "Failure [INSTALL_FAILED_INTERNAL_ERROR: Could not open session]\n"
    fleet.call(lambda: setattr(model, "install_fault", lambda _package: refusal))
    write_apk(tmp_path / "kiosk.apk", 7)
    events = provision(fleet, template_of(tmp_path, "  - install: {apk: kiosk.apk}\n"),
                       tmp_path / "home")  # fmt: skip
    result = events.of(RunFinished)[0].result
    assert result.cause is Cause.STEP_FAILED
    assert "INSTALL_FAILED_INTERNAL_ERROR" in result.steps[0].output
    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        assert PACKAGE not in device.shell("pm list packages").stdout
        assert temporary_files(device) == []
    finally:
        device.close()


def test_a_stopped_compressed_install_removes_its_temporary_file(start_fleet, host_key, tmp_path):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    apk = write_apk(tmp_path / "kiosk.apk", 7)
    packed = pack_file(apk, "zstd")

    class Stopped(Exception):
        pass

    def stop_halfway(done: int, total: int) -> None:
        if done > total // 2:
            raise Stopped

    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        device.push_compression = "lz4"
        assert device.install_compression() == "zstd"  # Android 14 offers it
        with pytest.raises(Stopped):
            installs.install(device, apk, ["-r"], progress=stop_halfway, packed=packed)
        assert temporary_files(device) == []
        assert PACKAGE not in device.shell("pm list packages").stdout
    finally:
        device.close()


def installed(device: Device, package: str = PACKAGE) -> str:
    """The installed versionCode and splits of `package`, as dumpsys lists them."""
    dump = device.shell(f"dumpsys package {package}").stdout
    version = re.search(r"versionCode=(\d+)", dump)
    splits = re.search(r"splits=\[(.*)\]", dump)
    return f"{version and version[1]} [{splits and splits[1]}]"


def test_a_compressed_split_set_installs_all_or_nothing(start_fleet, host_key, tmp_path):
    fleet = start_fleet(1, auth="none", profile="pixel8")
    model = fleet.devices[0].model
    device = Device.open(fleet.endpoints[0].spec, host_key)
    try:
        device.push_compression = "lz4"
        good = write_set(tmp_path / "v3", 3)
        sent = []
        result = installs.install_set(device, good, ["-r"],
                                      progress=lambda done, _total: sent.append(done),
                                      packed=[pack_file(p, "lz4") for p in good])  # fmt: skip
        assert result.ok, result.output
        assert sent[-1] == sum(pack_file(p, "lz4").size for p in good)  # compressed bytes
        assert installed(device) == "3 [base, config.arm64_v8a, config.xxhdpi]"
        broken = write_set(tmp_path / "v4", 4, bad_split="config.xxhdpi")
        refused = installs.install_set(
            device, broken, ["-r"], packed=[pack_file(p, "lz4") for p in broken]
        )
        assert not refused.ok and "INSTALL_PARSE_FAILED_NOT_APK" in refused.output
        assert installed(device) == "3 [base, config.arm64_v8a, config.xxhdpi]"  # as it was
        assert fleet.call(lambda: dict(model.install_sessions)) == {}  # nothing left staged
        assert temporary_files(device) == []
    finally:
        device.close()


def test_each_apk_is_compressed_once_for_the_whole_bench(
    start_fleet, host_key, tmp_path, monkeypatch
):
    """Three devices on one usb2 bus, an APK, a split set and a push of the APK: four files,
    four compressions (the push sends the APK's stream again)."""
    packs = []

    def counted(path, compression):
        packs.append(path.name)
        return pack_file(path, compression)

    monkeypatch.setattr(context, "pack_file", counted)
    fleet = start_fleet(3, auth="none", profile="pixel8", latency="realistic", buses=1)
    write_apk(tmp_path / "kiosk.apk", 7)
    write_set(tmp_path / "maps", 2, package="com.example.maps")
    template = template_of(
        tmp_path, TWO_INSTALLS + "  - push: {src: kiosk.apk, dest: /sdcard/Download/copy.apk}\n"
    )
    events = provision(fleet, template, tmp_path / "home")
    results = [e.result for e in events.of(RunFinished)]
    assert [r.outcome.value for r in results] == ["done"] * 3, [
        (r.error, [s.message for s in r.steps]) for r in results
    ]
    assert sorted(packs) == ["base.apk", "config.arm64_v8a.apk", "config.xxhdpi.apk", "kiosk.apk"]
    device = Device.open(fleet.endpoints[2].spec, host_key)
    try:
        assert installed(device, "com.example.maps") == "2 [base, config.arm64_v8a, config.xxhdpi]"
        assert temporary_files(device) == []
    finally:
        device.close()


def test_an_installed_apk_and_split_set_are_not_sent_again(start_fleet, tmp_path):
    fleet = start_fleet(1, auth="none", profile="pixel8", latency="realistic", buses=1)
    write_apk(tmp_path / "kiosk.apk", 7)
    write_set(tmp_path / "maps", 2, package="com.example.maps")
    template = template_of(tmp_path, TWO_INSTALLS)
    bus = fleet.devices[0].behaviour.bus
    carried = []
    for run in range(2):
        events = provision(fleet, template, tmp_path / f"home-{run}")
        assert [e.result.outcome.value for e in events.of(RunFinished)] == ["done"]
        carried.append(bus.carried)
    assert carried[0] > 0
    assert carried[1] == carried[0]  # the same versionCodes (and splits) found: nothing sent
