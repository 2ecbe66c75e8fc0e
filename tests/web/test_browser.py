"""The web app in a real browser: Debian's chromium driven by Playwright against a real uvicorn server.

A lead signs in with a one-time link, generates the month (live progress), edits a cell that breaks a
rule, publishes after the changes; staff see their shifts and subscribe; HR reads the heat map and
downloads the CSV; staff cannot open the lead's pages. Skipped only when no chromium is installed and
CI is unset (in CI a missing browser fails). ROTA_SCREENSHOTS=1 saves docs/screenshots/*.png.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from webkit import LEAVE_WEEKDAY, MONTH, PEOPLE, issue_tokens, sign_in_link, team_doc

from api.db import Database, make_engine
from api.migrate import upgrade
from api.services.teams import put_team

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _browser_path() -> str:
    """Chromium's path; skipped (outside CI) or failed (in CI) when it or Playwright is missing."""
    reason = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "Playwright is not installed (pip install -e '.[test]')"
    if CHROMIUM is None:
        reason = "no chromium on PATH (apt-get install -y chromium)"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    assert CHROMIUM is not None
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    db: Database
    ids: dict[str, int]

    def link(self, who: str) -> str:
        return f"{self.url}/sign-in?code={sign_in_link(self.db, self.ids[who])}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """uvicorn on a free loopback port over a temp SQLite file: the team stored, tokens issued."""
    _browser_path()
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'rota.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    db = Database.connect(url)
    with db.write() as session:
        put_team(session=session, team_id="tiny", document=team_doc())
    tokens = issue_tokens(db)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ROTA_DATABASE_URL": url, "ROTA_PUBLIC_URL": base,
           "ROTA_SESSION_SECRET": "browser-test", "ROTA_SOLVER_WORKERS": "1", "ROTA_JOB_WORKERS": "1",
           "ROTA_TIME_LIMIT": "2"}
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/sign-in", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start:\n" + (folder / "server.log").read_text())
            time.sleep(0.2)
        yield Server(base, db, tokens.ids)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        db.dispose()


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=_browser_path(), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """A new browser context (its own cookies) per call; console CSP violations are collected and fail."""
    contexts, violations = [], []

    def make(**options: Any) -> Any:
        context = browser.new_context(accept_downloads=True, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("console", lambda m: violations.append(m.text) if "Security Policy" in m.text else None)
        return page

    yield make
    for c in contexts:
        c.close()
    assert not violations, violations


def shoot(page: Any, name: str) -> None:
    if os.environ.get("ROTA_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_lead_staff_and_hr_in_a_real_browser(server: Server, open_page: Any) -> None:
    from playwright.sync_api import expect

    # the lead: a one-time link, the team, Generate with live progress
    lead = open_page(viewport={"width": 1500, "height": 1000})
    lead.goto(server.link("lead"))
    lead.get_by_role("button", name="Sign in").click()
    expect(lead).to_have_url(re.compile(r"/teams$"))
    lead.get_by_role("link", name="Tiny Help Desk", exact=True).click()
    expect(lead).to_have_url(re.compile(r"/teams/tiny$"))
    lead.get_by_label("Month").fill(MONTH)
    lead.get_by_label("Time limit (seconds)").fill("2")
    lead.get_by_role("button", name="Generate").click()
    expect(lead.get_by_role("heading", name="Progress")).to_be_visible()
    expect(lead.locator('[data-field="state"]')).to_have_text(re.compile("queued|running|done"))
    expect(lead).to_have_url(re.compile(r"/teams/tiny/rotas/\d+$"), timeout=60_000)

    # the grid: a row per person, a gap row per role
    grid = lead.get_by_role("table", name=re.compile("Who is on duty"))
    for name in PEOPLE:
        expect(grid.get_by_role("rowheader", name=name, exact=True)).to_be_visible()
    for role in ("Service desk", "On call"):
        expect(grid.get_by_role("rowheader", name=f"Gaps: {role}")).to_be_visible()

    # a cell edit that breaks a rule: Sem is on holiday
    day = f"{LEAVE_WEEKDAY:%a} {LEAVE_WEEKDAY.day} {LEAVE_WEEKDAY:%b %Y}"
    lead.get_by_role("link", name=re.compile(f"^Sem Jansen, {day}")).click()
    lead.get_by_label("Duty", exact=True).select_option(label="Service desk · Morning 09:00–13:00")
    lead.get_by_role("button", name="Put on").click()
    expect(lead.get_by_role("heading", name="This change breaks a rule")).to_be_visible()
    expect(lead.get_by_text("overlaps the person's unavailability")).to_be_visible()
    lead.get_by_label("Why keep it anyway").fill("covering for a sick colleague")
    lead.get_by_role("button", name="Keep it anyway").click()
    expect(lead.get_by_text(re.compile("Kept anyway"))).to_be_visible()

    # Publish, after the changes
    lead.get_by_role("link", name="Publish").click()
    expect(lead.get_by_role("table", name="What changes, per person")).to_be_visible()
    lead.get_by_role("button", name="Publish").first.click()
    expect(lead.get_by_text(re.compile("^Published:"))).to_be_visible()
    expect(lead.locator(".page-head .state")).to_have_text("published")
    shoot(lead, "grid.png")

    # staff: my shifts, Subscribe, and the feed it points to holds them
    staff = open_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    staff.goto(server.link("staff"))
    staff.get_by_role("button", name="Sign in").click()
    expect(staff).to_have_url(re.compile(r"/me$"))
    shifts = staff.locator("li.shift")
    expect(shifts.first).to_be_visible()
    listed = shifts.count()
    staff.get_by_role("button", name="Subscribe").click()
    expect(staff.get_by_role("link", name="Open in my calendar app")).to_have_attribute("href", re.compile("^webcal://"))
    expect(staff.get_by_role("link", name="Add to Google Calendar")).to_be_visible()
    expect(staff.locator("figure.qr svg")).to_be_visible()
    feed_url = staff.get_by_label("Calendar address to copy").input_value()
    feed = staff.request.get(feed_url)
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    assert feed.text().count("BEGIN:VEVENT") == listed
    shoot(staff, "me.png")

    # staff cannot open the lead's pages
    response = staff.goto(f"{server.url}/teams/tiny")
    assert response is not None and response.status == 403
    expect(staff.get_by_role("heading", name="Your role cannot do this")).to_be_visible()

    # HR: the heat map and the CSV
    hr = open_page(viewport={"width": 1500, "height": 1000})
    hr.goto(server.link("hr"))
    hr.get_by_role("button", name="Sign in").click()
    hr.get_by_role("link", name="Coverage of Tiny Help Desk").click()
    expect(hr.get_by_role("table", name=re.compile("Service desk: each cell"))).to_be_visible()
    expect(hr.get_by_role("heading", name=re.compile("On call: required against covered"))).to_be_visible()
    with hr.expect_download() as download:
        hr.get_by_role("link", name="CSV (per role and date)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("role,date,") and "desk," in text
    shoot(hr, "coverage.png")


def test_a_one_time_link_signs_in_once(server: Server, open_page: Any) -> None:
    from playwright.sync_api import expect

    link = server.link("staff")
    first = open_page()
    first.goto(link)
    first.get_by_role("button", name="Sign in").click()
    expect(first).to_have_url(re.compile(r"/me$"))
    first.get_by_role("button", name="Sign out").click()
    expect(first.get_by_text("Signed out.")).to_be_visible()
    again = open_page()
    again.goto(link)
    again.get_by_role("button", name="Sign in").click()
    expect(again.get_by_role("alert")).to_contain_text("already used")
