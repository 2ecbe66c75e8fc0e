"""Running a solve job: progress written as it comes, a stop keeps the best rota, one write at the end."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from rota.api.db import Database, database_fault, utcnow
from rota.api.jobs.submit import get_job
from rota.api.models import Job
from rota.api.services.rotas import diff, get_rota, horizon_team, store_rota, team_duties
from rota.api.settings import Settings
from rota.calendar import Calendar

log = logging.getLogger(__name__)
SolveFn = Callable[..., Any]


@dataclass(frozen=True)
class SolveJob:
    """What one start of a solve job works from, read once from its row: the team and version, the
    period, the solver's options, the rota it re-plans, and the start this process holds."""

    id: str
    team_id: str
    start: date
    end: date
    time_limit: float
    effort: float
    seed: int
    replan_of: str | None
    team_version: int | None  # the team file's version: the one asked for; once read, the one solved
    attempt: int | None = None  # the start this process holds: the fence of its writes (None: no fence)

    @classmethod
    def of(cls, job: Job, attempt: int | None = None) -> SolveJob:
        params = job.params
        return cls(
            id=job.id,
            team_id=job.team_id,
            start=date.fromisoformat(params["start"]),
            end=date.fromisoformat(params["end"]),
            time_limit=params["time_limit"],
            effort=params.get("effort", NORMAL_EFFORT),  # jobs queued before efforts existed
            seed=params.get("seed", 0),
            replan_of=params.get("replan_of"),
            team_version=params.get("team_version"),
            attempt=attempt,
        )


class _Heartbeat(threading.Thread):
    """Writes the solver's latest progress to the job twice a second and passes a cancel request on."""

    def __init__(
        self,
        db: Database,
        job_id: str,
        stop: threading.Event,
        interval: float = 0.5,
        lease_seconds: float = 30.0,
        attempt: int | None = None,
    ):
        super().__init__(name=f"job-{job_id[:8]}", daemon=True)
        self.db, self.job_id, self.stop, self.interval = db, job_id, stop, interval
        self.attempt = attempt  # the start this process holds: a fence against a worker that took over
        self.lost = False
        self.gone: str | None = None  # why the solve was stopped: the database stopped answering
        self.lease_seconds = lease_seconds
        self._renewed = time.monotonic()
        self.latest: Any = None
        self._written: Any = None
        self.rota: list[Any] | None = None  # the best rota so far: [person, role, shift, date] rows
        self._rota_written: list[Any] | None = None
        self.done = threading.Event()

    def report(self, progress: Any) -> None:
        self.latest = progress

    def keep(self, rows: list[Any]) -> None:
        self.rota = rows

    def run(self) -> None:
        failing_since: float | None = None
        while not self.done.wait(self.interval):
            try:
                self.flush()
                failing_since = None
            except Exception as exc:  # a busy database must not kill the solve
                now = time.monotonic()
                if failing_since is None:
                    failing_since = now
                    log.exception("job %s: progress not written", self.job_id)
                fault = database_fault(exc)
                gone = fault is not None and fault.kind == "unreachable"
                if gone and now - failing_since >= self.lease_seconds:
                    # its lease ran out meanwhile: the solve stops rather than burn a core for nothing;
                    # its best rota is stored if the database comes back (the final write's retries)
                    self.gone = f"the database stopped answering for {now - failing_since:.0f} s"
                    log.error("job %s: %s: the solve stops", self.job_id, self.gone)
                    self.stop.set()
                    return

    def flush(self) -> None:
        """Write new progress (a write transaction only then) and read the cancel flag."""
        p, rota = self.latest, self.rota
        new_rota = rota is not None and rota is not self._rota_written
        renew = time.monotonic() - self._renewed >= self.lease_seconds / 3
        fresh = (p is not None and p is not self._written) or new_rota or renew
        with self.db.write() if fresh else self.db.read() as session:
            if fresh:
                values = progress_values(p) if p is not None else {}
                if new_rota:
                    values["checkpoint"] = [list(row) for row in rota]
                if renew:  # the lease: this process still holds the job
                    values["lease_until"] = utcnow() + timedelta(seconds=self.lease_seconds)
                    self._renewed = time.monotonic()
                held = session.execute(update(Job).where(*holds(self.job_id, self.attempt)).values(**values))
                self._written, self._rota_written = p, rota
                if not held.rowcount:  # another worker took the job over (or it ended): stop, write nothing
                    self.lost = True
                    self.stop.set()
            cancel = session.scalar(select(Job.cancel_requested).where(Job.id == self.job_id))
            if fresh:
                session.commit()
        if cancel:
            self.stop.set()


