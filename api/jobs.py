"""Job runners: the interface the routes use, and the default that solves in-process on a thread pool.

A later backend (a queue and workers on other machines) implements the same three methods; the job
row in the database carries state, progress and cancel requests, so routes never see the difference.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from api.db import Database
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
        with self._lock:
            for stop in self._stops.values():
                stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
