"""Capacity: /teams/{team}/capacity — whom to hire so that a month has no gap, and what a leaver would
open; the page over the same services as POST /api/teams/{team}/plans and /whatif (its JSON twins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from rota.api.db import SessionDep
from rota.api.deps import SettingsDep, file_response
from rota.api.services import plans, teams
from rota.api.web.errors import PageRoute
from rota.api.web.render import page, period_text
from rota.api.web.session import WebPrincipal
from rota.api.web.teams import month_range
from rota.export import MEDIA_TYPES

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SECONDS = 10.0  # the page waits for the plan: a shorter search than the API's default


@router.get("/teams/{team_id}/capacity")
def capacity_page(
    request: Request,
    team_id: str,
    principal: WebPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    month: str | None = None,
    without: str | None = None,
) -> Response:
    """The hiring plan of a month (the team's own profiles) and, with ``without``, the gap a leaver
    would open (hr, or the team's leads)."""
    row = teams.managed_team(session=session, principal=principal, team_id=team_id)
    month = month or f"{request.app.state.clock().date():%Y-%m}"
    first, last = month_range(month)
    common: dict[str, Any] = {
        "session": session,
        "team_id": team_id,
        "start": first,
        "end": last,
        "time_limit": PAGE_SECONDS,
        "seed": 0,
        "history_days": settings.history_days,
    }
    plan = plans.team_plan(candidates=None, **common)
    what_if = plans.team_what_if(person=without, **common) if without else None
    document = teams.get_version(session=session, team_id=team_id).document
    people = [(p["id"], p.get("name") or p["id"]) for p in document.get("people", []) if "id" in p]
    context = {
        "team": row,
        "month": month,
        "period": period_text(first, last),
        "plan": plan,
        "what_if": what_if,
        "without": without,
        "people": people,
        "xlsx": f"/teams/{team_id}/capacity.xlsx?month={month}",
    }
    return page(request, "capacity.html", context)


@router.get("/teams/{team_id}/capacity.xlsx")
def capacity_download(
    request: Request,
    team_id: str,
    principal: WebPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    month: str,
) -> Response:
    """The plan's workbook, as POST /api/teams/{team}/plans?format=xlsx gives it."""
    teams.managed_team(session=session, principal=principal, team_id=team_id)
    first, last = month_range(month)
    plan = plans.team_plan(
        session=session,
        team_id=team_id,
        start=first,
        end=last,
        candidates=None,
        time_limit=PAGE_SECONDS,
        seed=0,
        history_days=settings.history_days,
    )
    return file_response(plans.as_xlsx(plan), MEDIA_TYPES["xlsx"], f"plan-{team_id}-{month}.xlsx")
