"""Issue 9, jobs: solves isolated in a child process and bounded, leases that never let a job lie,
failed final writes retried then reported, caps per team and per token, fair turns, input ranges."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from apikit import Service, quick_result, team_doc
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from test_jobs import _wait_state, patient_solve

from rota.api.db import utcnow
from rota.api.jobs import worker
from rota.api.jobs.child import ChildLimits, SolveFailed, solve_in_child
from rota.api.jobs.leases import expire_leases
from rota.api.models import Job, Rota, TeamRow
from rota.load import parse_team
from rota.solver import Progress


def _team() -> Any:
    return parse_team(team_doc())


# -- the child process ------------------------------------------------------------------------------
def test_a_child_solves_and_sends_progress_and_checkpoints() -> None:
    team, seen, kept = _team(), [], []
    options = {"time_limit": 2, "checkpoint_seconds": 0}
    result = solve_in_child(
        team,
        team.period.start,
        team.period.end,
        options,
        limits=ChildLimits(),
        stop=threading.Event(),
        on_progress=seen.append,
        on_rota=kept.append,
    )
    assert result.status in ("optimal", "feasible") and result.duties
    assert seen and kept and all(len(row) == 4 for row in kept[-1])  # (person, role, shift, date)
    assert os.getpid() != 0 and not multiprocessing.active_children()  # the child is gone


def test_a_stop_ends_the_child_within_a_second_keeping_the_best() -> None:
    team = parse_team(team_doc(period={"start": "2026-09-01", "end": "2026-11-30"}))
    stop, started = threading.Event(), []

    def progress(_: Any) -> None:
        if not started:
            started.append(time.monotonic())
            stop.set()

    result = solve_in_child(
        team,
        team.period.start,
        team.period.end,
        {"time_limit": 60},
        limits=ChildLimits(),
        stop=stop,
        on_progress=progress,
    )
    assert started and time.monotonic() - started[0] < 3  # a second to stop, slack for a busy machine
    assert result.status == "feasible" and result.duties


def test_a_child_over_its_memory_cap_fails_in_words() -> None:
    team = _team()
    with pytest.raises(SolveFailed, match="memory"):
        solve_in_child(
            team,
            team.period.start,
            team.period.end,
            {"time_limit": 5},
            limits=ChildLimits(memory_bytes=100 * 1024 * 1024, wall_seconds=30),
            stop=threading.Event(),
        )


def test_a_killed_child_fails_the_job_and_its_checkpoint_becomes_a_draft(make_service: Any) -> None:
    service = make_service(checkpoint_seconds=0.1)  # the real solver, in a child process
    service.put_team()
    body = {"start": "2026-09-01", "end": "2026-11-30", "time_limit": 60}
    job_id = service.call("POST", "/api/teams/tiny/rotas", json=body, expect=202).json()["job_id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with service.db.read() as session:
            if session.get(Job, job_id).checkpoint:
                break
        time.sleep(0.1)
    children = [p for p in multiprocessing.active_children() if p.name == "rota-solve"]
    assert children, "no solve process"
    os.kill(children[0].pid, signal.SIGKILL)
    ended = service.wait_job(job_id)
    assert ended["state"] == "failed" and "killed" in ended["reason"]
    assert ended["rota_id"] is not None and "kept as draft rota" in ended["reason"]
    rota = service.call("GET", f"/api/rotas/{ended['rota_id']}", expect=200).json()
    assert rota["state"] == "draft" and rota["assignments"]


# -- leases -------------------------------------------------------------------------------------------
def _running_job(service: Service, *, lease: timedelta, checkpoint: list | None = None) -> str:
    """A job row as a server that is now gone (or still alive) would have left it."""
    with service.db.write() as session:
        job = Job(
            id=f"job{time.monotonic_ns()}"[:32],
            team_id="tiny",
            kind="generate",
            state="running",
            params={
                "start": "2026-10-19",
                "end": "2026-10-30",
                "time_limit": 5,
                "seed": 0,
                "team_version": 1,
            },
            owner="elsewhere:1",
            lease_until=utcnow() + lease,
            checkpoint=checkpoint,
            started_at=utcnow(),
        )
        session.add(job)
        session.commit()
        return job.id


def test_an_expired_lease_fails_the_job_and_keeps_its_checkpoint(service: Service) -> None:
    service.put_team()
    rota = quick_result(_team(), *(_team().period.start, _team().period.end))
    rows = [[d.person, d.role, d.shift, d.date.isoformat()] for d in rota.duties]
    gone = _running_job(service, lease=timedelta(seconds=-5), checkpoint=rows)
    empty = _running_job(service, lease=timedelta(seconds=-5))
    alive = _running_job(service, lease=timedelta(minutes=5))
    assert expire_leases(service.db, service.client.app.state.settings) == 2
    with service.db.read() as session:
        first, second, third = (session.get(Job, i) for i in (gone, empty, alive))
        assert first.state == "failed" and "stopped answering" in first.reason
        assert first.rota_id is not None and session.get(Rota, first.rota_id).state == "draft"
        assert second.state == "failed" and second.rota_id is None
        assert third.state == "running"  # its server renews the lease: nobody touches it


def test_a_second_server_leaves_live_jobs_alone(make_service: Any) -> None:
    first = make_service(solve_fn=patient_solve)
    first.put_team()
    job_id = first.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()["job_id"]
    _wait_state(first, job_id, "running")
    second = make_service(solve_fn=patient_solve)  # starts on the same database
    assert second.call("GET", f"/api/jobs/{job_id}", "hr", expect=200).json()["state"] == "running"
    first.call("DELETE", f"/api/jobs/{job_id}", expect=200)
    assert first.wait_job(job_id)["state"] == "cancelled"


def test_cancelling_a_job_whose_server_is_gone_answers_in_words(service: Service) -> None:
    service.put_team()
    gone = _running_job(service, lease=timedelta(seconds=-5))
    body = service.call("DELETE", f"/api/jobs/{gone}", expect=409).json()
    assert "stopped answering" in body["detail"][0]["message"]
    assert service.call("GET", f"/api/jobs/{gone}", "hr", expect=200).json()["state"] == "failed"


# -- the final write ----------------------------------------------------------------------------------
def quick(team: Any, start: Any, end: Any, params: Any) -> Any:
    params.progress(Progress(objective=1, bound=0, elapsed=0.01, gap_minutes=0))
    return quick_result(team, start, end)


@pytest.mark.parametrize(("failures", "state"), [(1, "done"), (99, "failed")])
def test_a_failed_final_write_is_retried_then_reported(
    make_service: Any, monkeypatch: pytest.MonkeyPatch, failures: int, state: str
) -> None:
    real, calls = worker.store_rota, []

    def flaky(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= failures:
            raise OperationalError("INSERT", {}, Exception("database or disk is full"))
        return real(**kwargs)

    monkeypatch.setattr(worker, "store_rota", flaky)
    monkeypatch.setattr(worker, "STORE_FIRST_WAIT", 0.01)
    service = make_service(solve_fn=quick, store_retry_seconds=0.3)
    service.put_team()
    job_id = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()["job_id"]
    ended = service.wait_job(job_id)
    assert ended["state"] == state
    if state == "failed":  # retried with back-off for store_retry_seconds, then failed in words
        assert "could not be stored after" in ended["reason"]
        assert ended["reason"].endswith("the database's disk is full"), ended["reason"]
        assert len(calls) >= 4


# -- caps and fair turns --------------------------------------------------------------------------------
def test_solves_per_team_and_per_token_are_capped(make_service: Any) -> None:
    service = make_service(solve_fn=patient_solve, max_active_jobs_per_team=1, max_active_jobs_per_token=2)
    service.put_team()
    service.put_team("other", who="other_lead")
    first = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()["job_id"]
    week = {"start": "2026-10-19", "end": "2026-10-25"}  # other dates: the same dates get the running job
    refused = service.call("POST", "/api/teams/tiny/rotas", json=week, expect=429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert "already has 1 solves queued or running" in refused.json()["detail"][0]["message"]
    other = service.call("POST", "/api/teams/other/rotas", json={}, who="other_lead", expect=202).json()
    service.call("DELETE", f"/api/jobs/{first}", expect=200)
    service.wait_job(first)
    assert service.call("POST", "/api/teams/tiny/rotas", json=week, expect=202)  # room again
    service.call("DELETE", f"/api/jobs/{other['job_id']}", who="other_lead", expect=200)


def test_teams_take_turns(make_service: Any) -> None:
    order: list[str] = []

    def record(team: Any, start: Any, end: Any, params: Any) -> Any:
        order.append(team.team)
        time.sleep(0.2)
        return quick_result(team, start, end)

    service = make_service(
        solve_fn=record, job_workers=1, max_active_jobs_per_team=5, max_active_jobs_per_token=10
    )
    service.put_team()
    service.put_team("other", doc=team_doc(team="Other Desk"), who="other_lead")
    periods = [{"start": "2026-10-19", "end": f"2026-10-{end}"} for end in (28, 29, 30)]  # one per period
    ids = [
        service.call("POST", "/api/teams/tiny/rotas", json=p, expect=202).json()["job_id"] for p in periods
    ]
    ids.append(
        service.call("POST", "/api/teams/other/rotas", json={}, who="other_lead", expect=202).json()["job_id"]
    )
    for job_id in ids:
        service.wait_job(job_id, who="hr")
    assert order.index("Other Desk") <= 2  # not behind all of tiny's batch


# -- input ranges ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "url", "body", "path"),
    [
        ("GET", f"/api/rotas/{2**64}", None, "rota_id"),
        ("GET", f"/api/rotas/{2**64}.csv", None, "rota_id"),
        ("GET", "/api/jobs/" + "x" * 100, None, "job_id"),
        ("POST", "/api/teams/tiny/rotas", {"start": "0001-01-01", "end": "0001-01-31"}, "start"),
        ("POST", "/api/teams/tiny/rotas", {"start": "9999-12-25", "end": "9999-12-31"}, "start"),
        ("POST", "/api/teams/tiny/rotas", {"seed": 2**64}, "seed"),
        ("POST", "/api/teams/tiny/rotas", {"replan_of": 2**64}, "replan_of"),
        ("GET", "/api/teams/tiny/coverage?from=0001-01-01&to=0001-01-02", None, "from"),
        ("GET", "/api/teams/tiny?version=" + str(2**64), None, "version"),
    ],
)
def test_out_of_range_inputs_are_422_with_the_field(
    service: Service, method: str, url: str, body: Any, path: str
) -> None:
    service.put_team()
    answer = service.call(method, url, json=body, expect=422).json()
    assert answer["detail"][0]["path"] == path, answer


def test_a_team_over_the_people_cap_or_with_infinite_hours_is_refused(service: Service) -> None:
    people = [{"id": f"p{i}", "skills": ["desk"]} for i in range(10_000)]
    answer = service.call("PUT", "/api/teams/tiny", json=team_doc(people=people), expect=422).json()
    assert answer["detail"][0]["path"] == "people" and "ROTA_MAX_PEOPLE" in answer["detail"][0]["message"]
    doc = team_doc()
    doc["people"][0]["hours_per_week"] = float("inf")  # json.dumps writes Infinity, as a hostile client may
    answer = service.call(
        "PUT",
        "/api/teams/tiny",
        content=json.dumps(doc),
        expect=422,
        headers={"Content-Type": "application/json"},
    ).json()
    assert answer["detail"][0]["path"] == "people[0].hours_per_week", answer
    long_id = "a" * 65
    answer = service.call("PUT", f"/api/teams/{long_id}", json=team_doc(), expect=422).json()
    assert answer["detail"][0]["path"] == "team_id"
    with service.db.read() as session:  # nothing was stored
        assert session.scalar(select(func.count()).select_from(TeamRow)) == 0


def test_a_solve_over_the_model_cap_is_refused_before_it_starts(make_service: Any) -> None:
    service = make_service(solve_fn=patient_solve, max_duty_variables=10)
    service.put_team()
    answer = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=422).json()
    assert "ROTA_MAX_DUTY_VARIABLES" in answer["detail"][0]["message"]


def test_concurrent_puts_creating_one_team_all_succeed(service: Service) -> None:
    answers: list[int] = []

    def put() -> None:
        answers.append(service.call("PUT", "/api/teams/other", "other_lead", json=team_doc()).status_code)

    threads = [threading.Thread(target=put) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 200, 200, 201]
    with service.db.read() as session:  # one team, one version: the same document is no new version
        assert session.get(TeamRow, "other").current_version == 1


def test_a_stalled_worker_whose_job_was_taken_over_writes_nothing(make_service: Any) -> None:
    """The start number fences a job's writes: once another worker has taken the job over, the old
    holder's heartbeat stops its solve and its final write stores nothing."""
    service = make_service(solve_fn=patient_solve, job_lease_seconds=1.5)
    service.put_team()
    job_id = service.call("POST", "/api/teams/tiny/rotas", json={}, expect=202).json()["job_id"]
    _wait_state(service, job_id, "running")
    with service.db.write() as session:  # what a takeover by another worker writes
        session.execute(
            update(Job).where(Job.id == job_id).values(attempts=Job.attempts + 1, owner="worker-b")
        )
        session.commit()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with service.db.read() as session:
            job = session.get(Job, job_id)
            if job.owner == "worker-b" and job.lease_until < utcnow():
                break  # nobody renews it for worker-b: the old holder stopped writing
        time.sleep(0.2)
    time.sleep(1)  # the old holder's solve has stopped and tried its final write
    with service.db.read() as session:
        job = session.get(Job, job_id)
        assert (job.owner, job.rota_id) == ("worker-b", None)
        # still worker-b's, or failed by a sweeper because worker-b never renewed: never the old outcome
        assert job.state == "running" or (job.state == "failed" and "worker-b" in job.reason)
        assert session.scalar(select(func.count()).select_from(Rota)) == 0
