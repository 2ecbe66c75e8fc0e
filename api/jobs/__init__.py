"""Solve jobs, from request to stored rota: everything a job goes through lives in this package.

* ``submit``  — queue a generate or re-plan, follow it, cancel it; what a re-plan changed (the routes' side).
* ``runner``  — ``JobRunner`` (the interface the routes use) and ``ThreadPoolRunner`` (the in-process default).
* ``celery``  — ``CeleryRunner`` and the Celery app (``celery -A api.jobs.celery worker``; ``rota worker`` runs it).
* ``worker``  — claim a job, solve it (in a child process), store the rota and the job's outcome.
* ``child``   — the child process a solve runs in, with its memory and time caps.
* ``leases``  — who holds a running job, renewing it, and failing or re-queueing the jobs of a runner that died.
"""

from api.jobs.runner import JobRunner, ThreadPoolRunner

__all__ = ["JobRunner", "ThreadPoolRunner"]
