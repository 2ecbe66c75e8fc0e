"""Running a solve job: progress written as it comes, a stop keeps the best rota, one write at the end."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.db import Database, utcnow
from api.models import Job
from api.services.rotas import get_rota, horizon_team, store_rota, team_duties
from api.services.solving import diff, get_job
from api.settings import Settings
from rota.calendar import Calendar

log = logging.getLogger(__name__)
SolveFn = Callable[..., Any]


class _Heartbeat(threading.Thread):
    """Writes the solver's latest progress to the job twice a second and passes a cancel request on."""

    def __init__(self, db: Database, job_id: str, stop: threading.Event, interval: float = 0.5):
        super().__init__(name=f"job-{job_id[:8]}", daemon=True)
        self.db, self.job_id, self.stop, self.interval = db, job_id, stop, interval
        self.latest: Any = None
        self._written: Any = None
        self.done = threading.Event()

    def report(self, progress: Any) -> None:
        self.latest = progress

    def run(self) -> None:
        while not self.done.wait(self.interval):
            try:
                self.flush()
            except Exception:  # a busy database must not kill the solve
                log.exception("job %s: progress not written", self.job_id)

    def flush(self) -> None:
        """Write new progress (a write transaction only then) and read the cancel flag."""
        p = self.latest
        fresh = p is not None and p is not self._written
        with self.db.write() if fresh else self.db.read() as session:
            if fresh:
                session.execute(update(Job).where(Job.id == self.job_id).values(**progress_values(p)))
                self._written = p
            cancel = session.scalar(select(Job.cancel_requested).where(Job.id == self.job_id))
            if fresh:
                session.commit()
        if cancel:
            self.stop.set()


def progress_values(p: Any) -> dict[str, Any]:
    return {
        "objective": p.objective,
        "bound": p.bound,
        "elapsed": round(p.elapsed, 3),
        "gap_minutes": p.gap_minutes,
    }


def run_job(
    db: Database, job_id: str, stop: threading.Event, *, settings: Settings, solve_fn: SolveFn | None = None
) -> None:
    """Run a queued job to its end: done with a rota, cancelled (best rota kept) or failed with the reason."""
    with db.write() as session:
        job = session.get(Job, job_id)
        if job is None or job.state != "queued":
            return
        job.state, job.started_at = "running", utcnow()
        session.commit()
    heartbeat = _Heartbeat(db, job_id, stop)
    try:
        _solve_and_store(db, job_id, stop, heartbeat, settings, solve_fn)
    except Exception as exc:
        log.exception("job %s failed", job_id)
        _finish(db, job_id, "failed", reason=f"{type(exc).__name__}: {exc}")
    finally:
        heartbeat.done.set()


def _solve_and_store(
    db: Database,
    job_id: str,
    stop: threading.Event,
    heartbeat: _Heartbeat,
    settings: Settings,
    solve_fn: SolveFn | None,
) -> None:
    if solve_fn is None:
        from solver import solve as solve_fn
    from solver import SolveParams

    with db.read() as session:
        job = get_job(session=session, job_id=job_id)
        params, team_id = dict(job.params), job.team_id
        start, end = date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
        team, version = horizon_team(
            session=session,
            team_id=team_id,
            start=start,
            end=end,
            history_days=settings.history_days,
            version=params.get("team_version"),
        )
        cal = Calendar(team, start, end)
        baseline = None
        if params.get("replan_of"):
            rows = get_rota(session=session, rota_id=params["replan_of"]).assignments
            keys = [(r.person, r.role, r.shift, r.date) for r in rows if start <= r.date <= end]
            baseline = team_duties(cal, keys)
    heartbeat.start()
    result = solve_fn(
        team,
        start,
        end,
        SolveParams(
            time_limit=params["time_limit"],
            workers=settings.solver_workers,
            seed=params.get("seed", 0),
            deterministic=settings.solver_mode == "deterministic",
            progress=heartbeat.report,
            stop=stop,
            baseline=baseline,
        ),
    )
    heartbeat.done.set()
    status = str(getattr(result.status, "value", result.status))
    document = result.document.to_json()
    with db.write() as session:
        cancelled = bool(session.scalar(select(Job.cancel_requested).where(Job.id == job_id)))
        if status in ("infeasible", "invalid"):
            message = (document.get("solver") or {}).get("message") or f"the solver found no rota ({status})"
            _finish(db, job_id, "cancelled" if cancelled else "failed", reason=message, session=session)
            return
        changes = diff(baseline, result.duties) if baseline is not None else None
        rota = store_rota(
            session=session,
            team_id=team_id,
            team_version=version,
            start=start,
            end=end,
            document=document,
            duties=result.duties,
            job_id=job_id,
            replan_of=params.get("replan_of"),
            changes=changes,
        )
        final = {"objective": result.objective, "bound": result.bound, "elapsed": round(result.seconds, 3)}
        gaps = (result.terms.gap_core + result.terms.gap_other) if result.terms is not None else None
        _finish(
            db,
            job_id,
            "cancelled" if cancelled else "done",
            rota_id=rota.id,
            session=session,
            gap_minutes=gaps,
            **final,
        )


def _finish(db: Database, job_id: str, state: str, *, session: Session | None = None, **values: Any) -> None:
    """Set the job's final state in ``session`` (committing it with whatever it holds) or a new one."""
    if session is None:
        with db.write() as own:
            _finish(db, job_id, state, session=own, **values)
        return
    session.execute(update(Job).where(Job.id == job_id).values(state=state, finished_at=utcnow(), **values))
    session.commit()
