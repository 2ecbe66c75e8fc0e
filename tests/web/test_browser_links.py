"""Issue 17.1 in a real browser: `rota serve --port 8777` with no ROTA_PUBLIC_URL hands out feed links on
8777, not 8000, and the link serves the person's shifts.

The server is the real command (`rota serve`, uvicorn) on a port other than 8000 (8777, or a free one
when 8777 is taken); staff sign in with chromium, subscribe on /me, and the feed URL the page shows is
fetched with httpx and parsed: it holds the shifts /me lists, named as /me names them ("Service desk ·
Morning", issue 17.20). The JSON API on the same server answers POST /api/calendar-tokens with the same
base. Skipped like tests/web/test_browser.py when chromium or Playwright is missing (outside CI).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import icalendar
import pytest
from test_browser import _browser_path, wait_until_serving
from webkit import FIRST, LAST, issue_tokens, sign_in_link, team_doc

from rota.api.db import Database, make_engine
from rota.api.migrate import upgrade
from rota.api.services.publish import publish_rota
from rota.api.services.rotas import store_rota
from rota.api.services.teams import parse_document, put_team

ROOT = Path(__file__).resolve().parents[2]


def _port() -> int:
    """8777 when free (the issue's port), else any free one; never 8000 (the old hard-wired port)."""
    for wanted in (8777, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", wanted))
            except OSError:
                continue
            port = s.getsockname()[1]
            if port != 8000:
                return port
    raise RuntimeError("no free port")


def _publish_next_month(db: Database) -> None:
    """The team stored and next month's greedy rota published (no solver: the test is about links)."""
    from rota.calendar import Calendar
    from rota.solver.greedy import greedy_rota
    from rota.solver.result import rota_document

    with db.write() as session:
        _, version, _ = put_team(session=session, team_id="tiny", document=team_doc())
        cal = Calendar(parse_document(version.document, "tiny"), FIRST, LAST)
        duties = sorted(greedy_rota(cal))
        doc, _ = rota_document(cal, duties, {"status": "feasible", "bound": 0, "seconds": 0.01})
        rota = store_rota(
            session=session,
            team_id="tiny",
            team_version=version.version,
            start=FIRST,
            end=LAST,
            document=doc.to_json(),
            duties=duties,
        )
        rota_id = rota.id
        session.commit()
    with db.write() as session:
        publish_rota(session=session, rota_id=rota_id)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Database, Any, str]]:
    """`rota serve --port P` over a temp SQLite file, ROTA_PUBLIC_URL unset; (base, db, tokens, log)."""
    _browser_path()
    folder = tmp_path_factory.mktemp("links")
    url = f"sqlite:///{folder / 'rota.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    db = Database.connect(url)
    _publish_next_month(db)
    tokens = issue_tokens(db)
    port = _port()
    env = {k: v for k, v in os.environ.items() if k != "ROTA_PUBLIC_URL"}
    env.update(
        {
            "ROTA_DATABASE_URL": url,
            "ROTA_SESSION_SECRET": "links-test",
            "ROTA_SOLVER_WORKERS": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH")))),
        }
    )
    log_path = folder / "server.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from rota.cli.main import main; main()",
            "serve",
            "--port",
            str(port),
            "--no-upgrade",
        ],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, log_path)
        yield base, db, tokens, log_path.read_text()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        db.dispose()


def test_me_on_a_served_port_hands_out_a_feed_on_that_port(served: tuple[str, Database, Any, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, db, tokens, started = served
    assert f"feed and sign-in links name {base} (the address each request comes to" in started
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_browser_path(), args=["--no-sandbox"])
        try:
            page = browser.new_context().new_page()
            page.set_default_timeout(20_000)
            page.goto(f"{base}/sign-in?code={sign_in_link(db, tokens.ids['staff'])}")
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_url(re.compile(r"/me$"))
            listed = Counter(t.strip() for t in page.locator("li.shift .what").all_text_contents())
            assert sum(listed.values()) > 0
            page.get_by_role("button", name="Subscribe").click()
            feed_url = page.get_by_label("Calendar address to copy").input_value()
            assert re.fullmatch(rf"{re.escape(base)}/calendars/cal_[\w-]+\.ics", feed_url), feed_url
            webcal = "webcal://" + feed_url.removeprefix("http://")
            expect(page.get_by_role("link", name="Open in my calendar app")).to_have_attribute("href", webcal)
            google = page.get_by_role("link", name="Add to Google Calendar").get_attribute("href")
            assert google is not None and google.endswith(quote(webcal, safe=""))
            assert ":8000" not in page.content()
        finally:
            browser.close()

    # the link works: the person's shifts, named as /me names them
    response = httpx.get(feed_url, timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert Counter(str(e["SUMMARY"]) for e in events) == listed
    assert {e.decoded("DTSTART").date() for e in events} <= {
        FIRST.replace(day=d) for d in range(1, 32) if d <= LAST.day
    }


def test_the_api_on_that_server_answers_with_its_port(served: tuple[str, Database, Any, str]) -> None:
    base, _, tokens, _ = served
    made = httpx.post(
        f"{base}/api/calendar-tokens",
        json={"team": "tiny", "kind": "person"},
        headers={"Authorization": f"Bearer {tokens.secrets['staff']}"},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["url"] == f"{base}/calendars/{body['token']}.ics"
    assert body["webcal"] == f"webcal://{base.removeprefix('http://')}/calendars/{body['token']}.ics"
    bearer = {"Authorization": f"Bearer {tokens.secrets['staff']}"}
    forged = httpx.post(
        f"{base}/api/calendar-tokens",
        json={"team": "tiny", "kind": "person"},
        headers={**bearer, "Host": "evil.example"},
        timeout=10,
    )
    assert forged.json()["url"].startswith(f"{base}/calendars/")  # the Host header names nothing
    # a proxy on loopback (ROTA_TRUSTED_PROXIES' default, 127.0.0.1): its forwarded host and scheme
    proxied = httpx.post(
        f"{base}/api/calendar-tokens",
        json={"team": "tiny", "kind": "person"},
        headers={
            **bearer,
            "X-Forwarded-Host": "rota.example.org",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7",
        },
        timeout=10,
    )
    assert proxied.json()["url"].startswith("https://rota.example.org/calendars/cal_")
