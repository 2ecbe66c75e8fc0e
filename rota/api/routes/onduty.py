"""Who is on duty: ``GET /api/teams/{team}/on-duty?at=…&role=…`` for phone systems, ticketing tools, bots."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from rota.api.auth import AnyPrincipalDep
from rota.api.db import SessionDep
from rota.api.deps import TeamIdPath
from rota.api.routes.common import ERRORS
from rota.api.services import onduty
from rota.team import ID_MAX

router = APIRouter(tags=["on duty"])
# as documented; the service checks it (and that the date and time exist) in words
AT_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)


@router.get("/api/teams/{team_id}/on-duty", responses=ERRORS)
def on_duty(
    team_id: TeamIdPath,
    request: Request,
    principal: AnyPrincipalDep,
    session: SessionDep,
    at: Annotated[
        str | None,
        Query(
            max_length=64,
            description="the instant, ISO 8601: with an offset, or wall time in the team's "
            "zone (default: now)",
            json_schema_extra={"pattern": AT_PATTERN},
        ),
    ] = None,
    role: Annotated[str | None, Query(max_length=ID_MAX, description="only this role")] = None,
) -> dict[str, Any]:
    """The people on duty per role at ``at`` from the team's published rotas, with their shift's start and
    end (the team's zone, explicit offsets) and their name and email from the team file; drafts never.
    Readable by hr, the team's leads and staff, and an integration token naming the team."""
    principal.require_on_duty_reader(team_id)
    answer = onduty.on_duty(session=session, team_id=team_id, now=request.app.state.clock(), at=at, role=role)
    return answer.as_json()
