"""Solve jobs: queue a generate or re-plan, follow it, cancel it; what a re-plan changed."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rota.api.db import utcnow
from rota.api.errors import Conflict, Invalid, NotFound, TooManyRequests
from rota.api.models import Job
from rota.api.services.locks import lock_team
from rota.api.services.rotas import get_rota, horizon_team
from rota.api.services.teams import current_document, get_team
from rota.api.settings import Settings

MAX_DAYS = 366
ACTIVE = ("queued", "running")


class SolveRunning(Exception):
    """A solve of the same team and period is already queued or running: ``job`` is that one."""

    def __init__(self, job: Job):
        super().__init__(f"job {job.id} already solves {job.params['start']} to {job.params['end']}")
        self.job = job


def running_job(session: Session, team_id: str, start: date, end: date) -> Job | None:
    """The team's solve of exactly ``start``..``end`` still queued or running, if any (the oldest)."""
    query = select(Job).where(Job.team_id == team_id, Job.state.in_(ACTIVE))
    for job in session.scalars(query.order_by(Job.created_at)):
        if job.params.get("start") == start.isoformat() and job.params.get("end") == end.isoformat():
            return job
    return None


def active_jobs(*, session: Session, team_id: str) -> list[Job]:
    """The team's solves still queued or running, newest first."""
    query = select(Job).where(Job.team_id == team_id, Job.state.in_(ACTIVE))
    return list(session.scalars(query.order_by(Job.created_at.desc())))


def submit_job(
    *,
    session: Session,
    settings: Settings,
    team_id: str,
    start: date | None = None,
    end: date | None = None,
    time_limit: float | None = None,
    effort: float | str | None = None,
    seed: int = 0,
    replan_of: int | None = None,
    token_id: int | None = None,
    owner: str | None = None,
    idempotency_key: str | None = None,
) -> Job:
    """Check the request and queue a solve of the team's current version; 422 names what is wrong,
    429 a cap on queued and running solves (per team, per token).

    With ``idempotency_key``: the job this token already started with that key, whatever its state, is
    returned instead of a new one (409 when the key was used for a different request); two requests
    racing with the same key get one job (a unique key on token and key).

    One solve per team and period: when one of the same dates is queued or running, ``SolveRunning``
    carries it and nothing new is queued (the team's row lock makes two racing requests queue one)."""
    team_row = get_team(session=session, team_id=team_id)
    given = {
        "start": start,
        "end": end,
        "time_limit": time_limit,
        "effort": None if effort is None else _effort(effort),
        "seed": seed,
        "replan_of": replan_of,
    }
    if idempotency_key is not None:
        existing = keyed_job(session, token_id, idempotency_key)
        if existing is not None:
            return _same_request(existing, team_id, given)
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
    lock_team(session, team_id)  # held to commit: a second request for the period waits, then finds this one
    if idempotency_key is not None:  # a retry that waited on the lock: the job its first try started
        existing = keyed_job(session, token_id, idempotency_key)
        if existing is not None:
            return _same_request(existing, team_id, given)
    same = running_job(session, team_id, start, end)
    if same is not None:
        session.rollback()
        raise SolveRunning(same)
    _check_caps(session=session, settings=settings, team_id=team_id, token_id=token_id)
    limit = settings.time_limit if time_limit is None else time_limit
    if not 0 < limit <= settings.max_time_limit:
        raise Invalid(
            f"time_limit must be above 0 and at most {settings.max_time_limit} seconds", "time_limit"
        )
    units = _effort(settings.effort if effort is None else effort)
    team, _ = horizon_team(
        session=session, team_id=team_id, start=start, end=end, history_days=settings.history_days
    )
    choices = model_size(team, start, end)
    if choices > settings.max_duty_variables:
        raise Invalid(
            f"this solve would weigh {choices:,} (person, role, shift, date) choices; the most a solve may "
            f"build is {settings.max_duty_variables:,} (the ROTA_MAX_DUTY_VARIABLES setting): solve a "
            "shorter period, or split the team",
            "end",
        )
    job = Job(
        id=uuid.uuid4().hex,
        team_id=team_id,
        kind="replan" if replan_of else "generate",
        state="queued",
        params={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "time_limit": limit,
            "effort": units,
            "seed": seed,
            "replan_of": replan_of,
            "team_version": team_row.current_version,
        },
        token_id=token_id,
        owner=owner or f"{socket.gethostname()[:30]}:{os.getpid()}",
        # on the celery backend the queue holds a queued job: no worker renews it until one starts it
        lease_until=utcnow()
        + timedelta(
            seconds=settings.job_queue_seconds
            if settings.job_backend == "celery"
            else settings.job_lease_seconds
        ),
        idempotency_key=idempotency_key,
    )
    session.add(job)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = keyed_job(session, token_id, idempotency_key) if idempotency_key is not None else None
        if existing is None:
            raise
        return _same_request(existing, team_id, given)  # the same key raced in: one job
    return job


