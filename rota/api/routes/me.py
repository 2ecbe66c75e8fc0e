"""Staff: their own published shifts, in every team their token names."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from rota.api.auth import PrincipalDep
from rota.api.db import SessionDep
from rota.api.routes.common import ERRORS
from rota.api.schemas import RotaDate
from rota.api.services.rotas import published_assignments

router = APIRouter(prefix="/api/me", tags=["me"])


@router.get("/shifts", responses=ERRORS)
def my_shifts(
    principal: PrincipalDep,
    session: SessionDep,
    start: Annotated[RotaDate | None, Query(alias="from", description="first date, YYYY-MM-DD")] = None,
    end: Annotated[RotaDate | None, Query(alias="to", description="last date, inclusive")] = None,
) -> list[dict[str, Any]]:
    """A staff member's published shifts in every team of the token (default: 30 days back, a year ahead)."""
    principal.require_role("staff")
    today = date.today()
    start, end = start or today - timedelta(days=30), end or today + timedelta(days=366)
    out = []
    for team_id in principal.teams:
        for a in published_assignments(
            session=session, team_id=team_id, start=start, end=end, person=principal.person
        ):
            out.append(
                {
                    "team": team_id,
                    "person": a.person,
                    "role": a.role,
                    "shift": a.shift,
                    "date": a.date.isoformat(),
                    "start": a.start_utc.isoformat(),
                    "end": a.end_utc.isoformat(),
                    "rota_id": a.rota_id,
                }
            )
    return sorted(out, key=lambda x: (x["start"], x["team"]))
