"""Issue 8 at the API: a team the lead cannot trust is refused with 422 and the place of the mistake
(a repeated key in a YAML or JSON body; a fixed assignment that breaks a hard rule), and nothing is
stored."""

from __future__ import annotations

import json

import pytest
from apikit import Service, team_doc
from test_team_yaml import TEAM_YAML

URL = "/api/teams/tiny"


def put(service: Service, body: bytes, kind: str) -> dict:
    response = service.call("PUT", URL, content=body, headers={"Content-Type": kind}, expect=422)
    service.call("GET", URL, "hr", expect=404)  # nothing stored
    return response.json()


def test_yaml_body_with_a_repeated_key_is_422_naming_the_key(service: Service) -> None:
    oncall = "  oncall: {name: On call,"
    twice = TEAM_YAML.replace(oncall, "  desk: {name: Desk again}\n" + oncall)
    [problem] = put(service, twice.encode(), "application/yaml")["detail"]
    assert '"desk"' in problem["message"] and "repeated" in problem["message"]
    assert problem["line"] == 11  # the second "desk"


def test_json_body_with_a_repeated_key_is_422_naming_the_key(service: Service) -> None:
    text = json.dumps(team_doc())
    assert text.endswith("}")
    twice = text[:-1] + ', "team": "Another name"}'
    [problem] = put(service, twice.encode(), "application/json")["detail"]
    assert '"team"' in problem["message"] and "repeated" in problem["message"]


@pytest.mark.parametrize(
    ("fixed", "rule"),
    [
        ({"date": "2026-10-20", "shift": "night", "role": "oncall"}, "skills"),  # noor has only desk
        ({"date": "2026-10-24", "shift": "am", "role": "desk"}, "shift_days"),  # am is weekdays only
        ({"date": "2026-10-20", "shift": "night", "role": "desk"}, "shift_role"),  # night serves oncall
    ],
)
def test_fixed_assignment_breaking_a_rule_is_422_with_its_path(
    service: Service, fixed: dict, rule: str
) -> None:
    doc = team_doc()
    doc["people"][0]["fixed"] = [fixed]
    response = service.call("PUT", URL, json=doc, expect=422)
    [problem] = response.json()["detail"]
    assert problem["path"] == "people[0].fixed[0]"
    assert rule in problem["message"]
    service.call("GET", URL, "hr", expect=404)


def test_fixed_assignment_keeping_the_rules_is_stored(service: Service) -> None:
    doc = team_doc()
    doc["people"][0]["fixed"] = [{"date": "2026-10-20", "shift": "am", "role": "desk"}]
    created = service.call("PUT", URL, json=doc, expect=201).json()
    assert created["document"]["people"][0]["fixed"] == doc["people"][0]["fixed"]


@pytest.mark.parametrize(
    "path", ["", "/coverage?from=2026-10-01&to=2026-10-31", "/fairness", "/history", "/jobs"]
)
def test_a_team_only_its_leads_and_hr_manage_is_403_to_others_before_it_is_404(
    service: Service, path: str
) -> None:
    service.call("GET", f"/api/teams/other{path}", "lead", expect=403)  # not its lead: 403, stored or not
    service.call("GET", f"/api/teams/other{path}", "hr", expect=404)  # hr: no such team
    service.put_team()
    service.call("GET", f"/api/teams/tiny{path}", "other_lead", expect=403)
