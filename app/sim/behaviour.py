"""How a simulated device behaves in time and how it misbehaves: latency and injected faults.

Faults are what a bench really sees: failed installs, pulled cables, slow devices,
garbled USB traffic and the person who never taps "Allow". Each device draws from
its own seeded random stream so a run is repeatable.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field, replace

from app.sim.bus import Bus, Throttle

log = logging.getLogger("kitbench.sim")

FAULT_KINDS = {
    "install_fail": "an install fails as a full or busy device fails it",
    "disconnect": "the device drops off the bus during a command, then comes back",
    "slow": "the device is five times slower at everything (per device)",
    "garbage": "the device answers a command with bytes that are not ADB",
    "never_auth": "nobody taps Allow on the device's USB debugging prompt (per device)",
}


class FaultSpecError(ValueError):
    """A --faults value that cannot be understood; str(e) says what to write instead."""


def parse_faults(spec: str | None) -> dict[str, float]:
    """Parse `install_fail=0.1,disconnect=0.02` into probabilities, strictly."""
    faults: dict[str, float] = {}
    if not spec:
        return faults
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = name.strip()
        if name not in FAULT_KINDS:
            known = ", ".join(sorted(FAULT_KINDS))
            raise FaultSpecError(f"unknown fault '{name}' (known: {known})")
        if not sep:
            raise FaultSpecError(f"fault '{name}' needs a probability, e.g. {name}=0.05")
        try:
            probability = float(value)
        except ValueError:
            raise FaultSpecError(f"fault '{name}': '{value}' is not a number") from None
        if not 0.0 <= probability <= 1.0:
            raise FaultSpecError(f"fault '{name}': probability {value} is not between 0 and 1")
        faults[name] = probability
    return faults


@dataclass(frozen=True)
class Latency:
    """Time costs of one device. `fast` is near-instant for tests; `realistic` models hardware."""

    shell_round_trip: tuple[float, float]  # seconds, uniform range
    transfer_bytes_per_s: float | None  # None: unlimited; else the profile's write rate
    install_scale: float  # times the profile's install_seconds (0: instant)
    install_bytes_per_s: float | None  # None: instant; else the profile's dexopt rate
    reboot: float
    boot_settle: float  # from listening again to sys.boot_completed=1
    allow_prompt: tuple[float, float]
    replug: float  # how long a "pulled" device stays away

    def slowed(self, factor: float) -> Latency:
        def scale(pair: tuple[float, float]) -> tuple[float, float]:
            return (pair[0] * factor, pair[1] * factor)

        def rate(value: float | None) -> float | None:
            return None if value is None else value / factor

        return Latency(
            shell_round_trip=scale(self.shell_round_trip),
            transfer_bytes_per_s=rate(self.transfer_bytes_per_s),
            install_scale=self.install_scale * factor,
            install_bytes_per_s=rate(self.install_bytes_per_s),
            reboot=self.reboot * factor,
            boot_settle=self.boot_settle * factor,
            allow_prompt=self.allow_prompt,
            replug=self.replug,
        )


LATENCIES = {
    "realistic": Latency(
        shell_round_trip=(0.015, 0.060),
        transfer_bytes_per_s=35e6,
        install_scale=1.0,
        install_bytes_per_s=40e6,
        reboot=20.0,
        boot_settle=2.0,
        allow_prompt=(2.0, 4.0),
        replug=5.0,
    ),
    "fast": Latency(
        shell_round_trip=(0.0, 0.0),
        transfer_bytes_per_s=None,
        install_scale=0.0,
        install_bytes_per_s=None,
        reboot=0.3,
        boot_settle=0.05,
        allow_prompt=(0.05, 0.05),
        replug=0.3,
    ),
}

SLOW_FACTOR = 5.0
INJECTED_INSTALL_FAILURES = (
    "Failure [INSTALL_FAILED_INSUFFICIENT_STORAGE]\n",
    "Failure [INSTALL_FAILED_INTERNAL_ERROR: Could not open session]\n",
)


@dataclass
class Behaviour:
    """One device's latency and fault draws, from its own seeded random stream."""

    label: str
    latency: Latency
    faults: dict[str, float]
    rng: random.Random
    install_seconds: float = 0.0  # the profile's base install time
    bus: Bus | None = None  # the bus it shares with other devices (None: a private pipe)
    slow: bool = False
    never_auth: bool = False
    injected: dict[str, int] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        label: str,
        latency: str,
        faults: dict[str, float],
        seed: int,
        install_seconds: float = 0.0,
        *,
        write_bytes_per_s: float | None = None,
        dexopt_bytes_per_s: float | None = None,
        bus: Bus | None = None,
    ) -> Behaviour:
        """`write_bytes_per_s` and `dexopt_bytes_per_s` are the profile's rates, which a
        latency with rates (`realistic`) takes instead of its defaults."""
        rng = random.Random(seed)
        model = LATENCIES[latency]
        if model.transfer_bytes_per_s and write_bytes_per_s:
            model = replace(model, transfer_bytes_per_s=write_bytes_per_s)
        if model.install_bytes_per_s and dexopt_bytes_per_s:
            model = replace(model, install_bytes_per_s=dexopt_bytes_per_s)
        behaviour = cls(label, model, dict(faults), rng, install_seconds, bus)
        if rng.random() < faults.get("slow", 0.0):
            behaviour.slow = True
            behaviour.latency = behaviour.latency.slowed(SLOW_FACTOR)
            behaviour.record("slow", f"every operation {SLOW_FACTOR:g}x slower")
        if rng.random() < faults.get("never_auth", 0.0):
            behaviour.never_auth = True
            behaviour.record("never_auth", "the Allow prompt will never be answered")
        return behaviour

    def record(self, kind: str, detail: str) -> None:
        self.injected[kind] = self.injected.get(kind, 0) + 1
        log.warning("fault injected: %s %s: %s", self.label, kind, detail)

    def draw(self, kind: str, detail: str) -> bool:
        """Decide whether a per-operation fault strikes now, and log it when it does."""
        probability = self.faults.get(kind, 0.0)
        if probability and self.rng.random() < probability:
            self.record(kind, detail)
            return True
        return False

    def install_failure(self, package: str) -> str | None:
        """pm's answer when the `install_fail` fault breaks this install now, else None."""
        if not self.draw("install_fail", f"installing {package}"):
            return None
        return self.rng.choice(INJECTED_INSTALL_FAILURES)

    def uniform(self, bounds: tuple[float, float]) -> float:
        low, high = bounds
        return low if high <= low else self.rng.uniform(low, high)

    async def shell_delay(self) -> None:
        await _sleep(self.uniform(self.latency.shell_round_trip))

    def install_time(self, size: int) -> float:
        """Seconds pm takes for an APK of `size` bytes: steady for a model, as on hardware."""
        seconds = self.install_seconds * self.latency.install_scale
        if self.latency.install_bytes_per_s:
            seconds += size / self.latency.install_bytes_per_s
        return seconds

    async def install_delay(self, size: int) -> None:
        await _sleep(self.install_time(size))

    def throttle(self) -> Throttle:
        """A transfer's pace: the device's write rate, and its bus shared with the others."""
        return Throttle(self.latency.transfer_bytes_per_s, self.bus)


async def _sleep(seconds: float) -> None:
    if seconds > 0:
        await asyncio.sleep(seconds)
