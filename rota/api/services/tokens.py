"""API tokens (bearer, with a role) and calendar tokens (the secret in a feed URL); both stored hashed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.api.auth import Principal, expired, hash_secret, new_secret, principal_of
from rota.api.db import utcnow
from rota.api.errors import Forbidden, Invalid, NotFound
from rota.api.models import ROLES, ApiToken, CalendarToken, TeamRow
from rota.api.services.teams import current_document

FEED_KINDS = ("person", "team", "role")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
DEFAULT: Any = object()
"""``expires_at`` not given: ``token_days`` (a setting) from now, or never when it is 0."""


def default_expiry(now: datetime | None = None) -> datetime | None:
    """When a token made now expires by default: ``token_days`` from now (None when it is 0)."""
    from rota.api.settings import get_settings

    days = get_settings().token_days
    return (now or utcnow()) + timedelta(days=days) if days else None


@dataclass(frozen=True)
class Issued:
    """A token row and its secret, which exists only here: the database keeps the hash."""

    id: int
    secret: str


def create_api_token(
    *,
    session: Session,
    role: str,
    teams: Sequence[str] = (),
    person: str | None = None,
    label: str | None = None,
    expires_at: datetime | None = DEFAULT,
) -> Issued:
    """A new bearer token; leads need teams, staff need a person and their teams, integration tokens (who is
    on duty, read-only) their teams. It expires at
    ``expires_at`` (None: never; not given: ``token_days`` from now)."""
    if role not in ROLES:
        raise Invalid(f'unknown role "{role}" (known: {", ".join(ROLES)})', "role")
    for i, team in enumerate(teams):
        if not _ID.match(team):
            raise Invalid(f'"{team}" is not a valid team id', f"teams[{i}]")
    if role == "lead" and not teams:
        raise Invalid("a lead token needs at least one team", "teams")
    if role == "integration" and not teams:
        raise Invalid("an integration token needs the teams whose on-duty answer it reads", "teams")
    if role == "staff" and (not person or not teams):
        raise Invalid("a staff token needs a person and their teams", "person")
    if role != "staff" and person:
        raise Invalid(f"only staff tokens name a person, not {role} tokens", "person")
    if role == "hr" and teams:
        raise Invalid("an hr token reads every team: give no teams", "teams")
    for i, team in enumerate(teams if role == "staff" else ()):
        # a team not stored yet may come later; a stored one must have the person
        if session.get(TeamRow, team) is not None:
            people = {p.get("id") for p in current_document(session=session, team_id=team).get("people", [])}
            if person not in people:
                raise Invalid(f'team "{team}" has no person "{person}"', f"teams[{i}]")
    now = utcnow()
    if expires_at is DEFAULT:
        expires_at = default_expiry(now)
    elif expires_at is not None and expires_at <= now:
        raise Invalid(f"the expiry {expires_at.date().isoformat()} is not in the future", "expires_at")
    secret = new_secret("rota_")
    row = ApiToken(
        token_hash=hash_secret(secret),
        role=role,
        teams=sorted(set(teams)),
        person=person if role == "staff" else None,
        label=label,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.commit()
    return Issued(row.id, secret)


def _find_api_token(session: Session, token_id: int | None, secret: str | None) -> ApiToken:
    if secret is not None:
        row = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret))).first()
    else:
        row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("no such token", "token")
    return row


def revoke_api_token(*, session: Session, token_id: int | None = None, secret: str | None = None) -> ApiToken:
    """Revoke a bearer token by its id or by the token itself."""
    row = _find_api_token(session, token_id, secret)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.commit()
    return row


def rotate_api_token(
    *, session: Session, token_id: int | None = None, secret: str | None = None
) -> tuple[ApiToken, Issued]:
    """A new secret for a live token (same role, teams, person, label; the same lifetime from now, or
    never when it never expired) and the old one revoked, in one transaction: (the old row, the new)."""
    old = _find_api_token(session, token_id, secret)
    if old.revoked_at is not None:
        raise Invalid(f"token {old.id} is revoked: make a new one with `rota token create`", "token")
    now = utcnow()
    expires_at = None if old.expires_at is None else now + (old.expires_at - old.created_at)
    new = new_secret("rota_")
    row = ApiToken(
        token_hash=hash_secret(new),
        role=old.role,
        teams=list(old.teams or ()),
        person=old.person,
        label=old.label,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    old.revoked_at = now
    session.commit()
    return old, Issued(row.id, new)


def list_api_tokens(*, session: Session, revoked: bool = False) -> list[ApiToken]:
    """API tokens by id: the live ones (expired included), or all with ``revoked``."""
    query = select(ApiToken).order_by(ApiToken.id)
    if not revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(session.scalars(query))


def create_calendar_token(
    *,
    session: Session,
    principal: Principal,
    kind: str,
    team_id: str,
    person: str | None = None,
    role: str | None = None,
) -> Issued:
    """A feed secret for a person's shifts, a whole team, or one role; staff may only make their own."""
    if kind not in FEED_KINDS:
        raise Invalid(f'unknown feed kind "{kind}" (known: {", ".join(FEED_KINDS)})', "kind")
    # who may, before what exists: a team the caller has no rights in answers 403 whether it exists or not
    if principal.role == "staff":
        person = person or principal.person
        if kind != "person" or person != principal.person or not principal.member(team_id):
            raise Forbidden("staff tokens may only make feeds of their own shifts", "authorization")
    else:
        principal.require_manager(team_id)
    if session.get(TeamRow, team_id) is None:
        raise NotFound(f'no team "{team_id}"', "team")
    doc = current_document(session=session, team_id=team_id)
    if kind == "person":
        if not person:
            raise Invalid("a person feed needs the person's id", "person")
        if person not in {p.get("id") for p in doc.get("people", [])}:
            raise Invalid(f'team "{team_id}" has no person "{person}"', "person")
        role = None
    elif kind == "role":
        if not role:
            raise Invalid("a role feed needs the role's id", "role")
        if role not in doc.get("roles", {}):
            raise Invalid(f'team "{team_id}" has no role "{role}"', "role")
        person = None
    else:
        person = role = None
    secret = new_secret("cal_")
    row = CalendarToken(
        token_hash=hash_secret(secret),
        kind=kind,
        team_id=team_id,
        person=person,
        role=role,
        created_by=principal.token_id,
    )
    session.add(row)
    session.commit()
    return Issued(row.id, secret)


