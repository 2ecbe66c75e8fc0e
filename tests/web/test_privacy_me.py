"""Staff privacy (why someone is away is for leads and HR only, on pages and in API answers) and /me
(the person's name; the hours of the month of their next shifts, not of a month with no rota)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from webkit import FIRST, Web, sign_in

REASON = "holiday"  # Sem's leave reason in the test team


def _as(web: Web, who: str) -> TestClient:
    client = web.client()
    sign_in(client, web.tokens.secrets[who])
    return client


def test_leave_reasons_only_for_leads_and_hr_on_the_month_page(
    web: Web, lead: TestClient, published: int
) -> None:
    month = f"/teams/tiny/rotas/{published}"
    assert REASON in lead.get(month).text
    assert REASON in _as(web, "hr").get(month).text
    staff = _as(web, "staff").get(month)
    assert staff.status_code == 200 and "Sem Jansen" in staff.text
    assert REASON not in staff.text and "unavailable" in staff.text  # away, without why


def test_leave_reasons_not_in_api_answers_for_staff(web: Web, published: int) -> None:
    api = web.client()
    staff = {"Authorization": f"Bearer {web.tokens.secrets['staff']}"}
    lead = {"Authorization": f"Bearer {web.tokens.secrets['lead']}"}
    for tail in ("", ".html", ".csv", ".ics"):
        answer = api.get(f"/api/rotas/{published}{tail}", headers=staff)
        assert answer.status_code == 200, tail
        assert REASON not in answer.text, tail
    assert REASON in api.get(f"/api/rotas/{published}.html", headers=lead).text
    assert api.get(f"/api/rotas/{published}.xlsx", headers=staff).status_code == 200


def test_me_shows_my_name_and_the_hours_of_the_month_of_my_next_shifts(web: Web, published: int) -> None:
    staff = _as(web, "staff")
    page = staff.get("/me").text
    assert "Noor de Vries" in page.split("</h1>")[0]
    assert f"My hours in {FIRST:%B %Y}: <strong>" in page  # the published month, not today's
    hours = float(page.split(f"My hours in {FIRST:%B %Y}: <strong>")[1].split(" h")[0])
    assert hours > 0
    first_shift = page.split('<li class="shift">')[1]
    assert f"{FIRST.year}" in first_shift.split("</strong>")[0]  # dates as "Mon 1 Feb 2027"


def test_me_without_a_published_rota_shows_no_hours_of_an_empty_month(web: Web) -> None:
    page = _as(web, "staff").get("/me").text
    assert "No rota is published for this month yet." in page and "0.0 h" not in page


def test_private_reasons_keep_who_and_drop_why() -> None:
    from rota.api.services.privacy import private_reasons

    lines = [
        "2 needed, none on duty",
        "on leave: sem (holiday (Spain)), kim (doctor, 09:00–11:00) +3 more",
        "already on another duty: noor (desk am)",
    ]
    assert private_reasons(lines) == [
        "2 needed, none on duty",
        "on leave: sem, kim +3 more",
        "already on another duty: noor (desk am)",
    ]
