"""Staff self-service in the API: swaps, give-aways and leave checked by the rules before anyone is asked,
accepted, approved and in the feeds; every step in the audit.

The rota is the greedy one of the test team (``quick_solve``): Noor has am on Mon 19 Oct and Wed 21 Oct,
Sem pm on the 19th and is on leave on the 21st, Lotte (desk and on call) is free on the 19th, Daan and Eva
only hold the on-call skill."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from apikit import Service, quick_solve, team_doc
from test_feeds import get_feed, parse_events

from rota.api.services.tokens import create_api_token
from rota.ical import event_uid

OCT_20 = datetime(2026, 10, 20, 12, tzinfo=UTC)
NOOR_AM = {"date": "2026-10-19", "shift": "am"}
SEM_PM = {"date": "2026-10-19", "shift": "pm"}


@pytest.fixture
def published(make_service: Any) -> tuple[Service, dict[str, Any]]:
    service = make_service(solve_fn=quick_solve)
    service.put_team()
    rota = service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
    service.client.app.state.clock = lambda: OCT_20
    with service.db.write() as session:
        for person in ("sem", "lotte", "daan"):
            made = create_api_token(
                session=session, role="staff", teams=["tiny"], person=person, label=person
            )
            setattr(service.tokens, person, made.secret)
    return service, rota


def holds(rota: dict[str, Any], person: str, day: str, shift: str) -> bool:
    return any((a["person"], a["date"], a["shift"]) == (person, day, shift) for a in rota["assignments"])


def pending_set(service: Service, rota: dict[str, Any]) -> dict[str, Any]:
    """The published rota's pending change set: where approved requests and claims wait for Publish."""
    drafts = service.call("GET", "/api/teams/tiny/rotas?state=draft", expect=200).json()
    [held] = [r for r in drafts if r["pending_of"] == rota["id"]]
    return service.call("GET", f"/api/rotas/{held['id']}", expect=200).json()


def published_now(service: Service, rota: dict[str, Any]) -> dict[str, Any]:
    return service.call("GET", f"/api/rotas/{rota['id']}", expect=200).json()


def audit(service: Service) -> list[dict[str, Any]]:
    """The audit since the fixture's first publish, newest first."""
    entries = service.call("GET", "/api/teams/tiny/audit", "hr", expect=200).json()
    assert entries[-1]["action"] == "publish"
    return entries[:-1]


def ask(service: Service, who: str, expect: int, body: dict[str, Any]) -> dict[str, Any]:
    """POST a request to the team as ``who`` (a token name or a person), expecting ``expect``; its JSON."""
    answer: dict[str, Any] = service.call(
        "POST", "/api/teams/tiny/requests", who, expect=expect, json=body
    ).json()
    return answer


def swap_with_sem(service: Service, rota: dict[str, Any]) -> dict[str, Any]:
    """Noor (the staff token) offers Sem her am on the 19th for his pm that date."""
    return ask(
        service,
        "staff",
        201,
        {"kind": "swap", "rota": rota["id"], "duty": NOOR_AM, "colleague": "sem", "in_return": SEM_PM},
    )


def feed(service: Service, person: str) -> dict[str, dict[str, Any]]:
    token = service.call(
        "POST", "/api/calendar-tokens", json={"team": "tiny", "kind": "person", "person": person}, expect=201
    ).json()["token"]
    return {e["UID"]: e for e in parse_events(get_feed(service, token).text)[1]}


def test_a_rule_breaking_give_away_is_refused_with_the_rule_named_and_nobody_asked(
    published: tuple[Service, dict[str, Any]],
) -> None:
    service, rota = published
    # Wed 21 Oct: Sem is on leave, Daan lacks the desk skill
    for colleague, rule in (("sem", "unavailable"), ("daan", "skills")):
        refused = ask(
            service,
            "staff",
            422,
            {
                "kind": "giveaway",
                "rota": rota["id"],
                "duty": {"date": "2026-10-21", "shift": "am"},
                "colleague": colleague,
            },
        )
        assert rule in refused["detail"][0]["rules"] and rule in refused["detail"][0]["message"]
        assert any(p.get("rule") == rule and p["person"] == colleague for p in refused["detail"][1:])
    # nothing stored, nobody asked, nothing in the audit
    assert service.call("GET", "/api/teams/tiny/requests", "sem", expect=200).json() == []
    assert service.call("GET", "/api/teams/tiny/requests", expect=200).json() == []
    assert audit(service) == []