NORMAL_EFFORT = 10.0  # rota.solver.params.EFFORTS["normal"] (the solver is imported only to solve)


def holds(job_id: str, attempt: int | None) -> tuple[Any, ...]:
    """The WHERE of a write by the process holding start ``attempt`` of a running job."""
    if attempt is None:
        return (Job.id == job_id,)
    return (Job.id == job_id, Job.state == "running", Job.attempts == attempt)


def progress_values(p: Any) -> dict[str, Any]:
    return {
        "objective": p.objective,
        "bound": p.bound,
        "elapsed": round(p.elapsed, 3),
        "gap_minutes": p.gap_minutes,
        "effort": getattr(p, "effort", None),
    }


def run_job(
    db: Database,
    job_id: str,
    stop: threading.Event,
    *,
    settings: Settings,
    solve_fn: SolveFn | None = None,
    owner: str | None = None,
) -> None:
    """Run a queued job to its end: done with a rota, cancelled (best rota kept) or failed with the reason.

    ``owner`` (a worker's id) is written on the job while this process holds it. A job still ``running``
    whose lease ran out (its worker died: a queue redelivers the task) is started again here, up to
    ``settings.max_job_attempts`` starts in all; past that, or when a cancel was asked meanwhile, it is
    failed with the reason, its last checkpoint kept. Anything else (done, held by a live worker, a
    duplicate delivery) returns at once: the job row decides, never the message.
    """
    attempt = _claim(db, job_id, settings, owner)
    if attempt is None:
        return
    heartbeat = _Heartbeat(db, job_id, stop, lease_seconds=settings.job_lease_seconds, attempt=attempt)
    try:
        _solve_and_store(db, job_id, stop, heartbeat, settings, solve_fn)
    except Exception as exc:
        from rota.api.jobs.child import SolveFailed
        from rota.api.jobs.leases import fail_job

        if not isinstance(exc, (SolveFailed, StoreFailed)):
            log.exception("job %s failed", job_id)
        reason = str(exc) if isinstance(exc, (SolveFailed, StoreFailed)) else f"{type(exc).__name__}: {exc}"
        heartbeat.done.set()
        if heartbeat.rota is not None and not isinstance(exc, StoreFailed):
            with contextlib.suppress(Exception):
                heartbeat.flush()  # the last checkpoint, so the failure keeps it as a rota
        try:  # the true reason, written as soon as the database takes it (else the lease's would be)
            _retry(
                lambda: fail_job(db, settings, job_id, reason, attempt=attempt),
                job_id,
                "its failure",
                settings.store_retry_seconds,
            )
        except Exception:
            log.exception("job %s: its failure could not be recorded: %s", job_id, reason)
    finally:
        heartbeat.done.set()


# the owner of a job whose worker died, sent to the queue again (rota/api/jobs/celery.py)
REQUEUED = "(requeued)"


