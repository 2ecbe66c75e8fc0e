"""The team lead's edits: each change validated; a hard-rule break is refused (422) unless forced."""

from __future__ import annotations

from typing import Any

import pytest
from apikit import Service, quick_solve
from sqlalchemy import select

from rota.api.models import Assignment

KEYS = ("person", "role", "shift", "date")


@pytest.fixture
def draft(make_service: Any) -> tuple[Service, dict[str, Any]]:
    service = make_service(solve_fn=quick_solve)
    service.put_team()
    return service, service.generate(start="2026-10-19", end="2026-10-30")


def edit(service: Service, rota: dict[str, Any], expect: int, **body: Any) -> dict[str, Any]:
    return service.call("POST", f"/api/rotas/{rota['id']}/edits", json=body, expect=expect).json()


def test_a_rule_break_is_refused_with_the_rule_and_figures_unless_forced(draft: tuple[Service, dict]) -> None:
    service, rota = draft
    leave = {"person": "sem", "role": "desk", "shift": "am", "date": "2026-10-21"}
    if any(all(a[k] == leave[k] for k in KEYS) for a in rota["assignments"]):
        pytest.skip("the greedy rota already has sem on leave")
    refused = edit(service, rota, 422, op="add", **leave)
    assert (
        refused["violations"][0]["rule"] == "unavailable" and "2026-10-21" in refused["detail"][0]["message"]
    )
    assert refused["detail"][0]["path"] == "assignment" and refused["detail"][0]["rule"] == "unavailable"
    forced = edit(service, rota, 200, op="add", force=True, reason="swapped with Noor by phone", **leave)
    assert forced["edit"]["forced"] is True and forced["edit"]["violations"][0]["rule"] == "unavailable"
    assert forced["rota"]["version"] == 2 and forced["edit"]["actor"] == "tiny lead"
    listed = service.call("GET", f"/api/rotas/{rota['id']}/edits", "hr", expect=200).json()
    assert [(e["op"], e["forced"], e["reason"]) for e in listed] == [
        ("add", True, "swapped with Noor by phone")
    ]
    with service.db.read() as session:
        row = session.scalars(
            select(Assignment).where(
                Assignment.rota_id == rota["id"], Assignment.person == "sem", Assignment.shift == "am"
            )
        ).all()
        assert [r.forced for r in row if r.date.isoformat() == "2026-10-21"] == [True]


def test_remove_recomputes_gaps_and_terms(draft: tuple[Service, dict]) -> None:
    service, rota = draft
    desk = next(a for a in rota["assignments"] if a["role"] == "desk" and a["date"] == "2026-10-22")
    before = rota["terms"]["gap_core"]
    done = edit(service, rota, 200, op="remove", version=rota["version"], **{k: desk[k] for k in KEYS})[
        "rota"
    ]
    assert len(done["assignments"]) == len(rota["assignments"]) - 1
    assert done["terms"]["gap_core"] == before + 240 and done["edited"] is True
    gap = next(g for g in done["gaps"] if g["start"] == desk["start"])
    assert gap["core"] and gap["reasons"] and gap["assigned"] == 0


def test_move_to_another_person_and_to_another_date(draft: tuple[Service, dict]) -> None:
    service, rota = draft
    days = {p: {a["date"] for a in rota["assignments"] if a["person"] == p} for p in ("noor", "sem", "lotte")}
    tries = [
        (a, p)
        for a in rota["assignments"]
        if a["role"] == "desk"
        for p in days
        if p != a["person"] and a["date"] not in days[p]
    ]
    for theirs, other in tries:  # the first move no hard rule forbids
        response = service.call(
            "POST",
            f"/api/rotas/{rota['id']}/edits",
            json={"op": "move", **{k: theirs[k] for k in KEYS}, "to": {"person": other}},
        )
        if response.status_code == 200:
            break
        assert response.status_code == 422 and response.json()["violations"]
    else:
        pytest.skip("every move breaks a rule in this rota")
    moved = response.json()
    keys = {tuple(a[k] for k in KEYS) for a in moved["rota"]["assignments"]}
    assert tuple(theirs[k] for k in KEYS) not in keys
    assert (other, "desk", theirs["shift"], theirs["date"]) in keys
    assert moved["edit"]["payload"]["to"] == {"person": other} and moved["edit"]["forced"] is False
    weekdays = [f"2026-10-{d}" for d in (19, 20, 21, 22, 23, 26, 27, 28, 29, 30)]
    for day in (d for d in weekdays if d not in days[other] | {theirs["date"]}):
        again = service.call(
            "POST",
            f"/api/rotas/{rota['id']}/edits",
            json={
                "op": "move",
                "person": other,
                "role": "desk",
                "shift": theirs["shift"],
                "date": theirs["date"],
                "to": {"date": day},
            },
        )
        if again.status_code == 200:
            keys = {tuple(a[k] for k in KEYS) for a in again.json()["rota"]["assignments"]}
            assert (other, "desk", theirs["shift"], day) in keys
            break


