"""API tokens (bearer, with a role) and calendar tokens (the secret in a feed URL); both stored hashed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal, hash_secret, new_secret
from api.db import utcnow
from api.errors import Forbidden, Invalid, NotFound
from api.models import ROLES, ApiToken, CalendarToken, TeamRow
from api.services.teams import current_document

FEED_KINDS = ("person", "team", "role")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


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
) -> Issued:
    """A new bearer token; leads need teams, staff need a person and their teams."""
    if role not in ROLES:
        raise Invalid(f'unknown role "{role}" (known: {", ".join(ROLES)})', "role")
    for i, team in enumerate(teams):
        if not _ID.match(team):
            raise Invalid(f'"{team}" is not a valid team id', f"teams[{i}]")
    if role == "lead" and not teams:
        raise Invalid("a lead token needs at least one team", "teams")
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
    secret = new_secret("rota_")
    row = ApiToken(
        token_hash=hash_secret(secret),
        role=role,
        teams=sorted(set(teams)),
        person=person if role == "staff" else None,
        label=label,
    )
    session.add(row)
    session.commit()
    return Issued(row.id, secret)


def revoke_api_token(*, session: Session, token_id: int | None = None, secret: str | None = None) -> ApiToken:
    """Revoke a bearer token by its id or by the token itself."""
    if secret is not None:
        row = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret))).first()
    else:
        row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("no such token", "token")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.commit()
    return row


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
    if session.get(TeamRow, team_id) is None:
        raise NotFound(f'no team "{team_id}"', "team")
    if principal.role == "staff":
        person = person or principal.person
        if kind != "person" or person != principal.person or not principal.member(team_id):
            raise Forbidden("staff tokens may only make feeds of their own shifts", "authorization")
    else:
        principal.require_manager(team_id)
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
    return list(session.scalars(query))


def revoke_calendar_token(*, session: Session, principal: Principal, token_id: int) -> CalendarToken:
    """Revoke a feed: its URL answers 404 from now on."""
    row = session.get(CalendarToken, token_id)
    if row is None:
        raise NotFound(f"no calendar token {token_id}", "token_id")
    if principal.role == "staff":
        if row.created_by != principal.token_id:
            raise Forbidden("staff may only revoke their own feeds", "authorization")
    else:
        principal.require_manager(row.team_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.commit()
    return row



# -- web sign-in: one-time links and the token behind a session -----------------------------------------
def create_sign_in_link(*, session: Session, token_id: int, minutes: int) -> Issued:
    """A one-time sign-in link's secret for a live API token, valid for ``minutes``."""
    from datetime import timedelta

    from api.models import SignInLink

    token = session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
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

    from api.errors import Unauthorized
    from api.models import SignInLink

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
    session.commit()
    return _principal(row)


def token_principal(*, session: Session, secret: str) -> Principal:
    """The principal of a pasted API token; 401 when unknown or revoked."""
    from api.errors import Unauthorized

    row = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_secret(secret), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        raise Unauthorized("the token is unknown or revoked", "token")
    return _principal(row)


def session_principal(*, session: Session, token_id: int, token_hash: str) -> Principal:
    """The principal behind a web session (the token's id and hash); 401 once the token is revoked."""
    from api.errors import Unauthorized

    row = session.get(ApiToken, token_id)
    if row is None or row.token_hash != token_hash or row.revoked_at is not None:
        raise Unauthorized("your session has ended: the token behind it was revoked", "session")
    return _principal(row)


def token_hash_of(*, session: Session, token_id: int) -> str:
    """The stored hash of a token (what a web session keeps beside its id)."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}", "token")
    return row.token_hash


def _principal(row: ApiToken) -> Principal:
    return Principal(row.id, row.role, tuple(row.teams or ()), row.person, row.label)
