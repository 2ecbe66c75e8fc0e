"""HR coverage: per role and date required and covered person-minutes, gaps, hours; JSON, CSV or Excel."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from rota.api.auth import PrincipalDep
from rota.api.db import SessionDep
from rota.api.deps import SettingsDep, TeamIdPath, file_response
from rota.api.routes.common import ERRORS
from rota.api.schemas import RotaDate
from rota.api.services import coverage
from rota.api.services.teams import managed_team

router = APIRouter(tags=["coverage"])


@router.get("/api/teams/{team_id}/coverage", responses=ERRORS)
def team_coverage(
    team_id: TeamIdPath,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
    start: Annotated[RotaDate, Query(alias="from", description="first date, YYYY-MM-DD")],
    end: Annotated[RotaDate, Query(alias="to", description="last date, inclusive")],
    format: Literal["json", "csv", "xlsx"] = "json",
    table: Annotated[str, Query(description="csv: coverage, roles, gaps, people or totals")] = "coverage",
) -> Response:
    """Coverage of the published rotas against core and opening hours (hr, or the team's leads)."""
    managed_team(session=session, principal=principal, team_id=team_id)
    report, forced = coverage.team_coverage(
        session=session, team_id=team_id, start=start, end=end, history_days=settings.history_days
    )
    if format == "json":
        return JSONResponse(coverage.as_json(report, forced))
    body, media_type, name = coverage.coverage_file(report, forced, format, table, team_id, start, end)
    return file_response(body, media_type, name)
