"""Solve jobs: start one (generate or re-plan), follow its progress, stop it keeping the best rota."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from api.auth import PrincipalDep
from api.db import SessionDep, WriteSessionDep
from api.deps import RunnerDep, SettingsDep
from api.routes.teams import ERRORS
from api.schemas import JobAccepted, JobRead, RotaCreate
from api.services import solving

router = APIRouter(tags=["jobs"])


@router.post(
    "/api/teams/{team_id}/rotas",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobAccepted,
    responses=ERRORS,
)
def create_rota(
    team_id: str,
    body: RotaCreate,
    principal: PrincipalDep,
    session: WriteSessionDep,
    settings: SettingsDep,
    runner: RunnerDep,
    request: Request,
    response: Response,
) -> JobAccepted:
    """Queue a solve of the team for start..end; with ``replan_of``, keep as much of that rota as possible."""
    principal.require_lead(team_id)
    job = solving.submit_job(
        session=session,
        settings=settings,
        team_id=team_id,
        start=body.start,
        end=body.end,
        time_limit=body.time_limit,
        seed=body.seed,
        replan_of=body.replan_of,
    )
    runner.submit(job.id)
    url = str(request.url_for("get_job", job_id=job.id))
    response.headers["Location"] = url
    return JobAccepted(job_id=job.id, state=job.state, url=url)


@router.get("/api/jobs/{job_id}", response_model=JobRead, responses=ERRORS)
def get_job(job_id: str, principal: PrincipalDep, session: SessionDep) -> JobRead:
    """State, progress (best objective, bound, elapsed), the rota when done, the reason when failed."""
    job = solving.get_job(session=session, job_id=job_id)
    principal.require_manager(job.team_id)
    return JobRead.of(job)


@router.delete("/api/jobs/{job_id}", response_model=JobRead, responses={**ERRORS, 409: ERRORS[404]})
def cancel_job(job_id: str, principal: PrincipalDep, session: WriteSessionDep, runner: RunnerDep) -> JobRead:
    """Stop the solve; the best rota found so far is kept (the job ends ``cancelled`` with its rota id)."""
    job = solving.get_job(session=session, job_id=job_id)
    principal.require_lead(job.team_id)
    job = solving.cancel_job(session=session, job_id=job_id)
    runner.cancel(job_id)
    return JobRead.of(job)
