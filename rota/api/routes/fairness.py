"""The fairness ledger (issue 24): per person × category balances over published rotas; JSON, CSV or Excel."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from rota.api.auth import PrincipalDep
from rota.api.db import SessionDep
from rota.api.deps import TeamIdPath, file_response
from rota.api.routes.common import ERRORS
from rota.api.schemas import RotaDate
from rota.api.services import fairness
from rota.api.services.teams import managed_team, team_exists

router = APIRouter(tags=["fairness"])


@router.get("/api/teams/{team_id}/fairness", responses=ERRORS)
def team_fairness(
    request: Request,
    team_id: TeamIdPath,
    principal: PrincipalDep,
    session: SessionDep,
    start: Annotated[
        RotaDate | None, Query(alias="from", description="first date (default: the window back)")
    ] = None,
    end: Annotated[
        RotaDate | None, Query(alias="to", description="last date, inclusive (default: yesterday)")
    ] = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Response:
    """Each person's balance per fairness category over the published rotas, with the spread between the
    most and least loaded (hr, or the team's leads)."""
    managed_team(session=session, principal=principal, team_id=team_id)
    if start is None or end is None:
        first, last = fairness.default_range(session, team_id, request.app.state.clock().date())
        start, end = start or first, end or last
    data = fairness.year_view(session=session, team_id=team_id, start=start, end=end)
    if format != "json":
        return file_response(*fairness.fairness_file(data, format, team_id, start, end))
    return JSONResponse(data)


@router.get("/api/me/fairness", responses=ERRORS)
def my_fairness(request: Request, principal: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    """A staff member's own balance per fairness category, in each team of the token that keeps a ledger
    (the team's window back from today)."""
    principal.require_role("staff")
    assert principal.person is not None
    today = request.app.state.clock().date()
    out = []
    for team_id in principal.teams:
        if not team_exists(session=session, team_id=team_id):
            continue
        mine = fairness.person_view(session=session, team_id=team_id, person=principal.person, today=today)
        if mine is not None:
            out.append(mine)
    return out
