"""The audit trail of a team: who changed what, when and why; for its leads and hr, as JSON or CSV."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from rota.api.auth import PrincipalDep
from rota.api.db import SessionDep
from rota.api.deps import TeamIdPath, file_response
from rota.api.routes.common import ERRORS
from rota.api.schemas import RotaDate
from rota.api.services import audit, audit_publish

router = APIRouter(tags=["audit"])
assert audit_publish  # imported for its publish hook: every publish is in the audit


@router.get(
    "/api/teams/{team_id}/audit",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}, **ERRORS},
)
def get_audit(
    team_id: TeamIdPath,
    principal: PrincipalDep,
    session: SessionDep,
    fmt: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
    start: Annotated[RotaDate | None, Query(alias="from", description="first date (UTC), YYYY-MM-DD")] = None,
    end: Annotated[RotaDate | None, Query(alias="to", description="last date (UTC), inclusive")] = None,
) -> Any:
    """Every change to the team and its rotas, newest first: edits, imports, requests and their decisions,
    claims, leave approvals, publishes; ``?format=csv`` for a spreadsheet."""
    principal.require_manager(team_id)
    rows = audit.entries(session=session, team_id=team_id, start=start, end=end)
    if fmt == "csv":
        return file_response(audit.as_csv(rows), "text/csv; charset=utf-8", f"{team_id}-audit.csv")
    return [audit.as_dict(e) for e in rows]