def test_a_swap_refused_for_the_other_person_too(published: tuple[Service, dict[str, Any]]) -> None:
    """A swap is checked for both: Noor's pm on the 20th for Eva's night on the 20th: Noor lacks on call,
    Eva lacks desk."""
    service, rota = published
    refused = ask(
        service,
        "staff",
        422,
        {
            "kind": "swap",
            "rota": rota["id"],
            "duty": {"date": "2026-10-20", "shift": "pm"},
            "colleague": "eva",
            "in_return": {"date": "2026-10-20", "shift": "night"},
        },
    )
    broken = {(p["rule"], p["person"]) for p in refused["detail"][1:]}
    assert ("skills", "noor") in broken and ("skills", "eva") in broken


def test_an_open_give_away_is_offered_only_to_eligible_colleagues_then_accepted_and_approved(
    published: tuple[Service, dict[str, Any]],
) -> None:
    service, rota = published
    made = ask(
        service, "staff", 201, {"kind": "giveaway", "rota": rota["id"], "duty": NOOR_AM, "note": "dentist"}
    )
    # Sem already works the 19th (one shift a date), Daan and Eva lack the desk skill: only Lotte
    assert made["offered_to"] == ["lotte"] and made["state"] == "offered" and "note" not in made
    assert [r["id"] for r in service.call("GET", "/api/teams/tiny/requests", "lotte", expect=200).json()] == [
        made["id"]
    ]
    assert service.call("GET", "/api/teams/tiny/requests", "sem", expect=200).json() == []
    assert service.call("GET", "/api/teams/tiny/requests", expect=200).json()[0]["note"] == "dentist"
    service.call("POST", f"/api/requests/{made['id']}/accept", "sem", expect=404)
    service.call("POST", f"/api/requests/{made['id']}/approve", expect=409)  # nobody accepted yet
    accepted = service.call("POST", f"/api/requests/{made['id']}/accept", "lotte", expect=200).json()
    assert accepted["state"] == "pending" and accepted["colleague"] == "lotte"
    service.call("POST", f"/api/requests/{made['id']}/approve", "staff", expect=403)
    approved = service.call(
        "POST", f"/api/requests/{made['id']}/approve", json={"reason": "fine"}, expect=200
    ).json()
    assert approved["state"] == "approved" and approved["decided_by"] == "tiny lead"
    # the change waits in the pending change set; the published rota is as it was until Publish
    held = pending_set(service, rota)
    assert approved["pending_rota"] == held["id"]
    assert holds(held, "lotte", "2026-10-19", "am") and not holds(held, "noor", "2026-10-19", "am")
    assert holds(published_now(service, rota), "noor", "2026-10-19", "am")
    actions = [e["action"] for e in reversed(audit(service))]
    assert actions == ["request", "accept", "approve", "edit"]


def test_a_named_swap_accepted_approved_and_in_both_feeds_under_the_same_uids(
    published: tuple[Service, dict[str, Any]],
) -> None:
    service, rota = published
    noor_before, sem_before = feed(service, "noor"), feed(service, "sem")
    made = swap_with_sem(service, rota)
    assert made["offered_to"] == ["sem"] and made["in_return"]["shift"] == "pm"
    service.call("POST", f"/api/requests/{made['id']}/accept", "lotte", expect=404)
    service.call("POST", f"/api/requests/{made['id']}/accept", "sem", expect=200)
    service.call("POST", f"/api/requests/{made['id']}/accept", "sem", expect=409)
    service.call("POST", f"/api/requests/{made['id']}/approve", expect=200)
    held = pending_set(service, rota)
    assert holds(held, "noor", "2026-10-19", "pm") and holds(held, "sem", "2026-10-19", "am")
    # until Publish both feeds show the published version
    assert feed(service, "noor") == noor_before and feed(service, "sem") == sem_before
    published = service.call(
        "POST", f"/api/rotas/{rota['id']}/publish", json={"version": held["version"]}, expect=200
    ).json()
    assert published["id"] == held["id"] and published["state"] == "published"
    noor_after, sem_after = feed(service, "noor"), feed(service, "sem")
    noor_am = event_uid("tiny", "noor", "desk", "2026-10-19", "am")
    sem_pm = event_uid("tiny", "sem", "desk", "2026-10-19", "pm")
    # each shift keeps its UID when it changes hands: Noor's morning is in Sem's feed under the UID it had
    # in Noor's, with a higher SEQUENCE, and Sem's afternoon in Noor's; every other shift is unchanged
    for before, after, other, gone, came in (
        (noor_before, noor_after, sem_before, noor_am, sem_pm),
        (sem_before, sem_after, noor_before, sem_pm, noor_am),
    ):
        assert gone in before and gone not in after and came in after and came not in before
        assert int(after[came]["SEQUENCE"]) == int(other[came]["SEQUENCE"]) + 1
        assert after[came]["DTSTART"] == other[came]["DTSTART"]
        assert set(after) - {came} == set(before) - {gone}
        assert all(after[u] == before[u] for u in set(before) - {gone})
    entries = audit(service)
    assert [e["action"] for e in reversed(entries)] == ["request", "accept", "approve", "edit", "publish"]
    assert entries[0]["what"] == (
        f"rota {held['id']} published (replacing rota {rota['id']}): 2 duties added, 2 removed"
    )
    rows = list(
        csv.reader(io.StringIO(service.call("GET", "/api/teams/tiny/audit?format=csv", expect=200).text))
    )
    assert (
        rows[0] == ["when", "who", "action", "what", "why"] and len(rows) == len(entries) + 2
    )  # a header, the first publish


