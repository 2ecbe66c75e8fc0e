"""The fairness page (issue 24): HR's per person × category view with its downloads, and /me's balance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from webkit import FIRST, LAST, Web, sign_in, team_doc

from rota.api.services.teams import put_team


def _as(web: Web, who: str) -> TestClient:
    client = web.client()
    sign_in(client, web.tokens.secrets[who])
    return client


def test_the_fairness_page_its_downloads_and_me(web: Web, published: int) -> None:
    with web.db.write() as session:
        doc = {**team_doc(), "fairness": {"categories": {"weekend": 1, "night": 1}}}
        put_team(session=session, team_id="tiny", document=doc)
    hr = _as(web, "hr")
    query = f"from={FIRST}&to={LAST}"
    page = hr.get(f"/teams/tiny/fairness?{query}")
    assert page.status_code == 200, page.text
    for words in ("Spread per category", "weekend days", "night shifts", "Daan Bakker", "balance"):
        assert words in page.text
    csv = hr.get(f"/teams/tiny/fairness.csv?{query}")
    assert csv.status_code == 200 and csv.text.startswith("person,name,weekend days: done")
    xlsx = hr.get(f"/teams/tiny/fairness.xlsx?{query}")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert csv.headers["content-disposition"] == f'attachment; filename="fairness-tiny-{FIRST}-{LAST}.csv"'
    assert xlsx.headers["content-disposition"] == f'attachment; filename="fairness-tiny-{FIRST}-{LAST}.xlsx"'
    for report in ("fairness", "coverage"):
        pdf = hr.get(f"/teams/tiny/{report}.pdf?{query}")
        assert pdf.status_code == 422 and "is not a download: csv or xlsx" in pdf.text
    assert hr.get("/teams/tiny/fairness").status_code == 200  # the window back from today
    assert _as(web, "staff").get(f"/teams/tiny/fairness?{query}").status_code == 403
    web.app.state.clock = lambda: datetime.combine(LAST + timedelta(days=2), datetime.min.time(), UTC)
    me = _as(web, "staff").get("/me")
    assert me.status_code == 200 and "My fairness balance" in me.text and "weekend days" in me.text


def test_a_team_without_a_ledger_says_so(web: Web) -> None:
    page = _as(web, "hr").get("/teams/tiny/fairness")
    assert page.status_code == 422 and "no fairness categories" in page.text
    me = _as(web, "staff").get("/me")
    assert me.status_code == 200 and "My fairness balance" not in me.text


def test_the_month_page_shows_balances_before_and_after(web: Web, lead: TestClient) -> None:
    from webkit import MONTH, post

    with web.db.write() as session:
        doc = {**team_doc(), "fairness": {"categories": {"weekend": 1, "night": 1}}}
        put_team(session=session, team_id="tiny", document=doc)
    response = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": MONTH, "time_limit": "2"})
    assert response.status_code == 303, response.text
    job = web.wait_job(response.headers["location"].rsplit("/", 1)[1])
    assert job.state == "done", job.reason
    page = lead.get(f"/teams/tiny/rotas/{job.rota_id}")
    assert page.status_code == 200
    for head in (
        "Weekend days: before",
        "Weekend days: after",
        "Night shifts: before",
        "Night shifts: after",
    ):
        assert head in page.text
