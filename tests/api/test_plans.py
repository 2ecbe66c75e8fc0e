"""POST /api/teams/{team}/plans and /whatif: the CLI's plan and what-if over a stored team, on a copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from apikit import Service

DESK = Path(__file__).resolve().parents[2] / "data" / "capacity" / "short-desk.yaml"
NOV = {"start": "2026-11-02", "end": "2026-11-29", "time_limit": 10}


def _desk() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        json.dumps(yaml.safe_load(DESK.read_text(encoding="utf-8")), default=str)
    )
    return doc


def test_plan_of_a_stored_team_lists_people_to_append(service: Service) -> None:
    stored = service.put_team("tiny", _desk())
    plan = service.call("POST", "/api/teams/tiny/plans", "hr", json=NOV, expect=200).json()
    assert plan["hires_needed"] == plan["lower_bound"] == 2 and plan["proven_minimal"]
    assert plan["gap_hours_before"] == 96 and plan["gap_hours_after"] == 0  # 12 days × 8 h of second-line
    assert [p["id"] for p in plan["people"]] == ["new-like-cat-1", "new-like-cat-2"]
    # the stored team is untouched: no new version
    after = service.call("GET", "/api/teams/tiny", "lead", expect=200).json()
    assert after["version"] == stored["version"]
    # the people appended make a team the service accepts, and its plan needs no one
    doc = _desk()
    doc["people"] += plan["people"]
    service.put_team("tiny", doc)
    again = service.call("POST", "/api/teams/tiny/plans", "lead", json=NOV, expect=200).json()
    assert again["hires_needed"] == 0 and again["gap_hours_before"] == 0


def test_plan_with_candidates_and_their_mistakes(service: Service) -> None:
    service.put_team("tiny", _desk())
    engineer = {
        "id": "engineer",
        "skills": ["second-line"],
        "hours_per_week": 37.5,
        "days": "weekdays",
        "max": 1,
    }
    plan = service.call(
        "POST", "/api/teams/tiny/plans", json={**NOV, "candidates": [engineer]}, expect=200
    ).json()
    assert plan["hires_needed"] == 1 and plan["people"][0]["id"] == "new-engineer-1"
    bad = service.call(
        "POST",
        "/api/teams/tiny/plans",
        json={**NOV, "candidates": [{**engineer, "skills": ["third-line"]}]},
        expect=422,
    ).json()
    assert bad["detail"][0]["path"] == "candidates[0].skills"
    assert "unknown skill 'third-line'" in bad["detail"][0]["message"]
    late = service.call("POST", "/api/teams/tiny/plans", json={**NOV, "end": "2026-10-01"}, expect=422).json()
    assert late["detail"][0]["path"] == "end"


def test_whatif_without_a_person(service: Service) -> None:
    service.put_team("tiny", _desk())
    body = {**NOV, "without": "cat"}
    result = service.call("POST", "/api/teams/tiny/whatif", json=body, expect=200).json()
    assert result["opened_hours"] == 64 and result["proven"]
    assert result["summary"] == "Without Cat Ng, 64 hours of demand would go uncovered."
    unknown = service.call(
        "POST", "/api/teams/tiny/whatif", json={**NOV, "without": "zed"}, expect=422
    ).json()
    assert unknown["detail"] == [{"path": "without", "message": 'no person "zed" in team "tiny"'}]


def test_plan_as_a_workbook(service: Service) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    service.put_team("tiny", _desk())
    response = service.call("POST", "/api/teams/tiny/plans?format=xlsx", json=NOV, expect=200)
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    weeks = list(book["Weeks"].iter_rows(values_only=True))[1:]
    assert sum(r[4] for r in weeks) == 96 and all(r[5] == 0 for r in weeks)
    assert service.call("POST", "/api/teams/tiny/plans?format=pdf", json=NOV).status_code == 422
