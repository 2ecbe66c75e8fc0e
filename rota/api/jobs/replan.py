"""Start a re-plan of a published rota from a sick call (the Re-plan form and its API twin)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from rota.api.jobs.submit import submit_job
from rota.api.models import Job
from rota.api.services import replan
from rota.api.services.rotas import get_rota
from rota.api.settings import Settings


def submit_sick_call(
    *,
    session: Session,
    settings: Settings,
    rota_id: int,
    call: replan.SickCall,
    today: date,
    time_limit: float | None = None,
    token_id: int | None = None,
    owner: str | None = None,
) -> Job:
    """Record the absence in the team file (a new version) and queue the minimal-change solve of the dates
    to re-plan against what staff will see (the pending change set, else the published rota), in one
    transaction: a refused solve (422, 429) leaves the team file as it was. ``submit.SolveRunning`` when a
    solve of the same dates is running (the absence is not recorded then either)."""
    rota = get_rota(session=session, rota_id=rota_id)
    base = replan.base_for(session, rota)
    start, end = replan.plan_range(base, call, replan.recent_day(today, base) if call.first is None else None)
    replan.record_absence(session=session, team_id=rota.team_id, call=call, max_people=settings.max_people)
    return submit_job(
        session=session,
        settings=settings,
        team_id=rota.team_id,
        start=start,
        end=end,
        time_limit=time_limit,
        replan_of=base.id,
        token_id=token_id,
        owner=owner,
    )
