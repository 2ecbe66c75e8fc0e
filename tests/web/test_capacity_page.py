"""The capacity page (/teams/{team}/capacity): the hiring plan and a leaver's what-if in words, the same
figures as its JSON twins POST /api/teams/{team}/plans and /whatif; hr and the team's leads only."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient
from webkit import FIRST, LAST, MONTH, Web, sign_in


def _as(web: Web, who: str) -> TestClient:
    client = web.client()
    sign_in(client, web.tokens.secrets[who])
    return client


def _api(web: Web, path: str, body: dict) -> dict:
    client = web.client()
    auth = {"Authorization": f"Bearer {web.tokens.secrets['lead']}"}
    response = client.post(path, json=body, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_capacity_page_says_what_its_json_twins_say(web: Web, lead: TestClient) -> None:
    page = lead.get(f"/teams/tiny/capacity?month={MONTH}&without=lotte")
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    span = {"start": FIRST.isoformat(), "end": LAST.isoformat(), "time_limit": 10}
    plan = _api(web, "/api/teams/tiny/plans", span)
    for line in plan["summary"]:
        assert f"<p>{line}</p>" in text
    for hire in plan["hires"]:
        assert hire["name"] in text
    assert "Person-hours per role and week" in text and plan["weeks"][0]["week"] in text
    what_if = _api(web, "/api/teams/tiny/whatif", {**span, "without": "lotte"})
    assert what_if["summary"] in text and what_if["summary"].startswith("Without Lotte Visser")
    assert '<option value="lotte" selected>' in page.text
    assert "If someone left" not in lead.get(f"/teams/tiny/capacity?month={MONTH}").text
    xlsx = lead.get(f"/teams/tiny/capacity.xlsx?month={MONTH}")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "/teams/tiny/capacity" in lead.get("/teams/tiny").text  # linked from the team page


def test_hr_may_see_it_staff_and_other_leads_may_not(web: Web) -> None:
    assert _as(web, "hr").get(f"/teams/tiny/capacity?month={MONTH}").status_code == 200
    staff = _as(web, "staff").get(f"/teams/tiny/capacity?month={MONTH}")
    assert staff.status_code == 403 and "Your role cannot do this" in staff.text
    assert _as(web, "other_lead").get(f"/teams/tiny/capacity?month={MONTH}").status_code == 404


def test_a_bad_month_or_person_is_a_page_in_words(lead: TestClient) -> None:
    bad = lead.get("/teams/tiny/capacity?month=13-2027")
    assert bad.status_code == 422 and "is not a month" in bad.text and "<html" in bad.text
    nobody = lead.get(f"/teams/tiny/capacity?month={MONTH}&without=zed")
    assert nobody.status_code == 422
    assert 'no person "zed" in team "tiny"' in html.unescape(nobody.text).lower()
