"""Telling people on the web: my email choices on /me (and their JSON twin), the team's delivery log
(and its twin), and the page an unsubscribe link opens."""

from __future__ import annotations

from fastapi.testclient import TestClient
from webkit import Web, landed, post, sign_in

from rota.api.services import notify


def _as(web: Web, who: str) -> TestClient:
    client = web.client()
    sign_in(client, web.tokens.secrets[who])
    return client


def test_me_sets_my_email_choices_and_the_api_twin_agrees(web: Web) -> None:
    staff = _as(web, "staff")
    page = staff.get("/me").text
    assert "Save email choices" in page and "has no email address for you" in page  # the test team has none
    assert (
        'name="changes" value="true" checked' in page and 'name="reminders" value="true" checked' not in page
    )
    shown = landed(
        staff,
        post(
            staff,
            "/me",
            "/me/notifications",
            {"team": "tiny", "email_on": "true", "reminders": "true", "reminder_hours": "6"},
        ),
    )
    assert "Saved: your email choices." in shown.text
    assert 'name="reminders" value="true" checked' in shown.text and 'value="6"' in shown.text
    assert 'name="changes" value="true" checked' not in shown.text  # unticked: off
    api = staff.get(
        "/api/me/notifications", headers={"Authorization": f"Bearer {web.tokens.secrets['staff']}"}
    )
    mine = api.json()[0]
    assert (mine["person"], mine["email"], mine["email_on"], mine["changes"]) == ("noor", None, True, False)
    assert (mine["reminders"], mine["reminder_hours"]) == (True, 6)
    refused = post(staff, "/me", "/me/notifications", {"team": "other", "changes": "true"})
    assert refused.status_code == 403


def test_the_delivery_log_page_and_its_twin(web: Web, published: int) -> None:
    lead = _as(web, "lead")
    assert 'href="/teams/tiny/deliveries"' in lead.get("/teams/tiny").text
    page = lead.get("/teams/tiny/deliveries")
    assert page.status_code == 200 and "Who was told" in page.text
    api = lead.get(
        "/api/teams/tiny/deliveries", headers={"Authorization": f"Bearer {web.tokens.secrets['lead']}"}
    )
    assert api.status_code == 200
    for row in api.json():  # the same rows (the test team has no addresses: none, or the ones listed)
        assert row["recipient"] in page.text
    assert _as(web, "staff").get("/teams/tiny/deliveries").status_code in (403, 404)


def test_an_unsubscribe_link_needs_no_sign_in_and_says_what_it_turns_off(web: Web) -> None:
    with web.db.write() as session:
        token = notify.unsubscribe_token(session=session, team_id="tiny", person="noor", kind="reminders")
    anon = web.client()
    page = anon.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "reminders before my shifts" in page.text
    done = anon.post(f"/unsubscribe/{token}")
    assert done.status_code == 200 and "turned off" in done.text
    with web.db.read() as session:
        assert notify.get_choices(session=session, team_id="tiny", person="noor").reminders is False
    assert anon.get(f"/unsubscribe/{token}x").status_code == 404


def test_a_lead_adds_and_deletes_a_webhook_on_the_page_and_the_api_twin_agrees(web: Web) -> None:
    lead = _as(web, "lead")
    page = "/teams/tiny/deliveries"
    shown = landed(
        lead,
        post(
            lead,
            page,
            "/teams/tiny/webhooks",
            {
                "url": "https://hooks.slack.test/T/B",
                "secret": "a-long-secret",
                "events": ["rota.published", "team.on_today"],
            },
        ),
    )
    assert "Webhook 1 added" in shown.text and "https://hooks.slack.test/T/B" in shown.text
    api = lead.get(
        "/api/teams/tiny/webhooks", headers={"Authorization": f"Bearer {web.tokens.secrets['lead']}"}
    )
    assert [(h["url"], h["events"]) for h in api.json()] == [
        ("https://hooks.slack.test/T/B", ["rota.published", "team.on_today"])
    ]
    refused = post(
        lead,
        page,
        "/teams/tiny/webhooks",
        {"url": "ftp://x", "secret": "a-long-secret", "events": ["rota.published"]},
    )
    assert refused.status_code == 422 and "http://" in refused.text
    gone = landed(lead, post(lead, page, "/teams/tiny/webhooks/1/delete"))
    assert "Webhook 1 deleted" in gone.text and "No webhooks yet." in gone.text
    hr = _as(web, "hr").get(page)
    assert hr.status_code == 200 and "Add webhook" not in hr.text  # hr reads the log, leads manage hooks


def test_publishing_on_the_page_queues_the_webhook_and_the_log_shows_it(
    web: Web, lead: TestClient, draft: int
) -> None:
    import re

    from rota.api.services import webhooks

    with web.db.write() as session:
        webhooks.add_webhook(
            session=session,
            team_id="tiny",
            url="http://127.0.0.1:9/closed",  # nobody listens: the delivery waits and says why
            secret="page-secret",
            events=["rota.published"],
            actor="test",
        )
    page = f"/teams/tiny/rotas/{draft}/publish"
    version = int(re.search(r'name="version" value="(\d+)"', lead.get(page).text).group(1))
    assert post(lead, page, page, {"version": version}).status_code == 303
    log = lead.get("/teams/tiny/deliveries").text
    assert "Changes published · Webhook" in log and "http://127.0.0.1:9/closed" in log
    assert "rota for" in log  # the message in words
