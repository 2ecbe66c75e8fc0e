"""Shared route dependencies: settings, the job runner, the caller's principal; a file download's response."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response

from rota.api.auth import Principal, PrincipalDep
from rota.api.jobs.runner import JobRunner
from rota.api.settings import Settings, get_settings
from rota.team import ID_MAX

SettingsDep = Annotated[Settings, Depends(get_settings)]
ROW_MAX = 2**31 - 1  # the database's integer ids (PostgreSQL's INTEGER is 32-bit)
# path parameters checked before anything reaches the database: 422 with the field, never a 500
# (the id's pattern is checked after the caller's rights: a stranger learns nothing from a 422)
TeamIdPath = Annotated[str, Path(max_length=ID_MAX, description="the team's id")]
RowIdPath = Annotated[int, Path(ge=1, le=ROW_MAX)]
JobIdPath = Annotated[str, Path(max_length=64)]
FromQuery = Annotated[date | None, Query(alias="from")]  # a page's period: ?from=YYYY-MM-DD
ToQuery = Annotated[date | None, Query(alias="to")]  # …&to=YYYY-MM-DD, inclusive


def lead_of_team(team_id: TeamIdPath, principal: PrincipalDep) -> Principal:
    """The caller, checked to be a lead of the path's team: a dependency, so it runs before the body is
    validated (a stranger gets 403, never a 422 about a body they may not send)."""
    principal.require_lead(team_id)
    return principal


LeadOfTeamDep = Annotated[Principal, Depends(lead_of_team)]


def file_response(body: str | bytes, media_type: str, name: str, *, inline: bool = False) -> Response:
    """A file for the browser to save as ``name`` (``inline``: to show, e.g. the printable HTML page)."""
    disposition = "inline" if inline else "attachment"
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'{disposition}; filename="{name}"'}
    )


def get_runner(request: Request) -> JobRunner:
    return request.app.state.runner


RunnerDep = Annotated[JobRunner, Depends(get_runner)]
