"""Solve jobs, from request to stored rota: everything a job goes through lives in this package.

* ``submit``: queue a generate or re-plan, follow it, cancel it; what a re-plan changed.
* ``runner``: ``JobRunner`` (the interface the routes use) and ``ThreadPoolRunner`` (in-process).
* ``celery``: ``CeleryRunner`` and the Celery app (``celery -A rota.api.jobs.celery worker``, which
  ``rota worker`` runs).
* ``worker``: claim a job, solve it (in a child process), store the rota and the job's end state;
  a job's inputs travel as one ``SolveJob``.
* ``child``: the child process a solve runs in, with its memory and time caps.
* ``leases``: renew the jobs a runner holds; fail or re-queue the jobs of a runner that died.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rota.api.jobs.runner import JobRunner, ThreadPoolRunner
    from rota.api.jobs.worker import SolveJob

__all__ = ["JobRunner", "SolveJob", "ThreadPoolRunner"]
_HOMES = {
    "JobRunner": "rota.api.jobs.runner",
    "ThreadPoolRunner": "rota.api.jobs.runner",
    "SolveJob": "rota.api.jobs.worker",
}


def __getattr__(name: str) -> Any:
    """The runner API, imported when first asked for: the solve's child process preloads
    ``rota.api.jobs.child`` in its forkserver, and it must stay as light as the solver it runs."""
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
