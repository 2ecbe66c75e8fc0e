"""The month after publish in a real browser (issue 19): a lead marks someone ill for three days on a
published rota, sees "N duties change" with the list, keeps it; the team page shows the unpublished changes
while /me and the feed of staff still show the published version; Publish with a note; exactly the people
whose duties changed get one email each (an aiosmtpd sink on loopback), a webhook receiver on loopback gets
one signed delivery per publish (the first retried after a 500); the history lists it.

The browser and pages are test_browser.py's fixtures; the server is its ``serving`` (uvicorn with the real
solver, chromium) with a mail server, a fast outbox and a team webhook."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from axe import axe_violations, report
from notifykit import HookReceiver, SmtpSink
from test_browser import Server, browser, open_page, serving  # noqa: F401 (the fixtures)
from webkit import MONTH, team_doc

from rota.api.models import PublishedDay, Rota
from rota.api.services.webhooks import add_webhook

SECRET = "browser-hook-secret"


@pytest.fixture(scope="module")
def mail() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="module")
def hook() -> Iterator[HookReceiver]:
    with HookReceiver(answers=[500]) as receiver:  # the first delivery fails once and is retried
        yield receiver


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, mail: SmtpSink, hook: HookReceiver) -> Iterator[Server]:
    """The browser tests' server with everyone's email address, a mail server and a team webhook."""
    document = team_doc()
    for person in document["people"]:
        person["email"] = f"{person['id']}@desk.test"
    env = {
        "ROTA_SMTP_URL": mail.url,
        "ROTA_MAIL_FROM": "rota@desk.test",
        "ROTA_NOTIFY_POLL_SECONDS": "0.2",
        "ROTA_NOTIFY_RETRY_SECONDS": "0.5",
    }
    with serving(tmp_path_factory.mktemp("replan"), document, env) as running:
        with running.db.write() as session:
            add_webhook(
                session=session,
                team_id="tiny",
                url=hook.url,
                secret=SECRET,
                events=["rota.published"],
                actor=None,
            )
        yield running


def _duties(server: Server, rota_id: int) -> set[tuple[str, str, str, Any]]:
    with server.db.read() as session:
        rota = session.get(Rota, rota_id)
        assert rota is not None
        return {(a.person, a.role, a.shift, a.date) for a in rota.assignments}


def _told(mail: SmtpSink, expected: set[str], already: int) -> list[str]:
    """Wait for one email to each of ``expected`` after the first ``already``; then check none follows."""
    mail.wait(already + len(expected))
    time.sleep(1.0)  # a second send to anyone would have come by now
    with mail.lock:
        new = mail.messages[already:]
    recipients = [r for m in new for r in m.envelope_to]
    assert sorted(recipients) == sorted(expected), recipients
    return [m.text for m in new]


def _signed(hit: Any) -> bool:
    return (
        hit.headers["x-rota-signature"]
        == "sha256=" + hmac.new(SECRET.encode(), hit.body, hashlib.sha256).hexdigest()
    )


def _feed(page: Any, url: str) -> str:
    text = page.request.get(url).text()
    return "\n".join(line for line in text.splitlines() if not line.startswith("DTSTAMP"))


def test_a_sick_call_from_the_page_to_publish_and_history(
    server: Server, open_page: Any, mail: SmtpSink, hook: HookReceiver
) -> None:
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
    first = int(month_url.rsplit("/", 1)[1])
    # the first publish tells everyone with a duty (all added), and the webhook once, after a 500 and a retry
    _told(mail, {f"{p}@desk.test" for p, *_ in _duties(server, first)}, 0)
    hits = hook.wait(2)
    assert hits[0].body == hits[1].body and all(_signed(h) for h in hits)

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

    # exactly the people whose duties changed get one email each, listing their changes; one webhook call
    with server.db.read() as session:
        second = {d.rota_id for d in session.query(PublishedDay)} - {rota_id}
    assert len(second) == 1
    before, after = _duties(server, rota_id), _duties(server, second.pop())
    changed = {p for p, *_ in before ^ after}
    assert "lotte" in changed and len(changed) < 5  # the re-plan kept the others' duties it could
    texts = _told(mail, {f"{p}@desk.test" for p in changed}, len({p for p, *_ in before}))
    assert all("Lotte ill for three days" in t for t in texts)
    assert any("removed" in t for t in texts) and any("added" in t for t in texts)
    hits = hook.wait(3)
    assert len(hook.hits) == 3 and _signed(hits[2])
    assert {p["person"] for p in hits[2].json["people"]} == changed
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
