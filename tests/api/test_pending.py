"""Pending change sets (issue 19, point 2): changes to a published rota wait for Publish.

Hand edits of a published rota land in one pending draft linked to it; staff feeds, /me and HR coverage keep
showing the published version; Publish (by the set's id or the published rota's) makes them one new version,
with who published it and why; a set can be discarded; a publish hook sees exactly the people whose duties
changed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from apikit import Service, quick_solve

from rota.api.services import publish
from rota.api.services.pending import open_pending, pending_for

KEYS = ("person", "role", "shift", "date")
SHIFTS = "/api/me/shifts?from=2026-10-19&to=2026-10-30"


@pytest.fixture
def published(make_service: Any) -> tuple[Service, dict[str, Any]]:
    service = make_service(solve_fn=quick_solve)
    service.client.app.state.clock = lambda: datetime(2026, 10, 18, 12, tzinfo=UTC)  # feeds: the month ahead
    service.put_team()
    return service, service.publish(service.generate(start="2026-10-19", end="2026-10-30"))


def edit(service: Service, rota_id: int, expect: int = 200, **body: Any) -> dict[str, Any]:
    return service.call("POST", f"/api/rotas/{rota_id}/edits", json=body, expect=expect).json()


def feed(service: Service, token: str) -> str:
    text = service.client.get(f"/calendars/{token}.ics").text
    return "\n".join(line for line in text.splitlines() if not line.startswith("DTSTAMP"))


def test_edits_wait_in_one_pending_set_until_publish(published: tuple[Service, dict[str, Any]]) -> None:
    service, rota = published
    noor = next(a for a in rota["assignments"] if a["person"] == "noor")
    other = next(a for a in rota["assignments"] if a["person"] not in ("noor", noor["person"]))
    token = service.call(
        "POST", "/api/calendar-tokens", "staff", json={"team": "tiny", "kind": "person"}, expect=201
    ).json()["token"]
    shifts, calendar = service.call("GET", SHIFTS, "staff", expect=200).json(), feed(service, token)
    assert "BEGIN:VEVENT" in calendar
    coverage = service.call("GET", "/api/teams/tiny/coverage?from=2026-10-19&to=2026-10-30", "hr").json()

    first = edit(service, rota["id"], op="remove", **{k: noor[k] for k in KEYS})
    held = first["rota"]
    assert (
        held["state"] == "draft"
        and held["pending_of"] == rota["id"]
        and first["pending"]["rota_id"] == held["id"]
    )
    second = edit(service, rota["id"], op="remove", version=held["version"], **{k: other[k] for k in KEYS})
    assert second["rota"]["id"] == held["id"] and second["rota"]["version"] == 3  # one set per published rota
    # staff see nothing of it: their shifts, their feed and HR coverage are the published version's
    assert service.call("GET", SHIFTS, "staff", expect=200).json() == shifts
    assert feed(service, token) == calendar
    assert (
        service.call("GET", "/api/teams/tiny/coverage?from=2026-10-19&to=2026-10-30", "hr").json() == coverage
    )
    service.call("GET", f"/api/rotas/{held['id']}", "staff", expect=404)  # a draft: not theirs to read
    review = service.call("GET", f"/api/rotas/{held['id']}/changes", expect=200).json()
    assert review["counts"]["removed"] == 2 and {p["person"] for p in review["people"]} == {
        "noor",
        other["person"],
    }

    done = service.call(
        "POST",
        f"/api/rotas/{rota['id']}/publish",  # by the published rota's id: its pending set is published
        json={"version": 3, "note": "Noor ill on the 19th"},
        expect=200,
    ).json()
    assert (done["id"], done["state"], done["pending_of"]) == (held["id"], "published", rota["id"])
    assert done["published_by"] == "tiny lead" and done["publish_note"] == "Noor ill on the 19th"
    assert done["published_dates"] == rota["published_dates"]
    old = service.call("GET", f"/api/rotas/{rota['id']}", expect=200).json()
    assert old["state"] == "superseded"
    mine = service.call("GET", SHIFTS, "staff", expect=200).json()
    assert len(mine) == len(shifts) - 1 and {s["rota_id"] for s in mine} == {held["id"]}
    assert feed(service, token) != calendar


def test_publishing_by_the_set_id_and_discarding_a_set(published: tuple[Service, dict[str, Any]]) -> None:
    service, rota = published
    one = {k: rota["assignments"][0][k] for k in KEYS}
    held = edit(service, rota["id"], op="remove", **one)["rota"]
    service.call(
        "DELETE", f"/api/rotas/{held['id']}", expect=204
    )  # discarded: the published rota is as it was
    assert (
        service.call("GET", f"/api/rotas/{rota['id']}", expect=200).json()["assignments"]
        == rota["assignments"]
    )
    again = edit(service, rota["id"], op="remove", **one)["rota"]
    assert again["version"] == 2 and again["pending_of"] == rota["id"]  # a new set
    service.call("DELETE", f"/api/rotas/{rota['id']}", expect=409)  # the published rota is never discarded
    done = service.publish(again)
    assert done["state"] == "published" and done["publish_note"] is None
    assert one not in [{k: a[k] for k in KEYS} for a in done["assignments"]]


def test_two_leads_conflict_only_on_the_same_cell(published: tuple[Service, dict[str, Any]]) -> None:
    service, rota = published
    day = rota["assignments"][0]["date"]
    same_day = [a for a in rota["assignments"] if a["date"] == day]
    later = next(a for a in rota["assignments"] if a["date"] > day and a["person"] != same_day[0]["person"])
    held = edit(service, rota["id"], op="remove", **{k: same_day[0][k] for k in KEYS})["rota"]
    seen = held["version"]
    edit(service, rota["id"], op="remove", version=seen, **{k: later[k] for k in KEYS})  # lead A
    # lead B read the set at ``seen`` too: another cell goes through, the cell A changed answers 409
    refused = edit(service, rota["id"], 409, op="add", version=seen, **{k: later[k] for k in KEYS})
    assert refused["detail"][0]["path"] == "cell"


def test_a_publish_hook_sees_exactly_the_people_whose_duties_changed(
    published: tuple[Service, dict[str, Any]],
) -> None:
    service, rota = published
    gone = next(a for a in rota["assignments"] if a["person"] == "lotte")
    seen: list[tuple[str | None, dict[str, list[tuple[str, str]]]]] = []

    def hook(session: Any, event: publish.PublishEvent) -> None:
        people = event.people(session)
        seen.append(
            (event.note, {p: [(c.day.isoformat(), c.kind) for c in ch.items] for p, ch in people.items()})
        )

    publish.on_publish(hook)
    try:
        edit(service, rota["id"], op="remove", **{k: gone[k] for k in KEYS})
        service.call("POST", f"/api/rotas/{rota['id']}/publish", json={"note": "why"}, expect=200)
    finally:
        publish.PUBLISH_HOOKS.remove(hook)
    assert seen == [("why", {"lotte": [(gone["date"], "removed")]})]


def test_open_pending_is_get_or_create_and_refuses_a_draft(published: tuple[Service, dict[str, Any]]) -> None:
    service, rota = published
    draft = service.generate(start="2026-11-02", end="2026-11-06")
    with service.db.write() as session:
        assert pending_for(session, rota["id"]) is None
        made = open_pending(session, rota["id"], "lead")
        assert open_pending(session, rota["id"], "lead").id == made.id
        assert len(made.assignments) == len(rota["assignments"]) and made.pending_of == rota["id"]
        session.commit()
        assert pending_for(session, rota["id"]).id == made.id  # type: ignore[union-attr]
        with pytest.raises(Exception, match="only a published rota"):
            open_pending(session, draft["id"], "lead")
