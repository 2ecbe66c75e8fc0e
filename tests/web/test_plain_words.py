"""Plain words on the lead's, HR's and staff's pages: quality "within N % of the best possible" instead of
objective and bound, hours uncovered instead of person-minutes, dates as "Mon 1 Feb 2027", times in the
team's zone (not UTC), the technical figures one click away (<details>)."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from webkit import FIRST, MONTH, Web, post, sign_in

from rota.api.web.render import moment_text, within_text

MADE = re.compile(r"made \w{3} \d{1,2} \w{3} \d{4} \d\d:\d\d CES?T")  # the team is in Europe/Amsterdam


def _outside_details(html: str) -> str:
    return re.sub(r"<details.*?</details>", "", html, flags=re.S)


def test_quality_in_words() -> None:
    assert within_text(100.0, 100.0) == "the best possible"
    assert within_text(0.0, 0.0) == "the best possible"
    assert within_text(200.0, 180.0) == "within 10.0 % of the best possible"
    assert within_text(None, None) == "no rota yet"
    assert within_text(50.0, None) == "best possible not known"
    assert within_text(4786.0, 7.0) == "no useful bound yet"  # a bound of 7 says nothing of the rota
    assert within_text(200.0, 0.0) == "no useful bound yet"


def test_moments_in_the_teams_zone() -> None:
    from datetime import UTC, datetime

    winter = datetime(2027, 2, 1, 8, 5, tzinfo=UTC)
    assert moment_text(winter, "Europe/Amsterdam") == "Mon 1 Feb 2027 09:05 CET"
    assert moment_text("2027-07-01T08:05:00+00:00", "Europe/Amsterdam") == "Thu 1 Jul 2027 10:05 CEST"
    assert moment_text(datetime(2027, 2, 1, 8, 5), None) == "Mon 1 Feb 2027 08:05 UTC"  # naive: UTC


def test_team_and_job_pages_speak_plainly(web: Web, lead: TestClient) -> None:
    response = post(lead, "/teams/tiny", "/teams/tiny/generate", {"month": MONTH, "time_limit": "2"})
    job_url = response.headers["location"]
    web.wait_job(job_url.rsplit("/", 1)[1])
    job = lead.get(job_url).text
    plain = _outside_details(job)
    assert "Quality of the best rota so far" in plain and "Hours uncovered" in plain
    assert "objective" not in plain.lower() and "person-minutes" not in plain and "Bound" not in plain
    assert "<summary>Technical figures</summary>" in job and "Best objective" in job
    assert f"Solving {FIRST:%a} {FIRST.day} {FIRST:%b %Y} – " in job
    events = lead.get(job_url + "/events").text.splitlines()
    last = json.loads([x for x in events if x.startswith("data:")][-1][5:])
    # a 2-second solve on a busy machine may stop with a weak bound: then it says so, in words
    assert "best possible" in last["quality"] or last["quality"] == "no useful bound yet"
    assert last["uncovered"].endswith(" h")
    team = lead.get("/teams/tiny").text
    plain = _outside_details(team)
    assert "quality: " in plain and MADE.search(plain)
    assert "best possible" in plain or "no useful bound yet" in plain
    assert " UTC" not in plain and "objective" not in plain
    assert "Technical figures" in team


def test_coverage_in_people_and_hours_not_person_minutes(web: Web, published: int) -> None:
    hr = web.client()
    sign_in(hr, web.tokens.secrets["hr"])
    page = hr.get("/teams/tiny/coverage").text
    assert "person-minutes" not in page and "people on duty" in page and "h uncovered" in page
    assert f'<th scope="row">{FIRST:%a} {FIRST.day} {FIRST:%b %Y}</th>' in page


def test_feed_links_made_in_the_teams_zone(web: Web, published: int) -> None:
    staff = web.client()
    sign_in(staff, web.tokens.secrets["staff"])
    post(staff, "/me", "/me/subscribe", {"team": "tiny"})
    page = staff.get("/me").text
    assert MADE.search(page) and " UTC" not in page


def test_rule_texts_name_people_and_dates() -> None:
    from webkit import team_doc

    from rota.api.web.render import named_text, team_names
    from rota.load import parse_team

    names = team_names(parse_team(team_doc(), "tiny"))
    text = "sem: am (desk) on Tue 2027-01-12 overlaps the person's unavailability; noor-2 stays"
    assert named_text(text, names) == (
        "Sem Jansen: Morning (Service desk) on Tue 12 Jan 2027 overlaps the "
        "person's unavailability; noor-2 stays"
    )
    assert named_text("09:00-17:00 on 2027-01-12T09:00", names) == "09:00-17:00 on 2027-01-12T09:00"


def _sem_on_leave_kept(lead: TestClient, draft: int) -> None:
    """The lead puts Sem (on leave) on the am desk of the leave weekday and keeps it despite the rule."""
    from webkit import LEAVE_WEEKDAY

    cell = f"/teams/tiny/rotas/{draft}/cell?person=sem&date={LEAVE_WEEKDAY}"
    version = int(re.search(r'name="version" value="(\d+)"', lead.get(cell).text).group(1))
    edit = {"op": "add", "person": "sem", "date": str(LEAVE_WEEKDAY), "duty": "am|desk", "force": "true"}
    kept = post(lead, cell, f"/teams/tiny/rotas/{draft}/edits", {**edit, "version": version})
    assert kept.status_code == 303


def test_coverage_lists_kept_rule_breaks_in_names_and_dates(web: Web, lead: TestClient, draft: int) -> None:
    _sem_on_leave_kept(lead, draft)
    page = f"/teams/tiny/rotas/{draft}/publish"
    version = int(re.search(r'name="version" value="(\d+)"', lead.get(page).text).group(1))
    assert post(lead, page, page, {"version": version}).status_code == 303
    html = lead.get(f"/teams/tiny/coverage?month={MONTH}").text
    listed = html.split("Changes kept despite a rule")[1]
    assert "Sem Jansen" in listed and "sem:" not in listed and MADE.search("made " + listed.split("<li>")[1])


def test_naming_twice_changes_nothing() -> None:
    from webkit import team_doc

    from rota.api.web.render import named_text, team_names
    from rota.load import parse_team

    names = team_names(parse_team(team_doc(), "tiny"))
    once = named_text("noor-2 or noor: am (desk) on 2027-01-12", names)
    assert once == "noor-2 or Noor de Vries: Morning (Service desk) on Tue 12 Jan 2027"
    assert named_text(once, names) == once  # not "Service Service desk"
    assert (
        named_text("noor: lacks skill desk needed for desk", names)
        == "Noor de Vries: lacks skill desk needed for Service desk"
    )  # a skill is not the role of that id


def test_month_header_says_quality_in_words(web: Web, lead: TestClient, draft: int) -> None:
    html = lead.get(f"/teams/tiny/rotas/{draft}").text
    head = html.split('<header class="page-head">', 1)[1].split("</header>", 1)[0]
    plain = _outside_details(head)
    words = (
        r"quality: (the best possible|within [\d.]+ % of the best possible|best possible not known"
        r"|no useful bound yet)"
    )
    assert re.search(words, plain)
    assert "objective" not in plain and "solver" not in plain and "assignments" not in plain
    assert " duties · " in plain
    coverage = html.split('id="cov-h"', 1)[1].split("</table>", 1)[0]
    assert "person-" not in coverage and "Hours uncovered</th>" in coverage
    figure = r'<td class="n[^"]*">[^<]*</td>'
    row = r'<th scope="row">Service desk</th>(' + figure + r'){7}<td class="n[^"]*">\d+\.\d</td>'
    assert re.search(row, coverage)  # hours uncovered, one decimal
    tech = head.split("<summary>Technical figures</summary>", 1)[1]
    assert "objective " in tech and 'class="status-feasible"' in tech and f"rota {draft}, version " in tech


def test_month_gaps_and_kept_rule_breaks_in_names_and_dates(web: Web, lead: TestClient, draft: int) -> None:
    from webkit import LEAVE_WEEKDAY

    html = lead.get(f"/teams/tiny/rotas/{draft}").text
    gaps = html.split('<ul class="gaplist"', 1)[1].split("</ul>", 1)[0]
    assert re.search(r'<span class="bad">Service desk, \w{3} \d{1,2} \w{3} \d{4} ', gaps)
    assert not re.search(r"\d{4}-\d\d-\d\d", gaps)
    reasons = " ".join(re.findall(r'<span class="why">(.*?)</span></li>', gaps))
    assert reasons and not re.search(r"\b(noor|lotte|sem|daan)\b", reasons)  # ids: as names
    tips = " ".join(re.findall(r'aria-label="Service desk gaps on ([^"]*)"', html))
    assert tips and not re.search(r"\b(noor|lotte|sem|daan)\b", tips)
    _sem_on_leave_kept(lead, draft)
    html = lead.get(f"/teams/tiny/rotas/{draft}").text
    listed = html.split("Changes kept despite a rule", 1)[1].split("</ul>", 1)[0]
    day = f"{LEAVE_WEEKDAY:%a} {LEAVE_WEEKDAY.day} {LEAVE_WEEKDAY:%b %Y}"
    assert "Sem Jansen Morning (Service desk) " + day in listed and "sem:" not in listed
    assert str(LEAVE_WEEKDAY) not in listed and " UTC" not in listed
    assert re.search(r"<li>\w{3} \d{1,2} \w{3} \d{4} \d\d:\d\d CES?T, <bdi>", listed)  # the team's zone


def test_cell_page_rule_break_in_names_and_dates(web: Web, lead: TestClient, draft: int) -> None:
    from webkit import LEAVE_WEEKDAY

    cell = f"/teams/tiny/rotas/{draft}/cell?person=sem&date={LEAVE_WEEKDAY}"
    version = int(re.search(r'name="version" value="(\d+)"', lead.get(cell).text).group(1))
    refused = post(
        lead,
        cell,
        f"/teams/tiny/rotas/{draft}/edits",
        {"op": "add", "person": "sem", "date": str(LEAVE_WEEKDAY), "duty": "am|desk", "version": version},
    )
    assert refused.status_code == 303 and "&pending=" in refused.headers["location"]
    shown = lead.get(refused.headers["location"]).text
    broken = _outside_details(shown.split('id="broken-h"', 1)[1].split("</ul>", 1)[0])
    day = f"{LEAVE_WEEKDAY:%a} {LEAVE_WEEKDAY.day} {LEAVE_WEEKDAY:%b %Y}"
    assert f"Sem Jansen: Morning (Service desk) on {day}" in broken
    assert "sem:" not in broken and str(LEAVE_WEEKDAY) not in broken and "<code>" not in broken
    assert "<summary>Technical figures" in shown
    assert f"sem: am (desk) on {LEAVE_WEEKDAY:%a} {LEAVE_WEEKDAY}" in shown  # the raw text, one click away
