"""Every page for every role: what each may open (as the API decides), and what it shows."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from webkit import FIRST, LEAVE, MONTH, PEOPLE, Web, landed, post, sign_in


def _as(web: Web, who: str):
    client = web.client()
    sign_in(client, web.tokens.secrets[who])
    return client


def test_a_lead_sees_their_teams_and_the_team_page(web: Web, lead: TestClient) -> None:
    teams = lead.get("/teams")
    assert teams.status_code == 200 and "Tiny Help Desk" in teams.text and "none yet" in teams.text
    team = lead.get("/teams/tiny")
    assert team.status_code == 200
    assert ">Generate</button>" in team.text and 'type="month"' in team.text  # also with no rota yet
    for state in ("Draft", "Published", "Superseded"):
        assert f">{state}</h2>" in team.text


def test_generate_shows_progress_then_the_month(web: Web, lead: TestClient) -> None:
    response = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": MONTH, "time_limit": "2"})
    job_url = response.headers["location"]
    page = lead.get(job_url)
    assert page.status_code == 200 and "data-job-events" in page.text
    assert "Quality of the best rota so far" in page.text
    web.wait_job(job_url.rsplit("/", 1)[1])
    events = lead.get(job_url + "/events")
    assert events.headers["content-type"].startswith("text/event-stream")
    last = json.loads([line for line in events.text.splitlines() if line.startswith("data:")][-1][5:])
    assert last["state"] == "done" and re.fullmatch(r"/teams/tiny/rotas/\d+", last["rota_url"])
    assert lead.get("/teams/tiny").text.count(f"{FIRST.day} {FIRST:%b %Y}") >= 1
    stop = post(lead, job_url, job_url + "/stop")
    assert "already done" in landed(lead, stop).text  # a 409 to a form: said after a redirect


def test_the_month_grid(web: Web, lead: TestClient, draft: int) -> None:
    page = lead.get(f"/teams/tiny/rotas/{draft}")
    assert page.status_code == 200
    html = page.text
    for name in PEOPLE:
        assert f'<th scope="row" class="name"><bdi>{name}</bdi></th>' in html
    for role in ("Service desk", "On call"):
        assert f'<th scope="row" class="name">Gaps: {role}</th>' in html
    assert 'class="chip role-0 shift-0"' in html and 'class="chip role-1 shift-0"' in html
    assert html.count('<td class="away"') == len(LEAVE)  # Sem's holiday
    assert "Gaps and why nobody filled them" in html and 'class="gapmark"' in html  # Fridays need three
    assert "Hours against target" in html and "Coverage per role" in html
    assert ">Publish</a>" in html and "/cell?person=sem&amp;date=" in html
    for fmt in ("csv", "xlsx", "ics"):
        assert lead.get(f"/teams/tiny/rotas/{draft}/file.{fmt}").status_code == 200


@pytest.mark.parametrize(
    ("who", "status", "title"), [("staff", 403, "Your role cannot do this"), ("other_lead", 404, "Not found")]
)
def test_others_get_the_403_page_on_lead_pages(
    web: Web, draft: int, who: str, status: int, title: str
) -> None:
    """Staff of the team: their role cannot (and a draft is, to them, as if it did not exist, as in the
    API); a lead of another team: as if the team did not exist."""
    client = _as(web, who)
    for path in (
        "/teams/tiny",
        "/teams/tiny/file",
        f"/teams/tiny/rotas/{draft}",
        f"/teams/tiny/rotas/{draft}/publish",
        "/teams/tiny/coverage",
    ):
        response = client.get(path)
        unseen = who == "staff" and "/rotas/" in path
        assert response.status_code == (404 if unseen else status), path
        assert ("Not found" if unseen else title) in response.text and '"detail"' not in response.text
    assert post(client, "/", "/teams/tiny/generate", {"month": MONTH}).status_code == status


def test_staff_see_published_rotas_of_their_team_but_not_teams(web: Web, published: int) -> None:
    staff = _as(web, "staff")
    assert staff.get("/teams").status_code == 403
    page = staff.get(f"/teams/tiny/rotas/{published}")
    assert page.status_code == 200 and 'class="cell"' not in page.text and ">Publish<" not in page.text


def test_hr_reads_teams_and_coverage_but_cannot_generate(web: Web, draft: int) -> None:
    hr = _as(web, "hr")
    assert "Tiny Help Desk" in hr.get("/teams").text
    team = hr.get("/teams/tiny")
    assert team.status_code == 200 and ">Generate</button>" not in team.text
    assert hr.get(f"/teams/tiny/rotas/{draft}").status_code == 200
    assert hr.get("/teams/tiny/file").status_code == 403
    assert post(hr, "/teams/tiny", "/teams/tiny/generate", {"month": MONTH}).status_code == 403
    assert hr.get("/me").status_code == 403


def test_errors_are_pages_in_words(web: Web, lead: TestClient) -> None:
    missing = lead.get("/teams/tiny/rotas/999")
    assert missing.status_code == 404 and "No rota 999" in missing.text
    assert lead.get("/teams/tiny/rotas/abc").status_code == 422
    bad = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": "13-2027"})
    assert bad.status_code == 422 and "is not a month" in bad.text and "<html" in bad.text
    assert lead.get("/teams/nowhere").status_code == 404


def test_the_coverage_page_and_its_downloads(web: Web, published: int) -> None:
    hr = _as(web, "hr")
    page = hr.get("/teams/tiny/coverage")
    assert page.status_code == 200
    assert "Service desk: required against covered, by hour" in page.text
    assert 'class="heatmap"' in page.text and "gap-core" in page.text and " core" in page.text
    assert f'value="{MONTH}"' in page.text  # the latest published rota's month by default
    csv = hr.get(f"/teams/tiny/coverage.csv?from={FIRST}&to={FIRST.replace(day=28)}")
    assert csv.status_code == 200 and csv.text.startswith("role,date,")
    xlsx = hr.get(f"/teams/tiny/coverage.xlsx?from={FIRST}&to={FIRST.replace(day=28)}")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    other = hr.get(f"/teams/tiny/coverage?month={MONTH}")
    assert other.status_code == 200
    assert hr.get("/teams/tiny/coverage?from=2027-02-01").status_code == 422
