"""Refusals as pages: 401 → the sign-in page, 403 → "your role cannot do this", 404/409/422 in words;
a 409 in answer to a form (state changed meanwhile) is said on the page the form came from, after a
redirect.

Only the page routes (``PageRoute``) and unknown paths asked for as HTML get pages; the JSON API keeps
its JSON errors.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from rota.api.errors import ApiError, Forbidden, NotFound
from rota.api.services import teams
from rota.api.web.render import page, redirect
from rota.api.web.session import AUTH, flash, optional_principal

TITLES = {
    403: "Your role cannot do this",
    404: "Not found",
    405: "Not found",
    409: "Someone changed this meanwhile",
    415: "That cannot be read",
    422: "That cannot be done as asked",
    429: "Too many at once: try again shortly",
}
EXPIRED = "This form has expired"
NOT_PAGES = ("/api/", "/calendars/", "/docs", "/redoc", "/openapi.json", "/static/")


def error_page(request: Request, status: int, problems: list[dict[str, Any]]) -> Response:
    """The page for a refusal; a 401 sends the browser to the sign-in page and back here after."""
    if status == 401:
        had_session = request.session.pop(AUTH, None) is not None
        message = problems[0]["message"] if problems else "sign in to continue"
        if had_session or "revoked" in message or "link" in message:
            flash(request, message[:1].upper() + message[1:] + ".", "error")
        back = request.url.path if request.method == "GET" else "/"
        if request.url.query and request.method == "GET":
            back += "?" + request.url.query
        return redirect(f"/sign-in?next={quote(back)}")
    if getattr(request.state, "principal", None) is None:
        optional_principal(request)  # refused before the page asked who is signed in (a CSRF check)
    if status == 409 and request.method != "GET":
        return _conflict_after_post(request, problems)
    title = TITLES.get(status, "Something went wrong")
    if status == 403 and any(p.get("path") == "csrf" for p in problems):
        title = EXPIRED
        problems = [
            {
                "path": "",
                "message": "this form expired (or came from another site): reload the page, "
                "then make your change again",
            }
        ]
    context = {"status": status, "title": title, "problems": problems, "back": back_link(request)}
    return page(request, "error.html", context, status=status)


def _conflict_after_post(request: Request, problems: list[dict[str, Any]]) -> Response:
    """Post-redirect-get for a form refused because something changed meanwhile: the reason is said once
    on the page the form came from (shown as it is now), so Back and reload never resend the form."""
    reasons = "; ".join(p["message"] for p in problems[:3])[:500]
    flash(request, f"{TITLES[409]}: {reasons}.", "error")
    return redirect(back_link(request)["url"])


def back_link(request: Request) -> dict[str, str]:
    """Where the error page sends the user back to: the page they came from (this site only), else the
    team's page, else their start page."""
    referer = request.headers.get("referer") or ""
    parts = urlsplit(referer)
    here = request.url.path + ("?" + request.url.query if request.url.query else "")
    if parts.netloc == request.url.netloc and parts.path.startswith("/") and not parts.path.startswith("//"):
        target = parts.path + ("?" + parts.query if parts.query else "")
        if target != here or request.method != "GET":
            return {"url": target, "text": "Back to the page you came from"}
    principal = getattr(request.state, "principal", None)
    team_id = request.path_params.get("team_id")
    if (
        principal is not None
        and team_id
        and request.url.path != f"/teams/{team_id}"
        and (principal.manages(team_id))
        and _visible(principal, team_id)
    ):
        return {"url": f"/teams/{team_id}", "text": "Back to the team"}
    return {"url": "/", "text": "Back to your start page"}


def _visible(principal: Any, team_id: str) -> bool:
    """Whether the team is one the principal has any part in (hr: every team)."""
    return principal.role == "hr" or team_id in principal.teams or team_id in principal.left


def not_yours_as_not_found(request: Request, exc: ApiError) -> ApiError:
    """A team the signed-in user has no part in answers as one that does not exist (404), so a page never
    tells which teams exist; a team of theirs their role cannot do this on stays 403."""
    principal = getattr(request.state, "principal", None)
    team_id = request.path_params.get("team_id")
    if not isinstance(exc, Forbidden) or principal is None or not team_id:
        return exc
    if not _visible(principal, team_id):
        return NotFound(f'there is no team "{team_id}" that you can see', "team_id")
    if principal.role == "hr":  # hr sees every team: one that is not stored is simply not there
        with request.app.state.db.read() as session:
            if not teams.team_exists(session=session, team_id=team_id):
                return NotFound(f'there is no team "{team_id}"', "team_id")
    return exc


class PageRoute(APIRoute):
    """A page route: refusals of the services (and bad query or form values) become pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as exc:
                exc = not_yours_as_not_found(request, exc)
                return error_page(request, exc.status, exc.problems)
            except RequestValidationError as exc:
                problems = [
                    {"path": ".".join(str(p) for p in e.get("loc", ())[1:]), "message": str(e.get("msg"))}
                    for e in exc.errors()
                ]
                return error_page(request, 422, problems)

        return page_handler


def wants_page(request: Request) -> bool:
    """A browser asking for a page (not the API, the feeds or the docs)."""
    path = request.url.path
    return not path.startswith(NOT_PAGES) and "text/html" in request.headers.get("accept", "")


def install_error_pages(app: FastAPI) -> None:
    """Unknown paths asked for as HTML get the 404 page; anything else goes to the handler already set."""
    previous = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)

    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (404, 405) and wants_page(request) and "session" in request.scope:
            problem = {"path": "", "message": f"there is no page at {request.url.path}"}
            return error_page(request, 404, [problem])
        result = previous(request, exc)
        return await result if inspect.isawaitable(result) else result

    app.add_exception_handler(StarletteHTTPException, handler)
