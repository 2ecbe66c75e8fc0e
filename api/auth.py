"""Bearer tokens with a role: lead (named teams), hr (read everything), staff (a person, their teams)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from api.errors import Forbidden, TooManyRequests, Unauthorized
from api.middleware import FailureLimiter, client_ip
from api.models import ApiToken

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

    def require_manager(self, team_id: str) -> None:
        """Reading a team's drafts, documents and coverage: hr, or a lead of the team."""
        if self.role != "hr" and not self.leads(team_id):
            raise Forbidden(f'an hr token or a lead token for team "{team_id}" is needed', "authorization")

    def require_reader(self, team_id: str) -> None:
        """Reading a team's published rotas: hr, its leads, its staff."""
        if self.role != "hr" and not self.leads(team_id) and not self.member(team_id):
            raise Forbidden(f'no access to team "{team_id}"', "authorization")

    def require_role(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(f"this needs a token with role {' or '.join(roles)}", "authorization")


def check_failures(request: Request, kind: str, path: str) -> tuple[FailureLimiter | None, tuple[str, str]]:
    """429 when the client's IP has failed too often with ``kind`` of token (``auth``, ``feed``) lately;
    else the limiter (None when the app has none) and the key to count a failure under."""
    limiter: FailureLimiter | None = getattr(request.app.state, "failures", None)
    key = (kind, client_ip(request))
    wait = limiter.retry_after(key) if limiter is not None else None
    if wait is not None:
        what = "bearer tokens" if kind == "auth" else "calendar tokens"
        raise TooManyRequests(
            f"too many unknown or revoked {what} from {key[1]}: try again in {wait} s", path, retry_after=wait
        )
    return limiter, key


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """The principal of a bearer token; 401 when it is missing, unknown or revoked; 429 (before any look-up)
    while the client's IP is over its count of unknown or revoked tokens (``ROTA_AUTH_FAILURE_*``)."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("a bearer token is needed (Authorization: Bearer …)", "authorization")
    limiter, key = check_failures(request, "auth", "authorization")
    digest = hash_secret(credentials.credentials)
    with request.app.state.db.read() as session:
        row = session.scalars(
            select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
        ).first()
        if row is None:
            if limiter is not None:
                limiter.fail(key)
            raise Unauthorized("the token is unknown or revoked", "authorization")
        return Principal(row.id, row.role, tuple(row.teams or ()), row.person, row.label)


def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    return authenticate(request, credentials)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
