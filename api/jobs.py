"""Job runners: the interface the routes use, and the default that solves in-process on a thread pool.

A later backend (a queue and workers on other machines) implements the same three methods; the job
row in the database carries state, progress and cancel requests, so routes never see the difference.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from sqlalchemy import update

from api.db import Database, utcnow
from api.models import Job
from api.services.worker import SolveFn, run_job
from api.settings import Settings

log = logging.getLogger(__name__)


class JobRunner(Protocol):
    """Runs queued solve jobs by id."""

    def submit(self, job_id: str) -> None:
        """Start (or queue) the job; it reads everything it needs from its row."""

    def cancel(self, job_id: str) -> None:
        """Ask a running job to stop now and keep its best rota (the row's cancel flag is already set)."""

    def shutdown(self) -> None:
        """Stop every job and release the workers."""


class ThreadPoolRunner:
    """Solves in this process, ``settings.job_workers`` at a time."""

    def __init__(self, db: Database, settings: Settings, *, solve_fn: SolveFn | None = None):
        self.db, self.settings, self.solve_fn = db, settings, solve_fn
        self._pool = ThreadPoolExecutor(max_workers=settings.job_workers, thread_name_prefix="rota-solve")
        self._stops: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def submit(self, job_id: str) -> None:
        stop = threading.Event()
        with self._lock:
            self._stops[job_id] = stop
        self._pool.submit(self._run, job_id, stop)

    def _run(self, job_id: str, stop: threading.Event) -> None:
        try:
            run_job(self.db, job_id, stop, settings=self.settings, solve_fn=self.solve_fn)
        except Exception:
            log.exception("job %s: runner error", job_id)
        finally:
            with self._lock:
                self._stops.pop(job_id, None)

    def cancel(self, job_id: str) -> None:
        with self._lock:
            stop = self._stops.get(job_id)
        if stop is not None:
            stop.set()

    def shutdown(self) -> None:
        """Stop every job: a queued one is cancelled, a running one stops and keeps its best rota."""
        with self._lock:
            ids, stops = list(self._stops), list(self._stops.values())
        if ids:
            try:
                _mark_shutdown(self.db, ids)
            except Exception:  # the jobs still stop; the next start fails what is left
                log.exception("jobs not marked at shutdown")
        for stop in stops:
            stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


def _mark_shutdown(db: Database, ids: list[str]) -> None:
    with db.write() as session:
        session.execute(
            update(Job)
            .where(Job.id.in_(ids), Job.state == "queued")
            .values(
                state="cancelled",
                cancel_requested=True,
                finished_at=utcnow(),
                reason="the server shut down before the solve started",
            )
        )
        session.execute(
            update(Job)
            .where(Job.id.in_(ids), Job.state == "running")
            .values(cancel_requested=True, reason="the server shut down: stopped early, best rota kept")
        )
        session.commit()
