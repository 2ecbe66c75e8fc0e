"""Solve jobs: queue a generate or re-plan, follow it, cancel it; what a re-plan changed."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from api.db import utcnow
from api.errors import Conflict, Invalid, NotFound
from api.models import Job
from api.services.rotas import get_rota, horizon_team
from api.services.teams import current_document, get_team
from api.settings import Settings
from rota.records import Duty

MAX_DAYS = 366
ACTIVE = ("queued", "running")


def submit_job(
    *,
    session: Session,
    settings: Settings,
    team_id: str,
    start: date | None = None,
    end: date | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    replan_of: int | None = None,
) -> Job:
    """Check the request and queue a solve of the team's current version; 422 names what is wrong."""
    team_row = get_team(session=session, team_id=team_id)
    if replan_of is not None:
        try:
            base = get_rota(session=session, rota_id=replan_of)
        except NotFound:
            raise NotFound(f"no rota {replan_of} to re-plan", "replan_of") from None
        if base.team_id != team_id:
            raise Invalid(f'rota {replan_of} belongs to team "{base.team_id}", not "{team_id}"', "replan_of")
        start, end = start or base.start, end or base.end
    if (start is None) != (end is None):
        missing = "end" if end is None else "start"
        raise Invalid(f"give {missing} too (YYYY-MM-DD), or neither for the team file's period", missing)
    if start is None or end is None:
        period = current_document(session=session, team_id=team_id).get("period") or {}
        if not period:
            raise Invalid(
                "give start and end (YYYY-MM-DD): the team file has no period",
                "start" if start is None else "end",
            )
        start = start or date.fromisoformat(period["start"])
        end = end or date.fromisoformat(period["end"])
    if end < start:
        raise Invalid(f"end {end} is before start {start}", "end")
    if (end - start).days >= MAX_DAYS:
        raise Invalid(f"a rota spans at most {MAX_DAYS} days", "end")
    limit = settings.time_limit if time_limit is None else time_limit
    if not 0 < limit <= settings.max_time_limit:
        raise Invalid(
            f"time_limit must be above 0 and at most {settings.max_time_limit} seconds", "time_limit"
        )
    horizon_team(session=session, team_id=team_id, start=start, end=end, history_days=settings.history_days)
    job = Job(
        id=uuid.uuid4().hex,
        team_id=team_id,
        kind="replan" if replan_of else "generate",
        state="queued",
        params={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "time_limit": limit,
            "seed": seed,
            "replan_of": replan_of,
            "team_version": team_row.current_version,
        },
    )
    session.add(job)
    session.commit()
    return job


def get_job(*, session: Session, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}", "job_id")
    return job


def cancel_job(*, session: Session, job_id: str) -> Job:
    """A queued job is cancelled at once; a running one is asked to stop and keeps its best rota."""
    job = get_job(session=session, job_id=job_id)
    if job.state not in ACTIVE:
        raise Conflict(f"job {job_id} is already {job.state}", "state")
    now = utcnow()
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "queued")
        .values(
            state="cancelled", cancel_requested=True, finished_at=now, reason="cancelled before it started"
        )
    )
    session.execute(update(Job).where(Job.id == job_id, Job.state == "running").values(cancel_requested=True))
    session.commit()
    session.refresh(job)
    return job


def fail_orphans(*, session: Session) -> int:
    """Jobs left queued or running by a stopped server are failed (their solve is gone)."""
    result = session.execute(
        update(Job)
        .where(Job.state.in_(ACTIVE))
        .values(state="failed", reason="the server stopped before the solve finished", finished_at=utcnow())
    )
    session.commit()
    return result.rowcount or 0


def diff(baseline: list[Duty], duties: list[Duty]) -> dict[str, Any]:
    """What re-planning changed: assignments removed from and added to the baseline."""

    def key(d: Duty) -> tuple[str, str, str, str]:
        return d.person, d.role, d.shift, d.date.isoformat()

    before, after = {key(d) for d in baseline}, {key(d) for d in duties}
    fields = ("person", "role", "shift", "date")
    return {
        "count": len(before ^ after),
        "kept": len(before & after),
        "removed": [dict(zip(fields, k, strict=True)) for k in sorted(before - after)],
        "added": [dict(zip(fields, k, strict=True)) for k in sorted(after - before)],
    }
