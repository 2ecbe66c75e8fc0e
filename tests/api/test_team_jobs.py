"""GET /api/teams/{team}/jobs: the team's solves still queued or running (the team page's list)."""

from __future__ import annotations

import threading
from typing import Any

from apikit import Service, quick_result

release = threading.Event()


def held_solve(team: Any, start: Any, end: Any, params: Any) -> Any:
    """Waits until the test (or a cancel) lets it finish, then returns the greedy rota."""
    while not release.is_set() and not params.stop.is_set():
        release.wait(0.05)
    return quick_result(team, start, end)


def test_the_running_and_queued_solves_newest_first_then_none(make_service: Any) -> None:
    release.clear()
    service = make_service(solve_fn=held_solve, job_workers=1)
    service.put_team()
    assert service.call("GET", "/api/teams/tiny/jobs", expect=200).json() == []
    first = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()["job_id"]
    second = service.call(
        "POST", "/api/teams/tiny/rotas", json={"start": "2026-10-19", "end": "2026-10-25"}, expect=202
    ).json()["job_id"]
    listed = service.call("GET", "/api/teams/tiny/jobs", "hr", expect=200).json()
    assert [j["id"] for j in listed] == [second, first]
    assert {j["state"] for j in listed} <= {"queued", "running"}
    release.set()
    service.wait_job(first)
    service.wait_job(second)
    assert service.call("GET", "/api/teams/tiny/jobs", expect=200).json() == []


def test_a_team_not_stored_is_404(service: Service) -> None:
    missing = service.call("GET", "/api/teams/nope/jobs", "hr", expect=404).json()
    assert missing["detail"][0]["path"] == "team_id"
