"""rota.solver.churn: a re-plan says how far it is from the least possible churn, and the bound is a true
one."""

from __future__ import annotations

import copy
from datetime import date

from rota.calendar import Calendar
from rota.document import RotaDocument
from rota.load import parse_team
from rota.solver import SolveParams, solve
from rota.solver.churn import least_changes, solve_replan
from rota.validate import validate

TEAM = {
    "team": "Churn",
    "timezone": "Europe/Amsterdam",
    "opening_hours": {"weekdays": "09:00-17:00"},
    "core_hours": {"weekdays": "09:00-17:00"},
    "roles": {"desk": {"skills": ["desk"], "demand": [{"days": "weekdays", "time": "core_hours", "min": 1}]}},
    "shifts": {
        "am": {"start": "09:00", "end": "13:00", "roles": ["desk"], "days": "weekdays"},
        "pm": {"start": "13:00", "end": "17:00", "roles": ["desk"], "days": "weekdays"},
    },
    "people": [
        {"id": "ann", "skills": ["desk"], "hours_per_week": 20},
        {"id": "bob", "skills": ["desk"], "hours_per_week": 20},
        {"id": "cy", "skills": ["desk"], "hours_per_week": 20},
    ],
}
START, END = date(2026, 10, 19), date(2026, 10, 23)


def test_a_sick_day_is_replanned_with_the_least_churn_proved() -> None:
    team = parse_team(copy.deepcopy(TEAM), "churn")
    base = solve(team, START, END, SolveParams(effort=3)).duties
    day = min(d.date for d in base if d.person == "ann")
    lost = [d for d in base if d.person == "ann" and d.date == day]
    doc = copy.deepcopy(TEAM)
    doc["people"][0]["unavailable"] = [{"date": day.isoformat()}]
    ill = parse_team(doc, "churn")
    result = solve_replan(ill, START, END, SolveParams(time_limit=4, effort=4, baseline=base))
    solver = result.document.solver
    assert solver is not None and solver.time_limit == 4  # the user's limit, shared by the two parts
    made = {(d.person, d.shift, d.date) for d in base} ^ {(d.person, d.shift, d.date) for d in result.duties}
    assert solver.changes == len(made) and solver.changes_bound is not None
    # each lost duty must go: at least one change each, and the re-plan is within one of the proved least
    assert solver.changes_bound >= len(lost) and solver.changes - solver.changes_bound <= 1
    assert not {(d.person, d.date) for d in result.duties} & {(d.person, d.date) for d in lost}
    assert validate(ill, RotaDocument.model_validate(result.document.to_json())).violations == []


def test_nothing_to_change_proves_zero_and_a_generate_has_no_churn_figures() -> None:
    team = parse_team(copy.deepcopy(TEAM), "churn")
    base = solve(team, START, END, SolveParams(effort=2)).duties
    cal = Calendar(team, START, END)
    assert least_changes(cal, base, base, SolveParams(effort=1), 1.0) == 0
    fresh = solve_replan(team, START, END, SolveParams(effort=1))
    assert fresh.document.solver is not None and "changes_bound" not in fresh.document.to_json()["solver"]
