"""Teams: the document as submitted, versioned; every update keeps the versions older rotas used."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.errors import Invalid, NotFound
from api.models import TeamRow, TeamVersion
from rota.load import TeamFileError, parse_team
from rota.team import Team

_TEAM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def check_team_id(team_id: str) -> None:
    if not _TEAM_ID.match(team_id):
        raise Invalid(
            f'"{team_id}" is not a valid team id (lower-case letters, digits, "-" and "_")', "team_id"
        )


def json_document(document: Any) -> Any:
    """The document with dates and times as ISO strings, as JSON would carry them."""

    def default(value: Any) -> str:
        if isinstance(value, date | datetime):
            return value.isoformat()
        raise TypeError(f"{type(value).__name__} is not JSON")

    return json.loads(json.dumps(document, default=default))


def problems_of(error: TeamFileError) -> list[dict[str, str]]:
    """A team file's mistakes as API problems: the field path and the reason, as the CLI prints them."""
    return [{"path": p.path, "message": p.message} for p in error.problems]


def parse_document(document: Any, source: str) -> Team:
    """Parse and check a team document; 422 with every problem's path when it is invalid."""
    try:
        return parse_team(document, source)
    except TeamFileError as exc:
        raise Invalid(str(exc), problems=problems_of(exc)) from None


def put_team(*, session: Session, team_id: str, document: Any) -> tuple[TeamRow, TeamVersion, bool]:
    """Store a team document; a changed one becomes a new version. Returns (team, version, changed)."""
    check_team_id(team_id)
    document = json_document(document)
    team = parse_document(document, team_id)
    row = session.get(TeamRow, team_id, with_for_update=True)
    now = utcnow()
    if row is None:
        row = TeamRow(id=team_id, name=team.team, current_version=1, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        version = TeamVersion(team_id=team_id, version=1, document=document, created_at=now)
        session.add(version)
        session.commit()
        return row, version, True
    latest = get_version(session=session, team_id=team_id)
    if latest.document == document:
        session.commit()
        return row, latest, False
    version = TeamVersion(team_id=team_id, version=row.current_version + 1, document=document, created_at=now)
    session.add(version)
    row.current_version = version.version
    row.name = team.team
    row.updated_at = now
    session.commit()
    return row, version, True


def get_team(*, session: Session, team_id: str) -> TeamRow:
    row = session.get(TeamRow, team_id)
    if row is None:
        raise NotFound(f'no team "{team_id}"', "team_id")
    return row


def list_teams(*, session: Session, only: tuple[str, ...] | None = None) -> list[TeamRow]:
    """Every team, or those named in ``only``."""
    query = select(TeamRow).order_by(TeamRow.id)
    if only is not None:
        query = query.where(TeamRow.id.in_(only))
    return list(session.scalars(query))


def get_version(*, session: Session, team_id: str, version: int | None = None) -> TeamVersion:
    """A stored version of the team document (the current one by default)."""
    if version is None:
        version = get_team(session=session, team_id=team_id).current_version
    row = session.scalars(
        select(TeamVersion).where(TeamVersion.team_id == team_id, TeamVersion.version == version)
    ).first()
    if row is None:
        raise NotFound(f'team "{team_id}" has no version {version}', "version")
    return row


def current_document(*, session: Session, team_id: str) -> dict[str, Any]:
    return get_version(session=session, team_id=team_id).document


def display_names(document: dict[str, Any]) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(people, roles, shifts): id → display name, read straight from a stored document."""
    people = {p["id"]: p.get("name") or p["id"] for p in document.get("people", []) if "id" in p}
    roles = {k: (v or {}).get("name") or k for k, v in document.get("roles", {}).items()}
    shifts = {k: (v or {}).get("name") or k for k, v in document.get("shifts", {}).items()}
    return people, roles, shifts
