"""HR: /teams/{team}/fairness — the fairness ledger over published rotas (issue 24): per person × category
what they did and their balance against a pro-rata share, per category the spread between the most and
least loaded, with the period picker and the CSV/XLSX downloads. The figures are the fairness service's
(``rota.api.services.fairness``), the same as GET /api/teams/{team}/fairness."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response

from rota.api.db import SessionDep
from rota.api.deps import FromQuery, ToQuery, file_response
from rota.api.services import fairness, teams
from rota.api.web.errors import PageRoute
from rota.api.web.render import day_text, download_format, page
from rota.api.web.session import WebPrincipal

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _range(
    request: Request, session: SessionDep, team_id: str, start: date | None, end: date | None
) -> tuple[date, date]:
    if start is not None and end is not None:
        return start, end
    first, last = fairness.default_range(session, team_id, request.app.state.clock().date())
    return start or first, end or last


@router.get("/teams/{team_id}/fairness")
def fairness_page(
    request: Request,
    team_id: str,
    principal: WebPrincipal,
    session: SessionDep,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    """Balances per person and category over a period (default: the team's window to yesterday)."""
    row = teams.managed_team(session=session, principal=principal, team_id=team_id)
    first, last = _range(request, session, team_id, start, end)
    data = fairness.year_view(session=session, team_id=team_id, start=first, end=last)
    query = f"from={first.isoformat()}&to={last.isoformat()}"
    context = {
        "team": row,
        "first": first,
        "last": last,
        "period": f"{day_text(first)} – {day_text(last)}",
        "data": data,
        "names": {p["person"]: p["name"] for p in data["people"]},
        "csv": f"/teams/{team_id}/fairness.csv?{query}",
        "xlsx": f"/teams/{team_id}/fairness.xlsx?{query}",
        "api": f"/api/teams/{team_id}/fairness?{query}",
    }
    return page(request, "fairness.html", context)


@router.get("/teams/{team_id}/fairness.{fmt}")
def fairness_download(
    request: Request,
    team_id: str,
    fmt: str,
    principal: WebPrincipal,
    session: SessionDep,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    """The view as CSV or an Excel workbook, as GET /api/teams/{team}/fairness serves it."""
    teams.managed_team(session=session, principal=principal, team_id=team_id)
    download_format(fmt)
    first, last = _range(request, session, team_id, start, end)
    data = fairness.year_view(session=session, team_id=team_id, start=first, end=last)
    return file_response(*fairness.fairness_file(data, fmt, team_id, first, last))
