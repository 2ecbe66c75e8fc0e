"""The FastAPI app factory: routers, error shapes, the edge (rota/api/middleware.py), the docs, the job
runner.

Run it with ``rota serve`` or ``uvicorn --factory rota.api.main:create_app``.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import importlib.util
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from rota.api.db import Database, database_fault, pool_options, utcnow
from rota.api.errors import ApiError
from rota.api.feeds import BodyCache
from rota.api.jobs.leases import expire_leases
from rota.api.jobs.runner import JobRunner, ThreadPoolRunner
from rota.api.jobs.worker import SolveFn
from rota.api.middleware import CSP, EdgeMiddleware, FailureLimiter, mask_secrets, with_security_headers
from rota.api.openapi import allowed_methods
from rota.api.openapi import install as install_openapi
from rota.api.routes import audit as audit_routes
from rota.api.routes import (
    calendars,
    coverage,
    fairness,
    health,
    history,
    jobs,
    me,
    onduty,
    plans,
    rotas,
    teams,
    tokens,
    webhooks,
)
from rota.api.routes import imports as import_routes
from rota.api.routes import requests as request_routes
from rota.api.settings import Settings, get_settings
from rota.load import format_path

log = logging.getLogger(__name__)
GZIP_EXCLUDED = tuple(dict.fromkeys((*DEFAULT_EXCLUDED_CONTENT_TYPES, "text/event-stream")))
BUSY_RETRY_AFTER = 2  # seconds a client is asked to wait when every database connection is busy
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
    db = Database.connect(settings.database_url, **pool_options(settings))
    if runner is None and settings.job_backend == "celery":  # solves on `rota worker`s (docs/deploy.md)
        from rota.api.jobs.celery import CeleryRunner

        runner = CeleryRunner

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            # only jobs whose server is gone: their lease ran out (celery: the workers take them over)
            failed = expire_leases(db, settings) if settings.job_backend == "inprocess" else 0
            if failed:
                log.warning("%d job(s) left by a stopped server marked failed", failed)
        except Exception as exc:  # an unmigrated database: the routes will say so
            log.warning("jobs not checked: %s", exc)
        # a second start of the same app (two test clients, one inside the other) must stop its own
        # runner and give the first back, or the first one's threads (solves, the courier) outlive it
        live: list[JobRunner] = getattr(app.state, "live_runners", [])
        started = runner(db, settings) if runner else ThreadPoolRunner(db, settings, solve_fn=solve_fn)
        app.state.live_runners = [*live, started]
        app.state.runner = started
        # the start-up heap (solver, pandas, templates) never goes: keep full collections off it, or a
        # page render now and then pays for walking it (the month page's p95 ~300 ms → ~90 ms)
        gc.freeze()
        try:
            yield
        finally:
            started.shutdown()
            app.state.live_runners = [r for r in app.state.live_runners if r is not started]
            if app.state.live_runners:
                app.state.runner = app.state.live_runners[-1]
            else:
                db.dispose()

    app = FastAPI(
        title="rota",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,  # /docs is ours, without a CDN (_add_docs)
    )
    app.state.db = db
    app.state.failures = FailureLimiter(settings.auth_failure_limit, settings.auth_failure_window)
    app.state.settings = settings
    app.state.feed_cache = BodyCache(settings.feed_cache_size)
    app.state.clock = utcnow  # tests move it to see the feeds' window at a chosen moment
    app.dependency_overrides[get_settings] = lambda: settings
    for module in (
        teams,
        jobs,
        rotas,
        coverage,
        tokens,
        calendars,
        me,
        health,
        onduty,
        webhooks,
        plans,
        history,
        fairness,
    ):
        app.include_router(module.router)
    for module in (request_routes, audit_routes, import_routes):  # staff self-service (issue 20)
        app.include_router(module.router)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(InterfaceError, _operational_error)  # a connection closed under us
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(Exception, _internal_error)
    _add_docs(app)
    install_openapi(app)  # our error body on the refusals, 400 where a body is read (rota/api/openapi.py)
    from rota.api.web import install_web  # the web app: sessions, /static, the pages (and "/")

    install_web(app, settings)
    # pages, JSON and static files gzipped when the client accepts it (the 40-person month: 276 KB → 13 KB);
    # never a server-sent event stream, which must reach the browser event by event
    app.add_middleware(GZipMiddleware, minimum_size=1000, exclude_content_types=GZIP_EXCLUDED)
    # added last, so outermost of all: the body limit and the headers come before any other middleware
    app.add_middleware(EdgeMiddleware, max_body_bytes=settings.max_body_bytes)
    return app


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {**exc.headers, **({"WWW-Authenticate": "Bearer"} if exc.status == 401 else {})}
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers or None)


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


def _problem(
    status: int, message: str, path: str = "", headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": [{"path": path, "message": message}]}, status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's and FastAPI's own refusals (unknown route, method, unreadable body, 413) in our shape."""
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status in (204, 304) or status < 400:
        return Response(status_code=status, headers=exc.headers)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    detail = exc.detail
    if isinstance(detail, list) and all(isinstance(d, dict) and "message" in d for d in detail):
        return JSONResponse({"detail": detail}, status_code=status, headers=exc.headers)
    where = f"{request.method} {request.url.path}"
    headers = exc.headers
    if status == 404 and detail == phrase:
        message = f"no such route: {where}"
    elif status == 405:  # every method of the path, not only the first matching route's
        allowed = ", ".join(allowed_methods(request.app, request.scope)) or (exc.headers or {}).get("Allow")
        headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() != "allow"}
        if allowed:
            headers["Allow"] = allowed
        message = f"{where}: method not allowed" + (f" (allowed: {allowed})" if allowed else "")
    elif status == 400 and detail == "There was an error parsing the body":
        message = "the request body could not be read"
    else:
        message = str(detail) if detail else phrase.lower()
    return _problem(status, mask_secrets(message), headers=headers)


