"""Teams: PUT the team file as JSON (a new version when it changed), list and read them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status

from api.auth import PrincipalDep
from api.db import SessionDep, WriteSessionDep
from api.schemas import ErrorBody, RotaSummary, TeamRead, TeamSummary
from api.services import rotas, teams

router = APIRouter(prefix="/api/teams", tags=["teams"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


@router.put("/{team_id}", response_model=TeamRead, responses=ERRORS)
def put_team(
    team_id: str,
    document: Annotated[dict[str, Any], Body(description="the team file, as JSON")],
    principal: PrincipalDep,
    session: WriteSessionDep,
    response: Response,
) -> TeamRead:
    """Create or update a team; 422 lists each problem with its field path, as `rota check` does."""
    principal.require_lead(team_id)
    row, version, changed = teams.put_team(session=session, team_id=team_id, document=document)
    if changed and version.version == 1:
        response.status_code = status.HTTP_201_CREATED
    return TeamRead(
        **TeamSummary.of(row).model_dump(),
        versions=version.version,
        changed=changed,
        document=version.document,
    )


@router.get("", response_model=list[TeamSummary], responses=ERRORS)
def list_teams(principal: PrincipalDep, session: SessionDep) -> list[TeamSummary]:
    """Every team (hr) or the teams a lead token names."""
    principal.require_role("lead", "hr")
    only = None if principal.role == "hr" else principal.teams
    return [TeamSummary.of(row) for row in teams.list_teams(session=session, only=only)]


@router.get("/{team_id}", response_model=TeamRead, responses=ERRORS)
def get_team(
    team_id: str,
    principal: PrincipalDep,
    session: SessionDep,
    version: Annotated[int | None, Query(description="an older version")] = None,
) -> TeamRead:
    """The team document (current version unless ``version`` is given)."""
    principal.require_manager(team_id)
    row = teams.get_team(session=session, team_id=team_id)
    stored = teams.get_version(session=session, team_id=team_id, version=version)
    return TeamRead(
        id=row.id,
        name=row.name,
        version=stored.version,
        updated_at=stored.created_at,
        versions=row.current_version,
        document=stored.document,
    )


@router.get("/{team_id}/rotas", response_model=list[RotaSummary], responses=ERRORS)
def list_rotas(
    team_id: str,
    principal: PrincipalDep,
    session: SessionDep,
    state: Annotated[str | None, Query(description="draft, published or superseded")] = None,
) -> list[RotaSummary]:
    """The team's rotas, newest first; staff see the published ones."""
    principal.require_reader(team_id)
    teams.get_team(session=session, team_id=team_id)
    states = (state,) if state else None
    if principal.role == "staff":
        states = tuple(s for s in (states or ("published", "superseded")) if s != "draft")
    return [
        RotaSummary.model_validate(r, from_attributes=True)
        for r in rotas.list_rotas(session=session, team_id=team_id, states=states)
    ]
