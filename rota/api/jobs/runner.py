"""Job runners: the interface the routes use, and the default that solves in-process on a thread pool.

A later backend (a queue and workers on other machines) implements the same three methods; the job
row in the database carries state, progress and cancel requests, so routes never see the difference.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections import OrderedDict, deque
from typing import Protocol

from sqlalchemy import update

from rota.api.db import Database, utcnow
from rota.api.jobs.courier import Courier
from rota.api.jobs.leases import expire_leases, renew_leases
from rota.api.jobs.worker import SolveFn, run_job
from rota.api.models import Job
from rota.api.settings import Settings

log = logging.getLogger(__name__)


class JobRunner(Protocol):
    """Runs queued solve jobs by id."""

    owner: str  # the lease owner written on the jobs this runner holds

    def submit(self, job_id: str, team_id: str = "") -> None:
        """Start (or queue) the job; it reads everything it needs from its row."""

    def cancel(self, job_id: str) -> None:
        """Ask a running job to stop now and keep its best rota (the row's cancel flag is already set)."""

    def shutdown(self) -> None:
        """Stop every job and release the workers."""


class ThreadPoolRunner:
    """Runs jobs from this server process, ``settings.job_workers`` at a time, each solve in a child
    process (``settings.solve_isolation``).

    Fair: the next job is taken from the teams in turn, so one team's batch cannot keep another
    team's job waiting behind it. Leased: a keeper thread renews the lease of every job this runner
    holds and fails, by the same rule any server applies, jobs whose lease has expired (their server
    is gone), keeping their last checkpoint as a rota.
    """

    def __init__(self, db: Database, settings: Settings, *, solve_fn: SolveFn | None = None):
        self.db, self.settings, self.solve_fn = db, settings, solve_fn
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._queues: OrderedDict[str, deque[str]] = OrderedDict()  # team → its jobs, teams in turn
        self._stops: dict[str, threading.Event] = {}
        self._lock = threading.Condition()
        self._closing = threading.Event()
        self._threads = [
            threading.Thread(target=self._work, name=f"rota-solve-{n}", daemon=True)
            for n in range(settings.job_workers)
        ]
        self._threads.append(threading.Thread(target=self._keep, name="rota-leases", daemon=True))
        for thread in self._threads:
            thread.start()
        self.courier = Courier(db, settings, self.owner)  # sends the outbox: emails, webhooks, reminders

    def submit(self, job_id: str, team_id: str = "") -> None:
        """Queue a job (its row already names this runner's owner and a lease: ``submit_job``)."""
        with self._lock:
            self._stops[job_id] = threading.Event()
            self._queues.setdefault(team_id, deque()).append(job_id)
            self._lock.notify()

    def _next(self) -> tuple[str, threading.Event] | None:
        """The next job, from the team first in turn (which then goes last); None when closing."""
        with self._lock:
            while not self._queues and not self._closing.is_set():
                self._lock.wait()
            if self._closing.is_set():
                return None
            team, queue = next(iter(self._queues.items()))
            job_id = queue.popleft()
            del self._queues[team]
            if queue:
                self._queues[team] = queue  # to the back of the line
            return job_id, self._stops.setdefault(job_id, threading.Event())

    def _work(self) -> None:
        while (taken := self._next()) is not None:
            job_id, stop = taken
            try:
                run_job(self.db, job_id, stop, settings=self.settings, solve_fn=self.solve_fn)
            except Exception:
                log.exception("job %s: runner error", job_id)
            finally:
                with self._lock:
                    self._stops.pop(job_id, None)

    def _keep(self) -> None:
        """Renew the leases of the jobs held here; fail the expired jobs of any server."""
        every = self.settings.job_lease_seconds / 3
        while not self._closing.wait(every):
            with self._lock:
                held = list(self._stops)
            try:
                renew_leases(self.db, held, self.owner, self.settings.job_lease_seconds)
                expire_leases(self.db, self.settings)
            except Exception:  # a busy database: try again next round (the lease has slack)
                log.exception("job leases not renewed")

    def cancel(self, job_id: str) -> None:
        with self._lock:
            stop = self._stops.get(job_id)
            for team, queue in list(self._queues.items()):
                if job_id in queue:
                    queue.remove(job_id)  # cancelled before it started: the row says so already
                    self._stops.pop(job_id, None)
                    if not queue:
                        del self._queues[team]
        if stop is not None:
            stop.set()

    def shutdown(self) -> None:
        """Stop every job: a queued one is cancelled, a running one stops and keeps its best rota."""
        with self._lock:
            ids, stops = list(self._stops), list(self._stops.values())
            self._queues.clear()
        if ids:
            try:
                _mark_shutdown(self.db, ids)
            except Exception:  # the jobs still stop; their leases expire and any server fails them
                log.exception("jobs not marked at shutdown")
        for stop in stops:
            stop.set()
        with self._lock:
            self._closing.set()
            self._lock.notify_all()
        for thread in self._threads:
            thread.join()
        self.courier.stop()


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