def test_bad_edits_name_the_field(draft: tuple[Service, dict]) -> None:
    service, rota = draft
    one = {k: rota["assignments"][0][k] for k in KEYS}
    assert edit(service, rota, 422, op="add", **{**one, "person": "zed"})["detail"][0]["path"] == "person"
    assert edit(service, rota, 422, op="add", **{**one, "date": "2026-12-01"})["detail"][0]["path"] == "date"
    assert edit(service, rota, 422, op="add", **{**one, "shift": "x"})["detail"][0]["path"] == "shift"
    edit(service, rota, 409, op="add", **one)
    edit(service, rota, 404, op="remove", **{**one, "person": "daan" if one["person"] != "daan" else "eva"})
    assert edit(service, rota, 422, op="move", **one, to={})["detail"][0]["path"] == "to"
    assert edit(service, rota, 422, op="move", **one, to={"role": "x"})["detail"][0]["path"] == "to.role"
    assert edit(service, rota, 422, op="jump", **one)["detail"][0]["path"] == "op"
    edit(service, rota, 409, op="remove", version=7, **one)


def test_edits_of_a_published_rota_and_a_superseded_one(draft: tuple[Service, dict]) -> None:
    service, rota = draft
    published = service.publish(rota)
    one = {k: published["assignments"][0][k] for k in KEYS}
    answer = edit(service, published, 200, op="remove", version=published["version"], **one)
    after = answer["rota"]  # the change waits in the published rota's pending change set
    assert after["state"] == "draft" and after["pending_of"] == published["id"] and after["version"] == 2
    assert answer["pending"] == {
        "rota_id": after["id"],
        "of": published["id"],
        "message": answer["pending"]["message"],
    }
    still = service.call("GET", f"/api/rotas/{published['id']}", expect=200).json()
    assert still["version"] == published["version"] and one in [
        {k: a[k] for k in KEYS} for a in still["assignments"]
    ]
    again = edit(service, published, 200, op="add", version=after["version"], **one)["rota"]
    assert again["id"] == after["id"] and again["version"] == 3  # the same set: one per published rota
    service.publish(service.generate(start="2026-10-19", end="2026-10-30"))
    edit(service, rota, 409, op="add", **one)
    # the set of a rota replaced meanwhile cannot be published
    fresh = service.call("GET", f"/api/rotas/{again['id']}", expect=200).json()
    assert service.publish(fresh, expect=409)["detail"][0]["path"] == "state"


def test_swap_exchanges_two_duties_and_stale_versions_conflict_only_on_the_same_cell(
    draft: tuple[Service, dict],
) -> None:
    service, rota = draft
    day = "2026-10-20"
    desk = [a for a in rota["assignments"] if a["role"] == "desk" and a["date"] == day]
    night = next(a for a in rota["assignments"] if a["role"] == "oncall" and a["date"] == day)
    version = rota["version"]
    for a in desk:  # clear the desk that Tuesday, then Noor early (am) and Lotte late (pm)
        gone = edit(service, rota, 200, op="remove", version=version, **{k: a[k] for k in KEYS})
        version = gone["rota"]["version"]
    for person, shift in (("noor", "am"), ("lotte", "pm")):
        one = {"person": person, "role": "desk", "shift": shift, "date": day}
        version = edit(service, rota, 200, op="add", force=True, version=version, **one)["rota"]["version"]
    seen = version
    swapped = edit(
        service,
        rota,
        200,
        op="swap",
        version=seen,
        person="noor",
        role="desk",
        shift="am",
        date=day,
        to={"person": "lotte", "shift": "pm"},
    )
    keys = {(a["person"], a["shift"]) for a in swapped["rota"]["assignments"] if a["date"] == day}
    assert {("noor", "pm"), ("lotte", "am")} <= keys and not {("noor", "am"), ("lotte", "pm")} & keys
    assert swapped["edit"]["op"] == "swap"
    # a swap that gives someone a duty they lack the skill for: refused by name, like any edit
    refused = edit(
        service,
        rota,
        422,
        op="swap",
        person="noor",
        role="desk",
        shift="pm",
        date=day,
        to={"person": night["person"], "role": "oncall", "shift": night["shift"]},
    )
    assert any(v["rule"] == "skills" for v in refused["violations"])
    assert (
        edit(
            service,
            rota,
            422,
            op="swap",
            person="noor",
            role="desk",
            shift="pm",
            date=day,
            to={"shift": "am"},
        )["detail"][0]["path"]
        == "to.person"
    )
    # the version read before the swap: another cell saves, Noor's date conflicts
    other = next(a for a in rota["assignments"] if a["date"] == "2026-10-27")
    edit(service, rota, 200, op="remove", version=seen, **{k: other[k] for k in KEYS})
    conflict = edit(
        service, rota, 409, op="remove", version=seen, person="noor", role="desk", shift="pm", date=day
    )
    assert conflict["detail"][0]["path"] == "cell" and "changed meanwhile" in conflict["detail"][0]["message"]
    assert conflict["cell"] == {"person": "noor", "date": day}
