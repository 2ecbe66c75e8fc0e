"""PUT /api/teams/{id} with a YAML body: read like a team file, stored as the same JSON document."""

from __future__ import annotations

from apikit import Service, team_doc

# the test team (apikit.TEAM) as a hand-written team file: bare dates, clock times and day specs
TEAM_YAML = """\
team: Tiny Help Desk
timezone: Europe/Amsterdam
period: {start: 2026-10-19, end: 2026-10-30}
opening_hours: {daily: 00:00-24:00}
core_hours: {weekdays: 09:00-17:00}
roles:
  desk:
    name: Service desk
    skills: [desk]
    demand: [{days: weekdays, time: core_hours, min: 1}]
  oncall: {name: On call, skills: [oncall], demand: [{time: 22:00-06:00, min: 1}]}
shifts:
  am: {start: 09:00, end: 13:00, roles: [desk], days: weekdays}
  pm: {start: 13:00, end: 17:00, roles: [desk], days: weekdays}
  night: {start: 22:00, end: 06:00, roles: [oncall]}
rules: {max_consecutive_days: 6}
people:
  - {id: noor, name: Noor de Vries, skills: [desk], hours_per_week: 20}
  - {id: sem, name: Sem Jansen, skills: [desk], unavailable: [{date: 2026-10-21}]}
  - {id: lotte, name: Lotte Visser, skills: [desk, oncall]}
  - {id: daan, name: Daan Bakker, skills: [oncall]}
  - {id: eva, name: Eva Smit, skills: [oncall]}
"""
URL = "/api/teams/tiny"


def put_yaml(service: Service, text: str, kind: str = "application/yaml", expect: int | None = None) -> dict:
    headers = {"Content-Type": kind}
    return service.call("PUT", URL, content=text.encode(), headers=headers, expect=expect).json()


def test_yaml_stores_the_same_team_as_json(service: Service) -> None:
    created = put_yaml(service, TEAM_YAML, expect=201)
    assert (created["version"], created["changed"], created["name"]) == (1, True, "Tiny Help Desk")
    assert created["document"] == team_doc()
    same = service.call("PUT", URL, json=team_doc(), expect=200).json()
    assert (same["version"], same["changed"]) == (1, False)
    for kind in ("application/x-yaml", "text/yaml; charset=utf-8"):
        again = put_yaml(service, TEAM_YAML, kind, expect=200)
        assert (again["version"], again["changed"]) == (1, False)
    renamed = put_yaml(service, TEAM_YAML.replace("team: Tiny Help Desk", "team: Tiny Desk"), expect=200)
    assert (renamed["version"], renamed["name"]) == (2, "Tiny Desk")


def test_bad_yaml_answers_422_with_line_and_column(service: Service) -> None:
    broken = TEAM_YAML.replace("rules: {max_consecutive_days: 6}", "rules: {max_consecutive_days: 6")
    body = put_yaml(service, broken, expect=422)
    [problem] = body["detail"]
    assert problem["path"] == "" and problem["message"].startswith("the body is not valid YAML: ")
    # the flow mapping opened on line 16 is found unclosed where the next key starts
    assert (problem["line"], problem["column"]) == (17, 7)
    assert problem["message"].endswith("at line 17 column 7")
    service.call("GET", URL, "hr", expect=404)


def test_yaml_team_mistakes_are_named_by_field(service: Service) -> None:
    body = put_yaml(service, TEAM_YAML.replace("hours_per_week: 20", "hours_per_week: twenty"), expect=422)
    assert [p["path"] for p in body["detail"]] == ["people[0].hours_per_week"]
    empty = put_yaml(service, "", expect=422)["detail"]
    assert empty == [{"path": "", "message": "a team document is required as the body"}]
    assert put_yaml(service, "- a\n- b\n", expect=422)["detail"][0]["path"] == ""


def test_other_content_types_answer_415_naming_the_accepted_ones(service: Service) -> None:
    body = put_yaml(service, TEAM_YAML, "text/plain", expect=415)
    [problem] = body["detail"]
    assert problem["path"] == "content-type"
    for kind in ("application/json", "application/yaml", "application/x-yaml", "text/yaml"):
        assert kind in problem["message"]
    # the token is checked first: a staff token gets 403 whatever the body
    service.call("PUT", URL, "staff", content=b"x", headers={"Content-Type": "text/plain"}, expect=403)


def test_yaml_aliases_may_not_expand_without_bound(service: Service) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    body = put_yaml(service, bomb, expect=422)
    assert "expands to more than" in body["detail"][0]["message"]


def test_openapi_shows_both_content_types(service: Service) -> None:
    schema = service.client.get("/openapi.json").json()
    put = schema["paths"]["/api/teams/{team_id}"]["put"]
    assert {"application/json", "application/yaml", "application/x-yaml", "text/yaml"} <= set(
        put["requestBody"]["content"]
    )
    assert "415" in put["responses"]
