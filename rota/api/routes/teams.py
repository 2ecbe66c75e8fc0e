"""Teams: PUT the team file as JSON or YAML (a new version when it changed), list and read them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status

from rota.api.auth import PrincipalDep
from rota.api.db import SessionDep, WriteSessionDep
from rota.api.deps import SettingsDep, TeamIdPath
from rota.api.errors import Invalid
from rota.api.routes.common import ERRORS
from rota.api.schemas import ErrorBody, RotaSummary, TeamRead, TeamSummary
from rota.api.services import rotas, team_edits, teams

router = APIRouter(prefix="/api/teams", tags=["teams"])
_TEAM_FILE = "the team file (../shared/spec/team-file.md)"
TEAM_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": f"{_TEAM_FILE}, as JSON or YAML (read as team files are: `09:00`, `off` stay text)",
        "content": {
            "application/json": {"schema": {"type": "object", "description": f"{_TEAM_FILE} as JSON"}},
            **{
                kind: {"schema": {"type": "string", "description": f"{_TEAM_FILE} as YAML"}}
                for kind in teams.YAML_TYPES
            },
        },
    }
}


async def raw_body(request: Request) -> tuple[bytes, str | None]:
    """The body and its content type, read here and parsed in the route once the token is checked."""
    return await request.body(), request.headers.get("content-type")


def base_version_of(document: Any) -> int | None:
    """Take ``base_version`` (the version the editor read) out of a team body; it is not stored."""
    if not isinstance(document, dict) or "base_version" not in document:
        return None
    value = document.pop("base_version")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**31 - 1:
        raise Invalid(
            f"base_version {value!r} is not a team version (a whole number; 0: a new team)", "base_version"
        )
    return value


@router.put(
    "/{team_id}",
    response_model=TeamRead,
    responses={
        **ERRORS,
        409: {"model": ErrorBody, "description": "`base_version` is not the team's current version"},
        412: {"model": ErrorBody, "description": "`If-Match` does not name the team's current version"},
        415: {"model": ErrorBody, "description": "a content type other than JSON or YAML"},
    },
    openapi_extra=TEAM_BODY,
)
def put_team(
    team_id: TeamIdPath,
    principal: PrincipalDep,
    session: WriteSessionDep,
    response: Response,
    body: Annotated[tuple[bytes, str | None], Depends(raw_body)],
    settings: SettingsDep,
    if_match: Annotated[
        str | None,
        Header(description="the ETag of the version you read (`GET` sends it); another version answers 412"),
    ] = None,
) -> TeamRead:
    """Create or update a team from JSON or YAML (`Content-Type: application/yaml`, `application/x-yaml`
    or `text/yaml`); 422 lists each problem with its field path, as `rota check` does, all found in one
    pass (then the warnings, as `warning: …`), or the line and column of a YAML syntax error; 415 names
    the accepted content types. `warnings` lists what is valid but probably not meant. With `If-Match`
    (the ETag of the version read) or `base_version` in the body, an update made meanwhile answers 412 /
    409 instead of being overwritten; without either the document is stored as before."""
    principal.require_lead(team_id)
    document = teams.parse_body(*body)
    base_version = base_version_of(document)
    warnings: list[dict[str, str]] = []
    row, version, changed = teams.put_team(
        session=session,
        team_id=team_id,
        document=document,
        max_people=settings.max_people,
        if_match=if_match,
        base_version=base_version,
        warnings=warnings,
    )
    if changed and version.version == 1:
        response.status_code = status.HTTP_201_CREATED
    response.headers["ETag"] = teams.version_etag(version.version)
    return TeamRead(
        **TeamSummary.of(row).model_dump(),
        versions=version.version,
        changed=changed,
        document=version.document,
        warnings=warnings,
    )


@router.get("", response_model=list[TeamSummary], responses=ERRORS)
def list_teams(principal: PrincipalDep, session: SessionDep) -> list[TeamSummary]:
    """Every team (hr) or the teams a lead token names."""
    principal.require_role("lead", "hr")
    only = None if principal.role == "hr" else principal.teams
    return [TeamSummary.of(row) for row in teams.list_teams(session=session, only=only)]


@router.get("/{team_id}", response_model=TeamRead, responses=ERRORS)
def get_team(
    team_id: TeamIdPath,
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="an older version")] = None,
) -> TeamRead:
    """The team document (current version unless ``version`` is given); the version's ETag, for
    ``If-Match`` on a later ``PUT``."""
    row = teams.managed_team(session=session, principal=principal, team_id=team_id)
    stored = teams.get_version(session=session, team_id=team_id, version=version)
    response.headers["ETag"] = teams.version_etag(stored.version)
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
    team_id: TeamIdPath,
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


@router.post("/{team_id}/versions/{version}/restore", response_model=TeamRead, responses=ERRORS)
def restore_version(
    team_id: TeamIdPath,
    version: Annotated[int, Path(ge=1, le=2**31 - 1, description="the stored version to make current again")],
    principal: PrincipalDep,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> TeamRead:
    """Make an older version of the team file current again, saved as a new version (nothing is lost:
    the undo of a removal or any other change)."""
    principal.require_lead(team_id)
    row, saved, changed = team_edits.restore_version(
        session=session, team_id=team_id, version=version, max_people=settings.max_people
    )
    return TeamRead(
        **TeamSummary.of(row).model_dump(), versions=saved.version, changed=changed, document=saved.document
    )