def test_a_declined_request_says_why_and_changes_nothing(published: tuple[Service, dict[str, Any]]) -> None:
    service, rota = published
    made = swap_with_sem(service, rota)
    service.call("POST", f"/api/requests/{made['id']}/accept", "sem", expect=200)
    service.call("POST", f"/api/requests/{made['id']}/decline", expect=422)  # a lead gives the reason
    declined = service.call(
        "POST",
        f"/api/requests/{made['id']}/decline",
        json={"reason": "Sem trains the new starter"},
        expect=200,
    ).json()
    assert declined["state"] == "declined" and declined["reason"] == "Sem trains the new starter"
    service.call("POST", f"/api/requests/{made['id']}/approve", expect=409)
    now = published_now(service, rota)
    assert holds(now, "noor", "2026-10-19", "am") and holds(now, "sem", "2026-10-19", "pm")
    drafts = service.call("GET", "/api/teams/tiny/rotas?state=draft", expect=200).json()
    assert [r for r in drafts if r["pending_of"] == rota["id"]] == []  # nothing waits for Publish
    assert (
        audit(service)[0]["action"] == "decline" and audit(service)[0]["why"] == "Sem trains the new starter"
    )


def test_rules_are_checked_again_at_accept(published: tuple[Service, dict[str, Any]]) -> None:
    """Offered to Lotte; then the lead puts Lotte on the pm of the 19th: accepting breaks one shift a date."""
    service, rota = published
    made = ask(
        service, "staff", 201, {"kind": "giveaway", "rota": rota["id"], "duty": NOOR_AM, "colleague": "lotte"}
    )
    service.call(
        "POST",
        f"/api/rotas/{rota['id']}/edits",
        json={
            "op": "move",
            "person": "sem",
            "role": "desk",
            "shift": "pm",
            "date": "2026-10-19",
            "to": {"person": "lotte"},
        },
        expect=200,
    )
    refused = service.call("POST", f"/api/requests/{made['id']}/accept", "lotte", expect=422).json()
    assert "one_shift_per_date" in refused["detail"][0]["rules"]


