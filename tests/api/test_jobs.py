"""Solve jobs: progress while running, cancel keeps the best rota, a crash fails and writes nothing."""

from __future__ import annotations

import time
from typing import Any

from apikit import Service, quick_result
from sqlalchemy import func, select, update

from rota.api.jobs import submit
from rota.api.models import Assignment, Job, Rota
from rota.records import Duty
from rota.solver import Progress


def _count(service: Service, model: Any) -> int:
    with service.db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _wait_state(service: Service, job_id: str, state: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = service.call("GET", f"/api/jobs/{job_id}", "hr", expect=200).json()
        if job["state"] == state and (state != "running" or job["progress"]["objective"] is not None):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {state}: {job}")


def patient_solve(team: Any, start: Any, end: Any, params: Any) -> Any:
    """Reports a rota at once, then waits to be stopped (as CP-SAT would, improving), and returns it."""
    result = quick_result(team, start, end)
    params.progress(Progress(objective=result.objective, bound=0, elapsed=0.05, gap_minutes=60))
    params.stop.wait(20)
    return result


def test_progress_then_cancel_keeps_the_best_rota(make_service: Any) -> None:
    service = make_service(solve_fn=patient_solve)
    service.put_team()
    job = service.call("POST", "/api/teams/tiny/rotas", json={"time_limit": 60}, expect=202).json()
    running = _wait_state(service, job["job_id"], "running")
    assert running["progress"]["bound"] == 0 and running["progress"]["gap_minutes"] == 60
    asked = service.call("DELETE", f"/api/jobs/{job['job_id']}", expect=200).json()
    assert asked["cancel_requested"] is True
    ended = service.wait_job(job["job_id"])
    assert ended["state"] == "cancelled" and ended["rota_id"] is not None
    rota = service.call("GET", f"/api/rotas/{ended['rota_id']}", expect=200).json()
    assert rota["assignments"] and rota["job_id"] == job["job_id"]
    service.call("DELETE", f"/api/jobs/{job['job_id']}", expect=409)


def test_a_cancel_that_finds_the_job_ended_meanwhile_answers_409(make_service: Any, monkeypatch: Any) -> None:
    """The solve's last write can land between the cancel reading the job (running) and asking it to
    stop: the cancel then answers 409 with the job's state, never 200 for a job that ends done.
    (Here the job "ends" inside the cancel's own transaction, which the 409 rolls back.)"""
    service = make_service(solve_fn=patient_solve)
    service.put_team()
    job = service.call("POST", "/api/teams/tiny/rotas", json={"time_limit": 60}, expect=202).json()
    _wait_state(service, job["job_id"], "running")
    original = submit.get_job

    def read_then_end(*, session: Any, job_id: str) -> Any:
        found = original(session=session, job_id=job_id)  # read as running
        session.execute(
            update(Job).where(Job.id == job_id).values(state="done"),  # then it ends
            execution_options={"synchronize_session": False},
        )
        return found

    monkeypatch.setattr(submit, "get_job", read_then_end)
    body = service.call("DELETE", f"/api/jobs/{job['job_id']}", expect=409).json()
    assert body["detail"][0]["path"] == "state" and "is already" in body["detail"][0]["message"]
    monkeypatch.setattr(submit, "get_job", original)
    service.call("DELETE", f"/api/jobs/{job['job_id']}", expect=200)  # nothing was changed: still running
    assert service.wait_job(job["job_id"])["state"] == "cancelled"


WEEK = {"start": "2026-10-19", "end": "2026-10-25"}  # not the team file's period: a second solve of its own


def test_one_solve_per_team_and_period_a_second_request_gets_the_running_one(make_service: Any) -> None:
    service = make_service(solve_fn=patient_solve, job_workers=1)
    service.put_team()
    first = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()
    assert first["running"] is False
    again = service.call(
        "POST", "/api/teams/tiny/rotas", json={"start": "2026-10-19", "end": "2026-10-30"}, expect=200
    )
    assert again.json()["job_id"] == first["job_id"] and again.json()["running"] is True
    assert again.headers["location"] == first["url"]
    assert _count(service, Job) == 1
    other = service.call("POST", "/api/teams/tiny/rotas", json=WEEK, expect=202).json()  # other dates
    assert other["job_id"] != first["job_id"]
    for job in (first, other):
        service.call("DELETE", f"/api/jobs/{job['job_id']}", expect=200)
        service.wait_job(job["job_id"])
    after = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()  # ended: a new one
    assert after["job_id"] != first["job_id"]
    service.call("DELETE", f"/api/jobs/{after['job_id']}", expect=200)
    service.wait_job(after["job_id"])


def test_a_queued_job_is_cancelled_at_once(make_service: Any) -> None:
    service = make_service(solve_fn=patient_solve, job_workers=1)
    service.put_team()
    first = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()
    second = service.call("POST", "/api/teams/tiny/rotas", json=WEEK, expect=202).json()
    _wait_state(service, first["job_id"], "running")
    cancelled = service.call("DELETE", f"/api/jobs/{second['job_id']}", expect=200).json()
    assert cancelled["state"] == "cancelled" and cancelled["rota_id"] is None
    service.call("DELETE", f"/api/jobs/{first['job_id']}", expect=200)
    assert service.wait_job(first["job_id"])["state"] == "cancelled"
    assert service.wait_job(second["job_id"])["state"] == "cancelled"


def test_a_crashing_solve_fails_the_job_with_the_reason(make_service: Any) -> None:
    def crash(team: Any, start: Any, end: Any, params: Any) -> Any:
        raise RuntimeError("the solver fell over")

    service = make_service(solve_fn=crash)
    service.put_team()
    job = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()
    ended = service.wait_job(job["job_id"])
    assert ended["state"] == "failed" and ended["reason"] == "RuntimeError: the solver fell over"
    assert ended["rota_id"] is None and _count(service, Rota) == 0


def test_a_failure_while_storing_leaves_nothing_half_written(make_service: Any) -> None:
    def broken(team: Any, start: Any, end: Any, params: Any) -> Any:
        result = quick_result(team, start, end)
        first = result.duties[0]
        result.duties = [
            *result.duties,
            Duty(first.person, None, first.shift, first.role, first.start, first.end),
        ]
        return result

    service = make_service(solve_fn=broken)
    service.put_team()
    job = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()
    ended = service.wait_job(job["job_id"])
    assert ended["state"] == "failed" and ended["reason"]
    assert _count(service, Rota) == 0 and _count(service, Assignment) == 0


def test_an_infeasible_team_fails_with_the_solver_message(make_service: Any) -> None:
    def infeasible(team: Any, start: Any, end: Any, params: Any) -> Any:
        result = quick_result(team, start, end, status="infeasible")
        result.duties = []
        result.document.solver.message = "fixed shifts break min_rest"
        return result

    service = make_service(solve_fn=infeasible)
    service.put_team()
    job = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()
    ended = service.wait_job(job["job_id"])
    assert (ended["state"], ended["reason"]) == ("failed", "fixed shifts break min_rest")


def test_cancelling_the_real_solver_keeps_its_best_rota(service: Service) -> None:
    service.put_team()
    # two months: long enough that CP-SAT is still improving when the cancel arrives
    body = {"start": "2026-10-01", "end": "2026-11-30", "time_limit": 30}
    job = service.call("POST", "/api/teams/tiny/rotas", json=body, expect=202).json()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        seen = service.call("GET", f"/api/jobs/{job['job_id']}", "hr", expect=200).json()
        if seen["state"] not in ("queued", "running") or seen["progress"]["objective"] is not None:
            break
        time.sleep(0.05)
    asked = service.call("DELETE", f"/api/jobs/{job['job_id']}")
    ended = service.wait_job(job["job_id"])
    if asked.status_code == 409:  # it proved optimality first
        assert ended["state"] == "done"
    else:
        assert asked.status_code == 200 and ended["state"] == "cancelled"
        assert ended["finished_at"] is not None and ended["progress"]["elapsed"] < 25
    assert ended["rota_id"] is not None
    rota = service.call("GET", f"/api/rotas/{ended['rota_id']}", expect=200).json()
    assert rota["assignments"] and rota["period"] == {"start": "2026-10-01", "end": "2026-11-30"}


def test_a_server_shutdown_stops_jobs_and_keeps_the_best_rota(make_service: Any) -> None:
    service = make_service(solve_fn=patient_solve, job_workers=1)
    service.put_team()
    running = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()["job_id"]
    queued = service.call("POST", "/api/teams/tiny/rotas", json=WEEK, expect=202).json()["job_id"]
    _wait_state(service, running, "running")
    started = time.monotonic()
    service.client.__exit__(None, None, None)  # the lifespan ends: the runner shuts down
    assert time.monotonic() - started < 10
    with service.db.read() as session:
        first, second = session.get(Job, running), session.get(Job, queued)
        assert (first.state, first.rota_id is not None) == ("cancelled", True)
        assert first.reason == "the server shut down: stopped early, best rota kept"
        assert (second.state, second.rota_id) == ("cancelled", None)
        assert second.reason == "the server shut down before the solve started"


def test_a_solve_job_is_read_once_from_its_row() -> None:
    import dataclasses
    from datetime import date

    import pytest

    from rota.api.jobs import SolveJob

    params = {
        "start": "2027-02-01",
        "end": "2027-02-28",
        "time_limit": 5.0,
        "effort": 2.0,
        "seed": 3,
        "replan_of": "r1",
        "team_version": 2,
    }
    job = SolveJob.of(Job(id="j1", team_id="t1", params=params), attempt=1)
    assert job == SolveJob(
        id="j1",
        team_id="t1",
        start=date(2027, 2, 1),
        end=date(2027, 2, 28),
        time_limit=5.0,
        effort=2.0,
        seed=3,
        replan_of="r1",
        team_version=2,
        attempt=1,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.seed = 4  # type: ignore[misc]
    # a row from before seeds, re-plans and pinned versions: seed 0, no baseline, the current version
    old = SolveJob.of(
        Job(id="j2", team_id="t1", params={"start": "2027-02-01", "end": "2027-02-28", "time_limit": 5})
    )
    assert (old.seed, old.replan_of, old.team_version, old.attempt) == (0, None, None, None)
    assert old.effort == 10.0  # a row from before efforts: "normal"


def test_the_solve_child_preloads_no_database_code() -> None:
    """The forkserver preloads ``rota.api.jobs.child``: importing it must not pull in the runner, the models
    or SQLAlchemy (a heavier child would count them against its memory cap); the package's names still
    resolve when asked for."""
    import subprocess
    import sys

    probe = (
        "import sys, rota.api.jobs.child; print(sorted(m for m in ('sqlalchemy', 'rota.api.models', "
        "'rota.api.jobs.runner', 'rota.api.jobs.worker') if m in sys.modules)); "
        "from rota.api.jobs import JobRunner, SolveJob, ThreadPoolRunner; print(SolveJob.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "rota.api.jobs.worker"]


def test_the_effort_asked_reaches_the_solver_and_progress_shows_effort_and_seconds_left(
    make_service: Any,
) -> None:
    """Issue 22: ``effort`` (a name or units) is the job's, the solver gets it, and the job's progress
    says the effort spent and the wall seconds left until the time limit."""
    asked: list[Any] = []

    def solve_fn(team: Any, start: Any, end: Any, params: Any) -> Any:
        asked.append((params.effort, params.time_limit))
        result = quick_result(team, start, end)
        params.progress(
            Progress(
                objective=result.objective, bound=0, elapsed=0.05, gap_minutes=0, effort=1.5, seconds_left=40
            )
        )
        params.stop.wait(20)
        return result

    service = make_service(solve_fn=solve_fn)
    service.put_team()
    job = service.call(
        "POST", "/api/teams/tiny/rotas", json={"time_limit": 60, "effort": "quick"}, expect=202
    )
    job_id = job.json()["job_id"]
    running = _wait_state(service, job_id, "running")
    assert running["params"]["effort"] == 2.0
    assert running["progress"]["effort"] == 1.5
    assert 0 < running["progress"]["seconds_left"] <= 60
    assert asked == [(2.0, 60)]
    service.call("DELETE", f"/api/jobs/{job_id}", expect=200)
    ended = service.wait_job(job_id)
    assert ended["progress"]["seconds_left"] is None  # only a running job has a time limit ahead
    for bad in (0, -1, "lots"):
        body = service.call("POST", "/api/teams/tiny/rotas", json={"effort": bad}, expect=422).json()
        assert "effort" in str(body["detail"]), body
