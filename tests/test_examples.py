"""Our own example teams (data/examples) solve with zero gaps and pass the validator; the synthetic
benchmark teams are reproducible and gapless by construction."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.synthetic import SIZES, _available, synthetic_document, synthetic_team
from rota.calendar import Calendar
from rota.load import load_team
from rota.solver import SolveParams, solve
from rota.validate import validate

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"


@pytest.mark.parametrize("name", ["council-service-desk.yaml", "smod-pool.yaml"])
def test_example_solves_gapless_and_valid(name: str) -> None:
    team = load_team(EXAMPLES / name)
    result = solve(team, params=SolveParams(effort=5, workers=2, seed=0))
    assert result.status in ("optimal", "feasible")
    assert result.document.gaps == []
    report = validate(team, result.document)
    assert report.ok, [v.message for v in report.violations]
    assert report.gaps == []
    assert report.objective == pytest.approx(result.objective)


def test_synthetic_teams_are_reproducible() -> None:
    assert synthetic_document("M", 3) == synthetic_document("M", 3)
    assert synthetic_document("M", 3) != synthetic_document("M", 4)


@pytest.mark.parametrize("size", list(SIZES))
def test_synthetic_team_shape(size: str) -> None:
    team = synthetic_team(size)
    spec = SIZES[size]
    assert len(team.people) == spec.people
    assert len(team.roles) == len(spec.groups)
    cal = Calendar(team)
    assert len(cal.dates) == 7 * spec.weeks
    # every role's home group alone can staff its busiest window on every open weekday
    for role, _ in spec.groups:
        home = [p.id for p in team.people if set(team.roles[role].skills) <= set(p.skills)]
        peak = max(d.min for d in team.roles[role].demand)
        assert all(_available(cal, home, d, (480, 1080)) >= peak for d in cal.open_dates if d.weekday() < 5)


def test_synthetic_small_solves_gapless() -> None:
    team = synthetic_team("S")
    result = solve(team, params=SolveParams(effort=5, workers=2, seed=0))
    assert result.document.gaps == []
    assert validate(team, result.document).ok