def test_leave_shows_the_duties_that_fall_and_the_gap_then_joins_the_team_file(
    published: tuple[Service, dict[str, Any]],
) -> None:
    service, rota = published
    made = ask(
        service,
        "staff",
        201,
        {
            "kind": "leave",
            "from": "2026-10-22",
            "to": "2026-10-23",
            "leave_kind": "training",
            "note": "course",
        },
    )
    assert made["state"] == "pending" and made["leave_kind"] == "training"
    listed = service.call("GET", "/api/teams/tiny/requests", expect=200).json()[0]
    falls = listed["consequence"]["duties_that_fall"]
    assert [(f["date"], f["shift"]) for f in falls] == [("2026-10-22", "pm"), ("2026-10-23", "pm")]
    assert all(f["gaps"] and "uncovered" in f["gaps"][0] for f in falls)
    assert all([c["person"] for c in f["could_cover"]] == ["lotte"] for f in falls)
    assert "consequence" not in service.call("GET", "/api/teams/tiny/requests", "staff", expect=200).json()[0]
    version = service.call("GET", "/api/teams/tiny", expect=200).json()["version"]
    approved = service.call("POST", f"/api/requests/{made['id']}/approve", expect=200).json()
    assert approved["state"] == "approved" and approved["team_version"] == version + 1
    team = service.call("GET", "/api/teams/tiny", expect=200).json()
    noor = next(p for p in team["document"]["people"] if p["id"] == "noor")
    assert {"from": "2026-10-22", "to": "2026-10-23", "reason": "training"} in noor["unavailable"]
    # the published month it touches gets its minimal-change re-plan, against the new team version
    [replan] = approved["replans"]
    assert replan["rota"] == rota["id"]
    done = service.wait_job(replan["job_id"])
    assert done["state"] == "done"
    proposal = service.call("GET", f"/api/rotas/{done['rota_id']}", expect=200).json()
    assert proposal["replan_of"] == rota["id"] and proposal["team_version"] == version + 1
    assert not holds(proposal, "noor", "2026-10-22", "pm") and not holds(proposal, "noor", "2026-10-23", "pm")
    # kept, it becomes the published rota's pending change set; staff see it at Publish
    kept = service.call("POST", f"/api/rotas/{proposal['id']}/keep", expect=200).json()
    assert kept["pending_of"] == rota["id"] and not holds(kept["rota"], "noor", "2026-10-22", "pm")
    assert holds(published_now(service, rota), "noor", "2026-10-22", "pm")
    assert [e["action"] for e in audit(service)][:2] == ["replan", "leave"]


def test_leave_requests_follow_the_team_rules(published: tuple[Service, dict[str, Any]]) -> None:
    service, _ = published
    rules = {
        "blackout": [{"from": "2026-12-20", "to": "2026-12-31"}],
        "max_away": {"desk": 1},
        "notice_days": 7,
    }
    service.put_team(doc=team_doc(requests=rules))
    refused = ask(service, "staff", 422, {"kind": "leave", "from": "2026-12-24"})
    assert "blackout" in refused["detail"][0]["message"]
    soon = (date.today() + timedelta(days=2)).isoformat()
    refused = ask(service, "staff", 422, {"kind": "leave", "from": soon})
    assert "7 days ahead" in refused["detail"][0]["message"]
    first = ask(service, "staff", 201, {"kind": "leave", "from": "2027-01-11"})
    service.call("POST", f"/api/requests/{first['id']}/approve", expect=200)
    # one desk person away on the 11th already: Sem may not be too; Daan (no desk skill) may
    refused = ask(service, "sem", 422, {"kind": "leave", "from": "2027-01-10", "to": "2027-01-12"})
    assert (
        "at most 1 of role desk" in refused["detail"][0]["message"]
        and "Noor" in refused["detail"][0]["message"]
    )
    ask(service, "daan", 201, {"kind": "leave", "from": "2027-01-11"})
    refused = service.call(
        "PUT", "/api/teams/tiny", json=team_doc(requests={"max_away": {"desks": 1}}), expect=422
    ).json()
    assert refused["detail"][0]["path"] == "requests.max_away.desks"


def test_a_team_that_auto_approves_swaps_applies_one_when_the_colleague_accepts(
    published: tuple[Service, dict[str, Any]],
) -> None:
    service, rota = published
    service.put_team(doc=team_doc(requests={"swaps": "auto-approve"}))
    made = swap_with_sem(service, rota)
    accepted = service.call("POST", f"/api/requests/{made['id']}/accept", "sem", expect=200).json()
    assert accepted["state"] == "approved" and accepted["decided_by"] == "team rule: swaps auto-approve"
    now = pending_set(service, rota)
    assert holds(now, "noor", "2026-10-19", "pm") and holds(now, "sem", "2026-10-19", "am")


def test_every_edit_of_a_rota_is_in_the_audit_and_a_refused_one_is_not(
    published: tuple[Service, dict[str, Any]],
) -> None:
    service, rota = published
    cell = {"person": "sem", "role": "desk", "shift": "am", "date": "2026-10-21"}
    service.call("POST", f"/api/rotas/{rota['id']}/edits", json={"op": "add", **cell}, expect=422)
    assert audit(service) == []
    service.call(
        "POST",
        f"/api/rotas/{rota['id']}/edits",
        json={"op": "add", **cell, "force": True, "reason": "Sem swapped by phone"},
        expect=200,
    )
    [entry] = audit(service)
    assert (
        entry["action"] == "edit" and entry["who"] == "tiny lead" and entry["why"] == "Sem swapped by phone"
    )
    held = pending_set(service, rota)  # an edit of a published rota lands in its pending change set
    assert entry["what"] == f"rota {held['id']}: add sem am (desk) on 2026-10-21 (forced)"


