"""The fleet console as an admin's browser sees it, through FastAPI's TestClient on SQLite and
PostgreSQL: sign-in, CSRF, lockout, the boundary with the station API, search and paging."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.fleet import FleetDatabase, create_app
from app.fleet.console import Accounts
from app.fleet.console.accounts import (
    ADDRESS_MAX_FAILURES,
    ADDRESS_WINDOW,
    MAX_FAILURES,
    address_failures,
)

PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    url = (
        f"sqlite:///{tmp_path / 'fleet.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    database = FleetDatabase.open(url)
    Accounts(database.engine).create_admin("ann", PASSWORD)
    yield database
    database.close()


@pytest.fixture
def app(database):
    return create_app(database)


@pytest.fixture
def browser(app):
    """A client with cookies, like a browser; not signed in."""
    with TestClient(app, base_url="http://fleet.test") as client:
        yield client


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def sign_in(browser: TestClient, password: str = PASSWORD, name: str = "ann"):
    form = browser.get("/console/login")
    return browser.post(
        "/console/login",
        data={"name": name, "password": password, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )


@pytest.fixture
def admin(browser):
    assert sign_in(browser).status_code == 303
    return browser


@pytest.fixture
def station(app, database):
    token = database.create_token("bench-1")
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def post_runs(station: TestClient, runs: list[dict]) -> None:
    response = station.post("/api/v1/runs", json={"runs": runs})
    assert response.status_code == 200, response.text


def test_a_page_without_a_session_sends_to_sign_in_and_back(browser):
    response = browser.get("/console/runs?serial=R1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Fruns%3Fserial%3DR1"
    form = browser.get(response.headers["location"])
    signed_in = browser.post(
        "/console/login",
        data={"name": "ann", "password": PASSWORD, "csrf": csrf_of(form.text),
              "next": "/console/runs?serial=R1"},
        follow_redirects=False,
    )  # fmt: skip
    assert signed_in.headers["location"] == "/console/runs?serial=R1"


def test_the_session_cookie_is_httponly_samesite_and_secure_over_tls(app):
    for base, secure in (("http://fleet.test", False), ("https://fleet.test", True)):
        with TestClient(app, base_url=base) as browser:
            cookie = sign_in(browser).headers["set-cookie"]
        assert "kitbench_console=" in cookie
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert ("Secure" in cookie) is secure


def test_a_wrong_password_is_refused_and_opens_nothing(browser):
    response = sign_in(browser, "not the password")
    assert response.status_code == 401
    assert "Wrong name or password." in response.text
    assert browser.get("/console/stations", follow_redirects=False).status_code == 303
    assert sign_in(browser, PASSWORD, name="nobody").status_code == 401


def test_a_sign_in_without_the_forms_csrf_token_is_refused(browser):
    browser.get("/console/login")
    response = browser.post(
        "/console/login", data={"name": "ann", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "kitbench_console=" not in response.headers.get("set-cookie", "")


def test_repeated_wrong_passwords_lock_the_account_even_against_the_right_one(browser):
    for _ in range(MAX_FAILURES - 1):
        assert sign_in(browser, "guess").status_code == 401
    locked = sign_in(browser, "guess")
    assert locked.status_code == 429
    assert "locked until" in locked.text
    assert sign_in(browser, PASSWORD).status_code == 429


def test_many_wrong_sign_ins_from_one_address_refuse_that_address_only(app, database):
    """Guessing across many accounts from one address is throttled, whichever names."""
    with (
        TestClient(app, base_url="http://fleet.test", client=("203.0.113.7", 40000)) as guesser,
        TestClient(app, base_url="http://fleet.test", client=("198.51.100.2", 40000)) as other,
    ):
        names = ["ann", "bob", *(f"user{k}" for k in range(ADDRESS_MAX_FAILURES))]
        statuses = [
            sign_in(guesser, "guess", name=names[k]).status_code
            for k in range(ADDRESS_MAX_FAILURES)
        ]
        assert statuses == [401] * (ADDRESS_MAX_FAILURES - 1) + [429]
        refused = sign_in(guesser, PASSWORD)
        assert refused.status_code == 429
        assert "Too many failed sign-ins from your address (203.0.113.7)" in refused.text
        assert sign_in(other, PASSWORD).status_code == 303  # ann is not locked: one guess

        # A window later the address may try again.
        with database.engine.begin() as connection:
            past = datetime.now(UTC).replace(tzinfo=None) - ADDRESS_WINDOW
            connection.execute(
                update(address_failures).values(window_started=past, locked_until=past)
            )
        assert sign_in(guesser, PASSWORD).status_code == 303


def test_a_new_password_unlocks_the_account(browser, database):
    for _ in range(MAX_FAILURES):
        sign_in(browser, "guess")
    Accounts(database.engine).create_admin("ann", "another long password")
    assert sign_in(browser, "another long password").status_code == 303


def test_every_console_form_needs_the_sessions_csrf_token(admin, database):
    database.create_token("bench-9")
    for path, data in (
        ("/console/tokens", {"station": "bench-2"}),
        ("/console/tokens/bench-9/revoke", {}),
        ("/console/logout", {}),
        ("/console/tokens", {"station": "bench-2", "csrf": "forged"}),
    ):
        response = admin.post(path, data=data, follow_redirects=False)
        assert response.status_code == 403, path
    assert [station["name"] for station in database.stations()] == ["bench-9"]
    assert admin.get("/console/stations").status_code == 200  # still signed in


def test_a_station_token_never_opens_the_console(browser, station):
    response = browser.get(
        "/console/stations", headers=dict(station.headers), follow_redirects=False
    )
    assert response.status_code == 401
    assert "not a bearer token" in response.text


def test_a_console_session_never_opens_the_station_api(admin, fleet_run):
    assert admin.get("/api/v1/stations").status_code == 401
    assert admin.post("/api/v1/runs", json={"runs": [fleet_run()]}).status_code == 401


def test_sign_out_ends_the_session(admin):
    page = admin.get("/console/stations")
    response = admin.post("/console/logout", data={"csrf": csrf_of(page.text)})
    assert "You are signed out." in response.text
    assert admin.get("/console/stations", follow_redirects=False).status_code == 303


def test_stations_show_heartbeat_version_waiting_and_runs_today(admin, station, fleet_run):
    today = datetime.now(UTC).isoformat()
    post_runs(station, [fleet_run(started_at=today), fleet_run()])  # the default is in 2024
    station.post("/api/v1/heartbeat", json={"waiting": 7, "version": "9.8.7"})
    row = re.search(r'<tr class="station" data-station="bench-1">(.*?)</tr>', admin.get(
        "/console/stations").text, re.S).group(1)  # fmt: skip
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td.*?</td>", row, re.S)]
    assert cells[:2] == ["bench-1", "online"]
    assert cells[3:] == ["9.8.7", "7", "1"]


def runs_on_page(page: str) -> list[str]:
    return re.findall(r'href="/console/runs/([0-9a-f]{32})"', page)


def test_runs_page_through_every_run_once_newest_first(admin, station, fleet_run):
    start = datetime(2024, 5, 1, tzinfo=UTC)
    same_time = (start + timedelta(hours=1)).isoformat()
    runs = [fleet_run(started_at=(start + timedelta(minutes=i)).isoformat()) for i in range(70)]
    runs += [fleet_run(started_at=same_time) for _ in range(40)]  # ties cross a page edge
    post_runs(station, runs)
    seen: list[str] = []
    url = "/console/runs"
    while url:
        page = admin.get(url).text
        seen += runs_on_page(page)
        found = re.search(r'id="next-page" href="([^"]+)"', page)
        url = found.group(1).replace("&amp;", "&") if found else None
    expected = sorted(runs, key=lambda run: (run["started_at"], run["id"]), reverse=True)
    assert seen == [run["id"] for run in expected]


def test_runs_search_by_serial_result_and_time(admin, station, fleet_run):
    wanted = fleet_run(serial="R58N1", result="failed", started_at="2024-05-02T10:00:00+00:00")
    post_runs(station, [
        wanted,
        fleet_run(serial="R58N1", result="done", started_at="2024-05-02T11:00:00+00:00"),
        fleet_run(serial="R58N1", result="failed", started_at="2024-04-01T10:00:00+00:00"),
        fleet_run(serial="OTHER", result="failed", started_at="2024-05-02T10:00:00+00:00"),
    ])  # fmt: skip
    page = admin.get(
        "/console/runs?serial=R58N1&result=failed&since=2024-05-01T00:00&until=2024-06-01"
    ).text
    assert runs_on_page(page) == [wanted["id"]]
    assert runs_on_page(admin.get("/console/runs?imei=490154203237518").text) == []


def test_csv_export_holds_the_filtered_runs_with_no_formula(admin, station, fleet_run):
    runs = [fleet_run(serial="=HYPERLINK(1)", result="failed"), fleet_run(result="done")]
    post_runs(station, runs)
    page = admin.get("/console/runs?result=failed").text
    link = re.search(r'id="export-csv" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    response = admin.get(link)
    assert response.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["id"], row["serial"]) for row in rows] == [(runs[0]["id"], "'=HYPERLINK(1)")]


def test_a_run_page_shows_its_steps_and_a_device_its_history(admin, station, fleet_run):
    older, newer = fleet_run(serial="R58N7"), fleet_run(serial="R58N7", asset_tag="A-17")
    older["started_at"] = "2024-05-01T09:00:00+00:00"
    post_runs(station, [older, newer])
    run_page = admin.get(f"/console/runs/{newer['id']}").text
    for step in newer["steps"]:
        assert step["name"] in run_page
    device = admin.get("/console/devices/R58N7").text
    summary, history = device.split("<h2>History")
    assert runs_on_page(summary) == [newer["id"]]
    assert runs_on_page(history) == [newer["id"], older["id"]]
    register = admin.get("/console/devices").text
    assert "A-17" in register and "R58N7" in register


def test_a_revoked_station_token_is_refused_by_the_api(admin, station, fleet_run):
    page = admin.get("/console/tokens")
    response = admin.post("/console/tokens/bench-1/revoke", data={"csrf": csrf_of(page.text)})
    assert "token is revoked" in response.text
    refused = station.post("/api/v1/runs", json={"runs": [fleet_run()]})
    assert refused.status_code == 401


def test_a_token_created_in_the_console_is_shown_once_and_works(admin, app):
    page = admin.get("/console/tokens")
    response = admin.post(
        "/console/tokens", data={"csrf": csrf_of(page.text), "station": "bench-new"}
    )
    token = re.search(r'id="new-token" class="token">([^<]+)<', response.text).group(1)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.post("/api/v1/heartbeat", json={"waiting": 0, "version": "1"}).is_success
    assert token not in admin.get("/console/tokens").text


def test_an_orders_progress_and_devices_per_station(app, admin, database, fleet_run):
    order = {
        "number": "PO 12/B", "customer": "Acme", "target": 4, "template": "retail-pos",
        "template_version": None, "state": "open", "notes": "",
        "created_at": "2024-05-01T08:00:00+00:00",
    }  # fmt: skip
    stations = (("bench-1", ["failed", "done", "done"]), ("bench-2", ["refused"]))
    for hour, (name, results) in enumerate(stations, 12):
        with TestClient(
            app, headers={"Authorization": f"Bearer {database.create_token(name)}"}
        ) as client:
            assert client.post("/api/v1/orders", json={"orders": [order]}).status_code == 200
            runs = [
                fleet_run(serial=f"{name}-{serial}", order_number="PO 12/B", result=result,
                          started_at=f"2024-05-01T{hour}:0{k}:00+00:00")
                for k, (serial, result) in enumerate(zip("AAB", results, strict=False))
            ]  # fmt: skip
            post_runs(client, runs)

    listing = admin.get("/console/orders").text
    assert "2 / 4" in listing and "bench-1 2" in listing and "bench-2 0" in listing
    page = admin.get("/console/orders/PO%2012/B")
    assert page.status_code == 200
    shown = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "2 of 4 done · 0 failed · 1 refused · 2 to go" in shown
    assert re.findall(r'<tr class="order-device" data-serial="([^"]+)"', page.text) == [
        "bench-2-A", "bench-1-B", "bench-1-A",
    ]  # fmt: skip
    assert admin.get("/console/orders/PO%2099").status_code == 404


def test_pages_and_the_api_say_how_long_the_backend_took(admin, station):
    for response in (admin.get("/console/runs"), station.get("/api/v1/runs")):
        assert response.status_code == 200
        assert re.fullmatch(r"app;dur=\d+\.\d", response.headers["server-timing"])
