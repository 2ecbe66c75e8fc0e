"""Lead pages: the teams (/teams), a team (/teams/{team}) with its rotas and Generate, a solve's live
progress (/teams/{team}/jobs/{job}, streamed as server-sent events) with Stop."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from rota.api.db import Database, SessionDep, WriteSessionDep
from rota.api.deps import RunnerDep, SettingsDep
from rota.api.errors import Invalid, NotFound
from rota.api.jobs import submit
from rota.api.jobs.leases import fail_job_in
from rota.api.models import Job, Rota, TeamRow
from rota.api.services import history, rotas, teams
from rota.api.web.errors import PageRoute
from rota.api.web.render import page, redirect, within_text
from rota.api.web.session import Csrf, WebPrincipal, flash

router = APIRouter(route_class=PageRoute, include_in_schema=False)
STATES = ("draft", "published", "superseded")


@dataclass
class TeamItem:
    """A team on /teams: its latest rota (any state), or none yet."""

    id: str
    name: str
    stored: bool
    latest: Rota | None


def next_month(today: date) -> str:
    return f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"


YEARS_BACK, YEARS_AHEAD = 1, 5  # the months Generate offers: last year to five years on


def month_bounds(today: date) -> tuple[str, str]:
    """The first and last month (``YYYY-MM``) Generate takes."""
    return f"{today.year - YEARS_BACK}-01", f"{today.year + YEARS_AHEAD}-12"


def month_range(month: str, today: date | None = None) -> tuple[date, date]:
    """``YYYY-MM`` → its first and last dates; 422 naming the field otherwise (also for a year before last
    year or more than five years on: "0005-03" is a typo, not a rota for year 5)."""
    try:
        first = date.fromisoformat(f"{month.strip()}-01")
    except ValueError:
        raise Invalid(f'"{month}" is not a month (YYYY-MM)', "month") from None
    low, high = (today.year - YEARS_BACK, today.year + YEARS_AHEAD) if today else (first.year, first.year)
    if not low <= first.year <= high:
        raise Invalid(
            f"{first:%B} {first.year} is out of range: choose a month from January {low} to December {high}",
            "month",
        )
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, after - timedelta(days=1)


def generate_form(request: Request, team_id: str, month: str | None = None) -> dict[str, Any]:
    """What the Generate form shows: the month picked, the default and largest time limits."""
    settings = request.app.state.settings
    today = request.app.state.clock().date()
    low, high = month_bounds(today)
    return {
        "action": f"/teams/{team_id}/generate",
        "month": month or next_month(today),
        "min": low,
        "max": high,
        "time_limit": settings.time_limit,
        "max_time_limit": settings.max_time_limit,
    }


@router.get("/teams")
def teams_page(request: Request, principal: WebPrincipal, session: SessionDep) -> Response:
    """A lead's teams (HR: every team) with the state of their latest rota."""
    principal.require_role("lead", "hr")
    only = None if principal.role == "hr" else principal.teams
    stored = {row.id: row for row in teams.list_teams(session=session, only=only)}
    items = []
    for team_id in sorted(set(stored) | set(only or ())):
        row: TeamRow | None = stored.get(team_id)
        latest = rotas.list_rotas(session=session, team_id=team_id)[:1] if row else []
        name = row.name if row else team_id
        items.append(TeamItem(team_id, name, row is not None, latest[0] if latest else None))
    return page(request, "teams.html", {"teams": items})


def rota_quality(rota: Rota) -> str:
    """A rota's quality in words: "the best possible", "within N % of the best possible" (the solver's
    objective against its bound), "no rota" when the solver found none."""
    if rota.status in ("infeasible", "invalid"):
        return "no rota: the rules cannot all be met"
    solver = (rota.document or {}).get("solver") or {}
    if rota.status == "optimal":
        return "the best possible"
    return within_text(solver.get("objective", rota.objective), solver.get("bound"))


@router.get("/teams/{team_id}")
def team_page(request: Request, team_id: str, principal: WebPrincipal, session: SessionDep) -> Response:
    """The team's rotas (draft, published, superseded), its running solves and Generate."""
    row = teams.managed_team(session=session, principal=principal, team_id=team_id)
    every = rotas.list_rotas(session=session, team_id=team_id)
    groups = {state: [r for r in every if r.state == state] for state in STATES}
    document = teams.current_document(session=session, team_id=team_id)
    held = history.pending_sets(session=session, team_id=team_id)
    waiting = {p.rota.id for p in held}
    groups["draft"] = [r for r in groups["draft"] if r.id not in waiting]  # listed as unpublished changes
    context = {
        "team": row,
        "pending": held,
        "history": history.versions(session=session, team_id=team_id),
        "zone": document.get("timezone"),
        "quality": {r.id: rota_quality(r) for r in every},
        "groups": groups,
        "jobs": submit.active_jobs(session=session, team_id=team_id),
        "lead": principal.leads(team_id),
        "generate": generate_form(request, team_id),
    }
    return page(request, "team.html", context)


