"""Health checks for a load balancer: ``/healthz`` (the process answers) and ``/readyz`` (it can serve).

Neither needs a token, and neither says more than which dependency is missing (no URLs, no versions).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"], include_in_schema=False)
log = logging.getLogger(__name__)


@lru_cache
def _head() -> str:
    from api.migrate import head

    return head()


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers requests (restart it when this fails)."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers and is at the newest migration; on the celery backend the broker
    answers too. 200 when all hold, else 503 naming what does not (send no traffic here meanwhile)."""
    from api.migrate import current

    state = request.app.state
    checks: dict[str, str] = {}
    try:
        at = current(state.db.engine)
        checks["database"] = "ok" if at == _head() else (
            f"at revision {at or 'none'}, not {_head()}: run `rota db upgrade`")
    except Exception as exc:
        log.warning("readyz: database unreachable: %s", _first_line(exc))
        checks["database"] = "unreachable"
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
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})


def _first_line(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
