"""A model installs at a steady speed, as hardware does: no random draw per install."""

from __future__ import annotations

from app.sim.fleet import SimFleet
from app.sim.profiles import PROFILES

MB = 1024 * 1024


def install_times(fleet: SimFleet, size: int) -> dict[str, set[float]]:
    times: dict[str, set[float]] = {}
    for device in fleet.devices:
        times.setdefault(device.model.profile.name, set()).add(device.behaviour.install_time(size))
    return times


def test_every_device_of_a_model_takes_the_same_time_older_models_longer(start_fleet):
    fleet = start_fleet(8, auth="none", profile="mixed", latency="realistic")
    times = install_times(fleet, 8 * MB)
    assert all(len(per_model) == 1 for per_model in times.values())  # steady per model
    ordered = [times[name].pop() for name in ("pixel8", "galaxy_tab", "zebra_tc52", "legacy_phone")]
    assert ordered == sorted(ordered) and len(set(ordered)) == 4
    pixel = PROFILES["pixel8"].install_seconds
    assert ordered[0] == pixel + 8 * MB / 40e6  # the base plus the size-dependent part


def test_a_slow_device_installs_five_times_slower_and_fast_latency_is_instant(start_fleet):
    normal = start_fleet(1, auth="none", profile="pixel8", latency="realistic")
    slow = start_fleet(1, auth="none", profile="pixel8", latency="realistic", faults="slow=1")
    fast = start_fleet(1, auth="none", profile="pixel8")
    base = normal.devices[0].behaviour.install_time(8 * MB)
    assert slow.devices[0].behaviour.install_time(8 * MB) == 5 * base
    assert fast.devices[0].behaviour.install_time(8 * MB) == 0