def test_an_open_swap_goes_to_those_with_a_duty_to_give_back_who_name_it_on_accepting(
    published: tuple[Service, dict[str, Any]],
) -> None:
    """Noor offers Monday's am for any duty in return: only Sem has one the rules allow (his pm that day);
    Lotte's only desk duty falls on a date Noor already works, Daan and Eva lack the desk skill."""
    service, rota = published
    made = ask(service, "staff", 201, {"kind": "swap", "rota": rota["id"], "duty": NOOR_AM})
    assert made["offered_to"] == ["sem"] and made["colleague"] is None
    refused = service.call("POST", f"/api/requests/{made['id']}/accept", "sem", expect=422).json()
    assert (
        refused["detail"][0]["path"] == "in_return"
        and "Mon 19 Oct 2026 pm" in refused["detail"][0]["message"]
    )
    accepted = service.call(
        "POST", f"/api/requests/{made['id']}/accept", "sem", json={"in_return": SEM_PM}, expect=200
    ).json()
    assert accepted["state"] == "pending" and accepted["in_return"] == {**SEM_PM, "role": "desk"}
    service.call("POST", f"/api/requests/{made['id']}/approve", expect=200)
    held = pending_set(service, rota)
    assert holds(held, "noor", "2026-10-19", "pm") and holds(held, "sem", "2026-10-19", "am")


def test_offers_decisions_and_open_shifts_are_emailed_through_the_outbox(
    published: tuple[Service, dict[str, Any]],
) -> None:
    """With emails in the team file: the colleague asked hears of the offer, both hear of the approval,
    those the rules allow hear of an open shift; a person who turned emails off hears nothing."""
    from sqlalchemy import select

    from rota.api.models import OutboxMessage

    service, rota = published
    doc = team_doc()
    for p in doc["people"]:
        p["email"] = f"{p['id']}@example.org"
    service.put_team(doc=doc)

    def queued() -> list[tuple[str, str, str]]:
        with service.db.read() as session:
            rows = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "request"))
            return [(r.recipient, r.payload["subject"]) for r in rows.all()]

    made = swap_with_sem(service, rota)
    assert queued() == [("sem@example.org", "Noor de Vries offers you a swap")]
    service.call("POST", f"/api/requests/{made['id']}/accept", "sem", expect=200)
    service.call("POST", f"/api/requests/{made['id']}/approve", expect=200)
    assert set(queued()) == {
        ("sem@example.org", "Noor de Vries offers you a swap"),
        ("noor@example.org", "Your swap is approved"),
        ("sem@example.org", "Your swap is approved"),
    }
    # a second desk on Fri 23 Oct am: only Lotte is free and qualified; then Mon 26 Oct, after she said no
    posted = service.call(
        "POST", f"/api/rotas/{rota['id']}/open-shifts", json={"date": "2026-10-23", "shift": "am"}, expect=201
    ).json()
    assert posted["eligible"] == ["lotte"] and ("lotte@example.org", "An open shift you can take") in queued()
    service.call("PUT", "/api/me/notifications", "lotte", json={"team": "tiny", "changes": False}, expect=200)
    posted = service.call(
        "POST", f"/api/rotas/{rota['id']}/open-shifts", json={"date": "2026-10-26", "shift": "am"}, expect=201
    ).json()
    assert posted["eligible"] == ["lotte"]
    assert [q for q in queued() if q[1] == "An open shift you can take"] == [
        ("lotte@example.org", "An open shift you can take")
    ]
    ask(  # 422: the rules refuse it
        service,
        "daan",
        422,
        {
            "kind": "giveaway",
            "rota": rota["id"],
            "duty": {"date": "2026-10-19", "shift": "night"},
            "colleague": "sem",
        },
    )
    assert len(queued()) == 4  # a refusal asks nobody: no email


