"""Capacity planning of a stored team: a hiring plan and a what-if, answered at once, never stored."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from rota.api.auth import PrincipalDep
from rota.api.db import SessionDep
from rota.api.deps import SettingsDep, TeamIdPath, file_response
from rota.api.routes.common import ERRORS
from rota.api.schemas import PlanCreate, WhatIfCreate
from rota.api.services import plans
from rota.api.services.teams import managed_team
from rota.export import MEDIA_TYPES

router = APIRouter(tags=["capacity"])


@router.post("/api/teams/{team_id}/plans", responses=ERRORS, response_model=dict[str, Any])
def team_plan(
    team_id: TeamIdPath,
    body: PlanCreate,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
    format: Literal["json", "xlsx"] = "json",
) -> Response:
    """The fewest people to hire (from ``candidates`` or the team's own profiles) so that no gap
    remains from ``start`` to ``end``, the bound that proves it minimal, and which gap each hire
    closes; ``people`` are team-file entries to append. ``format=xlsx``: the workbook for a budget
    meeting (required and available person-hours per role and week, the gap, the hires). Hr, or the
    team's leads."""
    managed_team(session=session, principal=principal, team_id=team_id)
    doc = plans.team_plan(
        session=session,
        team_id=team_id,
        start=body.start,
        end=body.end,
        candidates=body.candidates,
        time_limit=body.time_limit,
        seed=body.seed,
        history_days=settings.history_days,
    )
    if format == "xlsx":
        name = f"plan-{team_id}-{body.start}-{body.end}.xlsx"
        return file_response(plans.as_xlsx(doc), MEDIA_TYPES["xlsx"], name)
    return JSONResponse(doc)


@router.post("/api/teams/{team_id}/whatif", responses=ERRORS)
def team_what_if(
    team_id: TeamIdPath,
    body: WhatIfCreate,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """How much gap opens from ``start`` to ``end`` if the person ``without`` leaves: the least gap of
    the team with and without them, on a copy (hr, or the team's leads)."""
    managed_team(session=session, principal=principal, team_id=team_id)
    return plans.team_what_if(
        session=session,
        team_id=team_id,
        start=body.start,
        end=body.end,
        person=body.without,
        time_limit=body.time_limit,
        seed=body.seed,
        history_days=settings.history_days,
    )
