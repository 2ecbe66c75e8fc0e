"""Property: random small teams solve to rotas the validator accepts, with no more gap than greedy's."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_solver_support import check

from rota.calendar import Calendar
from rota.checks import check_duties
from rota.coverage import gap_minutes, gaps
from rota.load import parse_team
from rota.objective import compute_terms, weighted, weights
from rota.solver import SolveParams, solve
from rota.solver.greedy import greedy_rota

STARTS = ["2026-03-02", "2026-03-23", "2026-10-19"]  # plain, spring and autumn clock changes
SHIFTS = {
    "early": ("07:00", "15:00"),
    "late": ("13:00", "21:00"),
    "mid": ("10:00", "18:00"),
    "night": ("21:00", "07:00"),
}
WINDOWS = ["07:00-21:00", "07:00-15:00", "09:00-17:00", "13:00-21:00", "10:00-12:30"]
DAYS = ["daily", "weekdays", "weekends", "mon,wed,fri", "tue-sat"]


@st.composite
def teams(draw: st.DrawFn) -> dict[str, Any]:
    """A random small team: 2-6 people, 1-2 roles, 1-3 shifts, 1-2 weeks, random rules."""
    start = draw(st.sampled_from(STARTS))
    weeks = draw(st.integers(1, 2))
    end = {
        "2026-03-02": ["2026-03-08", "2026-03-15"],
        "2026-03-23": ["2026-03-29", "2026-04-05"],
        "2026-10-19": ["2026-10-25", "2026-11-01"],
    }[start][weeks - 1]
    role_ids = ["desk", "lead"][: draw(st.integers(1, 2))]
    shift_ids = draw(st.lists(st.sampled_from(sorted(SHIFTS)), min_size=1, max_size=3, unique=True))
    shifts = {}
    for sid in shift_ids:
        s, e = SHIFTS[sid]
        shifts[sid] = {"start": s, "end": e}
        if len(role_ids) > 1 and draw(st.booleans()):
            shifts[sid]["roles"] = [draw(st.sampled_from(role_ids))]
    roles = {}
    for rid in role_ids:
        entries = [
            {
                "days": draw(st.sampled_from(DAYS)),
                "time": draw(st.sampled_from(WINDOWS)),
                "min": draw(st.integers(1, 2)),
            }
            for _ in range(draw(st.integers(1, 2)))
        ]
        roles[rid] = {"skills": [rid], "demand": entries}
    people = []
    for n in range(draw(st.integers(2, 6))):
        skills = draw(st.lists(st.sampled_from(role_ids), min_size=1, unique=True))
        person: dict[str, Any] = {"id": f"p{n}", "skills": skills}
        if draw(st.booleans()):
            person["days"] = draw(st.sampled_from(DAYS))
        hours = draw(st.sampled_from([None, 20, 37.5]))
        if hours is not None:
            person["hours_per_week"] = hours
        leave = draw(st.integers(0, 6))
        if leave:
            person["unavailable"] = [{"date": f"{start[:8]}{int(start[8:]) + leave:02d}"}]
        if draw(st.booleans()):
            person["preferences"] = {"avoid_shifts": [draw(st.sampled_from(shift_ids))]}
        people.append(person)
    rules: dict[str, Any] = {
        "min_rest_hours": draw(st.sampled_from([None, 8, 11])),
        "max_consecutive_days": draw(st.sampled_from([None, 3, 5])),
        "max_hours_per_week": draw(st.sampled_from([None, 24, 40])),
    }
    if draw(st.booleans()):
        rules["limits"] = [{"role": role_ids[0], "max": draw(st.integers(1, 3)), "per": "week"}]
    if draw(st.booleans()):
        rules["max_weekends"] = {"max": 1, "per": "period"}
    if len(shift_ids) > 1 and draw(st.booleans()):
        rules["forbidden_successions"] = [{"first": shift_ids[0], "then": shift_ids[1]}]
    if draw(st.booleans()):
        rules["max_hours_per_period"] = draw(st.sampled_from([40, 64]))
    if draw(st.integers(0, 3)) == 0:  # min-type rules: greedy need not keep them
        rules["min_consecutive_days"] = draw(st.sampled_from([None, 2, 3]))
        rules["min_consecutive_days_off"] = draw(st.sampled_from([None, 2]))
        rules["min_hours_per_period"] = draw(st.sampled_from([None, 8]))
    if draw(st.booleans()):
        per = draw(st.sampled_from(["month", "period"]))
        rules["max_weekends"] = {"max": draw(st.integers(0, 2)), "per": per}
    history = []
    if draw(st.booleans()):  # the week before the period, so the seam rules bind
        first = date.fromisoformat(start)
        for person in people:
            for back in draw(st.lists(st.integers(1, 7), max_size=6, unique=True)):
                history.append(
                    {
                        "person": person["id"],
                        "role": person["skills"][0],
                        "shift": draw(st.sampled_from(shift_ids)),
                        "date": (first - timedelta(days=back)).isoformat(),
                    }
                )
    team: dict[str, Any] = {
        "team": "Random",
        "timezone": "Europe/London",
        "period": {"start": start, "end": end},
        "opening_hours": {"daily": "07:00-21:00"},
        "roles": roles,
        "shifts": shifts,
        "rules": rules,
        "people": people,
        "history": history,
    }
    if draw(st.booleans()):
        team["core_hours"] = {"weekdays": "09:00-17:00"}
    return team


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(teams())
def test_random_team_is_valid_and_no_worse_than_greedy(data: dict[str, Any]) -> None:
    team = parse_team(data)
    cal = Calendar(team)
    first = greedy_rota(cal)
    assert not check_duties(cal, first, partial=True)  # greedy honours every max-type rule
    result = solve(team, params=SolveParams(effort=3, workers=2, seed=0))
    if any(k.startswith("min_") and v for k, v in data["rules"].items()):
        if result.status == "infeasible":
            assert result.document.solver is not None and result.document.solver.message
        else:
            check(data, result)
        return
    assert result.status in ("optimal", "feasible")
    check(data, result)
    greedy_gap = sum(gap_minutes(gaps(cal, first)))
    assert result.terms is not None
    assert result.terms.gap_core + result.terms.gap_other <= greedy_gap
    assert result.objective is not None
    assert result.objective <= weighted(compute_terms(cal, first), weights(cal)) + 1e-6
