"""Bearer tokens with a role: lead (named teams), hr (read everything), staff (a person, their teams),
integration (named teams, read-only: who is on duty, nothing else)."""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select, update

from rota.api.db import utcnow
from rota.api.errors import Forbidden, TooManyRequests, Unauthorized
from rota.api.middleware import FailureLimiter, client_ip
from rota.api.models import ApiToken, TeamRow, TeamVersion

log = logging.getLogger(__name__)
LAST_USED_EVERY = timedelta(minutes=10)
"""``last_used_at`` is written only when older than this: one small write per token per 10 minutes."""

bearer = HTTPBearer(auto_error=False, description="an API token from `rota token create`")


def new_secret(prefix: str) -> str:
    """A fresh secret: the prefix and 256 random bits, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """What the database keeps of a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's role, the teams it names and, for staff, the person."""

    token_id: int | None
    role: str
    teams: tuple[str, ...] = ()
    person: str | None = None
    label: str | None = None
    left: tuple[str, ...] = ()  # staff: teams the token names whose current version no longer has the person

    @property
    def name(self) -> str:
        return self.label or f"{self.role} token {self.token_id}"

    def leads(self, team_id: str) -> bool:
        return self.role == "lead" and team_id in self.teams

    def member(self, team_id: str) -> bool:
        return self.role == "staff" and team_id in self.teams

    def require_lead(self, team_id: str) -> None:
        """Editing, generating and publishing: a lead of this team."""
        if not self.leads(team_id):
            raise Forbidden(f'a lead token for team "{team_id}" is needed', "authorization")

    def manages(self, team_id: str) -> bool:
        """hr, or a lead of the team: who reads its drafts, documents, coverage and leave reasons."""
        return self.role == "hr" or self.leads(team_id)

    def require_manager(self, team_id: str) -> None:
        """Reading a team's drafts, documents and coverage: hr, or a lead of the team."""
        if not self.manages(team_id):
            raise Forbidden(f'an hr token or a lead token for team "{team_id}" is needed', "authorization")

    def require_reader(self, team_id: str) -> None:
        """Reading a team's published rotas: hr, its leads, its staff."""
        if self.role == "staff" and team_id in self.left:
            raise Forbidden(f'"{self.person}" is no longer in team "{team_id}"', "authorization")
        if self.role != "hr" and not self.leads(team_id) and not self.member(team_id):
            raise Forbidden(f'no access to team "{team_id}"', "authorization")

    def require_on_duty_reader(self, team_id: str) -> None:
        """Who is on duty: a reader of the team, or an integration token naming it."""
        if self.role == "integration" and team_id in self.teams:
            return
        if self.role == "integration":
            raise Forbidden(f'this integration token does not name team "{team_id}"', "authorization")
        self.require_reader(team_id)

    def require_role(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(f"this needs a token with role {' or '.join(roles)}", "authorization")


FAILURE_WHAT = {
    "auth": "unknown or revoked bearer tokens",
    "feed": "unknown or revoked calendar tokens",
    "sign-in": "failed sign-ins",
}


def count_failure(request: Request, kind: str, path: str) -> None:
    """A credential of ``kind`` (``auth``, ``feed``, ``sign-in``) was refused: 429 when the client's address
    has already failed ``ROTA_AUTH_FAILURE_LIMIT`` times in the window, else the failure is counted (and
    the caller answers its 401 or 404). Only failures are counted and limited: a valid credential is
    never refused for the failures of others at the same address (behind the same NAT or proxy)."""
    limiter: FailureLimiter | None = getattr(request.app.state, "failures", None)
    if limiter is None:
        return
    key = (kind, client_ip(request))
    wait = limiter.retry_after(key)
    if wait is not None:
        raise TooManyRequests(
            f"too many {FAILURE_WHAT[kind]} from {key[1]}: try again in {wait} s", path, retry_after=wait
        )
    limiter.fail(key)


def expired(row: ApiToken, now: datetime) -> str | None:
    """Why a token is refused for its age ("the token expired on YYYY-MM-DD"), or None while it is valid."""
    if row.expires_at is not None and row.expires_at <= now:
        return f"the token expired on {row.expires_at.date().isoformat()}"
    return None


# people of a team version, by engine (tests run many databases in one process) and (team, version)
_people: weakref.WeakKeyDictionary[Any, dict[tuple[str, int], frozenset[str]]] = weakref.WeakKeyDictionary()
_people_lock = threading.Lock()


def team_people_of(conn: Any, team_id: str, version: int) -> frozenset[str]:
    """The person ids of one stored team version: read once per (database, team, version), then cached
    (a stored version never changes)."""
    bind = conn.get_bind() if hasattr(conn, "get_bind") else conn
    engine = getattr(bind, "engine", bind)
    with _people_lock:
        cache = _people.setdefault(engine, {})
        people = cache.get((team_id, version))
    if people is None:
        doc = conn.execute(
            select(TeamVersion.document).where(TeamVersion.team_id == team_id, TeamVersion.version == version)
        ).scalar()
        people = frozenset(p.get("id") for p in (doc or {}).get("people", []) if isinstance(p, dict))
        with _people_lock:
            if len(cache) > 4096:
                cache.clear()
            cache[(team_id, version)] = people
    return people


def team_people(conn: Any, team_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """The person ids of each stored team's current version (teams not stored are left out): one small
    query for the current versions, and the cache of ``team_people_of``."""
    team_ids = list(team_ids)
    if not team_ids:
        return {}
    rows = conn.execute(select(TeamRow.id, TeamRow.current_version).where(TeamRow.id.in_(team_ids))).all()
    return {team_id: team_people_of(conn, team_id, version) for team_id, version in rows}


def principal_of(session: Any, row: ApiToken) -> Principal:
    """The principal of a live token row; a staff token loses the teams its person has left."""
    teams = tuple(row.teams or ())
    left: tuple[str, ...] = ()
    if row.role == "staff" and teams:
        people = team_people(session, teams)
        left = tuple(t for t in teams if t in people and row.person not in people[t])
        teams = tuple(t for t in teams if t not in left)
    return Principal(row.id, row.role, teams, row.person, row.label, left)


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """The principal of a bearer token; 401 when it is missing, unknown, revoked or expired, or 429 instead
    while the client's address is over its count of refused tokens (``ROTA_AUTH_FAILURE_*``): a valid
    token is let through whatever the count.

    ``last_used_at`` is written when it is older than 10 minutes; a failure of that write is only logged.
    """
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("a bearer token is needed (Authorization: Bearer …)", "authorization")
    digest = hash_secret(credentials.credentials)
    now = getattr(request.app.state, "clock", utcnow)()
    db = request.app.state.db
    with db.read() as session:
        row = session.scalars(
            select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
        ).first()
        refusal = "the token is unknown or revoked" if row is None else expired(row, now)
        if row is None or refusal is not None:
            count_failure(request, "auth", "authorization")
            raise Unauthorized(str(refusal), "authorization")
        principal = principal_of(session, row)
        stale = row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY
    if stale:
        touch(db, row.id, now)
    return principal


def touch(db: Any, token_id: int, now: datetime) -> None:
    """Record a token's use; never fails the request."""
    try:
        with db.write() as session:
            session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
            session.commit()
    except Exception:  # a busy or read-only database must not refuse a valid token
        log.warning("could not record the use of token %s", token_id, exc_info=True)


INTEGRATION_ONLY = "an integration token may only read who is on duty (GET /api/teams/{team}/on-duty)"


def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """The caller of every route but on-duty: an integration token is refused here (403)."""
    principal = authenticate(request, credentials)
    if principal.role == "integration":
        raise Forbidden(INTEGRATION_ONLY, "authorization")
    return principal


def any_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """The caller of the on-duty route: every token role, integration included."""
    return authenticate(request, credentials)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
AnyPrincipalDep = Annotated[Principal, Depends(any_principal)]