def list_calendar_tokens(*, session: Session, principal: Principal) -> list[CalendarToken]:
    """Feeds the caller may see: hr all, leads their teams', staff their own."""
    query = select(CalendarToken).where(CalendarToken.revoked_at.is_(None)).order_by(CalendarToken.id)
    if principal.role == "lead":
        query = query.where(CalendarToken.team_id.in_(principal.teams))
    elif principal.role == "staff":
        query = query.where(CalendarToken.created_by == principal.token_id)
    elif principal.role != "hr":  # an integration token sees no feed
        return []
    return list(session.scalars(query))


def revoke_calendar_token(*, session: Session, principal: Principal, token_id: int) -> CalendarToken:
    """Revoke a feed: its URL answers 404 from now on."""
    row = session.get(CalendarToken, token_id)
    # a feed the caller may not see answers as one that does not exist (the same 404 and body)
    mine = row is not None and (
        row.created_by == principal.token_id if principal.role == "staff" else principal.manages(row.team_id)
    )
    if row is None or not mine:
        raise NotFound(f"no calendar token {token_id}", "token_id")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.commit()
    return row


# -- web sign-in: one-time links and the token behind a session -----------------------------------------
def create_sign_in_link(*, session: Session, token_id: int, minutes: int) -> Issued:
    """A one-time sign-in link's secret for a live API token, valid for ``minutes``."""
    from datetime import timedelta

    from rota.api.models import SignInLink

    token = session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None or expired(token, utcnow()):
        raise NotFound(f"no live token {token_id}", "token")
    secret = new_secret("link_")
    now = utcnow()
    row = SignInLink(
        token_hash=hash_secret(secret),
        api_token_id=token.id,
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    session.add(row)
    session.commit()
    return Issued(row.id, secret)


def redeem_sign_in_link(*, session: Session, secret: str) -> Principal:
    """Use a sign-in link once: the principal of its token; 401 when unknown, used, expired or revoked."""
    from sqlalchemy import update

    from rota.api.errors import Unauthorized
    from rota.api.models import SignInLink

    refused = Unauthorized("this sign-in link is unknown, expired or already used: ask for a new one", "link")
    now = utcnow()
    link = session.scalars(select(SignInLink).where(SignInLink.token_hash == hash_secret(secret))).first()
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise refused
    used = session.execute(
        update(SignInLink).where(SignInLink.id == link.id, SignInLink.used_at.is_(None)).values(used_at=now)
    )
    if used.rowcount != 1:  # another request used it first
        session.rollback()
        raise refused
    row = session.get(ApiToken, link.api_token_id)
    if row is None or row.revoked_at is not None:
        session.rollback()
        raise refused
    why = expired(row, now)
    if why is not None:
        session.rollback()
        raise Unauthorized(why, "link")
    session.commit()
    return principal_of(session, row)


def token_principal(*, session: Session, secret: str) -> Principal:
    """The principal of a pasted API token; 401 when unknown or revoked."""
    from rota.api.errors import Unauthorized

    row = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_secret(secret), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        raise Unauthorized("the token is unknown or revoked", "token")
    why = expired(row, utcnow())
    if why is not None:
        raise Unauthorized(why, "token")
    return principal_of(session, row)


def session_principal(*, session: Session, token_id: int) -> Principal:
    """The principal behind a web session (the token it was signed in with); 401 once the token is
    revoked or expired."""
    from rota.api.errors import Unauthorized

    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        raise Unauthorized("your session has ended: the token behind it was revoked", "session")
    why = expired(row, utcnow())
    if why is not None:
        raise Unauthorized(f"your session has ended: {why}", "session")
    return principal_of(session, row)
