"""The web app: server-rendered pages for leads, staff and HR, a thin layer over ``rota.api.services``.

``install_web(app, settings)`` adds the session cookie, the static files and the page routers; the JSON API
is untouched (its errors stay JSON; the pages turn the same refusals into pages).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from rota.api.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"
YEAR = 365 * 24 * 3600


@cache
def static_version(name: str) -> str:
    """The first 12 hex digits of the file's SHA-256: a changed file gets a new URL."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """``/static/app.css?v=…``: cached for a year by browsers, since a new file has a new ``v``."""
    return f"/static/{name}?v={static_version(name)}"


class CachedStatic(StaticFiles):
    """Static files with Cache-Control: a year (immutable) when the URL names the file's current version,
    else ``no-cache`` so the browser revalidates with the ETag."""

    def file_response(
        self, full_path: Any, stat_result: Any, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        name = Path(str(full_path)).name
        query = scope.get("query_string", b"").decode("latin-1")
        try:
            current = (STATIC / name).is_file() and query == f"v={static_version(name)}"
        except OSError:
            current = False
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if current else "no-cache"
        return response


class NoStorePages:
    """``Cache-Control: no-store`` on every HTML page that does not set its own: pages show live state
    (a running solve, a rota's version), so Back must ask the server again, not show a stale copy."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if kind.startswith(b"text/html") and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_no_store)


def install_web(app: FastAPI, settings: Settings) -> None:
    """Add the web app to ``app``: session middleware, ``/static``, the pages and their error pages."""
    from rota.api.web import (
        capacity,
        coverage,
        fairness,
        me,
        notify,
        onduty,
        requests,
        rotas,
        signin,
        teamfile,
        teams,
    )
    from rota.api.web.errors import install_error_pages
    from rota.api.web.session import session_secret

    app.add_middleware(NoStorePages)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(app.state.db, settings),
        session_cookie="rota_session",
        max_age=int(settings.session_hours * 3600),
        same_site="lax",
        https_only=(settings.public_url or "").startswith("https://"),
    )
    app.mount("/static", CachedStatic(directory=STATIC), name="static")
    for module in (
        signin,
        teams,
        teamfile,
        rotas,
        coverage,
        me,
        onduty,
        notify,
        capacity,
        fairness,
        requests,
    ):
        app.include_router(module.router)
    install_error_pages(app)
