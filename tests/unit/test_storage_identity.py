"""The asset register in the store: a run records the identity it read, devices keep the latest."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.core import RunFinished
from app.core.identity import DeviceIdentity, IdentityGap
from app.storage import Store
from tests.unit.test_storage import finished, started

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
PIXEL = DeviceIdentity(
    serial="R52A7Q20ZK3",
    manufacturer="Google",
    model="Pixel 8",
    imei=("358240051111110", "358240051111128"),
    wifi_mac="f4:f5:e8:12:34:56",
    build_fingerprint="google/shiba/shiba:14/AP1A.240305.019/11445699:user/release-keys",
    security_patch="2024-03-05",
    gaps={"bluetooth_mac": IdentityGap.REFUSED},
)


def run_with(recorder, identity: DeviceIdentity | None, at: datetime) -> str:
    run_id = uuid.uuid4().hex
    recorder.on_event(started(run_id, at))
    done = finished(run_id, at=at)
    recorder.on_event(RunFinished(replace(done.result, identity=identity)))
    return run_id


@pytest.fixture
def store(kitbench_home):
    with Store(kitbench_home, recording=True) as opened:
        yield opened


def test_a_run_records_the_identity_it_read_and_history_returns_it(store):
    recorder = store.recorder()
    run_id = run_with(recorder, PIXEL, T0)
    recorder.flush(10)

    run = store.run(run_id)
    assert run["manufacturer"] == "Google"
    assert run["imei"] == ["358240051111110", "358240051111128"]
    assert run["meid"] is None
    assert run["wifi_mac"] == "f4:f5:e8:12:34:56"
    assert run["bluetooth_mac"] is None
    assert run["identity_gaps"] == {"bluetooth_mac": "refused"}
    assert run["build_fingerprint"].startswith("google/shiba")
    assert run["security_patch"] == "2024-03-05"
    assert store.runs()[0]["imei"] == run["imei"]

    out = io.StringIO()
    store.export_csv(out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert (row["imei1"], row["imei2"]) == ("358240051111110", "358240051111128")
    assert row["identity_gaps"] == '{"bluetooth_mac": "refused"}'


def test_devices_keep_the_identity_last_read_and_a_run_that_read_none_leaves_it(store):
    recorder = store.recorder()
    run_with(recorder, PIXEL, T0)
    refused = replace(PIXEL, imei=(), wifi_mac=None, gaps={"imei": IdentityGap.REFUSED})
    run_with(recorder, refused, T0 + timedelta(minutes=1))
    recorder.flush(10)
    (device,) = store.devices()
    assert device["serial"] == "R52A7Q20ZK3"
    assert device["imei"] == []  # as the device last said, with the reason on the run
    assert store.runs()[0]["identity_gaps"] == {"imei": "refused"}

    run_with(recorder, PIXEL, T0 + timedelta(minutes=2))
    run_with(recorder, None, T0 + timedelta(minutes=3))  # never reached the device
    recorder.flush(10)
    (device,) = store.devices()
    assert device["imei"] == ["358240051111110", "358240051111128"]
    assert device["manufacturer"] == "Google"
    assert device["last_result"] == "done"
    newest = store.runs()[0]
    assert newest["imei"] == [] and newest["identity_gaps"] == {}
