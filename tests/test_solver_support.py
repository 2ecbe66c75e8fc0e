"""Helpers for the solver tests: small teams as dicts, a short deterministic solve, the validator."""

from __future__ import annotations

import copy
import time
from typing import Any

from rota.load import parse_team
from rota.solver import SolveParams, SolveResult, solve
from rota.solver.search import Budget
from rota.validate import validate

BASE: dict[str, Any] = {
    "team": "Test desk",
    "timezone": "Europe/London",
    "period": {"start": "2026-03-02", "end": "2026-03-08"},  # Monday to Sunday
    "opening_hours": {"daily": "06:00-22:00"},
    "roles": {"desk": {"demand": []}},
    "shifts": {"early": {"start": "06:00", "end": "14:00"}, "late": {"start": "14:00", "end": "22:00"}},
    "rules": {"max_consecutive_days": None, "max_hours_per_week": None},
    "people": [{"id": "ann", "hours_per_week": 0}],
}


def team_dict(**changes: Any) -> dict[str, Any]:
    """The base team with top-level keys replaced."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(changes))
    return data


def demand(*entries: tuple[str | None, str, int]) -> dict[str, Any]:
    """Roles with one ``desk`` role whose demand is (date or None, window, min) entries."""
    out = []
    for day, window, need in entries:
        entry: dict[str, Any] = {"time": window, "min": need}
        if day is not None:
            entry["dates"] = [day]
        out.append(entry)
    return {"desk": {"demand": out}}


def run(data: dict[str, Any], seconds: float = 3.0, **params: Any) -> SolveResult:
    """Solve a team dict briefly and check the rota with the validator."""
    team = parse_team(data)
    result = solve(team, params=SolveParams(effort=seconds, workers=2, seed=1, **params))
    if result.duties or result.status in ("optimal", "feasible"):
        check(data, result)
    return result


def check(data: dict[str, Any], result: SolveResult) -> None:
    """The validator accepts the rota and agrees on the objective."""
    report = validate(parse_team(data), result.document)
    assert report.ok, (report.violations, report.missing_gaps, report.phantom_gaps)
    assert report.objective == result.objective


def gap_minutes(result: SolveResult) -> int:
    assert result.terms is not None
    return result.terms.gap_core + result.terms.gap_other


def worked(result: SolveResult, person: str = "ann") -> list[tuple[str, str]]:
    """(date, shift) of a person's assignments, in order."""
    return sorted((d.date.isoformat(), d.shift) for d in result.duties if d.person == person)


def test_the_wall_limit_ends_loops_of_small_solves() -> None:
    """A deterministic budget counts CP-SAT's work units (the effort), which loops of tiny solves
    barely spend: the wall-clock time limit must end them too, and say the rota may not repeat."""
    fresh = Budget(SolveParams(effort=1, time_limit=60), time.perf_counter())
    assert fresh.left() == 1 and not fresh.wall_capped
    late = Budget(SolveParams(effort=1, time_limit=10), time.perf_counter() - 10)  # the wall limit passed
    assert late.left() == 0 and late.wall_capped
    done = Budget(SolveParams(effort=1, time_limit=10), time.perf_counter() - 10)
    done.spent = 1.0  # the effort is spent: that is what ended the search, not the clock
    assert done.left() == 0 and not done.wall_capped
    wall = Budget(SolveParams(time_limit=1, deterministic=False), time.perf_counter() - 15)
    assert wall.left() == 0 and not wall.wall_capped  # parallel mode: the limit is wall time itself
    near = Budget(SolveParams(effort=100, time_limit=5), time.perf_counter() - 3)
    assert 1.5 < near.wall_left() < 2  # what a CP-SAT call may still take: the limit less the reserve
