"""Capacity plans and what-ifs of a stored team: computed on a copy of its current version, never
stored and never changing the team (``rota.solver.plan``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from rota.api.errors import Invalid
from rota.api.services.rotas import horizon_team
from rota.api.services.teams import problems_of, team_file_errors
from rota.capacity import parse_candidates, plan_xlsx, team_profiles, without
from rota.load import TeamFileError
from rota.solver.plan import plan, plan_document, what_if, what_if_document
from rota.team import Team

MAX_DAYS = 92  # a plan is one model of the whole horizon: a quarter at most
MAX_SECONDS = 60.0  # answered while the caller waits


def _horizon(
    session: Session, team_id: str, start: date, end: date, time_limit: float, history_days: int
) -> Team:
    """The team over ``start``..``end`` (with its history), once the horizon and ``time_limit`` are
    within what is answered while the caller waits."""
    if time_limit > MAX_SECONDS:
        raise Invalid(
            f"a plan is answered at once: time_limit is at most {MAX_SECONDS:g} seconds", "time_limit"
        )
    if end < start:
        raise Invalid(f"end {end} is before start {start}", "end")
    if (end - start).days >= MAX_DAYS:
        raise Invalid(f"a plan spans at most {MAX_DAYS} days", "end")
    team, _ = horizon_team(session=session, team_id=team_id, start=start, end=end, history_days=history_days)
    return team


def team_plan(
    *,
    session: Session,
    team_id: str,
    start: date,
    end: date,
    candidates: list[dict[str, Any]] | None,
    time_limit: float,
    seed: int,
    history_days: int,
) -> dict[str, Any]:
    """The fewest hires that close the team's gaps over ``start``..``end`` (``rota plan``'s JSON)."""
    team = _horizon(session, team_id, start, end, time_limit, history_days)
    try:
        profiles = team_profiles(team) if candidates is None else parse_candidates(candidates, team)
    except TeamFileError as exc:
        raise Invalid(
            str(exc), problems=[{**p, "path": _under(p["path"])} for p in problems_of(exc)]
        ) from None
    if not profiles:
        raise Invalid("the team has no profile to hire from: send candidates", "candidates")
    with team_file_errors():
        result = plan(team, profiles, start, end, time_limit, seed)
    return plan_document(team, result, time_limit, seed)


def _under(path: str) -> str:
    """A candidate's field path as it is in the request body."""
    return f"candidates{path}" if path.startswith("[") else path


def team_what_if(
    *,
    session: Session,
    team_id: str,
    start: date,
    end: date,
    person: str,
    time_limit: float,
    seed: int,
    history_days: int,
) -> dict[str, Any]:
    """The gap that opens over ``start``..``end`` if ``person`` leaves (``rota whatif``'s JSON)."""
    team = _horizon(session, team_id, start, end, time_limit, history_days)
    names = {p.id: p.name or p.id for p in team.people}
    if person not in names:
        raise Invalid(f'no person "{person}" in team "{team_id}"', "without")
    with team_file_errors():
        smaller = without(team, person)
        result = what_if(team, smaller, f"without {names[person]}", start, end, time_limit, seed)
    return what_if_document(team, result)


def as_xlsx(plan_doc: dict[str, Any]) -> bytes:
    """The plan as the budget meeting's workbook (``rota.capacity.plan_xlsx``)."""
    return plan_xlsx(plan_doc)
