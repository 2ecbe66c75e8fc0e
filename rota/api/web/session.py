"""The web session: who is signed in (the id of a session row, ``rota.api.services.websessions``), the CSRF
token, one-line messages. The cookie carries no secret of the API: no token, no feed link."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rota.api.auth import Principal
from rota.api.db import Database
from rota.api.errors import Forbidden, Unauthorized
from rota.api.services import websessions
from rota.api.settings import Settings

log = logging.getLogger(__name__)
AUTH, CSRF, FLASH = "auth", "csrf", "flash"


def session_secret(db: Database, settings: Settings) -> str:
    """ROTA_SESSION_SECRET, else a key made once and kept in the database (every server process shares it)."""
    if settings.session_secret:
        return settings.session_secret
    for _ in range(2):
        try:
            with db.write() as session:
                return websessions.session_key(session=session)
        except IntegrityError:  # another process made it first: read theirs
            continue
        except Exception as exc:  # an unmigrated database: sessions last until this process stops
            log.warning("web session key not kept in the database (%s); using one for this process", exc)
            break
    return secrets.token_urlsafe(48)


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use; every form sends it back in a hidden field."""
    token = request.session.get(CSRF)
    if not token:
        token = request.session[CSRF] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a POST whose form field ``csrf`` (or header X-CSRF-Token) is not this session's token."""
    form = await request.form()
    sent = form.get("csrf") or request.headers.get("x-csrf-token") or ""
    expected = request.session.get(CSRF) or ""
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, expected):
        raise Forbidden(
            "this form has expired or did not come from this site: reload the page and try again", "csrf"
        )


def sign_in(request: Request, principal: Principal) -> None:
    """Start a session for the principal's token: a new session row (the cookie keeps only its random id)
    and a fresh CSRF token; whatever session the cookie held before is ended."""
    assert principal.token_id is not None
    with request.app.state.db.write() as session:
        previous = session_id(request)
        if previous is not None:
            websessions.end_web_session(session=session, sid=previous)
        sid = websessions.start_web_session(
            session=session, token_id=principal.token_id, hours=request.app.state.settings.session_hours
        )
    request.session.clear()
    request.session[AUTH] = sid
    request.session[CSRF] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    """End the session in the database (a copy of the cookie is refused from now on) and in the cookie."""
    sid = session_id(request)
    if sid is not None:
        with request.app.state.db.write() as session:
            websessions.end_web_session(session=session, sid=sid)
    request.session.clear()


def session_id(request: Request) -> str | None:
    """The session id the cookie carries (None when signed out, or a cookie from before sessions were
    kept in the database)."""
    sid = request.session.get(AUTH)
    return sid if isinstance(sid, str) and sid else None


def take_kept(request: Request, take: Callable[..., dict[str, Any] | None]) -> dict[str, Any] | None:
    """What this session's last POST kept on its row for the next page (too big or too secret for the
    cookie), read once through the websessions ``take`` function (``take_new_feed``, ``take_draft``);
    None when signed out or nothing waits."""
    sid = session_id(request)
    if sid is None:
        return None
    session: Session
    with request.app.state.db.write() as session:
        return take(session=session, sid=sid)


def optional_principal(request: Request) -> Principal | None:
    """The signed-in principal, or None; a session that was signed out, lapsed, or whose token was revoked
    or expired ends here."""
    if AUTH in request.session and session_id(request) is None:
        request.session.pop(AUTH, None)  # a cookie of the old kind (the token's id and hash): sign in again
    sid = session_id(request)
    if sid is None:
        return None
    db = request.app.state.db
    settings = request.app.state.settings
    try:
        with db.read() as session:
            principal, stale = websessions.web_session_principal(
                session=session, sid=sid, hours=settings.session_hours
            )
    except Unauthorized as exc:
        request.session.pop(AUTH, None)
        message = str(exc)
        flash(request, message[:1].upper() + message[1:] + ".", "error")
        return None
    if stale:
        try:
            with db.write() as session:
                websessions.touch_web_session(session=session, sid=sid)
        except Exception:  # a busy database must not sign anyone out
            log.warning("could not record a web session's last page", exc_info=True)
    request.state.principal = principal
    return principal


def any_web_principal(request: Request) -> Principal:
    """The signed-in principal, an integration token's session too (the on-duty page); 401 (the pages answer
    with the sign-in page) when nobody is."""
    principal = optional_principal(request)
    if principal is None:
        raise Unauthorized("sign in to continue", "session")
    return principal


def web_principal(request: Request) -> Principal:
    """The signed-in principal of every page but on-duty: an integration token's session is refused (403)."""
    principal = any_web_principal(request)
    if principal.role == "integration":
        raise Forbidden("an integration token may only show who is on duty", "authorization")
    return principal


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A message for the next page shown (after a redirect)."""
    request.session.setdefault(FLASH, []).append({"kind": kind, "text": message})


def take_flashes(request: Request) -> list[dict[str, str]]:
    return request.session.pop(FLASH, []) if FLASH in request.session else []


WebPrincipal = Annotated[Principal, Depends(web_principal)]
AnyWebPrincipal = Annotated[Principal, Depends(any_web_principal)]
Csrf = Depends(check_csrf)
