"""Open shifts: posted by the lead, offered to those the rules allow, claimed once; two claims at once, one
wins and the other is told in words (SQLite and PostgreSQL, two threads, two connections)."""

from __future__ import annotations

import threading
from typing import Any

from apikit import Service
from test_requests import holds, pending_set, published, published_now  # noqa: F401  (the fixture)


def post(service: Service, rota: dict[str, Any], expect: int = 201, **body: Any) -> dict[str, Any]:
    return service.call("POST", f"/api/rotas/{rota['id']}/open-shifts", json=body, expect=expect).json()


def test_a_gap_posted_as_open_is_offered_to_the_eligible_and_claimed(
    published: tuple[Service, dict[str, Any]],  # noqa: F811
) -> None:
    service, rota = published
    # Sat 24 Oct: the desk shifts run on weekdays only
    post(service, rota, 422, date="2026-10-24", shift="am")
    # Mon 19 Oct pm is Sem's: as a gap it is a second desk on pm; Noor (am) and Sem (pm) work already
    made = post(service, rota, date="2026-10-19", shift="pm", note="busy Monday")
    assert made["role"] == "desk" and made["eligible"] == ["lotte"]
    assert service.call("GET", "/api/teams/tiny/open-shifts", "staff", expect=200).json() == []
    seen = service.call("GET", "/api/teams/tiny/open-shifts", "lotte", expect=200).json()
    assert [s["id"] for s in seen] == [made["id"]]
    refused = service.call("POST", f"/api/open-shifts/{made['id']}/claim", "staff", expect=422).json()
    assert "one_shift_per_date" in refused["detail"][0]["rules"]
    claimed = service.call("POST", f"/api/open-shifts/{made['id']}/claim", "lotte", expect=200).json()
    assert claimed["state"] == "claimed" and claimed["claimed_by"] == "lotte"
    now = pending_set(service, rota)  # waits for Publish
    assert claimed["pending_rota"] == now["id"]
    assert holds(now, "lotte", "2026-10-19", "pm") and holds(now, "sem", "2026-10-19", "pm")
    assert not holds(published_now(service, rota), "lotte", "2026-10-19", "pm")
    again = service.call("POST", f"/api/open-shifts/{made['id']}/claim", "lotte", expect=409).json()
    assert "no longer open" in again["detail"][0]["message"]
    actions = [e["action"] for e in service.call("GET", "/api/teams/tiny/audit", expect=200).json()]
    assert actions[:3] == ["edit", "claim", "open-shift"]  # the claim, and the rota change it made


def test_a_dropped_duty_moves_to_who_claims_it(published: tuple[Service, dict[str, Any]]) -> None:  # noqa: F811
    service, rota = published
    made = post(service, rota, date="2026-10-21", shift="am", person="noor")
    # Sem is on leave on the 21st, Lotte already has pm that date, the others lack the desk skill
    assert made["eligible"] == []
    made = post(service, rota, date="2026-10-19", shift="am", person="noor")
    assert made["eligible"] == ["lotte"]
    service.call("POST", f"/api/open-shifts/{made['id']}/claim", "lotte", expect=200)
    now = pending_set(service, rota)
    assert holds(now, "lotte", "2026-10-19", "am") and not holds(now, "noor", "2026-10-19", "am")


def test_two_claims_at_once_one_wins_the_other_is_told(
    published: tuple[Service, dict[str, Any]],  # noqa: F811
) -> None:
    """Lotte and Sem both claim the am of Fri 23 Oct (Sem's, taken off by the lead: a gap both may take),
    from two threads released together: two requests, two database connections."""
    service, rota = published
    service.call(
        "POST",
        f"/api/rotas/{rota['id']}/edits",
        json={"op": "remove", "person": "sem", "role": "desk", "shift": "am", "date": "2026-10-23"},
        expect=200,
    )
    made = post(service, rota, date="2026-10-23", shift="am")
    assert sorted(made["eligible"]) == ["lotte", "sem"]
    start = threading.Barrier(2)
    answers: dict[str, Any] = {}

    def claim(who: str) -> None:
        start.wait()
        answers[who] = service.call("POST", f"/api/open-shifts/{made['id']}/claim", who)

    threads = [threading.Thread(target=claim, args=(who,)) for who in ("lotte", "sem")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    codes = sorted(r.status_code for r in answers.values())
    assert codes == [200, 409], {k: v.text for k, v in answers.items()}
    winner = next(k for k, v in answers.items() if v.status_code == 200)
    loser = next(v for v in answers.values() if v.status_code == 409).json()
    assert "someone else took this shift first" in loser["detail"][0]["message"]
    now = pending_set(service, rota)
    takers = [a["person"] for a in now["assignments"] if (a["date"], a["shift"]) == ("2026-10-23", "am")]
    assert takers == [winner]
