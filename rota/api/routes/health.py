"""Health checks for a load balancer: ``/healthz`` (the process answers) and ``/readyz`` (it can serve).

Neither needs a token, and neither says more than which dependency is missing (no URLs, no versions).
"""

from __future__ import annotations

import logging
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from rota.api.db import DISK_FULL_RETRY_AFTER, UNREACHABLE_RETRY_AFTER, Database, database_fault, is_sqlite

router = APIRouter(tags=["health"], include_in_schema=False)
log = logging.getLogger(__name__)
DISK_FULL_MEMORY = 60.0  # seconds a write that met a full disk keeps /readyz saying "disk full"
MIN_FREE_BYTES = 256 * 1024  # an SQLite database's filesystem with less free than this is full


@lru_cache
def _head() -> str:
    from rota.api.migrate import head

    return head()


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers requests (restart it when this fails)."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers, is at the newest migration and its disk is not full; on the celery
    backend the broker answers too. 200 when all hold, else 503 naming what does not ("unreachable",
    "disk full": with ``Retry-After``); send no traffic here meanwhile."""
    from rota.api.migrate import current

    state = request.app.state
    checks: dict[str, str] = {}
    db = state.db
    try:
        at = current(db.engine)
        checks["database"] = (
            "ok" if at == _head() else (f"at revision {at or 'none'}, not {_head()}: run `rota db upgrade`")
        )
        full = _disk_full(db)
        if full is not None and checks["database"] == "ok":
            checks["database"] = full
    except Exception as exc:
        log.warning("readyz: database unreachable: %s", _first_line(exc))
        fault = database_fault(exc)
        checks["database"] = "disk full" if fault is not None and fault.kind == "disk full" else "unreachable"
    if state.settings.job_backend == "celery":
        runner: Any = getattr(state, "runner", None)
        try:
            if runner is None or not hasattr(runner, "ping"):
                raise RuntimeError("no job runner yet")
            runner.ping()
            checks["broker"] = "ok"
        except Exception as exc:
            log.warning("readyz: broker unreachable: %s", _first_line(exc))
            checks["broker"] = "unreachable"
    ready = all(v == "ok" for v in checks.values())
    headers = {"Cache-Control": "no-store"}
    if not ready and checks["database"] in ("unreachable", "disk full"):
        headers["Retry-After"] = str(
            DISK_FULL_RETRY_AFTER if checks["database"] == "disk full" else UNREACHABLE_RETRY_AFTER
        )
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
        headers=headers,
    )


def _disk_full(db: Database) -> str | None:
    """ "disk full" while an SQLite file's filesystem has less than ``MIN_FREE_BYTES`` left; for another
    database (whose disk this process cannot see), when a write met a full disk in the last
    ``DISK_FULL_MEMORY`` seconds; else None."""
    path = db.engine.url.database
    if is_sqlite(str(db.engine.url)) and path and path != ":memory:":
        try:
            free = shutil.disk_usage(Path(path).resolve().parent).free
        except OSError:
            return None
        return "disk full" if free < MIN_FREE_BYTES else None
    return "disk full" if db.fault_seen("disk full", DISK_FULL_MEMORY) else None


def _first_line(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
