"""Issue 17.11 on the web month page: the hours table names a target the person cannot reach (the same
``hours_lines`` view data as the CLI and the HTML export), and says nothing for one they can."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient
from webkit import MONTH, Web, post, team_doc

from rota.api.services.teams import put_team
from rota.calendar import Calendar
from rota.load import parse_team


def test_the_month_page_names_an_unreachable_target(web: Web, lead: TestClient) -> None:
    doc = team_doc()
    doc["people"][0]["hours_per_week"] = 40  # Noor: only 4 h weekday shifts on the desk
    doc["people"][0]["days"] = "mon-thu"
    with web.db.write() as session:
        put_team(session=session, team_id="tiny", document=doc)
    response = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": MONTH, "time_limit": "2"})
    assert response.status_code == 303, response.text
    job = web.wait_job(response.headers["location"].rsplit("/", 1)[1])
    assert job.state == "done", job.reason
    cal = Calendar(parse_team(doc, "tiny"))
    most, why = cal.most_minutes("noor")
    assert most < cal.target_minutes("noor") and why.startswith("no Fridays, Saturdays, Sundays, ")
    page = html.unescape(lead.get(f"/teams/tiny/rotas/{job.rota_id}").text)
    assert f"at most {most / 60:.1f} h possible: {why}" in page
    assert page.count("h possible") == 1  # nobody else has a target out of reach
