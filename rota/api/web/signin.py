"""Signing in (a one-time link, or a pasted API token), signing out, and the home page that sends each
role to its start page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.orm import Session

from rota.api.auth import Principal, count_failure
from rota.api.errors import TooManyRequests, Unauthorized
from rota.api.services.tokens import redeem_sign_in_link, token_principal
from rota.api.web.errors import PageRoute
from rota.api.web.render import page, redirect
from rota.api.web.session import Csrf, flash, optional_principal, sign_in, sign_out

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def start_page(principal: Principal) -> str:
    """Where a role starts: leads and HR at their teams, staff at their shifts, an integration token (a wall
    screen) at who is on duty in its first team."""
    if principal.role == "integration" and principal.teams:
        return f"/teams/{principal.teams[0]}/on-duty"
    return "/me" if principal.role == "staff" else "/teams"


def safe_next(target: str | None) -> str | None:
    """A page of this site to go back to after signing in (never another site)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\", "/sign-")):
        return target
    return None


@router.get("/")
def home(request: Request) -> Response:
    """Signed in: your start page; otherwise the sign-in page."""
    principal = optional_principal(request)
    if principal is not None:
        return redirect(start_page(principal))
    return page(request, "sign_in.html", {"code": None, "next": None})


@router.get("/sign-in")
def sign_in_page(request: Request, code: str | None = None, next: str | None = None) -> Response:
    """Paste a token, or confirm a one-time link (a link is used only when the button is pressed, so a
    mail scanner opening it does not spend it)."""
    return page(request, "sign_in.html", {"code": code, "next": safe_next(next)})


def _signed_in(request: Request, principal: Principal, next: str | None) -> Response:
    sign_in(request, principal)
    flash(request, f"Signed in as {principal.name} ({principal.role}).")
    return redirect(safe_next(next) or start_page(principal))


def _refused(request: Request, exc: Unauthorized, code: str | None, next: str | None) -> Response:
    """The sign-in page again, saying why: 401, or 429 with Retry-After once this address has failed
    ``ROTA_AUTH_FAILURE_LIMIT`` times in the window (a valid token or link still signs in)."""
    try:
        count_failure(request, "sign-in", "token")
    except TooManyRequests as busy:
        context = {"code": code, "next": safe_next(next), "error": busy.problems[0]["message"]}
        response = page(request, "sign_in.html", context, status=429)
        response.headers.update(busy.headers)
        return response
    context = {"code": code, "next": safe_next(next), "error": exc.problems[0]["message"]}
    return page(request, "sign_in.html", context, status=401)


def _sign_in_with(
    request: Request, next: str | None, lookup: Callable[[Session], Principal], *, write: bool
) -> Response:
    """Sign in as whom ``lookup`` finds (in a writing transaction when it spends something), or show the
    sign-in page again saying why not."""
    db = request.app.state.db
    try:
        with db.write() if write else db.read() as session:
            principal = lookup(session)
    except Unauthorized as exc:
        return _refused(request, exc, None, next)
    return _signed_in(request, principal, next)


@router.post("/sign-in", dependencies=[Csrf])
def sign_in_with_token(
    request: Request, token: Annotated[str, Form()] = "", next: Annotated[str | None, Form()] = None
) -> Response:
    """Sign in with a pasted API token."""
    return _sign_in_with(
        request, next, lambda session: token_principal(session=session, secret=token.strip()), write=False
    )


@router.post("/sign-in/link", dependencies=[Csrf])
def sign_in_with_link(
    request: Request, code: Annotated[str, Form()] = "", next: Annotated[str | None, Form()] = None
) -> Response:
    """Sign in with a one-time link: it works once, before it expires."""
    return _sign_in_with(
        request, next, lambda session: redeem_sign_in_link(session=session, secret=code.strip()), write=True
    )


@router.post("/sign-out", dependencies=[Csrf])
def sign_out_now(request: Request) -> Response:
    """End the session."""
    sign_out(request)
    flash(request, "Signed out.")
    return redirect("/sign-in")
