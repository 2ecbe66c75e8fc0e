"""Web sessions kept in the database: the cookie carries a random session id, the database its SHA-256,
the token it signs in as, when it was last seen and whether it ended. Every page checks the row, so
signing out (or the session lapsing) ends a session everywhere its cookie was copied to.

A feed link made on /me is kept on the row (``new_feed``) until the next page takes it, once: the
cookie never carries a secret. A team file checked or refused on a POST waits there the same way
(``held_draft``), for the page its POST redirects to (post-redirect-get; the text is too big for a cookie).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from rota.api.auth import Principal, hash_secret
from rota.api.db import utcnow
from rota.api.errors import Unauthorized
from rota.api.models import AppSecret, WebSession
from rota.api.services.tokens import session_principal

SEEN_EVERY = timedelta(minutes=5)
"""``seen_at`` is written when older than this: one small write per session per 5 minutes."""


def session_key(*, session: Session) -> str:
    """The key that signs the web session cookies: made once and kept, so every server process shares it
    (IntegrityError when another process made it at the same moment: read theirs)."""
    row = session.get(AppSecret, "session")
    if row is None:
        row = AppSecret(name="session", value=secrets.token_urlsafe(48), created_at=utcnow())
        session.add(row)
        session.commit()
    return row.value


def start_web_session(
    *, session: Session, token_id: int, hours: float = 12.0, now: datetime | None = None
) -> str:
    """A new session for a live API token: the session id the cookie keeps (the row keeps its hash).
    Sessions that ended, or lapsed ``hours`` ago, are deleted on the way (the table stays small)."""
    now = now or utcnow()
    session.execute(
        delete(WebSession).where(
            or_(WebSession.ended_at.is_not(None), WebSession.seen_at < now - timedelta(hours=hours))
        )
    )
    sid = secrets.token_urlsafe(32)
    session.add(WebSession(session_hash=hash_secret(sid), api_token_id=token_id, created_at=now, seen_at=now))
    session.commit()
    return sid


def web_session_principal(
    *, session: Session, sid: str, hours: float, now: datetime | None = None
) -> tuple[Principal, bool]:
    """The principal of a live session and whether its ``seen_at`` is due to be written; 401 when the
    session is unknown, ended, unused for ``hours``, or its token is revoked or expired."""
    now = now or utcnow()
    row = session.scalars(select(WebSession).where(WebSession.session_hash == hash_secret(sid))).first()
    if row is None or row.ended_at is not None:
        raise Unauthorized("your session has ended: sign in again", "session")
    if now - row.seen_at > timedelta(hours=hours):
        raise Unauthorized(f"your session has ended: no page was opened in {hours:g} hours", "session")
    principal = session_principal(session=session, token_id=row.api_token_id)
    return principal, now - row.seen_at >= SEEN_EVERY


def touch_web_session(*, session: Session, sid: str, now: datetime | None = None) -> None:
    session.execute(
        update(WebSession).where(WebSession.session_hash == hash_secret(sid)).values(seen_at=now or utcnow())
    )
    session.commit()


def end_web_session(*, session: Session, sid: str, now: datetime | None = None) -> None:
    """Sign out: the session is refused from now on, wherever its cookie is; a feed link not yet shown
    is dropped."""
    _set_live(session, sid, ended_at=now or utcnow(), new_feed=None, held_draft=None)


def _set_live(session: Session, sid: str, **values: Any) -> None:
    """Write ``values`` on the session's row while it is live (nothing once it has ended), committed."""
    session.execute(
        update(WebSession)
        .where(WebSession.session_hash == hash_secret(sid), WebSession.ended_at.is_(None))
        .values(**values)
    )
    session.commit()


def keep_new_feed(*, session: Session, sid: str, feed: dict[str, Any]) -> None:
    """Keep a feed link just made for the next page of this session (shown there once)."""
    _set_live(session, sid, new_feed=feed)


def take_new_feed(*, session: Session, sid: str) -> dict[str, Any] | None:
    """The feed link kept for this session, removed as it is read: a second page (or a second browser
    with the same cookie) gets None."""
    return _take(session, sid, WebSession.new_feed)


def keep_draft(*, session: Session, sid: str, draft: dict[str, Any]) -> None:
    """Keep an unsaved team file (text, problems) for the next page of this session (shown there once)."""
    _set_live(session, sid, held_draft=draft)


def take_draft(*, session: Session, sid: str) -> dict[str, Any] | None:
    """The unsaved team file kept for this session, removed as it is read (a reload shows the stored
    file)."""
    return _take(session, sid, WebSession.held_draft)


def _take(session: Session, sid: str, column: Any) -> dict[str, Any] | None:
    digest = hash_secret(sid)
    held = session.scalars(select(column).where(WebSession.session_hash == digest)).first()
    if not held:
        return None
    taken = session.execute(
        update(WebSession)
        .where(WebSession.session_hash == digest, column.is_not(None))
        .values({column.key: None})
    )
    if taken.rowcount != 1:  # another page took it first
        session.rollback()
        return None
    session.commit()
    return dict(held)
