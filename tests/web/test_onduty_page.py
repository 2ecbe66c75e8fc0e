"""The on-duty wall screen (/teams/{team}/on-duty): the API's answer in large type, refreshed every minute."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from webkit import FIRST, Web, sign_in

from rota.api.services.onduty import on_duty
from rota.api.services.tokens import create_api_token

PAGE = "/teams/tiny/on-duty"


def _as(web: Web, who: str) -> TestClient:
    client = web.client()
    sign_in(client, web.tokens.secrets[who])
    return client


def _answer(web: Web, at: str) -> Any:
    with web.db.read() as session:
        return on_duty(session=session, team_id="tiny", now=datetime.now(UTC), at=at)


def _names(html: str) -> list[str]:
    return re.findall(r'<span class="who"><bdi>([^<]+)</bdi></span>', html)


def test_the_page_shows_who_the_service_says_is_on_duty(web: Web, lead: TestClient, published: int) -> None:
    at = f"{FIRST + timedelta(days=(7 - FIRST.weekday()) % 7 + 1):%Y-%m-%d}T10:00"  # a Tuesday morning
    answer = _answer(web, at)
    people = [d["name"] for r in answer.roles for d in r["on_duty"]]
    assert people  # the desk is staffed in core hours
    page = lead.get(PAGE, params={"at": at})
    assert page.status_code == 200 and 'class="wall"' in page.text
    assert _names(page.text) == people
    assert "On call" in page.text and "Service desk" in page.text
    assert 'http-equiv="refresh"' not in page.text  # a chosen instant does not move
    # the lead's team page links to it
    assert f'href="{PAGE}"' in lead.get("/teams/tiny").text


def test_now_reloads_every_minute_and_says_when_nothing_is_published(web: Web, lead: TestClient) -> None:
    web.app.state.clock = lambda: datetime(2026, 1, 5, 12, tzinfo=UTC)
    page = lead.get(PAGE)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="60">' in page.text
    assert "Mon 5 Jan 2026, 13:00 CET" in page.text
    assert "No published rota covers Mon 5 Jan 2026: nobody is shown on duty." in page.text
    assert _names(page.text) == []


def test_who_may_open_it(web: Web, published: int) -> None:
    for who in ("hr", "staff"):
        assert _as(web, who).get(PAGE).status_code == 200, who
    # another team's lead: refused as the pages refuse a team of someone else (403, or 404 where the
    # pages do not tell which teams exist), a page in words, nobody's name on it
    refused = _as(web, "other_lead").get(PAGE)
    assert refused.status_code in (403, 404) and '"detail"' not in refused.text
    assert "<h1>On duty" not in refused.text and not _names(refused.text)
    signed_out = web.client().get(PAGE, follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/sign-in?next=/teams/tiny/on-duty"
    bad = _as(web, "hr").get(PAGE, params={"at": "soon"})
    assert bad.status_code == 422 and '"soon" is not a date and time' in html.unescape(bad.text)


def test_a_wall_screen_signed_in_as_integration_sees_only_on_duty(web: Web, published: int) -> None:
    with web.db.write() as session:
        secret = create_api_token(session=session, role="integration", teams=["tiny"], label="Wall").secret
    screen = web.client()
    sign_in(screen, secret)
    start = screen.get("/", follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"] == PAGE
    assert screen.get(PAGE).status_code == 200
    for path in ("/teams", "/teams/tiny", f"/teams/tiny/rotas/{published}", "/teams/tiny/coverage", "/me"):
        refused = screen.get(path)
        assert refused.status_code == 403, path
        assert "Your role cannot do this" in refused.text