def _busy(message: str) -> JSONResponse:
    return _problem(503, message, headers={"Retry-After": str(BUSY_RETRY_AFTER)})


async def _pool_timeout(request: Request, _exc: Exception) -> JSONResponse:
    """Every connection of the pool stayed busy for ``ROTA_DB_POOL_TIMEOUT``: 503, never a 500."""
    log.warning("database pool exhausted: %s %s answered 503", request.method, mask_secrets(request.url.path))
    return _busy(
        f"the server is busy: every database connection is in use; try again in {BUSY_RETRY_AFTER} s"
    )


_SATURATED = ("database is locked", "too many clients", "remaining connection slots", "too many connections")


async def _operational_error(request: Request, exc: Exception) -> JSONResponse:
    """A database that is locked or out of connections is busy (503); one whose disk is full answers 507,
    one that cannot be reached 503, each in words with ``Retry-After`` (``/readyz`` says which); anything
    else is a 500."""
    fault = database_fault(exc)
    if fault is not None:
        request.app.state.db.note_fault(fault)
        log.error(
            "database %s: %s %s answered %d: %s",
            fault.kind,
            request.method,
            mask_secrets(request.url.path),
            fault.status,
            str(exc).splitlines()[0] if str(exc) else "",
        )
        return _problem(
            fault.status,
            fault.message,
            headers=with_security_headers({"Retry-After": str(fault.retry_after)}),
        )
    text = str(exc).lower()
    if any(s in text for s in _SATURATED):
        log.warning(
            "database busy: %s %s answered 503: %s",
            request.method,
            mask_secrets(request.url.path),
            text.splitlines()[0] if text else "",
        )
        return _busy(f"the database is busy; try again in {BUSY_RETRY_AFTER} s")
    log.error("%s %s failed", request.method, mask_secrets(request.url.path), exc_info=exc)
    return _internal_response(exc)


async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
    """A number, date or text the database or the date arithmetic cannot hold (an id past 64 bits, a
    year-1 date, a name past its column): 422, not 500. A safety net under the validation of each field,
    which names the field; this cannot, so the log keeps the reason."""
    log.warning(
        "%s %s answered 422, a value out of range: %s",
        request.method,
        mask_secrets(request.url.path),
        str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
    )
    return _problem(
        422, "a number, date or text in the request is out of the range the service can store or compute with"
    )


async def _internal_error(_request: Request, exc: Exception) -> JSONResponse:
    """Anything unexpected: one JSON line for the client (Starlette re-raises it, so the server logs it)."""
    return _internal_response(exc)


def _internal_response(exc: Exception) -> JSONResponse:
    message = "internal error; the server log has the details"
    text = str(exc)
    missing_table = "no such table" in text or ("relation" in text and "does not exist" in text)
    if isinstance(exc, DBAPIError) and missing_table:
        message = "the database has no tables yet: run `rota db upgrade`"
    # sent by Starlette's outermost middleware, past EdgeMiddleware: the security headers go on here
    return _problem(500, message, headers=with_security_headers())


# -- /docs without a CDN: Swagger UI from the fastapi-offline package ------------------------------------
def _swagger_assets() -> Path | None:
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "static"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_csp(page: str) -> str:
    """The policy of the docs page: ours, plus the hash of its one inline script (Swagger UI's start-up,
    written by FastAPI), inline styles (Swagger UI sets style attributes) and data: images (its icons)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in _INLINE_SCRIPT.findall(page)
    )
    return f"{CSP}; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:"


def _add_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI, its script and styles served from ``/docs/assets`` (no CDN)."""
    assets = _swagger_assets()
    if assets is not None:
        app.mount("/docs/assets", StaticFiles(directory=assets), name="docs-assets")

    async def docs(request: Request) -> Response:
        if assets is None:
            return _problem(503, "the API docs need the fastapi-offline package: pip install fastapi-offline")
        root = request.scope.get("root_path", "").rstrip("/")
        page = get_swagger_ui_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} — API docs",
            swagger_js_url=f"{root}/docs/assets/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs/assets/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs/assets/favicon.png",
        )
        html = bytes(page.body).decode()
        return HTMLResponse(html, headers={"Content-Security-Policy": docs_csp(html)})

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
