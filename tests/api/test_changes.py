"""GET /api/rotas/{id}/changes: what Publish would change (rota/api/services/changes.py), as the publish
page."""

from __future__ import annotations

from typing import Any

from apikit import Service


def _changes(service: Service, rota_id: int, who: str = "lead", expect: int = 200) -> Any:
    return service.call("GET", f"/api/rotas/{rota_id}/changes", who, expect=expect).json()


def _edit(service: Service, rota_id: int, **body: Any) -> dict[str, Any]:
    version = service.call("GET", f"/api/rotas/{rota_id}", expect=200).json()["version"]
    return service.call(
        "POST", f"/api/rotas/{rota_id}/edits", json={**body, "version": version}, expect=200
    ).json()


def test_a_first_publish_adds_every_duty(service: Service) -> None:
    service.put_team()
    rota = service.generate()
    changes = _changes(service, rota["id"])
    n = len(rota["assignments"])
    assert changes["first"] is True
    assert changes["counts"] == {
        "added": n,
        "removed": 0,
        "moved": 0,
        "kept": 0,
        "before": 0,
        "after": n,
        "gaps": len(rota["gaps"]),
        "core_gaps": sum(g["core"] for g in rota["gaps"]),
        "breaks": 0,
    }
    assert sum(p["added"] for p in changes["people"]) == n
    names = [p["name"] for p in changes["people"]]
    assert names == sorted(names) and "Noor de Vries" in names
    noor = next(p for p in changes["people"] if p["person"] == "noor")
    assert len(noor["changes"]) == noor["added"]
    assert {c["kind"] for c in noor["changes"]} == {"added"}
    assert [c["date"] for c in noor["changes"]] == sorted(c["date"] for c in noor["changes"])
    assert noor["changes"][0]["duty"].startswith("Service desk · ")


def test_against_the_published_rota_moves_removals_and_kept_rule_breaks(service: Service) -> None:
    service.put_team()
    first = service.generate()
    service.publish(first)
    second = service.generate()
    same = _changes(service, second["id"])
    n = len(first["assignments"])
    assert same["first"] is False and same["people"] == []  # the same greedy rota: nothing changes
    assert same["counts"]["kept"] == same["counts"]["before"] == same["counts"]["after"] == n

    desk = [a for a in second["assignments"] if a["role"] == "desk"]
    busy = {(a["person"], a["date"]) for a in second["assignments"]}
    am = next(
        a
        for a in desk
        if a["shift"] == "am"
        and sum(1 for b in second["assignments"] if (b["person"], b["date"]) == (a["person"], a["date"])) == 1
    )
    _edit(
        service,
        second["id"],
        op="move",
        person=am["person"],
        role="desk",
        shift="am",
        date=am["date"],
        to={"shift": "pm"},
        force=True,
    )
    gone = next(a for a in desk if a["person"] != am["person"] and a["date"] != am["date"])
    _edit(
        service,
        second["id"],
        op="remove",
        person=gone["person"],
        role="desk",
        shift=gone["shift"],
        date=gone["date"],
        force=True,
    )
    assert ("sem", "2026-10-21") not in busy  # Sem is on leave that day: kept despite the rule
    _edit(
        service,
        second["id"],
        op="add",
        person="sem",
        role="desk",
        shift="pm",
        date="2026-10-21",
        force=True,
        reason="covering",
    )

    changes = _changes(service, second["id"])
    counts = changes["counts"]
    assert (counts["added"], counts["removed"], counts["moved"]) == (1, 1, 1)
    assert counts["before"] == counts["removed"] + counts["moved"] + counts["kept"] == n
    after = len(service.call("GET", f"/api/rotas/{second['id']}", expect=200).json()["assignments"])
    assert counts["after"] == counts["added"] + counts["moved"] + counts["kept"] == after
    mover = next(p for p in changes["people"] if p["person"] == am["person"])
    moved = next(c for c in mover["changes"] if c["kind"] == "moved")
    assert moved["date"] == am["date"]
    assert moved["duty"] == "Service desk · am 09:00–13:00 → Service desk · pm 13:00–17:00"
    assert counts["breaks"] == len(changes["breaks"]) >= 1
    leave = next(b for b in changes["breaks"] if b["name"] == "Sem Jansen")
    assert leave["date"] == "2026-10-21" and leave["reason"] == "covering" and leave["rules"]


def test_an_unknown_rota_is_404_and_only_its_leads_see_the_changes(service: Service) -> None:
    service.put_team()
    rota = service.generate()
    assert _changes(service, 999_999, expect=404)["detail"][0]["path"] == "rota_id"
    assert _changes(service, rota["id"], "hr", expect=403)["detail"][0]["path"] == "authorization"
