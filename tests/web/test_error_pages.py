"""Errors as pages: an unknown team is a 404 page, an expired form says so (not "your role"), no field
paths like ``rota_id:`` or ``csrf:``, and every error page links back to where the user was."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient
from webkit import Web, sign_in


def _as(web: Web, who: str) -> TestClient:
    client = web.client()
    sign_in(client, web.tokens.secrets[who])
    return client


def test_an_unknown_team_is_a_404_page_for_every_role(web: Web, lead: TestClient) -> None:
    for client in (lead, _as(web, "hr"), _as(web, "staff")):
        for path in (
            "/teams/nowhere",
            "/teams/nowhere/file",
            "/teams/nowhere/coverage",
            "/teams/nowhere/rotas/1",
        ):
            response = client.get(path, headers={"accept": "text/html"})
            assert response.status_code == 404, (path, response.status_code)
            assert "Not found" in response.text and "Your role cannot do this" not in response.text
    # a team that exists but is not theirs answers the same: the pages tell no one which teams exist
    other = _as(web, "other_lead")
    assert other.get("/teams/tiny").status_code == 404
    assert 'There is no team "tiny" that you can see.' in html.unescape(other.get("/teams/tiny").text)


def test_an_expired_form_says_reload_and_links_back(lead: TestClient) -> None:
    response = lead.post(
        "/teams/tiny/generate",
        data={"month": "2027-01", "csrf": "from-yesterday"},
        headers={"referer": "http://testserver/teams/tiny"},
    )
    assert response.status_code == 403
    text = response.text
    assert "This form has expired" in text and "reload the page" in text
    assert "Your role cannot do this" not in text and "csrf" not in text.split("<main", 1)[1].lower().replace(
        'name="csrf"', ""
    )
    assert '<a href="/teams/tiny">Reload the page</a>' in text


def test_no_field_paths_on_error_pages_and_a_way_back(web: Web, lead: TestClient, draft: int) -> None:
    missing = lead.get(
        "/teams/tiny/rotas/999", headers={"referer": f"http://testserver/teams/tiny/rotas/{draft}"}
    )
    assert missing.status_code == 404
    assert "<code>rota_id</code>" not in missing.text and "rota_id:" not in missing.text
    assert f'<a href="/teams/tiny/rotas/{draft}">Back to the page you came from</a>' in missing.text
    direct = lead.get("/teams/tiny/rotas/999")  # no referer: back to the team
    assert '<a href="/teams/tiny">Back to the team</a>' in direct.text
    elsewhere = lead.get("/teams/tiny/rotas/999", headers={"referer": "https://evil.example/x"})
    assert "evil.example" not in elsewhere.text
    staff = _as(web, "staff")
    refused = staff.get("/teams/tiny/file")
    assert refused.status_code == 403 and "<code>authorization</code>" not in refused.text
    assert '<a href="/">Back to your start page</a>' in refused.text


def test_pages_with_live_state_are_not_kept_by_the_browser(web: Web, lead: TestClient) -> None:
    """Back during a solve must ask the server again (it showed a stale page with no running solve)."""
    for path in ("/teams", "/teams/tiny", "/teams/tiny/file", "/teams/tiny/coverage"):
        response = lead.get(path)
        assert response.status_code == 200 and response.headers["cache-control"] == "no-store", path
    assert _as(web, "staff").get("/me").headers["cache-control"] == "no-store"
    assert "no-store" not in lead.get("/static/app.css").headers.get("cache-control", "")
