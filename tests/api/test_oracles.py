"""Existence oracles and the order of checks (issue 21.7): who may comes before what exists and before the
body; "not yours" and "not there" answer the same."""

from __future__ import annotations

from typing import Any

import pytest
from apikit import Service, quick_solve

MISSING_ROTA, MISSING_JOB, MISSING_FEED = 2**31 - 2, "0" * 32, 2**31 - 2


@pytest.fixture
def world(make_service: Any) -> tuple[Service, dict[str, Any]]:
    """Team "tiny" with a draft rota (and its job) and a team feed; team "other" does not exist."""
    service = make_service(solve_fn=quick_solve)
    service.put_team()
    rota = service.generate()
    feed = service.call(
        "POST", "/api/calendar-tokens", json={"team": "tiny", "kind": "team"}, expect=201
    ).json()
    return service, {"rota": rota, "feed": feed}


def _same_refusal(a: Any, b: Any, real: str, missing: str) -> None:
    """Both 404, bodies alike but for the id each asked for."""
    assert a.status_code == b.status_code == 404, (a.text, b.text)
    assert a.json() == b.json() | {
        "detail": [{**d, "message": d["message"].replace(missing, real)} for d in b.json()["detail"]]
    }, (a.text, b.text)


def test_a_feed_of_a_team_not_yours_is_403_whether_it_exists_or_not(world: tuple[Service, Any]) -> None:
    service, _ = world

    def feed(team: str) -> Any:
        body = {"team": team, "kind": "team"}
        return service.call("POST", "/api/calendar-tokens", who="other_lead", json=body)

    exists, absent = feed("tiny"), feed("nowhere")
    assert exists.status_code == absent.status_code == 403, (exists.text, absent.text)
    assert (
        exists.json()["detail"][0]["message"].replace('"tiny"', '"nowhere"')
        == absent.json()["detail"][0]["message"]
    )
    # where it does not bind: a team the lead may have, not made yet, is not there
    missing = feed("other")
    assert missing.status_code == 404 and missing.json()["detail"][0]["message"] == 'no team "other"'


@pytest.mark.parametrize("suffix", ["", ".csv", ".ics", ".xlsx", ".html", "/edits"])
def test_a_rota_not_yours_answers_as_one_not_there(world: tuple[Service, Any], suffix: str) -> None:
    service, made = world
    rota_id = made["rota"]["id"]
    for who in ("other_lead", "other_staff", "staff"):  # staff: the rota is a draft
        theirs = service.call("GET", f"/api/rotas/{rota_id}{suffix}", who=who)
        missing = service.call("GET", f"/api/rotas/{MISSING_ROTA}{suffix}", who=who)
        _same_refusal(theirs, missing, str(rota_id), str(MISSING_ROTA))
    service.call("GET", f"/api/rotas/{rota_id}{suffix}", who="hr", expect=200)  # hr reads it


def test_changing_a_rota_not_yours_is_404_and_comes_before_the_body(world: tuple[Service, Any]) -> None:
    service, made = world
    rota_id = made["rota"]["id"]
    for path, body in (("publish", {"version": "not a number"}), ("edits", {"op": "juggle"})):
        theirs = service.call("POST", f"/api/rotas/{rota_id}/{path}", who="other_lead", json=body)
        missing = service.call("POST", f"/api/rotas/{MISSING_ROTA}/{path}", who="other_lead", json=body)
        _same_refusal(theirs, missing, str(rota_id), str(MISSING_ROTA))
        # hr may read it, not change it: 403, before the body is looked at
        refused = service.call("POST", f"/api/rotas/{rota_id}/{path}", who="hr", json=body)
        assert refused.status_code == 403, refused.text
        # the lead of its team gets the body's problems
        assert service.call("POST", f"/api/rotas/{rota_id}/{path}", json=body).status_code == 422


def test_a_job_not_yours_answers_as_one_not_there(world: tuple[Service, Any]) -> None:
    service, _ = world
    job_id = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()["job_id"]
    service.wait_job(job_id)
    for method in ("GET", "DELETE"):
        theirs = service.call(method, f"/api/jobs/{job_id}", who="other_lead")
        missing = service.call(method, f"/api/jobs/{MISSING_JOB}", who="other_lead")
        _same_refusal(theirs, missing, job_id, MISSING_JOB)
    service.call("GET", f"/api/jobs/{job_id}", who="hr", expect=200)
    assert service.call("DELETE", f"/api/jobs/{job_id}", who="hr").status_code == 403  # sees, may not stop


def test_a_solve_of_a_team_not_yours_is_403_before_the_body(world: tuple[Service, Any]) -> None:
    service, _ = world
    for body in ({"start": "not a date"}, {"time_limit": -1}, {}):
        refused = service.call("POST", "/api/teams/tiny/rotas", who="other_lead", json=body)
        assert refused.status_code == 403, (body, refused.text)
        assert refused.json()["detail"][0]["path"] == "authorization"
    assert service.call("POST", "/api/teams/tiny/rotas", json={"start": "not a date"}).status_code == 422


def test_a_feed_not_yours_cannot_be_revoked_nor_seen_to_exist(world: tuple[Service, Any]) -> None:
    service, made = world
    feed_id = made["feed"]["id"]
    for who in ("other_lead", "staff"):
        theirs = service.call("DELETE", f"/api/calendar-tokens/{feed_id}", who=who)
        missing = service.call("DELETE", f"/api/calendar-tokens/{MISSING_FEED}", who=who)
        _same_refusal(theirs, missing, str(feed_id), str(MISSING_FEED))
    service.call("DELETE", f"/api/calendar-tokens/{feed_id}", who="lead", expect=200)
