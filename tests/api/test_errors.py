"""Bad requests answer 4xx with the field path and the reason, no traceback; feed URLs follow the host."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apikit import Service, quick_solve
from fastapi.testclient import TestClient

from rota.api.main import create_app
from rota.api.settings import Settings


def test_a_body_that_is_not_json_or_missing_is_named(service: Service) -> None:
    service.put_team()
    url = "/api/teams/tiny/rotas"
    headers = {"Content-Type": "application/json"}
    bad = service.call("POST", url, content="not json", headers=headers, expect=422).json()
    assert bad["detail"] == [
        {"path": "", "message": "the body is not valid JSON: Expecting value at character 0"}
    ]
    bad = service.call("PUT", "/api/teams/tiny", content='{"team": ', headers=headers, expect=422).json()
    assert bad["detail"][0]["path"] == "" and bad["detail"][0]["message"].startswith("the body is not valid")
    missing = service.call("POST", url, expect=422).json()
    assert missing["detail"] == [{"path": "", "message": "a JSON object is required as the body"}]
    listed = service.call("POST", url, json=[1], expect=422).json()
    assert listed["detail"][0]["path"] == ""
    extra = service.call("POST", url, json={"bogus": 1}, expect=422).json()
    assert extra["detail"] == [{"path": "bogus", "message": "extra inputs are not permitted"}]


def test_generate_requests_name_the_field(make_service: Any) -> None:
    service = make_service(solve_fn=quick_solve)
    service.put_team()
    url = "/api/teams/tiny/rotas"
    bad = service.call("POST", url, json={"start": "2026-11-02"}, expect=422).json()
    assert bad["detail"][0]["path"] == "end" and "give end too" in bad["detail"][0]["message"]
    bad = service.call("POST", url, json={"end": "2026-11-02"}, expect=422).json()
    assert bad["detail"][0]["path"] == "start"
    bad = service.call("POST", url, json={"time_limit": 100_000}, expect=422).json()
    assert bad["detail"][0]["path"] == "time_limit"
    bad = service.call("POST", url, json={"time_limit": 0}, expect=422).json()
    assert bad["detail"][0]["path"] == "time_limit"
    bad = service.call("POST", url, json={"start": "2026-01-01", "end": "2027-06-01"}, expect=422).json()
    assert bad["detail"][0] == {"path": "end", "message": "a rota spans at most 366 days"}
    gone = service.call("POST", url, json={"replan_of": 42}, expect=404).json()
    assert gone["detail"] == [{"path": "replan_of", "message": "no rota 42 to re-plan"}]


def test_calendar_token_requests_name_the_field(make_service: Any) -> None:
    service = make_service(solve_fn=quick_solve)
    service.put_team()
    url = "/api/calendar-tokens"
    bad = service.call("POST", url, json={"kind": "person", "team": "tiny"}, expect=422).json()
    assert bad["detail"] == [{"path": "person", "message": "a person feed needs the person's id"}]
    bad = service.call("POST", url, json={"kind": "role", "team": "tiny"}, expect=422).json()
    assert bad["detail"] == [{"path": "role", "message": "a role feed needs the role's id"}]
    bad = service.call("POST", url, json={"kind": "week", "team": "tiny"}, expect=422).json()
    assert bad["detail"][0]["path"] == "kind"
    service.call("POST", url, "hr", json={"kind": "team", "team": "nope"}, expect=404)
    made = service.call("POST", url, json={"kind": "team", "team": "tiny"}, expect=201).json()
    assert made["url"].startswith("http://testserver/calendars/cal_")  # where it came; never its Host
    assert made["webcal"] == "webcal://" + made["url"].removeprefix("http://")


def test_feed_urls_use_the_public_url_when_set(make_service: Any) -> None:
    service = make_service(solve_fn=quick_solve, public_url="https://rota.example.org/")
    service.put_team()
    made = service.call(
        "POST", "/api/calendar-tokens", json={"kind": "team", "team": "tiny"}, expect=201
    ).json()
    assert made["url"] == f"https://rota.example.org/calendars/{made['token']}.ics"
    assert made["webcal"] == f"webcal://rota.example.org/calendars/{made['token']}.ics"


def test_an_unmigrated_database_answers_one_json_line(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/teams", headers={"Authorization": "Bearer rota_x"})
        assert response.status_code == 500
        assert response.json() == {
            "detail": [{"path": "", "message": "the database has no tables yet: run `rota db upgrade`"}]
        }
        assert client.get("/calendars/cal_x.ics").status_code == 500
