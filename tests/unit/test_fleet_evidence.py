"""The fleet backend keeps what a device logged when a step failed, within the station's cap,
and the console's run page shows it (escaped: it is the device's text)."""

from __future__ import annotations

from app.core.evidence import EVIDENCE_MAX_BYTES
from tests.unit import test_fleet_console as console

# the console tests' backend (SQLite and PostgreSQL), signed-in admin and station client
database, app, browser = console.database, console.app, console.browser
admin, station, post_runs = console.admin, console.station, console.post_runs

EVIDENCE = (
    "$ logcat -d -t 200\n"
    "12-07 15:10:42.678  1342  1399 E PackageManager: session 4: refused: "
    "Failure [INSTALL_FAILED_INSUFFICIENT_STORAGE]\n"
    "12-07 15:10:42.679  2210  2230 I Kiosk   : <script>alert(1)</script>"
)


def failed_run(fleet_run, evidence: str) -> dict:
    return fleet_run(
        result="failed",
        error="step 1 (install POS app) failed",
        steps=[
            {"index": 0, "action": "install", "name": "install POS app", "status": "failed",
             "duration_ms": 300, "message": "install failed", "evidence": evidence},
        ],
    )  # fmt: skip


def test_a_failed_steps_evidence_is_kept_and_shown(admin, station, fleet_run):
    run = failed_run(fleet_run, EVIDENCE)
    post_runs(station, [run])
    (stored,) = station.get("/api/v1/runs").json()["runs"]
    assert stored["steps"][0]["evidence"] == EVIDENCE
    page = admin.get(f"/console/runs/{run['id']}").text
    assert "What the device logged at step 1 (install POS app)" in page
    assert "E PackageManager: session 4: refused" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_evidence_over_the_cap_is_refused(station, fleet_run):
    run = failed_run(fleet_run, "x" * (EVIDENCE_MAX_BYTES + 1))
    response = station.post("/api/v1/runs", json={"runs": [run]})
    assert response.status_code == 422
