"""Teams over the API: PUT the team file, versions kept, 422 with the field path and reason."""

from __future__ import annotations

from apikit import Service, team_doc


def test_put_creates_then_versions_a_team(service: Service) -> None:
    created = service.call("PUT", "/api/teams/tiny", json=team_doc(), expect=201).json()
    assert (created["id"], created["name"], created["version"], created["changed"]) == (
        "tiny",
        "Tiny Help Desk",
        1,
        True,
    )
    same = service.call("PUT", "/api/teams/tiny", json=team_doc(), expect=200).json()
    assert (same["version"], same["changed"]) == (1, False)
    renamed = service.call("PUT", "/api/teams/tiny", json=team_doc(team="Tiny Desk"), expect=200).json()
    assert (renamed["version"], renamed["versions"], renamed["name"]) == (2, 2, "Tiny Desk")
    old = service.call("GET", "/api/teams/tiny?version=1", expect=200).json()
    assert old["document"]["team"] == "Tiny Help Desk" and old["version"] == 1
    current = service.call("GET", "/api/teams/tiny", "hr", expect=200).json()
    assert current["document"] == team_doc(team="Tiny Desk")
    listed = service.call("GET", "/api/teams", "hr", expect=200).json()
    assert [(t["id"], t["version"]) for t in listed] == [("tiny", 2)]


def test_invalid_team_gives_paths_and_reasons(service: Service) -> None:
    doc = team_doc()
    doc["roles"]["desk"]["demand"][0]["time"] = "25:00-26:00"
    doc["people"][1]["skills"] = ["Desk!"]
    doc["shifts"]["night"]["roles"] = ["nobody"]
    body = service.call("PUT", "/api/teams/tiny", json=doc, expect=422).json()
    paths = {p["path"]: p["message"] for p in body["detail"]}
    assert "roles.desk.demand[0].time" in paths and "25:00-26:00" in paths["roles.desk.demand[0].time"]
    assert "people[1].skills[0]" in paths
    service.call("GET", "/api/teams/tiny", "hr", expect=404)


def test_cross_reference_problem_named_like_the_cli(service: Service) -> None:
    doc = team_doc()
    doc["shifts"]["night"]["roles"] = ["nobody"]
    body = service.call("PUT", "/api/teams/tiny", json=doc, expect=422).json()
    assert body["detail"] == [{"path": "shifts.night.roles[0]", "message": 'unknown role "nobody"'}]


def test_body_must_be_an_object_and_id_valid(service: Service) -> None:
    assert service.call("PUT", "/api/teams/tiny", json=[1, 2], expect=422).json()["detail"][0]["path"] == ""
    bad = service.call("PUT", "/api/teams/Bad%20Id", json=team_doc(), expect=403)
    assert bad.json()["detail"][0]["path"] == "authorization"


def test_missing_key_is_required(service: Service) -> None:
    doc = team_doc()
    del doc["timezone"]
    body = service.call("PUT", "/api/teams/tiny", json=doc, expect=422).json()
    assert {"path": "timezone", "message": "is required"} in body["detail"]
