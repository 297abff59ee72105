"""The fleet console in a real browser: Debian's chromium through chromium-driver and Selenium,
against `kitbench backend` in its own process, with stations that sync through `kitbench sync`
and releases that CI publishes with `kitbench publish`.

With KITBENCH_CONSOLE_SCREENSHOTS=DIR the walk-through also saves every console page as
DIR/console-*.png, at a laptop's size and a wall screen's (`make console-screenshots`).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from app.sim.apk import build_apk
from app.storage import Config

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
KITBENCH = [sys.executable, "-m", "app"]
PASSWORD = "a long console password"
pytestmark = pytest.mark.skipif(
    (CHROMIUM is None or CHROMEDRIVER is None) and not os.environ.get("KITBENCH_CI"),
    reason="chromium and chromium-driver are not installed (CI installs them)",
)
TEMPLATE = """\
kitbench: 1
name: kiosk
version: {version}
steps:
  - install: {{apk: apps/pos.apk, package: com.example.pos}}
  - push: {{src: files/config.json, dest: /sdcard/Download/config.json}}
"""


def kitbench(*args: str, home: Path, stdin: str | None = None, **env: str):
    return subprocess.run(
        [*KITBENCH, *args],
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
        env={**os.environ, "KITBENCH_HOME": str(home), **env},
    )


class Fleet:
    """A backend process, its admin, a publisher and stations with their data folders."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.home = tmp_path / "admin-home"
        self.db_url = f"sqlite:///{tmp_path / 'fleet.db'}"
        made = kitbench(
            "backend", "admin", "create", "ann", "--db", self.db_url, home=self.home,
            stdin=PASSWORD + "\n",
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        self.process = subprocess.Popen(
            [*KITBENCH, "backend", "--port", "0", "--db", self.db_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "KITBENCH_HOME": str(self.home)},
        )
        line = self.process.stdout.readline()
        assert "listening on" in line, line + self.process.stderr.read()
        self.url = line.split()[-1]
        self.repo = tmp_path / "repo"
        (self.repo / "apps").mkdir(parents=True)
        (self.repo / "files").mkdir()
        (self.repo / "apps" / "pos.apk").write_bytes(build_apk("com.example.pos", 7))
        (self.repo / "files" / "config.json").write_text('{"store": 42}\n')
        self.publisher_token = self.token("ci", "--publisher")
        made = kitbench(
            "keys", "create-publisher", "--out", str(tmp_path / "ci.pem"), home=tmp_path
        )
        assert made.returncode == 0, made.stderr
        self.public_key = made.stdout.strip().splitlines()[-1]

    def token(self, name: str, *role: str) -> str:
        done = kitbench(
            "backend", "token", "create", name, *role, "--db", self.db_url, home=self.home
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def station(self, name: str, channel: str) -> tuple[Path, str]:
        home = self.tmp / name
        token = self.token(name)
        config = Config(home)
        for key, value in (
            ("backend.url", self.url), ("backend.token", token), ("station.name", name),
            ("station.channel", channel), ("release.trusted_keys", self.public_key),
        ):  # fmt: skip
            config.set(key, value)
        return home, token

    def publish(self, version: int, *args: str) -> None:
        (self.repo / "kiosk.yaml").write_text(TEMPLATE.format(version=version))
        done = kitbench(
            "publish", str(self.repo / "kiosk.yaml"), *args, "--backend", self.url,
            "--key", str(self.tmp / "ci.pem"), home=self.tmp,
            KITBENCH_PUBLISH_TOKEN=self.publisher_token,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr

    def promote(self, release: str, channel: str) -> None:
        done = kitbench(
            "publish", "--promote", release, "--channel", channel, "--backend", self.url,
            home=self.tmp, KITBENCH_PUBLISH_TOKEN=self.publisher_token,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def sync(home: Path) -> subprocess.CompletedProcess:
    return kitbench("sync", "--once", home=home)


def offered(home: Path) -> list[str]:
    pulled = home / "templates" / "pulled"
    return sorted(path.name for path in pulled.glob("*.yaml")) if pulled.is_dir() else []


def runs_of(station: str, count: int, **fields) -> list[dict]:
    """Runs as a station records them: a device each, the newest finished a minute ago."""
    now = datetime.now(UTC)
    made = []
    for index in range(count):
        started = now - timedelta(minutes=3 + 7 * index)
        result = "failed" if index % 5 == 3 else "done"
        made.append(
            {
                "id": uuid.uuid4().hex,
                "serial": f"{station[-4:].upper()}{index:04d}X",
                "model": ("Pixel 8", "TC52", "SM-T510")[index % 3],
                "android_release": ("14", "11", "13")[index % 3],
                "slot": f"A{index % 8 + 1}",
                "template": "kiosk",
                "template_version": 4,
                "template_hash": "ab" * 32,
                "operator": "kim",
                "asset_tag": f"IT-{1000 + index}",
                "imei": [] if index % 3 == 1 else [f"35{len(station):06d}{index:07d}"],
                "started_at": started.isoformat(),
                "finished_at": (started + timedelta(seconds=95)).isoformat(),
                "result": result,
                "error": "install com.example.pos: INSTALL_FAILED_INSUFFICIENT_STORAGE"
                if result == "failed"
                else None,
                "steps": [
                    {"index": 0, "action": "install", "name": "install com.example.pos",
                     "status": "failed" if result == "failed" else "changed",
                     "duration_ms": 8120, "message": "Success" if result == "done"
                     else "INSTALL_FAILED_INSUFFICIENT_STORAGE"},
                    {"index": 1, "action": "push", "name": "push config.json",
                     "status": "skipped" if result == "failed" else "ok", "duration_ms": 240,
                     "message": "wifi password ******** written"},
                ],
                **fields,
            }
        )  # fmt: skip
    return made


def post_order(fleet: Fleet, token: str, number: str, target: int) -> None:
    """Send a kitting order as a station's sync does (both stations work on it)."""
    order = {
        "number": number, "customer": "Acme Retail", "target": target, "template": "kiosk",
        "template_version": 4, "state": "open", "notes": "",
        "created_at": (datetime.now(UTC) - timedelta(hours=4)).isoformat(),
    }  # fmt: skip
    response = httpx.post(
        f"{fleet.url}/api/v1/orders",
        json={"orders": [order]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text


def post_runs(fleet: Fleet, token: str, runs: list[dict]) -> None:
    response = httpx.post(
        f"{fleet.url}/api/v1/runs",
        json={"runs": runs},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def fleet(tmp_path):
    started = Fleet(tmp_path)
    yield started
    started.stop()


@pytest.fixture
def downloads(tmp_path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def chrome(tmp_path, downloads):
    """Headless chromium with an empty profile and nothing that reaches the network."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or "/usr/bin/chromium"
    for argument in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1366,900",
    ):  # fmt: skip
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(
        service=Service(CHROMEDRIVER or "/usr/bin/chromedriver"), options=options
    )
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


class Console:
    """The admin at the browser: open pages, fill forms, read what the page says."""

    def __init__(self, driver, url: str, shots: Path | None) -> None:
        self.driver, self.url, self.shots = driver, url, shots

    def open(self, path: str) -> None:
        self.driver.get(self.url + path)

    def click(self, css: str) -> None:
        """Click what leads to another page, and wait until that page has loaded."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.wait import WebDriverWait

        # A mark on the old page's window: the new page has loaded when the mark is
        # gone and its document is complete. (Polling the old <html> element for
        # staleness lets chromedriver answer mid-navigation with a bare "unknown
        # error", which failed CI once.)
        self.driver.execute_script("window.kitbenchLeaving = true")
        self.find(css).click()
        wait = WebDriverWait(
            self.driver, 30, poll_frequency=0.05, ignored_exceptions=(WebDriverException,)
        )
        wait.until(
            lambda driver: driver.execute_script(
                "return window.kitbenchLeaving === undefined && document.readyState === 'complete'"
            )
        )

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self) -> str:
        return self.find("body").text

    def sign_in(self, name: str, password: str) -> None:
        self.open("/console/login")
        self.find("#name").send_keys(name)
        self.find("#password").send_keys(password)
        self.click("#sign-in")

    def search(self, **fields: str) -> list[str]:
        """Search runs with the form; the serials listed."""
        self.open("/console/runs")
        for name, value in fields.items():
            self.find(f"#f-{name}").send_keys(value)
        self.click("#search")
        return [cell.text for cell in self.all("table.runs tbody td.mono a")]

    def shoot(self, name: str) -> None:
        """Save this page at a laptop's size and a wall screen's, when asked to."""
        if self.shots is None:
            return
        for suffix, (width, height) in (("", (1366, 900)), ("-wall", (1920, 1080))):
            self.driver.set_window_size(width, height)
            self.driver.save_screenshot(str(self.shots / f"console-{name}{suffix}.png"))
        self.driver.set_window_size(1366, 900)


@pytest.fixture
def console(chrome, fleet):
    shots = os.environ.get("KITBENCH_CONSOLE_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
    return Console(chrome, fleet.url, Path(shots) if shots else None)


def wait_for_file(folder: Path, pattern: str) -> Path:
    from selenium.webdriver.support.wait import WebDriverWait

    def finished(_driver) -> Path | None:
        done = [path for path in folder.glob(pattern) if not path.name.endswith(".crdownload")]
        return done[0] if done else None

    return WebDriverWait(None, 30, poll_frequency=0.1).until(finished)


def test_an_admin_runs_the_fleet_from_the_console(fleet, console, downloads):
    prod_home, prod_token = fleet.station("bench-prod", "production")
    canary_home, canary_token = fleet.station("bench-canary", "canary")
    prod_runs = runs_of("bench-prod", 24)
    for run in prod_runs[:10]:
        run["order_number"] = "PO 4711"  # 8 done, 2 failed
    post_runs(fleet, prod_token, prod_runs)
    post_runs(fleet, canary_token, runs_of("bench-canary", 9, order_number="PO 4711"))  # 7, 2
    for token in (prod_token, canary_token):
        post_order(fleet, token, "PO 4711", target=40)
    fleet.publish(4, "--channel", "canary")
    fleet.promote("kiosk@4", "production")
    fleet.publish(5, "--channel", "canary")
    for home in (prod_home, canary_home):
        synced = sync(home)
        assert synced.returncode == 0, synced.stdout + synced.stderr
    assert offered(prod_home) == ["kiosk-v4.yaml"]

    # A wrong password is refused, and so is a sign-in form without its CSRF token.
    console.sign_in("ann", "not the password")
    assert console.find("#login-error").text == "Wrong name or password."
    console.shoot("sign-in")
    console.open("/console/login")
    console.driver.execute_script("document.querySelector('input[name=csrf]').remove()")
    console.find("#name").send_keys("ann")
    console.find("#password").send_keys(PASSWORD)
    console.click("#sign-in")
    assert "The form expired or did not come from this console" in console.text()
    # A station's bearer token does not open the console.
    refused = httpx.get(
        f"{fleet.url}/console/stations", headers={"Authorization": f"Bearer {prod_token}"}
    )
    assert refused.status_code == 401

    console.sign_in("ann", PASSWORD)
    rows = {row.get_attribute("data-station"): row.text for row in console.all("tr.station")}
    assert set(rows) == {"bench-canary", "bench-prod"}
    assert all("online" in text for text in rows.values())
    console.shoot("stations")
    console.click("a[href='/console/stations/bench-prod']")
    assert len(console.all("table.runs tbody tr")) == 24
    console.shoot("station")

    wanted = prod_runs[3]  # a failed run
    assert console.search(serial=wanted["serial"]) == [wanted["serial"]]
    console.open("/console/runs")
    console.shoot("runs")
    console.search(serial=wanted["serial"])
    console.click(f"a[href='/console/runs/{wanted['id']}']")
    page = console.text()
    assert "INSTALL_FAILED_INSUFFICIENT_STORAGE" in page and "push config.json" in page
    console.shoot("run")
    console.click(f"a[href='/console/devices/{wanted['serial']}']")
    assert wanted["asset_tag"] in console.text()
    console.shoot("device")
    console.open("/console/devices")
    console.shoot("devices")

    # The order's progress across both stations, then its devices.
    console.open("/console/orders")
    row = console.find("tr.order[data-order='PO 4711']")
    assert "15 / 40" in row.text and "open" in row.text
    parts = {chip.get_attribute("data-station"): chip.text for chip in row.find_elements(
        "css selector", ".station-part")}  # fmt: skip
    assert parts == {"bench-canary": "bench-canary 7", "bench-prod": "bench-prod 8"}
    console.shoot("orders")
    console.click("a[href='/console/orders/PO%204711']")
    assert console.find("#order-progress").text == "15 of 40 done"
    done_by_station = {
        part.get_attribute("data-station"): part.find_element("css selector", "td.done").text
        for part in console.all("tr.station-part")
    }
    assert done_by_station == {"bench-canary": "7", "bench-prod": "8"}
    assert len(console.all("tr.order-device")) == 19
    console.shoot("order")

    # CSV of a search: the failed runs of bench-prod, downloaded by the browser.
    console.open("/console/runs?station=bench-prod&result=failed")
    console.find("#export-csv").click()
    exported = wait_for_file(downloads, "kitbench-runs-*.csv")
    with open(exported, newline="", encoding="utf-8") as file:
        rows_out = list(csv.DictReader(file))
    expected = {run["id"] for run in prod_runs if run["result"] == "failed"}
    assert {row["id"] for row in rows_out} == expected

    # Promote kiosk v5 from canary to production: the production station pulls it.
    console.open("/console/releases")
    console.shoot("releases")
    console.open("/console/releases/kiosk/5")
    from selenium.webdriver.support.select import Select

    Select(console.find("#promote-channel")).select_by_visible_text("production")
    console.click("#promote")
    assert console.find("#done").text == "Promoted to production."
    assert "production" in console.find("#channels").text
    synced = sync(prod_home)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert offered(prod_home) == ["kiosk-v5.yaml"]
    console.open("/console/releases/kiosk/5")
    downloaded = console.find("table.downloads").text
    assert "bench-prod" in downloaded
    console.shoot("release")
    console.click("#compare")
    assert "version: 5" in console.find("pre.diff").text
    console.shoot("release-diff")

    # Withdraw it: the station falls back to v4 at its next sync.
    console.open("/console/releases/kiosk/5")
    console.click("#withdraw")
    assert "Withdrawn from every channel" in console.find("#done").text
    synced = sync(prod_home)
    assert "no longer offered: kiosk-v5" in synced.stdout, synced.stdout + synced.stderr
    assert offered(prod_home) == ["kiosk-v4.yaml"]

    # Revoke bench-canary's token: its next sync is refused.
    console.open("/console/tokens")
    console.shoot("tokens")
    console.click("#revoke-bench-canary")
    assert "bench-canary's token is revoked" in console.find("#done").text
    post_refused = httpx.post(
        f"{fleet.url}/api/v1/heartbeat",
        json={"waiting": 0, "version": "1"},
        headers={"Authorization": f"Bearer {canary_token}"},
    )
    assert post_refused.status_code == 401
    refused_sync = sync(canary_home)
    assert "token rejected" in refused_sync.stdout + refused_sync.stderr
    console.click("#sign-out")
    assert "You are signed out." in console.text()
    console.open("/console/stations")
    assert console.driver.current_url.startswith(f"{fleet.url}/console/login")


def test_an_admin_finds_a_run_by_imei(fleet, console):
    _home, token = fleet.station("bench-prod", "production")
    runs = runs_of("bench-prod", 3)
    runs[1]["imei"] = ["490154203237518"]
    post_runs(fleet, token, runs)
    console.sign_in("ann", PASSWORD)
    assert console.search(imei="490154203237518") == [runs[1]["serial"]]
