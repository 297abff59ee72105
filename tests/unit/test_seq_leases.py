"""Fleet-unique `{seq}`: the backend's blocks never overlap, and the station's ledger never
hands a number out twice: not across runs, not after a crash, not after a restore."""

from __future__ import annotations

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from app.fleet import FleetDatabase, Role, create_app
from app.fleet.database import utc_now
from app.fleet.leases import SeqLeases
from app.provisioning.ledger import Ledger
from app.provisioning.seq_lease import (
    BlockUnavailableError,
    NoNumbersLeftError,
    SeqLeasing,
    series_of,
)
from app.templates.model import Template


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    url = (
        f"sqlite:///{tmp_path / 'fleet.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    database = FleetDatabase.open(url)
    yield database
    database.close()


def test_blocks_leased_at_once_by_many_workers_never_overlap(database):
    leases = SeqLeases(database.engine)

    def lease(index: int) -> tuple[int, int]:
        block = leases.lease("pos", 7, 1, f"bench-{index % 3}", utc_now())
        return block.first, block.last

    with ThreadPoolExecutor(8) as pool:
        blocks = sorted(pool.map(lease, range(40)))
    numbers = [n for first, last in blocks for n in range(first, last + 1)]
    assert numbers == list(range(1, 40 * 7 + 1))  # all distinct, none skipped
    assert leases.lease("other", 5, 1, "bench-0", utc_now()).first == 1  # its own series


def test_a_block_starts_above_the_stations_own_numbers(database):
    leases = SeqLeases(database.engine)
    assert leases.lease("pos", 10, 1, "a", utc_now()).first == 1
    assert (leases.lease("pos", 10, 500, "b", utc_now()).first) == 500
    assert (leases.lease("pos", 10, 3, "a", utc_now()).first) == 510


def test_only_a_station_token_leases_numbers(database):
    station = database.create_token("bench-1")
    console = database.create_credential(Role.CONSOLE, "admin")
    body = {"series": "pos", "size": 50}
    with TestClient(create_app(database)) as client:
        leased = client.post("/api/v1/seq/blocks", json=body,
                             headers={"Authorization": f"Bearer {station}"})  # fmt: skip
        refused = client.post("/api/v1/seq/blocks", json=body,
                              headers={"Authorization": f"Bearer {console}"})  # fmt: skip
        too_big = client.post("/api/v1/seq/blocks", json={**body, "size": 10_001},
                              headers={"Authorization": f"Bearer {station}"})  # fmt: skip
    assert leased.json() == {"series": "pos", "first": 1, "last": 50}
    assert refused.status_code == 403
    assert refused.json()["detail"] == "a console token may not lease {seq} numbers"
    assert too_big.status_code == 422


class FakeBackend:
    """Blocks as the backend hands them out; `online` False refuses like an unreachable one."""

    def __init__(self) -> None:
        self.next = 1
        self.online = True
        self.second_block = threading.Event()
        self.blocks: list[tuple[int, int]] = []

    def lease(self, series: str, size: int, at_least: int) -> tuple[int, int]:
        if not self.online:
            raise BlockUnavailableError("backend unreachable: connection refused")
        first = max(self.next, at_least)
        self.next = first + size
        self.blocks.append((first, first + size - 1))
        if len(self.blocks) == 2:
            self.second_block.set()
        return first, first + size - 1


def ledger_on(folder, backend: FakeBackend, block_size: int = 4) -> Ledger:
    ledger = Ledger(folder)
    ledger.lease_from(SeqLeasing(backend, block_size))
    return ledger


def test_numbers_come_from_blocks_and_a_device_keeps_its_own(tmp_path):
    backend = FakeBackend()
    ledger = ledger_on(tmp_path, backend)
    assert [ledger.seq_for(f"S{i}", "pos") for i in range(3)] == [1, 2, 3]
    assert ledger.seq_for("S1", "pos") == 2
    assert ledger.seq_for("S1", "other") == 5  # each series has its own numbers
    assert ledger.seq_for("S9") == 1  # no series: the station's own counter, as before


def test_the_next_block_is_asked_for_in_the_background_when_few_are_left(tmp_path):
    backend = FakeBackend()
    ledger = ledger_on(tmp_path, backend, block_size=8)
    for i in range(7):  # 1 left of 8: under a quarter
        ledger.seq_for(f"S{i}", "pos")
    assert backend.second_block.wait(10)  # asked for while one number was still left
    backend.online = False  # from here on it works offline on what it holds
    numbers = [ledger.seq_for(f"T{i}", "pos") for i in range(9)]
    assert numbers == list(range(8, 17))
    with pytest.raises(NoNumbersLeftError) as refused:
        ledger.seq_for("U", "pos")
    assert refused.value.series == "pos"
    assert "connection refused" in refused.value.reason


def test_a_crash_never_reuses_a_number(tmp_path):
    backend = FakeBackend()
    first = ledger_on(tmp_path, backend)
    given = [first.seq_for(f"S{i}", "pos") for i in range(3)]
    after_crash = ledger_on(tmp_path, backend)  # a new process reads what was on disk
    assert after_crash.seq_for("S0", "pos") == given[0]
    assert after_crash.seq_for("new", "pos") not in given


def test_a_restored_data_folder_drops_its_unused_blocks(tmp_path):
    folder = tmp_path / "home"
    backend = FakeBackend()
    ledger = ledger_on(folder, backend, block_size=10)
    ledger.seq_for("S0", "pos")
    shutil.copytree(folder, tmp_path / "backup")
    later = [ledger.seq_for(f"L{i}", "pos") for i in range(5)]  # given after the backup
    shutil.rmtree(folder)
    shutil.copytree(tmp_path / "backup", folder)

    restored = ledger_on(folder, backend, block_size=10)
    assert restored.seq_for("S0", "pos") == 1  # known before the backup: kept
    fresh = [restored.seq_for(f"N{i}", "pos") for i in range(5)]
    assert not set(fresh) & set(later)
    assert min(fresh) == 11  # the old block's rest is lost, a new block is used


def test_a_data_folder_copied_to_another_machine_drops_its_unused_blocks(tmp_path):
    backend = FakeBackend()
    ledger = ledger_on(tmp_path / "home", backend, block_size=10)
    ledger.seq_for("S0", "pos")
    shutil.copytree(tmp_path / "home", tmp_path / "elsewhere" / "home")  # no witness there
    moved = ledger_on(tmp_path / "elsewhere" / "home", backend, block_size=10)
    assert moved.seq_for("S1", "pos") == 11


def template(steps_value: str, seq: str = "fleet") -> Template:
    return Template.model_validate(
        {
            "kitbench": 1,
            "name": "pos",
            "version": 1,
            "seq": seq,
            "steps": [
                {"setting": {"namespace": "global", "key": "device_name", "value": steps_value}}
            ],
        }
    )


def test_only_a_fleet_template_that_says_seq_waits_for_fleet_numbers():
    assert series_of(template("POS-{seq:04d}")) == "pos"
    assert series_of(template("POS-{seq:04d}", seq="station")) is None
    assert series_of(template("POS-{serial}")) is None  # never needs a number
