"""HR coverage: /teams/{team}/coverage — a heat map per role (dates × hours of the day, required against
covered, core hours outlined, gaps marked), totals per role, the period picker and the CSV/XLSX downloads.

The figures are the coverage service's (``rota.api.services.coverage.coverage_calendar``): its report's gaps,
laid over the requirement of the calendar the report was computed on, hour by hour.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from rota import timeutil
from rota.api.db import SessionDep
from rota.api.deps import FromQuery, SettingsDep, ToQuery, file_response
from rota.api.errors import Invalid
from rota.api.services import coverage, rotas, teams
from rota.api.web.errors import PageRoute
from rota.api.web.render import day_text, download_format, page, period_text, team_names
from rota.api.web.session import WebPrincipal
from rota.api.web.teams import month_range
from rota.calendar import Calendar
from rota.report import CoverageReport

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass
class HeatCell:
    css: str
    mark: str
    tip: str


@dataclass
class HeatRow:
    date: date
    label: str
    cells: list[HeatCell]


@dataclass
class HeatMap:
    role: str
    name: str
    hours: list[int]
    rows: list[HeatRow]


def _pieces(cal: Calendar, start: int, end: int) -> Any:
    """``start``..``end`` (epoch minutes) cut at the team's local hours: (local date, hour, minutes)."""
    t = start
    while t < end:
        local = cal.instant(t)
        cut = min(end, t + 60 - local.minute)
        yield local.date(), local.hour, cut - t
        t = cut


def heat_maps(cal: Calendar, report: CoverageReport) -> list[HeatMap]:
    """Per role, each date × hour: person-minutes required and covered (required less the report's gaps)."""
    required: dict[tuple[str, date, int], int] = defaultdict(int)
    core: set[tuple[str, date, int]] = set()
    short: dict[tuple[str, date, int], int] = defaultdict(int)
    short_core: set[tuple[str, date, int]] = set()
    for role in cal.team.roles:
        for seg in cal.requirement(role):
            for day, hour, minutes in _pieces(cal, seg.start, seg.end):
                required[(role, day, hour)] += minutes * seg.required
                if seg.core:
                    core.add((role, day, hour))
    for g in report.gaps:
        a = timeutil.to_minutes(datetime.fromisoformat(g.start))
        b = timeutil.to_minutes(datetime.fromisoformat(g.end))
        for day, hour, minutes in _pieces(cal, a, b):
            short[(g.role, day, hour)] += minutes * (g.required - g.assigned)
            if g.core:
                short_core.add((g.role, day, hour))
    hours = sorted({h for (_, _, h) in required}) or list(range(24))
    hours = list(range(hours[0], hours[-1] + 1))
    role_names = {r: cal.team.roles[r].name or r for r in cal.team.roles}
    out = []
    for role in cal.team.roles:
        rows = []
        for day in cal.dates:
            cells = []
            for hour in hours:
                key = (role, day, hour)
                need, missing = required.get(key, 0), short.get(key, 0)
                cells.append(_cell(day, hour, need, need - missing, key in core, key in short_core))
            rows.append(HeatRow(day, day_text(day), cells))
        out.append(HeatMap(role, role_names[role], hours, rows))
    return out


def _cell(day: date, hour: int, need: int, covered: int, core: bool, core_gap: bool) -> HeatCell:
    when = f"{day_text(day)} {hour:02d}:00–{hour + 1:02d}:00"
    edge = " core" if core else ""
    if need <= 0:
        return HeatCell("none" + edge, "", f"{when}: nothing required")
    on, needed = covered / 60, need / 60  # person-minutes of one hour: people on duty
    tip = f"{when}{' (core hours)' if core else ''}: {on:.3g} of {needed:.3g} people on duty"
    if covered < need:
        tip += f", {(need - covered) / 60:.1f} h uncovered"
    if covered >= need:
        return HeatCell("full" + edge, "", tip)
    level = "gap-core" if core_gap else "gap"
    return HeatCell(f"{level}{edge}", "!" if core_gap else "?", tip)


def period_of(
    session: Any, team_id: str, today: date, month: str | None, start: date | None, end: date | None
) -> tuple[date, date]:
    """The period asked for (a month, or from/to), else that of the latest published rota, else this month."""
    if month:
        return month_range(month)
    if start or end:
        if not (start and end):
            raise Invalid("give both from and to, or a month", "to" if start else "from")
        return start, end
    published = rotas.list_rotas(session=session, team_id=team_id, states=("published",))
    if published:
        return published[0].start, published[0].end
    return month_range(f"{today:%Y-%m}")


def _report(session: Any, settings: Any, team_id: str, start: date, end: date) -> tuple[CoverageReport, Any]:
    return coverage.team_coverage(
        session=session, team_id=team_id, start=start, end=end, history_days=settings.history_days
    )


@router.get("/teams/{team_id}/coverage")
def coverage_page(
    request: Request,
    team_id: str,
    principal: WebPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    month: str | None = None,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    """The heat map and totals of the published rotas over a period (hr, or the team's leads)."""
    row = teams.managed_team(session=session, principal=principal, team_id=team_id)
    first, last = period_of(session, team_id, request.app.state.clock().date(), month, start, end)
    cal, report, forced = coverage.coverage_calendar(
        session=session, team_id=team_id, start=first, end=last, history_days=settings.history_days
    )
    team = cal.team
    role_names = {r: team.roles[r].name or r for r in team.roles}
    totals = [{**t, "name": role_names.get(t["role"], t["role"])} for t in report.role_totals()]
    query = f"from={first.isoformat()}&to={last.isoformat()}"
    context = {
        "team": row,
        "first": first,
        "last": last,
        "month": f"{first:%Y-%m}",
        "period": period_text(first, last),
        "maps": heat_maps(cal, report),
        "totals": totals,
        "overall": report.totals(),
        "forced": forced,
        "zone": team.timezone,
        "names": team_names(team),
        "csv": f"/teams/{team_id}/coverage.csv?{query}",
        "roles_csv": f"/teams/{team_id}/coverage.csv?{query}&table=roles",
        "xlsx": f"/teams/{team_id}/coverage.xlsx?{query}",
    }
    return page(request, "coverage.html", context)


@router.get("/teams/{team_id}/coverage.{fmt}")
def coverage_download(
    team_id: str,
    fmt: str,
    principal: WebPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    table: str = "coverage",
) -> Response:
    """The report as CSV (one table) or an Excel workbook, as GET /api/teams/{team}/coverage serves it."""
    teams.managed_team(session=session, principal=principal, team_id=team_id)
    download_format(fmt)
    report, forced = _report(session, settings, team_id, start, end)
    body, media_type, name = coverage.coverage_file(report, forced, fmt, table, team_id, start, end)
    return file_response(body, media_type, name)