def _effort(effort: float | str) -> float:
    """The effort in deterministic units (``rota.solver.params.EFFORTS``); 422 on a bad one."""
    from rota.solver.params import parse_effort

    try:
        return parse_effort(effort)
    except ValueError as exc:
        raise Invalid(str(exc), "effort") from None


def keyed_job(session: Session, token_id: int | None, key: str) -> Job | None:
    """The job this token started with this Idempotency-Key, if any."""
    owner = Job.token_id.is_(None) if token_id is None else Job.token_id == token_id
    return session.scalars(select(Job).where(owner, Job.idempotency_key == key)).first()


def _same_request(job: Job, team_id: str, given: dict[str, Any]) -> Job:
    """``job`` when the retried request asks what it asked (each value given then is the same); else 409."""
    params = job.params
    same = job.team_id == team_id and all(
        value is None or str(params.get(name)) == str(value.isoformat() if isinstance(value, date) else value)
        for name, value in given.items()
        if name not in ("time_limit", "effort")
    )
    for name in ("time_limit", "effort"):
        if same and given[name] is not None:
            same = float(params.get(name, 0)) == float(given[name])
    if not same:
        raise Conflict(
            f"this Idempotency-Key was used for another request (job {job.id}, team "
            f'"{job.team_id}"): send a new key for a new request',
            "idempotency-key",
        )
    return job


def _check_caps(*, session: Session, settings: Settings, team_id: str, token_id: int | None) -> None:
    """429 when the team, or the token, already has as many solves queued or running as allowed."""
    active = select(func.count()).select_from(Job).where(Job.state.in_(ACTIVE))
    retry = int(min(settings.time_limit, settings.max_time_limit)) or 30
    caps = [
        (
            Job.team_id == team_id,
            settings.max_active_jobs_per_team,
            f'team "{team_id}"',
            "ROTA_MAX_ACTIVE_JOBS_PER_TEAM",
            "team_id",
        )
    ]
    if token_id is not None:
        caps.append(
            (
                Job.token_id == token_id,
                settings.max_active_jobs_per_token,
                "this token",
                "ROTA_MAX_ACTIVE_JOBS_PER_TOKEN",
                "authorization",
            )
        )
    for whose, most, who, setting, path in caps:
        count = session.scalar(active.where(whose)) or 0
        if count >= most:
            raise TooManyRequests(
                f"{who} already has {count} solves queued or running (at most {most}, {setting}): wait "
                "for one to end or cancel one, then try again",
                path,
                retry_after=retry,
            )


def model_size(team: Any, start: date, end: date) -> int:
    """An upper bound on the solver's duty variables: each offered (date, shift) times the people
    holding the skills of each role it is offered in (working days and leave not subtracted)."""
    from rota.calendar import Calendar
    from rota.objective import eligible

    cal = Calendar(team, start, end)
    holders = {role: len(eligible(cal, role)) for role in team.roles}
    return sum(holders[role] for roles in cal.offered.values() for role in roles)


def get_job(*, session: Session, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}", "job_id")
    return job


def cancel_job(*, session: Session, job_id: str) -> Job:
    """A queued job is cancelled at once; a running one is asked to stop and keeps its best rota."""
    job = get_job(session=session, job_id=job_id)
    if job.state not in ACTIVE:
        why = f": {job.reason}" if job.state == "failed" and job.reason else ""
        raise Conflict(f"job {job_id} is already {job.state}{why}", "state")
    now = utcnow()
    queued = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == "queued")
        .values(
            state="cancelled", cancel_requested=True, finished_at=now, reason="cancelled before it started"
        )
    )
    running = session.execute(
        update(Job).where(Job.id == job_id, Job.state == "running").values(cancel_requested=True)
    )
    if not queued.rowcount and not running.rowcount:  # it ended after it was read: say how
        session.rollback()
        session.refresh(job)
        raise Conflict(f"job {job_id} is already {job.state}", "state")
    session.commit()
    session.refresh(job)
    return job
