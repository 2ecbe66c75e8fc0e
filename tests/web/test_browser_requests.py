"""Staff self-service in a real browser (chromium, Playwright, uvicorn): Noor offers one of her published
duties to everyone the rules allow, a colleague it is offered to accepts it on /me/requests, the lead
approves it on the team's requests page (it waits in the pending change set: not on the colleague's /me
yet), publishes the changes, and the duty shows on the colleague's /me; the audit page lists every step."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from test_browser import Server, browser, generate_draft, open_page, server  # noqa: F401  (the module's fixtures)

from rota.api.models import StaffRequest
from rota.api.services import publish
from rota.api.services.tokens import create_api_token, create_sign_in_link


def _sign_in(page: Any, server: Server, link: str) -> None:
    from playwright.sync_api import expect

    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_give_away_from_offer_to_the_colleagues_shifts(
    server: Server, open_page: Any, browser: Any
) -> None:
    from playwright.sync_api import expect

    rota_id = int(generate_draft(server, browser).rsplit("/", 1)[1])
    with server.db.write() as session:
        publish.publish_rota(session=session, rota_id=rota_id)
    noor = open_page()
    _sign_in(noor, server, server.link("staff"))
    noor.goto(f"{server.url}/me")
    noor.get_by_role("link", name="Leave, swaps and open shifts").click()
    expect(noor.get_by_role("heading", name="Offer one of my duties")).to_be_visible()
    duties = noor.get_by_label("My duty").locator("option")
    offered = None
    for i in range(duties.count()):
        noor.get_by_label("My duty").select_option(index=i)
        noor.get_by_role("button", name="Offer", exact=True).click()
        message = noor.locator(".flash").first.inner_text()
        if message.startswith("Offered to"):
            offered = i
            break
        assert "refused before anyone was asked" in message  # a duty nobody may take: the rules named
    assert offered is not None, "no duty of Noor's anyone may take"
    with server.db.read() as session:
        made = session.scalars(select(StaffRequest)).one()
        taker = made.offered_to[0]
    with server.db.write() as session:
        token = create_api_token(session=session, role="staff", teams=["tiny"], person=taker, label=taker)
        link = create_sign_in_link(session=session, token_id=token.id, minutes=10).secret
    colleague = open_page()
    _sign_in(colleague, server, f"{server.url}/sign-in?code={link}")
    colleague.goto(f"{server.url}/me/requests")
    expect(colleague.get_by_text(re.compile("Noor de Vries offers a give-away"))).to_be_visible()
    colleague.get_by_role("button", name=f"Accept request {made.id}").click()
    expect(colleague.get_by_text(re.compile("Your lead decides next"))).to_be_visible()
    lead = open_page()
    _sign_in(lead, server, server.link("lead"))
    lead.goto(f"{server.url}/teams/tiny")
    lead.get_by_role("link", name="Requests").click()
    lead.get_by_role("button", name=f"Approve request {made.id}").click()
    expect(lead.get_by_text(re.compile("^Approved:"))).to_be_visible()
    day = made.detail["duty"]["date"]
    colleague.goto(f"{server.url}/me")
    expect(colleague.locator(f'time[datetime="{day}"]')).to_have_count(0)  # not before Publish
    lead.goto(f"{server.url}/teams/tiny/rotas/{rota_id}")
    lead.get_by_role("link", name="Publish the changes").click()
    lead.get_by_role("button", name="Publish").first.click()
    expect(lead.get_by_text(re.compile("^Published:"))).to_be_visible()
    colleague.goto(f"{server.url}/me")
    expect(colleague.locator(f'time[datetime="{day}"]')).to_be_visible()
    lead.goto(f"{server.url}/teams/tiny/audit")
    audit = lead.get_by_role("table")
    for action in ("request", "accept", "approve"):
        cell = lead.get_by_role("cell", name=action, exact=True)
        row = audit.get_by_role("row").filter(has=cell).filter(has_text=f"request {made.id}:")
        expect(row.first).to_be_visible()
    expect(audit.get_by_role("cell", name="publish", exact=True)).to_have_count(2)  # the month, the change