def test_the_lead_s_webhook_hears_of_each_request_that_waits_for_them(make_service: Any) -> None:
    """``request.waiting``: a leave request made → one signed delivery; a swap the colleague accepts → one;
    a swap of a team that auto-approves → none (nothing waits); a webhook not asking for it → none."""
    import hashlib
    import hmac
    import time

    from notifykit import HookReceiver

    with HookReceiver() as lead_hook, HookReceiver() as other_hook:
        service = make_service(solve_fn=quick_solve, notify_poll_seconds=0.1, public_url="http://rota.test")
        service.put_team()
        rota = service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
        service.client.app.state.clock = lambda: OCT_20
        with service.db.write() as session:
            service.tokens.sem = create_api_token(
                session=session, role="staff", teams=["tiny"], person="sem", label="sem"
            ).secret
        for url, secret, events in (
            (lead_hook.url, "lead-secret", ["request.waiting"]),
            (other_hook.url, "other-secret", ["rota.published", "duty.reminder"]),
        ):
            service.call(
                "POST",
                "/api/teams/tiny/webhooks",
                json={"url": url, "secret": secret, "events": events},
                expect=201,
            )
        leave = ask(
            service,
            "staff",
            201,
            {"kind": "leave", "from": "2026-10-20", "to": "2026-10-22", "note": "family, private"},
        )
        (hit,) = lead_hook.wait(1)
        expected = "sha256=" + hmac.new(b"lead-secret", hit.body, hashlib.sha256).hexdigest()
        assert (
            hit.headers["x-rota-signature"] == expected and hit.headers["x-rota-event"] == "request.waiting"
        )
        body = hit.json
        assert body["event"] == "request.waiting" and body["team"] == "tiny"
        assert body["link"] == "http://rota.test/teams/tiny/requests"
        assert "Noor de Vries asks for leave Tue 20 Oct – Thu 22 Oct" in body["text"]
        req = body["request"]
        assert (req["id"], req["kind"], req["person"], req["from"], req["to"]) == (
            leave["id"],
            "leave",
            "noor",
            "2026-10-20",
            "2026-10-22",
        )
        assert "family" not in hit.body.decode()  # the note is for the lead's page only
        swap = {"kind": "swap", "rota": rota["id"], "duty": NOOR_AM, "colleague": "sem", "in_return": SEM_PM}
        made = service.call("POST", "/api/teams/tiny/requests", "staff", expect=201, json=swap).json()
        time.sleep(0.5)
        assert len(lead_hook.hits) == 1  # an offer waits for the colleague, not the lead
        service.call("POST", f"/api/requests/{made['id']}/accept", "sem", expect=200)
        hits = lead_hook.wait(2)
        body = hits[1].json
        assert body["request"]["id"] == made["id"] and body["request"]["kind"] == "swap"
        assert body["request"]["colleague"] == "sem" and body["request"]["in_return"]["shift"] == "pm"
        assert (
            "Noor de Vries asks to swap Mon 19 Oct am for Sem" in body["text"] and "accepted" in body["text"]
        )
        # a team that auto-approves swaps: accepting applies it, nothing waits for the lead
        service.call("POST", f"/api/requests/{made['id']}/decline", json={"reason": "not now"}, expect=200)
        service.put_team(doc=team_doc(requests={"swaps": "auto-approve"}))
        again = service.call("POST", "/api/teams/tiny/requests", "staff", expect=201, json=swap).json()
        done = service.call("POST", f"/api/requests/{again['id']}/accept", "sem", expect=200).json()
        assert done["state"] == "approved"
        time.sleep(0.8)
        assert len(lead_hook.hits) == 2
        assert other_hook.hits == []  # not asked for request.waiting: never told


def test_the_waiting_text_names_dates_and_times_in_short() -> None:
    from zoneinfo import ZoneInfo

    from rota.api.services.requests import _short_span

    ams = ZoneInfo("Europe/Amsterdam")
    assert _short_span(date(2026, 10, 20), date(2026, 10, 22)) == "Tue 20 Oct – Thu 22 Oct"
    assert _short_span(date(2026, 10, 20), date(2026, 10, 20)) == "Tue 20 Oct"
    late = datetime(2026, 10, 24, 22, tzinfo=ams)  # the night the clocks go back
    assert _short_span(late, datetime(2026, 10, 25, 6, tzinfo=ams)) == "Sat 24 Oct 22:00 – Sun 25 Oct 06:00"
    assert _short_span(late - timedelta(hours=9), late - timedelta(hours=5)) == "Sat 24 Oct 13:00–17:00"
