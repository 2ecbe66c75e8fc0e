"""The floors proved before the search (``rota.solver.floors``): they hold on random rotas that keep the hard
rules (scored by rota.objective, checked by the validator), they raise the bound where the pooled cover
model sees more than the variables' domains, and teams where they do not bite keep their model."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from benchmarks import curtois
from benchmarks.synthetic import synthetic_team
from rota.calendar import Calendar
from rota.document import RotaDocument
from rota.load import load_team, parse_team
from rota.objective import compute_terms, weighted, weights
from rota.records import Duty
from rota.solver import SolveParams, floors, solve
from rota.solver.build import build
from rota.solver.result import rota_document
from rota.team import Team
from rota.validate import validate

START = date(2027, 3, 1)  # a Monday
SHIFTS = {"early": ("06:00", "14:00"), "late": ("14:00", "22:00"), "night": ("22:00", "06:00")}


def _team(
    people: int,
    days: int,
    need: dict[str, int],
    rules: dict[str, Any] | None = None,
    limits: list[dict[str, Any]] | None = None,
    off: dict[int, list[int]] | None = None,
    hours: float | None = None,
) -> Team:
    """A per-shift-demand team: ``need`` people on each shift each date, the same rules for all."""
    end = START + timedelta(days=days - 1)
    demand = [
        {"shift": s, "min": n, "max": n, "weight_under": 100, "weight_over": 7} for s, n in need.items() if n
    ]
    crew = []
    for k in range(people):
        person: dict[str, Any] = {"id": f"p{k}", "name": f"Person {k}", "rules": dict(rules or {})}
        if hours is not None:
            person["hours_per_week"] = hours
        if limits:
            person["limits"] = limits
        if off and off.get(k):
            person["unavailable"] = [
                {"date": (START + timedelta(days=d)).isoformat(), "reason": "leave"} for d in off[k]
            ]
        crew.append(person)
    return parse_team(
        {
            "team": "Ward",
            "timezone": "Europe/London",
            "period": {"start": START.isoformat(), "end": end.isoformat()},
            "opening_hours": {"daily": "00:00-24:00"},
            "roles": {"nurse": {"name": "Nurse", "shift_demand": demand}},
            "shifts": {s: {"start": a, "end": b} for s, (a, b) in SHIFTS.items() if s in need},
            "rules": {"min_rest_hours": 0, "max_hours_per_week": None},
            "people": crew,
        },
        "ward",
    )


def _random_rotas(team: Team, count: int, seed: int) -> list[list[Duty]]:
    """Rotas that keep every hard rule: the hard model alone under random linear objectives."""
    cal = Calendar(team)
    rng = random.Random(seed)
    out = []
    for k in range(count):
        ctx = build(cal, soft=False).ctx
        keys = list(ctx.x)
        ctx.model.minimize(sum(rng.randint(-9, 9) * ctx.x[key] for key in keys))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed + k
        solver.parameters.max_deterministic_time = 0.2
        if solver.solve(ctx.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return out
        out.append([ctx.duty(key) for key in keys if solver.value(ctx.x[key])])
    return out


def _cover_floor(team: Team) -> int | None:
    built = build(Calendar(team))
    term = next(t for t in built.other_terms if t.name == "shift_cover")
    return floors.cover_floor(built.ctx, term)


def _holds(team: Team, rotas: list[list[Duty]]) -> None:
    """Every rota is valid, and its objective and shift_cover are at least the floors."""
    cal = Calendar(team)
    built = build(cal)
    cover = _cover_floor(team)
    for duties in rotas:
        doc, _ = rota_document(cal, duties, {"status": "feasible"})
        assert validate(team, doc).ok
        terms = compute_terms(cal, duties)
        assert weighted(terms, weights(cal)) >= built.floor - 1e-6
        if cover is not None:
            assert terms.shift_cover >= cover


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    people=st.integers(2, 6),
    days=st.integers(5, 14),
    need=st.fixed_dictionaries({s: st.integers(0, 3) for s in SHIFTS}),
    max_hours=st.sampled_from([None, 24, 40, 64]),
    min_hours=st.sampled_from([None, 8, 16]),
    weekends=st.sampled_from([None, 0, 1]),
    run=st.sampled_from([None, 2, 3, 5]),
    night_cap=st.sampled_from([None, 0, 1, 3]),
    leave=st.lists(st.integers(0, 13), max_size=10),
    hours=st.sampled_from([None, 20.0, 37.5, 60.0]),
    seed=st.integers(0, 10_000),
)
def test_the_floors_hold_on_random_valid_rotas(
    people: int,
    days: int,
    need: dict[str, int],
    max_hours: int | None,
    min_hours: int | None,
    weekends: int | None,
    run: int | None,
    night_cap: int | None,
    leave: list[int],
    hours: float | None,
    seed: int,
) -> None:
    if not any(need.values()):
        need = {"early": 1}
    rules: dict[str, Any] = {"max_hours_per_period": max_hours, "min_hours_per_period": min_hours}
    if weekends is not None:
        rules["max_weekends"] = {"max": weekends, "per": "period"}
    if run is not None:
        rules["max_consecutive_days"] = run
    limits = None
    if night_cap is not None and need.get("night"):
        limits = [{"shift": "night", "max": night_cap, "per": "week"}]
    team = _team(people, days, need, rules, limits, off={0: leave}, hours=hours)
    _holds(team, _random_rotas(team, 4, seed))


@pytest.mark.parametrize("instance", [1, 2, 5])
def test_the_floors_hold_on_curtois_rotas(instance: int) -> None:
    inst = curtois.read_instance(f"data/benchmarks/curtois/Instance{instance}.txt")
    team = parse_team(curtois.to_team(inst), inst.name)
    rotas = _random_rotas(team, 3, instance)
    assert rotas
    _holds(team, rotas)


def test_a_short_crew_raises_the_floor_and_the_bound() -> None:
    """Three people at most 24 h (three 8-hour shifts) each, two wanted on every early shift for a
    week: 14 asked, 9 possible, so at least 5 × 100 under cover. Per slot the variables see none
    (three people could each take it), so only the pooled model proves it."""
    team = _team(3, 7, {"early": 2}, {"max_hours_per_period": 24})
    assert _cover_floor(team) == 500
    built = build(Calendar(team))
    assert built.floor >= 500
    result = solve(team, params=SolveParams(effort=0.05, time_limit=30))
    assert validate(team, result.document).ok
    assert result.bound is not None and result.bound >= 500
    assert result.objective is not None and result.objective >= result.bound


def test_a_cap_below_the_contract_raises_the_floor() -> None:
    """Person 0 has a 40-hour week but may work at most 16 hours over the week (two 8-hour shifts):
    24 h short of 40 whatever the rota (the target already leaves out leave; a cap it does not), and
    the contract term's floor (× 3 a minute) says so before any search."""
    team = _team(3, 7, {"early": 1}, {"max_hours_per_period": 16}, hours=40)
    built = build(Calendar(team))
    contract = next(t for t in built.other_terms if t.name == "contract")
    assert floors.term_floor(contract) == 3 * 24 * 60  # all three capped
    plain = _team(3, 7, {"early": 1}, {"max_hours_per_period": 80}, hours=40)
    assert (
        floors.term_floor(next(t for t in build(Calendar(plain)).other_terms if t.name == "contract"))
        < 24 * 60
    )
    assert built.floor >= 3 * 3 * 24 * 60
    result = solve(team, params=SolveParams(effort=0.05, time_limit=30))
    assert validate(team, result.document).ok
    assert result.bound is not None and result.bound >= 3 * 3 * 24 * 60
    _holds(team, _random_rotas(team, 3, 0))


