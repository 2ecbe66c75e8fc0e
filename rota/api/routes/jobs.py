"""Solve jobs: start one (generate or re-plan), follow its progress, stop it keeping the best rota."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response, status

from rota.api.auth import Principal, PrincipalDep
from rota.api.db import SessionDep, WriteSessionDep
from rota.api.deps import JobIdPath, LeadOfTeamDep, RunnerDep, SettingsDep, TeamIdPath
from rota.api.errors import NotFound
from rota.api.jobs import submit
from rota.api.jobs.leases import fail_job_in
from rota.api.models import Job
from rota.api.routes.common import ERRORS, job_accepted
from rota.api.schemas import JobAccepted, JobRead, RotaCreate
from rota.api.services import teams

router = APIRouter(tags=["jobs"])


@router.post(
    "/api/teams/{team_id}/rotas",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobAccepted,
    responses={
        **ERRORS,
        200: {
            "model": JobAccepted,
            "description": "a solve of the same team and dates is "
            "already queued or running: that job, and no second one",
        },
    },
)
def create_rota(
    team_id: TeamIdPath,
    principal: LeadOfTeamDep,  # before the body: 403 to a stranger, whatever the body
    body: RotaCreate,
    session: WriteSessionDep,
    settings: SettingsDep,
    runner: RunnerDep,
    request: Request,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            pattern=r"^[\x21-\x7e]+$",
            description="a key of the client's choosing (a UUID): a retried request with the same key from "
            "the same token gets the same job back and starts no second solve",
        ),
    ] = None,
) -> JobAccepted:
    """Queue a solve of the team for start..end; with ``replan_of``, keep as much of that rota as possible.

    With ``Idempotency-Key``, a retry (same token, same key) answers 202 with the same job; a key used
    for a different request answers 409. While a solve of the same team and dates is queued or running,
    the answer is 200 with that job (``running: true``), and no second solve starts."""
    replay = (
        idempotency_key is not None
        and submit.keyed_job(session, principal.token_id, idempotency_key) is not None
    )
    try:
        job = submit.submit_job(
            session=session,
            settings=settings,
            team_id=team_id,
            start=body.start,
            end=body.end,
            time_limit=body.time_limit,
            effort=body.effort,
            seed=body.seed,
            replan_of=body.replan_of,
            token_id=principal.token_id,
            owner=runner.owner,
            idempotency_key=idempotency_key,
        )
    except submit.SolveRunning as running:
        return job_accepted(request, response, running.job, running=True)
    if replay:
        response.headers["Idempotent-Replayed"] = "true"
    else:
        runner.submit(job.id, team_id)
    return job_accepted(request, response, job)


def visible_job(session: Any, principal: Principal, job_id: str) -> Job:
    """The job, if the caller may follow it (hr, a lead of its team); another team's job answers as one
    that does not exist (the same 404 and body)."""
    job = submit.get_job(session=session, job_id=job_id)
    if not principal.manages(job.team_id):
        raise NotFound(f"no job {job_id}", "job_id")
    return job


@router.get("/api/teams/{team_id}/jobs", response_model=list[JobRead], responses=ERRORS)
def list_active_jobs(team_id: TeamIdPath, principal: PrincipalDep, session: SessionDep) -> list[JobRead]:
    """The team's solves still queued or running, newest first (as its team page lists them)."""
    teams.managed_team(session=session, principal=principal, team_id=team_id)
    return [JobRead.of(j) for j in submit.active_jobs(session=session, team_id=team_id)]


@router.get("/api/jobs/{job_id}", response_model=JobRead, responses=ERRORS)
def get_job(job_id: JobIdPath, principal: PrincipalDep, session: SessionDep) -> JobRead:
    """State, progress (best objective, bound, elapsed), the rota when done, the reason when failed."""
    return JobRead.of(visible_job(session, principal, job_id))


@router.delete("/api/jobs/{job_id}", response_model=JobRead, responses={**ERRORS, 409: ERRORS[404]})
def cancel_job(
    job_id: JobIdPath,
    principal: PrincipalDep,
    session: WriteSessionDep,
    runner: RunnerDep,
    settings: SettingsDep,
    request: Request,
) -> JobRead:
    """Stop the solve; the best rota found so far is kept (the job ends ``cancelled`` with its rota id).
    A job whose server stopped answering (its lease ran out) is failed instead: 409 says so."""
    job = visible_job(session, principal, job_id)
    principal.require_lead(job.team_id)
    if fail_job_in(session, settings, job_id, None):  # only if its lease ran out
        session.expire_all()
    job = submit.cancel_job(session=session, job_id=job_id)
    runner.cancel(job_id)
    return JobRead.of(job)
