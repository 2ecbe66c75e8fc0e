"""Re-planning after new leave: keep as much of the published rota as possible and report what changed."""

from __future__ import annotations

from apikit import Service, team_doc

from rota.document import RotaDocument
from rota.load import parse_team
from rota.validate import validate

KEYS = ("person", "role", "shift", "date")


def test_replan_after_leave_keeps_the_rest_and_reports_changes(service: Service) -> None:
    service.put_team()
    old = service.publish(service.generate(start="2026-10-19", end="2026-10-30", time_limit=3))
    away = sorted(
        {a["date"] for a in old["assignments"] if a["person"] == "noor" and a["date"] >= "2026-10-26"}
    )
    assert away, "noor has no shift in the second week"
    doc = team_doc()
    doc["people"][0]["unavailable"] = [{"from": away[0], "to": away[-1], "reason": "sick"}]
    assert service.put_team(doc=doc)["version"] == 2
    new = service.generate(replan_of=old["id"], start="2026-10-26", time_limit=3)
    assert new["replan_of"] == old["id"] and new["period"] == {"start": "2026-10-26", "end": "2026-10-30"}
    assert new["team_version"] == 2
    lost = {
        tuple(a[k] for k in KEYS)
        for a in old["assignments"]
        if a["person"] == "noor" and away[0] <= a["date"] <= away[-1]
    }
    removed = {tuple(r[k] for k in KEYS) for r in new["changes"]["removed"]}
    assert lost <= removed
    kept_before = {tuple(a[k] for k in KEYS) for a in old["assignments"] if a["date"] >= "2026-10-26"}
    assert new["changes"]["kept"] == len(kept_before) - len(removed)
    added = {tuple(r[k] for k in KEYS) for r in new["changes"]["added"]}
    assert new["changes"]["count"] == len(removed) + len(added)
    fresh = service.generate(start="2026-10-26", end="2026-10-30", time_limit=3)
    fresh_keys = {tuple(a[k] for k in KEYS) for a in fresh["assignments"]}
    assert new["changes"]["count"] <= len(kept_before ^ fresh_keys), "a fresh solve keeps more of the rota"
    assert validate(parse_team(doc, "tiny"), RotaDocument.model_validate(new)).violations == []
    published = service.publish(new)
    assert published["published_dates"][0] == "2026-10-26"
    old = service.call("GET", f"/api/rotas/{old['id']}", expect=200).json()
    assert old["state"] == "published" and old["published_dates"][-1] == "2026-10-25"


def test_replan_of_another_teams_rota_is_refused(service: Service) -> None:
    service.put_team()
    service.call("POST", "/api/teams/tiny/rotas", json={"replan_of": 42}, expect=404)
