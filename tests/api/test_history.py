"""History you can read (issue 19, point 4), and a kept re-plan racing another lead's change."""

from __future__ import annotations

from typing import Any

import pytest
from apikit import Service, quick_solve

KEYS = ("person", "role", "shift", "date")


@pytest.fixture
def published(make_service: Any) -> tuple[Service, dict[str, Any]]:
    service = make_service(solve_fn=quick_solve)
    service.put_team()
    draft = service.generate(start="2026-10-19", end="2026-10-30")
    done = service.call(
        "POST", f"/api/rotas/{draft['id']}/publish", json={"version": draft["version"], "note": "October"}
    )
    assert done.status_code == 200, done.text
    return service, done.json()


def test_versions_with_who_when_why_compared_and_restored(published: tuple[Service, dict[str, Any]]) -> None:
    service, first = published
    gone = next(a for a in first["assignments"] if a["person"] == "sem")
    service.call(
        "POST", f"/api/rotas/{first['id']}/edits", json={"op": "remove", **{k: gone[k] for k in KEYS}}
    )
    second = service.call(
        "POST", f"/api/rotas/{first['id']}/publish", json={"note": "Sem off on the 19th"}, expect=200
    ).json()
    listed = service.call("GET", "/api/teams/tiny/history", "hr", expect=200).json()
    assert [(v["rota_id"], v["published_by"], v["note"], v["current"]) for v in listed["versions"]] == [
        (second["id"], "tiny lead", "Sem off on the 19th", True),
        (first["id"], "tiny lead", "October", False),
    ]
    assert listed["versions"][0]["replaces"] == first["id"] and listed["pending"] == []
    service.call("GET", "/api/teams/tiny/history", "staff", expect=403)

    diff = service.call(
        "GET", f"/api/teams/tiny/history/compare?a={first['id']}&b={second['id']}", expect=200
    ).json()
    assert diff["counts"] == {"added": 0, "removed": 1, "moved": 0, "kept": len(first["assignments"]) - 1}
    assert [(p["person"], [(c["date"], c["kind"]) for c in p["changes"]]) for p in diff["people"]] == [
        ("sem", [(gone["date"], "removed")])
    ]
    back = service.call(
        "GET", f"/api/teams/tiny/history/compare?a={second['id']}&b={first['id']}", expect=200
    ).json()
    assert back["counts"]["added"] == 1 and back["counts"]["removed"] == 0
    missing = service.call("GET", f"/api/teams/tiny/history/compare?a={first['id']}&b=999", expect=404)
    assert missing.json()["detail"][0]["path"] == "b"

    restored = service.call("POST", f"/api/rotas/{first['id']}/restore", expect=201).json()
    assert restored["state"] == "draft" and restored["assignments"] == first["assignments"]
    review = service.call("GET", f"/api/rotas/{restored['id']}/changes", expect=200).json()
    assert review["counts"]["added"] == 1 and review["people"][0]["person"] == "sem"  # Sem's duty back
    service.call("POST", f"/api/rotas/{restored['id']}/restore", expect=404)  # a draft is no version
    later = service.generate(start="2026-11-02", end="2026-11-06")
    later = service.publish(later)
    apart = service.call(
        "GET", f"/api/teams/tiny/history/compare?a={first['id']}&b={later['id']}", expect=422
    ).json()
    assert "share no date" in apart["detail"][0]["message"]


def test_a_kept_replan_conflicts_only_where_another_lead_changed_the_same_cell(service: Service) -> None:
    service.put_team()
    rota = service.publish(service.generate(start="2026-10-19", end="2026-10-30", time_limit=2))
    mine = sorted(a["date"] for a in rota["assignments"] if a["person"] == "noor")[:2]

    def sick_call(person: str, days: list[str]) -> dict[str, Any]:
        job = service.call(
            "POST",
            f"/api/rotas/{rota['id']}/replan",
            json={"person": person, "from": days[0], "to": days[-1], "scope": "span", "time_limit": 3},
            expect=202,
        ).json()
        done = service.wait_job(job["job_id"])
        return service.call("GET", f"/api/rotas/{done['rota_id']}/replan", expect=200).json()

    review = sick_call("noor", mine)
    touched = {(p["person"], c["date"]) for p in review["people"] for c in p["changes"]}
    # meanwhile another lead changes a cell the re-plan does not touch: keeping still goes through
    other = next(
        a
        for a in rota["assignments"]
        if (a["person"], a["date"]) not in touched and a["date"] not in mine and a["person"] != "noor"
    )
    service.call(
        "POST", f"/api/rotas/{rota['id']}/edits", json={"op": "remove", **{k: other[k] for k in KEYS}}
    )
    held = service.call("POST", f"/api/rotas/{review['rota_id']}/keep", expect=200).json()["rota"]
    keys = {tuple(a[k] for k in KEYS) for a in held["assignments"]}
    assert tuple(other[k] for k in KEYS) not in keys  # the other lead's change is kept too
    assert not any(a["person"] == "noor" and mine[0] <= a["date"] <= mine[-1] for a in held["assignments"])
    edits = service.call("GET", f"/api/rotas/{held['id']}/edits", expect=200).json()
    assert {e["reason"] for e in edits[1:]} == {"re-plan"} and held["version"] == 1 + len(edits)

    # a second sick call (Lotte), then a lead takes Lotte off one of those days by hand: keeping it would
    # overwrite that cell, so it is refused (409 cell) and nothing is kept
    days = sorted(a["date"] for a in held["assignments"] if a["person"] == "lotte")[:2]
    again = sick_call("lotte", days)
    assert again["replan_of"] == held["id"]  # it starts from the unpublished changes
    cell = next(a for a in held["assignments"] if a["person"] == "lotte" and a["date"] == days[0])
    service.call(
        "POST", f"/api/rotas/{held['id']}/edits", json={"op": "remove", **{k: cell[k] for k in KEYS}}
    )
    refused = service.call("POST", f"/api/rotas/{again['rota_id']}/keep", expect=409).json()
    assert refused["detail"][0]["path"] == "cell" and refused["cell"] == {"person": "lotte", "date": days[0]}
