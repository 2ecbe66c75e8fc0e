"""Issue 17.7 over the API: the newcomer's desk with every mistake of items 4 to 8 answers one 422 that
lists each of them (then the warnings, as ``warning: …``), for JSON and YAML bodies alike; a valid
team's PUT lists its warnings."""

from __future__ import annotations

import yaml
from apikit import Service, team_doc
from test_newcomer_desk import DESK, EXPECTED, WARNINGS  # tests/: on the path (its conftest)

from rota.api.services.teams import json_document
from rota.load import TeamFileLoader

DETAIL = [{"path": p, "message": m} for p, m in EXPECTED] + [
    {"path": p, "message": f"warning: {m}"} for p, m in WARNINGS
]


def test_yaml_body_lists_every_mistake_at_once(service: Service) -> None:
    response = service.call(
        "PUT",
        "/api/teams/tiny",
        content=DESK.read_bytes(),
        headers={"content-type": "application/yaml"},
        expect=422,
    )
    assert response.json()["detail"] == DETAIL
    service.call("GET", "/api/teams/tiny", "hr", expect=404)  # nothing stored


def test_json_body_lists_every_mistake_at_once(service: Service) -> None:
    document = json_document(yaml.load(DESK.read_text(), Loader=TeamFileLoader))
    response = service.call("PUT", "/api/teams/tiny", json=document, expect=422)
    assert response.json()["detail"] == DETAIL


def test_a_valid_team_is_stored_with_its_warnings(service: Service) -> None:
    doc = team_doc()
    doc["people"].append({"id": "kim", "name": "Kim Ng", "skills": ["dsk"]})
    body = service.call("PUT", "/api/teams/tiny", json=doc, expect=201).json()
    assert body["warnings"] == [
        {
            "path": "people[5].skills[0]",
            "message": 'unknown skill "dsk": no role needs it (did you mean "desk"?)',
        },
        {
            "path": "people[5]",
            "message": "Kim Ng can take no role, so is never on the rota: holds dsk (desk needs desk; "
            "oncall needs oncall)",
        },
    ]
    assert service.call("PUT", "/api/teams/tiny", json=team_doc(), expect=200).json()["warnings"] == []