@router.post("/teams/{team_id}/generate", dependencies=[Csrf])
def generate(
    request: Request,
    team_id: str,
    principal: WebPrincipal,
    session: WriteSessionDep,
    settings: SettingsDep,
    runner: RunnerDep,
    month: Annotated[str, Form()],
    time_limit: Annotated[float | None, Form()] = None,
) -> Response:
    """Start a solve of the month (as POST /api/teams/{team}/rotas does) and follow it."""
    principal.require_lead(team_id)
    start, end = month_range(month, request.app.state.clock().date())
    try:
        job = submit.submit_job(
            session=session,
            settings=settings,
            team_id=team_id,
            start=start,
            end=end,
            time_limit=time_limit,
            token_id=principal.token_id,
            owner=runner.owner,
        )
    except submit.SolveRunning as running:
        flash(
            request,
            f"This month is already being solved ({running.job.state}): here it is. "
            "No second solve was started.",
        )
        return redirect(f"/teams/{team_id}/jobs/{running.job.id}")
    runner.submit(job.id, team_id)
    return redirect(f"/teams/{team_id}/jobs/{job.id}")


def job_of(session: Any, team_id: str, job_id: str) -> Job:
    job = submit.get_job(session=session, job_id=job_id)
    if job.team_id != team_id:
        raise NotFound(f'team "{team_id}" has no job {job_id}', "job_id")
    return job


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def _effort_text(job: Job) -> str:
    """ "3.2 of 10 units": the search effort spent as of the last report, of the effort asked."""
    asked = job.params.get("effort")
    if asked is None:
        return "–"
    return f"{job.effort or 0:,.1f} of {float(asked):g} units"


def _left_text(job: Job) -> str:
    left = job.seconds_left()
    return "–" if left is None else f"{left:.0f} s"


def job_state(job: Job) -> dict[str, Any]:
    """A job's state and progress as the page and its event stream show them."""
    return {
        "state": job.state,
        "quality": within_text(job.objective, job.bound),
        "uncovered": "–" if job.gap_minutes is None else f"{job.gap_minutes / 60:,.1f} h",
        "objective": _number(job.objective),
        "bound": _number(job.bound),
        "gap_minutes": _number(job.gap_minutes),
        "elapsed": "–" if job.elapsed is None else f"{job.elapsed:.1f} s",
        "effort": _effort_text(job),
        "seconds_left": _left_text(job),
        "reason": job.reason or "",
        "rota_url": (
            f"/teams/{job.team_id}/rotas/{job.rota_id}{'/review' if job.kind == 'replan' else ''}"
            if job.rota_id
            else ""
        ),
        "active": job.state in submit.ACTIVE,
    }


@router.get("/teams/{team_id}/jobs/{job_id}")
def job_page(
    request: Request, team_id: str, job_id: str, principal: WebPrincipal, session: SessionDep
) -> Response:
    """A solve's progress: best objective, bound, gap minutes, elapsed; Stop keeps the best rota."""
    job = job_of(session, team_id, job_id)
    principal.require_manager(job.team_id)
    context = {"team_id": team_id, "job": job, "view": job_state(job), "lead": principal.leads(team_id)}
    return page(request, "job.html", context)


def _read_state(db: Database, job_id: str) -> dict[str, Any]:
    with db.read() as session:
        return job_state(submit.get_job(session=session, job_id=job_id))


@router.get("/teams/{team_id}/jobs/{job_id}/events")
def job_events(
    request: Request, team_id: str, job_id: str, principal: WebPrincipal, session: SessionDep
) -> Response:
    """The job's progress as server-sent events, one when it changes, until the job ends."""
    principal.require_manager(job_of(session, team_id, job_id).team_id)
    db: Database = request.app.state.db

    async def stream() -> Any:
        last = None
        while True:
            state = await run_in_threadpool(_read_state, db, job_id)
            if state != last:
                yield {"data": json.dumps(state)}
                last = state
            if not state["active"]:
                return
            await asyncio.sleep(0.5)

    return EventSourceResponse(stream(), ping=15, headers={"Cache-Control": "no-store"})


@router.post("/teams/{team_id}/jobs/{job_id}/stop", dependencies=[Csrf])
def stop_job(
    team_id: str,
    job_id: str,
    principal: WebPrincipal,
    session: WriteSessionDep,
    runner: RunnerDep,
    settings: SettingsDep,
) -> Response:
    """Stop the solve; the best rota found so far is kept (as DELETE /api/jobs/{job} does)."""
    principal.require_lead(job_of(session, team_id, job_id).team_id)
    if fail_job_in(session, settings, job_id, None):  # its server stopped answering: failed, not stopped
        session.expire_all()
    submit.cancel_job(session=session, job_id=job_id)
    runner.cancel(job_id)
    return redirect(f"/teams/{team_id}/jobs/{job_id}")
