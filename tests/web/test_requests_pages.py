"""Staff self-service pages: /me/requests (offer a duty, refused with the rule named or offered to those the
rules allow; accept; ask for leave), the lead's /teams/{team}/requests (the consequence of leave, approve,
decline) and /teams/{team}/audit, each over the services its JSON twin uses."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from webkit import Web, landed, post, sign_in

from rota.api.services.tokens import create_api_token

DUTY = re.compile(r'<option value="(\d+\|[0-9-]+\|[a-z]+\|[a-z]+)">')


def as_person(web: Web, person: str) -> TestClient:
    with web.db.write() as session:
        made = create_api_token(session=session, role="staff", teams=["tiny"], person=person, label=person)
    client = web.client()
    sign_in(client, made.secret)
    return client


def staff(web: Web) -> TestClient:
    client = web.client()
    sign_in(client, web.tokens.secrets["staff"])
    return client


def test_a_give_away_from_the_page_to_the_lead_and_into_the_audit(
    web: Web, lead: TestClient, published: int
) -> None:
    noor = staff(web)
    page = noor.get("/me/requests")
    assert page.status_code == 200 and "Offer one of my duties" in page.text
    duties = DUTY.findall(page.text)
    assert duties, "Noor has published duties ahead"
    # Daan lacks the desk skill: refused with the rule named, nothing stored
    shown = landed(
        noor,
        post(
            noor,
            "/me/requests",
            "/me/requests/offer",
            {"team": "tiny", "duty": duties[0], "colleague": "daan"},
        ),
    )
    assert "skills" in html.unescape(shown.text) and "refused before anyone was asked" in html.unescape(
        shown.text
    )
    api = web.client()
    bearer = {"Authorization": f"Bearer {web.tokens.secrets['lead']}"}
    assert api.get("/api/teams/tiny/requests", headers=bearer).json() == []
    # to Lotte: the first of Noor's duties the rules let Lotte take
    for duty in duties:
        shown = landed(
            noor,
            post(
                noor,
                "/me/requests",
                "/me/requests/offer",
                {"team": "tiny", "duty": duty, "colleague": "lotte"},
            ),
        )
        if "Offered to 1 colleague" in shown.text:
            break
    else:
        raise AssertionError("no duty of Noor's Lotte may take")
    [made] = api.get("/api/teams/tiny/requests", headers=bearer).json()
    assert made["offered_to"] == ["lotte"] and made["state"] == "offered"
    lotte = as_person(web, "lotte")
    offers = lotte.get("/me/requests").text
    assert "Noor de Vries offers a give-away" in offers
    shown = landed(lotte, post(lotte, "/me/requests", f"/me/requests/{made['id']}/accept"))
    assert "Your lead decides next" in shown.text
    decide = lead.get("/teams/tiny/requests")
    assert decide.status_code == 200 and "taken by Lotte Visser" in decide.text
    shown = landed(lead, post(lead, "/teams/tiny/requests", f"/teams/tiny/requests/{made['id']}/approve"))
    assert "Approved" in shown.text
    _, day, shift, _ = duty.split("|")
    drafts = api.get("/api/teams/tiny/rotas?state=draft", headers=bearer).json()
    [held] = [r["id"] for r in drafts if r["pending_of"] == published]  # waits for Publish
    rota = api.get(f"/api/rotas/{held}", headers=bearer).json()
    assert any((a["person"], a["date"], a["shift"]) == ("lotte", day, shift) for a in rota["assignments"])
    rota = api.get(f"/api/rotas/{published}", headers=bearer).json()
    assert not any((a["person"], a["date"], a["shift"]) == ("lotte", day, shift) for a in rota["assignments"])
    trail = lead.get("/teams/tiny/audit")
    assert trail.status_code == 200
    twin = api.get("/api/teams/tiny/audit", headers=bearer).json()
    assert [e["action"] for e in twin][:4] == ["edit", "approve", "accept", "request"]
    for e in twin:
        assert html.escape(e["what"], quote=False) in trail.text
    assert staff(web).get("/teams/tiny/audit").status_code in (403, 404)


def test_leave_from_the_page_shows_the_lead_what_falls_then_is_declined_with_a_reason(
    web: Web, lead: TestClient, published: int
) -> None:
    noor = staff(web)
    _, day, _, _ = DUTY.findall(noor.get("/me/requests").text)[0].split("|")
    shown = landed(
        noor,
        post(
            noor,
            "/me/requests",
            "/me/requests/leave",
            {"team": "tiny", "first": day, "leave_kind": "training", "note": "first aid"},
        ),
    )
    assert "Leave asked for" in shown.text
    decide = lead.get("/teams/tiny/requests").text
    assert "Granting it takes 1 published duties away" in decide and "first aid" in decide
    api = web.client()
    bearer = {"Authorization": f"Bearer {web.tokens.secrets['lead']}"}
    [twin] = api.get("/api/teams/tiny/requests", headers=bearer).json()
    fall = twin["consequence"]["duties_that_fall"][0]
    assert html.escape(fall["words"], quote=False) in decide
    # the duty that falls, posted as an open shift from the same page: those the rules allow may take it
    posted = landed(
        lead,
        post(
            lead,
            "/teams/tiny/requests",
            "/teams/tiny/open-shifts",
            {
                "rota": fall["rota"],
                "day": fall["date"],
                "shift": fall["shift"],
                "role": fall["role"],
                "person": "noor",
            },
        ),
    )
    assert "Posted as open" in posted.text
    [shift] = api.get("/api/teams/tiny/open-shifts", headers=bearer).json()
    assert (shift["date"], shift["person"]) == (fall["date"], "noor")
    assert f"can take it: {', '.join(c['name'] for c in fall['could_cover']) or 'nobody'}" in posted.text
    shown = landed(
        lead,
        post(
            lead,
            "/teams/tiny/requests",
            f"/teams/tiny/requests/{twin['id']}/decline",
            {"reason": "audit week"},
        ),
    )
    assert "Declined" in shown.text
    assert "audit week" in noor.get("/me/requests").text


def test_a_duty_in_return_that_is_not_a_date_is_refused_in_words(web: Web, published: int) -> None:
    noor = staff(web)
    duties = DUTY.findall(noor.get("/me/requests").text)
    for path, form in (
        ("/me/requests/offer", {"team": "tiny", "duty": duties[0], "kind": "swap", "in_return": "soon late"}),
        ("/me/requests/1/accept", {"in_return": "soon late"}),
    ):
        shown = landed(noor, post(noor, "/me/requests", path, form))
        assert '"soon" is not a date (YYYY-MM-DD)' in html.unescape(shown.text), path
