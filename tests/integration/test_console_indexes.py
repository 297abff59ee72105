"""The console's run pages read the runs table through its indexes on PostgreSQL (EXPLAIN of
the very statements each page sends): the runs page, a serial search, an IMEI search (either
IMEI column) and a device's page. A statement no index can serve reads every run, which at a
fleet's millions of runs is seconds per page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.fleet import FleetDatabase, create_app
from app.fleet.console import Accounts
from tests.pg_plans import scans, statements_on_runs

PASSWORD = "correct horse battery"


@pytest.fixture
def admin(postgres_url, fleet_run):
    database = FleetDatabase.open(postgres_url)
    Accounts(database.engine).create_admin("ann", PASSWORD)
    app = create_app(database)
    token = database.create_token("bench-1")
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as station:
        runs = [fleet_run(serial=f"R{k}", imei=[f"35{k:013d}", f"86{k:013d}"]) for k in range(30)]
        assert station.post("/api/v1/runs", json={"runs": runs}).status_code == 200
    with TestClient(app, base_url="http://fleet.test") as browser:
        form = browser.get("/console/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        signed_in = browser.post(
            "/console/login", data={"name": "ann", "password": PASSWORD, "csrf": csrf}
        )
        assert signed_in.status_code == 200
        yield browser, database.engine
    database.close()


@pytest.mark.parametrize(
    "page",
    [
        "/console/runs",
        "/console/runs?serial=R7",
        "/console/runs?imei=350000000000007",
        "/console/runs?imei=860000000000007",
        "/console/devices/R7",
    ],
)
def test_a_run_page_reads_runs_through_an_index(admin, page):
    browser, engine = admin
    with statements_on_runs(engine) as statements:
        assert browser.get(page).status_code == 200
    assert statements, "the page read no runs"
    for statement, parameters in statements:
        plan = scans(engine, statement, parameters, avoid_seq_scans=True)
        whole = [scan for scan in plan if scan.startswith("Seq Scan") or "filter only" in scan]
        assert not whole, f"{page}: {statement}\n{plan}"