def _claim(db: Database, job_id: str, settings: Settings, owner: str | None) -> int | None:
    """Start the job in this process: a queued one, or (a takeover) a running one whose lease ran out, or
    that a sweeper queued again, with starts left. One guarded UPDATE each, so of two workers given the
    same job only one gets it. The start's number (the fence of this process's writes), or None."""
    from rota.api.jobs.leases import fail_job_in

    now = utcnow()
    values: dict[str, Any] = {
        "state": "running",
        "attempts": Job.attempts + 1,
        "lease_until": now + timedelta(seconds=settings.job_lease_seconds),
    }
    if owner is not None:
        values["owner"] = owner
    with db.write() as session:
        started = session.execute(
            update(Job).where(Job.id == job_id, Job.state == "queued").values(**values, started_at=now)
        )
        if started.rowcount:
            attempt = session.scalar(select(Job.attempts).where(Job.id == job_id))
            session.commit()
            return attempt
        job = session.get(Job, job_id)
        if job is None or job.state != "running" or job.lease_until is None:
            return None  # ended or cancelled
        if job.lease_until >= now and job.owner != REQUEUED:
            return None  # its worker is alive and renews the lease: a duplicate delivery
        if job.attempts < settings.max_job_attempts and not job.cancel_requested:
            gone, start = job.owner, job.attempts + 1
            taken = session.execute(
                update(Job)
                .where(
                    Job.id == job_id,
                    Job.state == "running",
                    or_(Job.lease_until < now, Job.owner == REQUEUED),
                    Job.attempts < settings.max_job_attempts,
                )
                .values(**values)
            )
            session.commit()
            if not taken.rowcount:
                return None
            log.warning(
                "job %s: taken over from %s (its lease ran out), start %d of at most %d",
                job_id,
                gone,
                start,
                settings.max_job_attempts,
            )
            return start
        fail_job_in(session, settings, job_id, lost_reason(job, settings), now=now)
        return None


def lost_reason(job: Job, settings: Settings) -> str:
    """Why a job whose worker died is not started again: a cancel was asked, or no starts are left."""
    if job.owner == REQUEUED:
        lost = "its worker stopped answering"
    else:
        when = job.lease_until.isoformat(timespec="seconds") if job.lease_until else "its start"
        lost = f"its worker ({job.owner or 'unknown'}) stopped answering (lease ran out at {when})"
    if job.cancel_requested:
        return f"{lost} and a cancel was asked: not started again"
    return (
        f"{lost} on start {job.attempts} of at most {settings.max_job_attempts} "
        "(ROTA_MAX_JOB_ATTEMPTS): not started again"
    )


class StoreFailed(RuntimeError):
    """The finished rota could not be written, even after retries."""


STORE_FIRST_WAIT, STORE_MAX_WAIT = 0.5, 10.0  # the final write's back-off: 0.5 s, doubling, at most 10 s
OTHER_TRIES = 4  # tries at a write failing for a reason other than the database's state


def _retry(write: Callable[[], Any], job_id: str, what: str, seconds: float) -> int:
    """Call ``write`` until it succeeds, waiting ``STORE_FIRST_WAIT`` doubling up to ``STORE_MAX_WAIT``
    between tries: for ``seconds`` in all while the database is full, gone or busy, for
    ``OTHER_TRIES`` tries on any other error. The number of tries taken; past that, ``StoreFailed`` with
    the last error in words (a full disk, a database gone: ``database_fault``)."""
    started, wait, tries = time.monotonic(), STORE_FIRST_WAIT, 0
    while True:
        tries += 1
        try:
            write()
            return tries
        except Exception as exc:
            fault = database_fault(exc)
            transient = fault is not None or isinstance(exc, OperationalError)
            left = seconds - (time.monotonic() - started) if transient else float(OTHER_TRIES - tries)
            if left <= 0:
                cause = (
                    f"{type(exc).__name__}: {exc}"
                    if fault is None
                    else "the database's disk is full"
                    if fault.kind == "disk full"
                    else "the database could not be reached"
                )
                raise StoreFailed(
                    f"{what} could not be stored after {tries} attempts over "
                    f"{time.monotonic() - started:.0f} s: {cause}"
                ) from exc
            log.warning(
                "job %s: storing %s failed (%s), again in %.1f s",
                job_id,
                what,
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                min(wait, left),
            )
            time.sleep(min(wait, left) if transient else wait)
            wait = min(wait * 2, STORE_MAX_WAIT)


