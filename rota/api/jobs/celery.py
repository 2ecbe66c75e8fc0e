"""Solve jobs on Celery workers over a broker (Redis): ``ROTA_JOB_BACKEND=celery``, ``rota worker``.

The job row stays the source of truth for state, progress, cancel and who holds the job; a message only
says "job X wants a worker". So a message delivered twice, or after its job ended, does nothing
(``run_job`` claims the row with a guarded UPDATE), and every worker can recover a job whose worker died:

* **late acknowledgement**: a task is acknowledged when it returns (``task_acks_late``), and a pool
  process that dies puts its message back (``task_reject_on_worker_lost``); each worker process takes
  one message per free slot (``worker_prefetch_multiplier=1``), so no job waits behind another's solve.
* **leases**: the worker holding a job writes its id as the job's ``owner`` and renews ``lease_until``
  (the solve's heartbeat, and the keeper below). A worker killed outright (``kill -9``, a lost machine)
  stops renewing; the keeper of any live worker then sends the job to its queue again, and the worker
  that gets it starts the solve anew (the last checkpoint stays until a better one comes), up to
  ``ROTA_MAX_JOB_ATTEMPTS`` starts; past that the job is failed with the reason, its checkpoint kept as
  a draft rota. Never stuck: a job no worker has started within ``ROTA_JOB_QUEUE_SECONDS`` is failed too.
* **cancel**: the API sets ``cancel_requested`` on the row; the heartbeat of whichever worker holds the
  job reads it within half a second and stops the solve, which keeps its best rota.
* **fairness**: teams are spread over ``ROTA_JOB_QUEUES`` queues (``rota.solve.0`` …) by a stable hash
  of the team id; a worker reads all of them and, with Redis, takes the next message from the queues in
  turn (kombu's round-robin ``BRPOP`` order: a queue just served goes to the back). One team's month-end
  batch fills its own queue and waits behind itself; another team's job, in another queue, is next in
  turn. Teams sharing a queue are first-come first-served, and the caps per team and per token
  (``ROTA_MAX_ACTIVE_JOBS_PER_TEAM`` / ``_PER_TOKEN``) bound what any one of them can put in it.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import uuid
import zlib
from datetime import timedelta
from typing import Any

from celery import Celery, signals
from sqlalchemy import select, update

from rota.api.db import Database, utcnow
from rota.api.errors import ServiceUnavailable
from rota.api.jobs.courier import Courier, deliver_round
from rota.api.jobs.leases import ACTIVE, fail_job, fail_job_in, renew_leases
from rota.api.jobs.worker import REQUEUED, lost_reason, run_job
from rota.api.models import Job
from rota.api.settings import Settings, get_settings

log = logging.getLogger(__name__)
TASK = "rota.solve_job"
DELIVER_TASK = "rota.deliver_outbox"  # one round of the courier (rota/api/jobs/courier.py), on demand
QUEUE_PREFIX = "rota.solve"


def queue_for(team_id: str, queues: int) -> str:
    """The queue of a team's jobs: a stable hash of its id (the same on every machine and run)."""
    return f"{QUEUE_PREFIX}.{zlib.crc32(team_id.encode()) % queues}"


def all_queues(queues: int) -> list[str]:
    return [f"{QUEUE_PREFIX}.{n}" for n in range(queues)]


def safe_url(url: str) -> str:
    """A URL without its password."""
    return re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", url)


def make_celery(settings: Settings) -> Celery:
    """A Celery app on ``settings.broker_url`` with the delivery guarantees the module docstring names."""
    app = Celery("rota", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_default_queue=all_queues(settings.job_queues)[0],
        task_track_started=False,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        # a message is handed out again only after the longest a solve may run (its wall cap): a
        # redelivery while the solve still runs would be harmless (the row decides), only wasted
        broker_transport_options={
            "visibility_timeout": int(4 * settings.max_time_limit + 120),
            "socket_connect_timeout": 3,
            "socket_timeout": 10,
        },
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0.2,
            "interval_step": 0.5,
            "interval_max": 1.0,
        },
        worker_hijack_root_logger=True,
        worker_redirect_stdouts=False,
    )
    app.task(name=TASK, ignore_result=True)(solve_job)
    app.task(name=DELIVER_TASK, ignore_result=True)(deliver_outbox)
    return app


# -- the worker side -----------------------------------------------------------------------------------
class WorkerState:
    """What one worker process holds: its database, its id (the jobs' owner) and its running jobs."""

    def __init__(self, settings: Settings):
        from rota.api.db import pool_options

        self.settings = settings
        self.db = Database.connect(settings.database_url, **pool_options(settings))
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held: dict[str, threading.Event] = {}
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.keeper: threading.Thread | None = None
        self.courier: Courier | None = None

    def start_keeper(self, sender: Celery) -> None:
        if self.keeper is None:
            self.keeper = threading.Thread(target=self._keep, args=(sender,), name="rota-leases", daemon=True)
            self.keeper.start()
        if self.courier is None:  # every worker sends the outbox too (each message claimed before it goes)
            self.courier = Courier(self.db, self.settings, self.owner)

    def _keep(self, sender: Celery) -> None:
        """Renew the leases of the jobs held here; recover the jobs of workers that died."""
        every = self.settings.job_lease_seconds / 3
        while True:
            with self.lock:
                held = list(self.held)
            try:
                renew_leases(self.db, held, self.owner, self.settings.job_lease_seconds)
                recover_jobs(self.db, self.settings, sender)
            except Exception:  # a busy database or broker: again next round (the lease has slack)
                log.exception("job leases not kept")
            if self.closing.wait(every):
                return


_state: WorkerState | None = None
_state_pid = 0
_state_lock = threading.Lock()


