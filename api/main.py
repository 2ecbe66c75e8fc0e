"""The FastAPI app factory: routers, error shapes, the job runner's lifetime.

Run it with ``rota serve`` or ``uvicorn --factory api.main:create_app``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.exc import DBAPIError

from api.db import Database, utcnow
from api.errors import ApiError
from api.feeds import BodyCache
from api.jobs import JobRunner, ThreadPoolRunner
from api.routes import calendars, coverage, jobs, me, rotas, teams, tokens
from api.services.solving import fail_orphans
from api.services.worker import SolveFn
from api.settings import Settings, get_settings
from rota.load import format_path

# by path, not as the resource api/static: a test run may put tests/ (with a tests/api) first on sys.path
INDEX_PAGE = Path(__file__).resolve().parent / "static" / "index.html"

log = logging.getLogger(__name__)
DESCRIPTION = """Team leads keep teams and rotas here, generate and publish them; staff subscribe to their
shifts; HR reads coverage. Every `/api` route takes `Authorization: Bearer <token>` (`rota token create`)."""


def create_app(
    settings: Settings | None = None,
    *,
    solve_fn: SolveFn | None = None,
    runner: Callable[[Database, Settings], JobRunner] | None = None,
) -> FastAPI:
    """A new app on ``settings`` (default: the environment's); ``solve_fn``/``runner`` replace the solver."""
    settings = settings or get_settings()
    db = Database.connect(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            with db.write() as session:
                failed = fail_orphans(session=session)
            if failed:
                log.warning("%d job(s) left by a stopped server marked failed", failed)
        except Exception as exc:  # an unmigrated database: the routes will say so
            log.warning("jobs not checked: %s", exc)
        app.state.runner = (
            runner(db, settings) if runner else ThreadPoolRunner(db, settings, solve_fn=solve_fn)
        )
        try:
            yield
        finally:
            app.state.runner.shutdown()
            db.dispose()

    app = FastAPI(title="rota", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.db = db
    app.state.settings = settings
    app.state.feed_cache = BodyCache(settings.feed_cache_size)
    app.state.clock = utcnow  # tests move it to see the feeds' window at a chosen moment
    app.dependency_overrides[get_settings] = lambda: settings
    for module in (teams, jobs, rotas, coverage, tokens, calendars, me):
        app.include_router(module.router)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _internal_error)
    app.add_api_route("/", _index, methods=["GET"], include_in_schema=False, response_class=HTMLResponse)
    return app


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """Request validation errors in our shape: the field path (without "body") and the reason."""
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        where = loc[0] if loc else None
        if where in ("body", "query", "path", "header"):
            loc = loc[1:]
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        if error.get("type") == "json_invalid":  # loc holds the character offset, not a field
            reason = (error.get("ctx") or {}).get("error", "invalid JSON")
            at = f" at character {loc[0]}" if loc and isinstance(loc[0], int) else ""
            loc, message = (), f"the body is not valid JSON: {reason}{at}"
        elif error.get("type") == "missing" and where == "body" and not loc:
            message = "a JSON object is required as the body"
        elif not message[1:2].isupper():  # "Field required" → "field required", but keep "JSON …"
            message = message[:1].lower() + message[1:]
        problems.append({"path": format_path(loc), "message": message})
    return JSONResponse({"detail": problems}, status_code=422)


async def _internal_error(_request: Request, exc: Exception) -> JSONResponse:
    """Anything unexpected: one JSON line for the client (Starlette re-raises it, so the server logs it)."""
    message = "internal error; the server log has the details"
    text = str(exc)
    missing_table = "no such table" in text or ("relation" in text and "does not exist" in text)
    if isinstance(exc, DBAPIError) and missing_table:
        message = "the database has no tables yet: run `rota db upgrade`"
    return JSONResponse({"detail": [{"path": "", "message": message}]}, status_code=500)


async def _index() -> HTMLResponse:
    return HTMLResponse(INDEX_PAGE.read_text(encoding="utf-8"))