def test_the_cover_floor_leaves_the_model_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pooled model's floor goes to the bound, not into the model: the search is the same."""
    ample = _team(6, 7, {"early": 1, "late": 1})
    assert _cover_floor(ample) is None
    short = _team(3, 7, {"early": 2}, {"max_hours_per_period": 24})
    assert _cover_floor(short) == 500
    for t in (ample, short, synthetic_team("S")):
        with_floor = str(build(Calendar(t)).ctx.model.proto)
        with monkeypatch.context() as patch:
            patch.setattr(floors, "cover_floor", lambda ctx, term: None)
            without = str(build(Calendar(t)).ctx.model.proto)
        assert with_floor == without


def test_the_floor_is_the_same_every_time() -> None:
    """The pooled model is stopped by deterministic units, never the clock: the same floor and cut."""
    inst = curtois.read_instance("data/benchmarks/curtois/Instance10.txt")
    team = parse_team(curtois.to_team(inst), inst.name)
    first, second = build(Calendar(team)), build(Calendar(team))
    assert first.floor == second.floor == 4600  # the best known roster is 4,631
    assert str(first.ctx.model.proto) == str(second.ctx.model.proto)


def test_a_term_whose_model_constant_is_negative_does_not_hide_the_others() -> None:
    """LARGE: over-cover's model term carries minus the demand (−457,440 at its variables' least), which
    summed the whole floor to 0; each term counts at least 0, so fairness's 14,898 shows, and it stays
    under the objective of the shipped gapless rota."""
    root = Path(__file__).resolve().parents[1] / "data" / "benchmarks"
    team = load_team(root / "large-50.yaml")
    built = build(Calendar(team))
    assert min(floors.term_floor(t) for t in built.other_terms) < 0  # the case this guards
    assert built.floor > 10_000
    doc = RotaDocument.model_validate_json((root / "large-50.rota.json").read_text())
    report = validate(team, doc)
    assert report.ok and built.floor <= report.objective
