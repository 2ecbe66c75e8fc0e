"""Job leases: a server renews the jobs it holds; a job whose lease has run out lost its server, and
whoever notices first fails it with the true reason, keeping its last checkpoint as a rota."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from rota.api.db import Database, utcnow
from rota.api.models import Job
from rota.api.services.rotas import horizon_team, store_rota, team_duties
from rota.api.settings import Settings

log = logging.getLogger(__name__)
ACTIVE = ("queued", "running")


def renew_leases(db: Database, job_ids: list[str], owner: str, seconds: float) -> None:
    """Push the lease of these active jobs ``seconds`` ahead (only those this owner holds)."""
    if not job_ids:
        return
    with db.write() as session:
        session.execute(
            update(Job)
            .where(Job.id.in_(job_ids), Job.owner == owner, Job.state.in_(ACTIVE))
            .values(lease_until=utcnow() + timedelta(seconds=seconds))
        )
        session.commit()


def expire_leases(db: Database, settings: Settings) -> int:
    """Fail every active job whose lease has expired (a job without a lease counts from its start);
    its checkpoint, if any, becomes a draft rota. The number of jobs failed."""
    now = utcnow()
    grace = now - timedelta(seconds=settings.job_lease_seconds)
    with db.read() as session:
        ids = list(
            session.scalars(
                select(Job.id).where(
                    Job.state.in_(ACTIVE),
                    or_(Job.lease_until < now, Job.lease_until.is_(None) & (Job.created_at < grace)),
                )
            )
        )
    return sum(_expire(db, settings, job_id, now) for job_id in ids)


def _expire(db: Database, settings: Settings, job_id: str, now: Any) -> bool:
    return fail_job(db, settings, job_id, None, now=now)


def fail_job(
    db: Database,
    settings: Settings,
    job_id: str,
    reason: str | None,
    *,
    now: Any = None,
    attempt: int | None = None,
) -> bool:
    """Fail an active job, its checkpoint (if any) kept as a draft rota. ``reason`` None: only if its
    lease has run out, saying so; ``attempt``: only while that start still holds it. Whether this call
    failed it."""
    with db.write() as session:
        if attempt is not None and session.scalar(select(Job.attempts).where(Job.id == job_id)) != attempt:
            return False  # another worker took it over: its outcome is that worker's to write
        return fail_job_in(session, settings, job_id, reason, now=now)


def fail_job_in(
    session: Any, settings: Settings, job_id: str, reason: str | None, *, now: Any = None
) -> bool:
    """``fail_job`` in the caller's write session (committed here)."""
    now = now or utcnow()
    job = session.get(Job, job_id)
    if job is None or job.state not in ACTIVE:
        return False
    expired = job.lease_until < now if job.lease_until is not None else True
    if reason is None and not expired:
        return False  # renewed, or another server got there first
    rota_id = None
    if job.checkpoint:
        try:
            rota_id = _store_checkpoint(session, settings, job)
        except Exception:  # the reason still says what happened
            log.exception("job %s: checkpoint not stored", job_id)
    kept = f"; the best rota found by then is kept as draft rota {rota_id}" if rota_id else ""
    if reason is None:
        when = job.lease_until.isoformat(timespec="seconds") if job.lease_until else "its start"
        reason = (
            f"the server running it ({job.owner or 'unknown'}) stopped answering (lease ran out at {when})"
        )
        log.warning("job %s failed: its lease ran out", job_id)
    done = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state.in_(ACTIVE))
        .values(state="failed", finished_at=now, rota_id=rota_id, reason=reason + kept)
    )
    session.commit()
    return bool(done.rowcount)


def _store_checkpoint(session: Any, settings: Settings, job: Job) -> int:
    """The checkpoint of ``job`` stored as a draft rota (it keeps every hard rule: a solver solution)."""
    from rota.calendar import Calendar
    from rota.solver.result import rota_document

    params = dict(job.params)
    start, end = date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
    team, version = horizon_team(
        session=session,
        team_id=job.team_id,
        start=start,
        end=end,
        history_days=settings.history_days,
        version=params.get("team_version"),
    )
    cal = Calendar(team, start, end)
    keys = [(p, r, s, date.fromisoformat(d)) for p, r, s, d in job.checkpoint or []]
    duties = team_duties(cal, keys)
    document, _ = rota_document(
        cal,
        duties,
        {
            "status": "feasible",
            "message": "recovered from the last checkpoint: the solve's server stopped",
            "seed": params.get("seed", 0),
            "time_limit": params.get("time_limit"),
        },
    )
    rota = store_rota(
        session=session,
        team_id=job.team_id,
        team_version=version,
        start=start,
        end=end,
        document=document.to_json(),
        duties=duties,
        job_id=job.id,
        replan_of=params.get("replan_of"),
        changes=None,
    )
    return rota.id
