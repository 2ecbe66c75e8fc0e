"""The month after publish in a real browser (issue 19): a lead marks someone ill for three days on a
published rota, sees "N duties change" with the list, keeps it; the team page shows the unpublished changes
while /me and the feed of staff still show the published version; Publish with a note; the history lists it.

The server, browser and pages are test_browser.py's fixtures (uvicorn with the real solver, chromium)."""

from __future__ import annotations

import re
from typing import Any

from axe import axe_violations, report
from test_browser import Server, browser, open_page, server  # noqa: F401 (the fixtures)
from webkit import MONTH

from api.models import PublishedDay, Rota


def _feed(page: Any, url: str) -> str:
    text = page.request.get(url).text()
    return "\n".join(line for line in text.splitlines() if not line.startswith("DTSTAMP"))


def test_a_sick_call_from_the_page_to_publish_and_history(server: Server, open_page: Any) -> None:
    from playwright.sync_api import expect

    lead = open_page(viewport={"width": 1500, "height": 1000})
    lead.goto(server.link("lead"))
    lead.get_by_role("button", name="Sign in").click()
    lead.goto(f"{server.url}/teams/tiny")
    lead.get_by_label("Month").fill(MONTH)
    lead.get_by_label("Time limit (seconds)").fill("2")
    lead.get_by_role("button", name="Generate").click()
    expect(lead).to_have_url(re.compile(r"/teams/tiny/rotas/\d+$"), timeout=60_000)
    lead.get_by_role("link", name="Publish", exact=True).click()
    lead.get_by_label("Why (one line, kept in the team's history)").first.fill("the month as planned")
    lead.get_by_role("button", name="Publish").first.click()
    expect(lead.get_by_text(re.compile("^Published:"))).to_be_visible()
    month_url = lead.url

    # staff (Noor): her shifts and her feed, as published
    staff = open_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    staff.goto(server.link("staff"))
    staff.get_by_role("button", name="Sign in").click()
    expect(staff.locator("li.shift").first).to_be_visible()
    shifts = staff.locator("li.shift").all_inner_texts()
    staff.get_by_role("button", name="Subscribe").click()
    feed_url = staff.get_by_label("Calendar address to copy").input_value()
    feed = _feed(staff, feed_url)

    # the lead: Re-plan, someone (not Noor) ill for the days of three of their duties
    rota_id = int(month_url.rsplit("/", 1)[1])
    with server.db.read() as session:
        rota = session.get(Rota, rota_id)
        assert rota is not None and rota.state == "published"
        days = sorted({a.date for a in rota.assignments if a.person == "lotte"})[:3]
    assert len(days) == 3
    lead.goto(month_url)
    lead.get_by_role("link", name="Re-plan", exact=True).click()
    found = {"re-plan form": axe_violations(lead)}
    lead.get_by_label("Someone is ill or away").check()
    lead.get_by_label("Who").select_option(label="Lotte Visser")
    lead.get_by_label("From", exact=True).fill(days[0].isoformat())
    lead.get_by_label("To (inclusive)").fill(days[-1].isoformat())
    lead.get_by_label("Time limit (seconds)").fill("3")
    lead.get_by_role("button", name="Re-plan").click()
    expect(lead).to_have_url(re.compile(r"/teams/tiny/rotas/\d+/review$"), timeout=60_000)  # when solved
    headline = lead.locator('[data-field="headline"]')
    expect(headline).to_have_text(re.compile(r"^\d+ dut(y|ies) change for \d+ (person|people); "))
    expect(lead.locator('[data-field="churn"]')).to_have_text(
        re.compile(r"the fewest possible \(proved\)|within \d+ changes? of the least possible")
    )
    changes = lead.get_by_role("table", name="What changes, per person, by date")
    expect(changes.get_by_role("rowheader", name="Lotte Visser")).to_be_visible()
    found["re-plan review"] = axe_violations(lead)
    lead.get_by_role("button", name="Keep").click()
    expect(lead.get_by_text(re.compile("^Kept: "))).to_be_visible()
    expect(lead.locator("#pending-note")).to_contain_text("Unpublished changes")

    # the team page counts them; staff still see the published version
    lead.goto(f"{server.url}/teams/tiny")
    expect(lead.get_by_text(re.compile(r"\d+ unpublished changes?"))).to_be_visible()
    found["team with unpublished changes"] = axe_violations(lead)
    staff.reload()
    assert staff.locator("li.shift").all_inner_texts() == shifts
    assert _feed(staff, feed_url) == feed
    with server.db.read() as session:
        assert {d.rota_id for d in session.query(PublishedDay)} == {rota_id}

    # Publish with a note; the history lists it
    lead.get_by_role("link", name=re.compile("^Publish the changes for")).click()
    expect(lead.get_by_role("table", name="What changes, per person")).to_be_visible()
    lead.get_by_label("Why (one line, kept in the team's history)").first.fill("Lotte ill for three days")
    lead.get_by_role("button", name="Publish").first.click()
    expect(lead.get_by_text(re.compile("^Published:"))).to_be_visible()
    lead.goto(f"{server.url}/teams/tiny")
    history = lead.get_by_role("table", name="Published versions, newest first")
    expect(history.get_by_role("row").nth(1)).to_contain_text("Lotte ill for three days")
    expect(history.get_by_role("row").nth(2)).to_contain_text("the month as planned")
    expect(lead.get_by_text("None: every change is published.")).to_be_visible()
    found["team with history"] = axe_violations(lead)
    lead.get_by_role("button", name="Compare").click()
    expect(lead.get_by_role("table", name="What changed, per person")).to_contain_text("Lotte Visser")
    found["compare"] = axe_violations(lead)
    assert not any(found.values()), "\n".join(f"{k}:\n{report(v)}" for k, v in found.items() if v)
    with server.db.read() as session:
        assert {d.rota_id for d in session.query(PublishedDay)} != {rota_id}