def worker_state() -> WorkerState:
    """This process's worker state, made on first use (after the fork of a prefork pool process)."""
    global _state, _state_pid
    with _state_lock:
        if _state is None or _state_pid != os.getpid():
            _state, _state_pid = WorkerState(get_settings()), os.getpid()
        return _state


def solve_job(job_id: str) -> str:
    """The task: run the job (the row says whether there is anything to do); its end state."""
    state = worker_state()
    stop = threading.Event()
    with state.lock:
        state.held[job_id] = stop
    try:
        run_job(state.db, job_id, stop, settings=state.settings, owner=state.owner)
    finally:
        with state.lock:
            state.held.pop(job_id, None)
    with state.db.read() as session:
        return session.scalar(select(Job.state).where(Job.id == job_id)) or "gone"


def deliver_outbox() -> int:
    """The task: one courier round (queue reminders due, send the outbox); the number sent."""
    state = worker_state()
    return deliver_round(state.db, state.settings, state.owner)


def recover_jobs(db: Database, settings: Settings, app: Celery) -> int:
    """Active jobs whose lease ran out: a running one whose worker died goes back to its queue (starts
    left, no cancel asked) or is failed with the reason; one no worker started in time is failed. Each
    change is a guarded UPDATE, so of many workers' keepers one acts. The number of jobs handled."""
    now = utcnow()
    with db.read() as session:
        rows = session.execute(
            select(Job.id, Job.team_id, Job.state, Job.owner).where(
                Job.state.in_(ACTIVE), Job.lease_until < now
            )
        ).all()
    handled = 0
    for job_id, team_id, state, owner in rows:
        if state == "queued" or owner == REQUEUED:
            again = " again after its worker stopped answering" if owner == REQUEUED else ""
            reason = (
                f"queued{again}, no worker started it within {settings.job_queue_seconds:g} s "
                f"(ROTA_JOB_QUEUE_SECONDS): is a `rota worker` running and reading "
                f"{queue_for(team_id, settings.job_queues)}?"
            )
            handled += _fail_if_expired(db, settings, job_id, reason, now)
            continue
        with db.write() as session:
            requeued = session.execute(
                update(Job)
                .where(
                    Job.id == job_id,
                    Job.state == "running",
                    Job.lease_until < now,
                    Job.attempts < settings.max_job_attempts,
                    Job.cancel_requested.is_(False),
                )
                .values(owner=REQUEUED, lease_until=now + timedelta(seconds=settings.job_queue_seconds))
            )
            session.commit()
        if requeued.rowcount:
            log.warning("job %s: its worker (%s) stopped answering; sent to its queue again", job_id, owner)
            app.send_task(TASK, args=[job_id], queue=queue_for(team_id, settings.job_queues))
            handled += 1
        else:
            handled += _fail_if_expired(db, settings, job_id, None, now)
    return handled


def _fail_if_expired(db: Database, settings: Settings, job_id: str, reason: str | None, now: Any) -> int:
    """Fail the job if it is still active with its lease run out (checked under a row lock)."""
    with db.write() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.state not in ACTIVE or job.lease_until is None or job.lease_until >= now:
            return 0
        return int(fail_job_in(session, settings, job_id, reason or lost_reason(job, settings), now=now))


@signals.worker_ready.connect
def _worker_ready(sender: Any = None, **_: Any) -> None:
    """A worker started: its keeper renews leases and recovers jobs of dead workers (every lease / 3)."""
    worker_state().start_keeper(sender.app)


@signals.worker_shutdown.connect
def _worker_shutdown(**_: Any) -> None:
    if _state is not None:
        _state.closing.set()
        if _state.courier is not None:
            _state.courier.stop()


app = make_celery(get_settings())  # `celery -A rota.api.jobs.celery worker` finds this; `rota worker` runs it


# -- the API side ----------------------------------------------------------------------------------------
class CeleryRunner:
    """The JobRunner of the celery backend: a submit sends the job's id to its team's queue."""

    def __init__(self, db: Database, settings: Settings):
        self.db, self.settings = db, settings
        self.owner = f"queued by {socket.gethostname()[:30]}:{os.getpid()}"[:64]
        self.app = make_celery(settings)

    def submit(self, job_id: str, team_id: str = "") -> None:
        """Queue the job; a broker that cannot be reached fails it with the reason and answers 503."""
        try:
            self.app.send_task(TASK, args=[job_id], queue=queue_for(team_id, self.settings.job_queues))
        except Exception as exc:
            log.error(
                "job %s not queued: the broker %s could not be reached: %s: %s",
                job_id,
                safe_url(self.settings.broker_url),
                type(exc).__name__,
                exc,
            )
            reason = f"the job queue could not be reached ({type(exc).__name__})"
            fail_job(self.db, self.settings, job_id, reason)
            with self.db.write() as session:  # a retry with the same Idempotency-Key may try again
                session.execute(update(Job).where(Job.id == job_id).values(idempotency_key=None))
                session.commit()
            raise ServiceUnavailable(f"{reason}: try again shortly", retry_after=10) from exc

    def cancel(self, job_id: str) -> None:
        """Nothing to do here: the route has set the row's cancel flag, and the heartbeat of the worker
        holding the job reads it (within half a second) and stops the solve, keeping its best rota."""

    def ping(self) -> None:
        """Raise unless the broker answers (the readiness check)."""
        with self.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=3)
            conn.default_channel  # noqa: B018  (opens a channel: the broker really answers)

    def shutdown(self) -> None:
        self.app.close()


__all__ = ["CeleryRunner", "all_queues", "app", "make_celery", "queue_for", "recover_jobs"]