def _solve_and_store(
    db: Database,
    job_id: str,
    stop: threading.Event,
    heartbeat: _Heartbeat,
    settings: Settings,
    solve_fn: SolveFn | None,
) -> None:
    with db.read() as session:
        job = SolveJob.of(get_job(session=session, job_id=job_id), attempt=heartbeat.attempt)
        start, end = job.start, job.end
        team, version = horizon_team(
            session=session,
            team_id=job.team_id,
            start=start,
            end=end,
            history_days=settings.history_days,
            version=job.team_version,
        )
        job = replace(job, team_version=version)
        cal = Calendar(team, start, end)
        baseline = None
        if job.replan_of:
            rows = get_rota(session=session, rota_id=job.replan_of).assignments
            keys = [(r.person, r.role, r.shift, r.date) for r in rows if start <= r.date <= end]
            baseline = team_duties(cal, keys)
    heartbeat.start()
    options = {
        "time_limit": job.time_limit,
        "effort": job.effort,
        "workers": settings.solver_workers,
        "seed": job.seed,
        "deterministic": settings.solver_mode == "deterministic",
        "checkpoint_seconds": settings.checkpoint_seconds,
    }
    if solve_fn is None and settings.solve_isolation == "process":
        from rota.api.jobs.child import ChildLimits, solve_in_child

        cpu = settings.solve_cpu_seconds or int(4 * job.time_limit + 60)
        result = solve_in_child(
            team,
            start,
            end,
            options,
            baseline=baseline,
            stop=stop,
            limits=ChildLimits(
                memory_bytes=settings.solve_memory_mb * 1024 * 1024,
                cpu_seconds=cpu,
                wall_seconds=4 * job.time_limit + 60,
            ),
            on_progress=heartbeat.report,
            on_rota=heartbeat.keep,
        )
    else:
        if solve_fn is None:  # a re-plan also proves how few changes it could make (rota.solver.churn)
            from rota.solver.churn import solve_replan as solve_fn
        from rota.solver import SolveParams

        def keep(duties: list[Any]) -> None:
            heartbeat.keep([(d.person, d.role, d.shift, d.date.isoformat()) for d in duties])

        result = solve_fn(
            team,
            start,
            end,
            SolveParams(**options, progress=heartbeat.report, stop=stop, baseline=baseline, on_rota=keep),
        )
    heartbeat.done.set()
    status = str(getattr(result.status, "value", result.status))
    document = result.document.to_json()
    # the solved rota stays in memory while the final write is retried with back-off (a disk that
    # filled, a database that went away): freed space or a database back in time keeps the rota
    _retry(
        lambda: _store(
            db, job, result, status=status, document=document, baseline=baseline, stopped=heartbeat.gone
        ),
        job_id,
        "the solve finished but its rota",
        settings.store_retry_seconds,
    )


def _store(
    db: Database,
    job: SolveJob,
    result: Any,
    *,
    status: str,
    document: dict[str, Any],
    baseline: Any,
    stopped: str | None = None,
) -> None:
    """The final write: the rota and the job's end state, in one transaction; nothing when another
    worker has taken the job over meanwhile (this process stalled past its lease)."""
    job_id, attempt = job.id, job.attempt
    with db.write() as session:
        if attempt is not None and session.scalar(select(Job.id).where(*holds(job_id, attempt))) is None:
            log.warning("job %s: start %d no longer holds the job; its rota is not stored", job_id, attempt)
            return
        # the row locked (PostgreSQL) until this transaction ends: a cancel either lands first and is
        # read here, or waits and finds the job ended (409), never accepted and then ignored
        asked = select(Job.cancel_requested).where(Job.id == job_id).with_for_update()
        cancelled = bool(session.scalar(asked))
        if status in ("infeasible", "invalid"):
            message = (document.get("solver") or {}).get("message") or f"the solver found no rota ({status})"
            _finish(db, job_id, "cancelled" if cancelled else "failed", reason=message, session=session)
            return
        changes = diff(baseline, result.duties) if baseline is not None else None
        rota = store_rota(
            session=session,
            team_id=job.team_id,
            team_version=job.team_version,
            start=job.start,
            end=job.end,
            document=document,
            duties=result.duties,
            job_id=job_id,
            replan_of=job.replan_of,
            changes=changes,
        )
        final = {"objective": result.objective, "bound": result.bound, "elapsed": round(result.seconds, 3)}
        gaps = (result.terms.gap_core + result.terms.gap_other) if result.terms is not None else None
        if stopped is not None:
            final["reason"] = f"{stopped}: the solve stopped early, its best rota kept"
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
