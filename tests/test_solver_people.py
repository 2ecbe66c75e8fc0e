"""Solving a few people at a time (``rota.solver.people``): the part model's objective moves exactly as the
whole rota's does, the rotas keep every rule, the same input gives the same rota, and ``auto`` picks
this search only for teams too big to search whole."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

from benchmarks.curtois import read_instance, roster_rows, to_team
from benchmarks.curtois_eval import evaluate
from benchmarks.synthetic import synthetic_document, synthetic_team
from rota import objective as obj
from rota.calendar import Calendar
from rota.load import parse_team
from rota.records import Duty
from rota.solver import SolveParams, people, solve
from rota.solver.build import build
from rota.solver.greedy import greedy_rota
from rota.solver.search import Budget
from tests.test_solver_support import check

CURTOIS = Path(__file__).resolve().parent.parent / "data" / "benchmarks" / "curtois"


def _part_value(cal: Calendar, group: set[str], others: list[Duty], mine: list[Duty]) -> float:
    """The part model's objective with the group's duties fixed to ``mine`` (auxiliaries at their least)."""
    built = build(cal, people=group, others=others)
    ctx = built.ctx
    on = {ctx.key_of(d) for d in mine}
    assert on <= set(ctx.x)
    model = ctx.model.clone()
    model.add_bool_and([var if key in on else ~var for key, var in ctx.x.items()])
    model.minimize(built.expr(built.gap_terms + built.other_terms))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return solver.objective_value / built.scale


def _curtois_team(n: int):
    inst = read_instance(CURTOIS / f"Instance{n}.txt")
    return inst, parse_team(to_team(inst), inst.name)


@pytest.mark.parametrize("size", ["S", "H", "curtois-2", "H-crowded", "curtois-2-crowded"])
def test_part_model_moves_exactly_as_the_whole_objective(size: str) -> None:
    """Two rotas that differ only in a group's duties differ by the same amount in the group's model
    and in the whole objective (computed apart from the model): every term those people touch is
    in the part model, cover counted with everyone else's duties. "Crowded": everyone else already
    fills each slot of the group's duties beyond its demand (the fixed duties alone exceed it)."""
    team = _curtois_team(2)[1] if size.startswith("curtois") else synthetic_team(size.split("-")[0])
    cal = Calendar(team)
    rota = solve(team, params=SolveParams(effort=0.5, strategy="whole")).duties  # keeps every rule
    ids = [p.id for p in team.people]
    rng = random.Random(5)
    search = people.PeopleSearch(
        cal,
        SolveParams(),
        Budget(SolveParams(effort=30), time.perf_counter()),
        people.variables_per_person(cal),
    )
    for _ in range(10):  # a group whose duties the part model changes
        group = set(rng.sample(ids, 3))
        others = [d for d in rota if d.person not in group]
        first = sorted(d for d in rota if d.person in group)
        if size.endswith("crowded"):
            rest = [p for p in ids if p not in group]
            others += [replace(d, person=rest[k % len(rest)]) for d in first for k in range(3)]
        _, found = search._solve(group, others, first, 2.0)
        assert found is not None
        second = sorted(found)
        if second != first:
            break
    assert first != second
    weights = obj.weights(cal)
    whole = [obj.weighted(obj.compute_terms(cal, others + mine), weights) for mine in (first, second)]
    part = [_part_value(cal, group, others, mine) for mine in (first, second)]
    assert part[0] - part[1] == pytest.approx(whole[0] - whole[1])
    assert whole[0] != pytest.approx(whole[1])  # the test compares something


def test_people_search_keeps_every_rule_and_repeats(monkeypatch) -> None:
    """Groups smaller than the team (a few people each): a valid rota, better than the start, and the
    very same rota on a second run."""
    monkeypatch.setattr(people, "GROUP_VARS", 150)
    data = synthetic_document("S")
    team = parse_team(data)
    params = {"effort": 3, "seed": 3, "strategy": "people"}
    first = solve(team, params=SolveParams(**params))
    second = solve(team, params=SolveParams(**params))
    # groups grow while they solve quickly; once everyone is one group the optimum is proven
    assert str(first.status) in ("feasible", "optimal")
    assert first.document.solver is not None and first.document.solver.strategy == "people"
    assert first.document.solver.reproducible
    check(data, first)
    assert first.duties == second.duties
    cal = Calendar(team)
    start = obj.weighted(obj.compute_terms(cal, greedy_rota(cal)), obj.weights(cal))
    assert first.objective is not None and first.objective < start


def test_one_group_of_everyone_proves_the_whole_models_optimum() -> None:
    data = synthetic_document("S")
    team = parse_team(data)
    by_people = solve(team, params=SolveParams(effort=10, strategy="people"))
    whole = solve(team, params=SolveParams(effort=10, strategy="whole"))
    assert str(by_people.status) == str(whole.status) == "optimal"
    assert by_people.objective == whole.objective
    check(data, by_people)


def test_people_search_on_a_benchmark_instance_passes_the_independent_evaluator() -> None:
    inst, team = _curtois_team(3)
    result = solve(team, params=SolveParams(effort=6, strategy="people"))
    assert str(result.status) == "feasible"
    evaluation = evaluate((CURTOIS / "Instance3.txt").read_text(), roster_rows(inst, result.duties))
    assert evaluation.feasible, evaluation.violations
    assert evaluation.objective == result.objective


def test_auto_solves_whole_below_the_threshold_and_by_people_above(monkeypatch) -> None:
    team = synthetic_team("S")
    cal = Calendar(team)
    counts = people.variables_per_person(cal)
    total = sum(counts.values())
    assert not people.by_people(cal, SolveParams(), counts)
    assert people.by_people(cal, SolveParams(strategy="people"), counts)
    monkeypatch.setattr(people, "WHOLE_MAX_VARS", total - 1)
    assert people.by_people(cal, SolveParams(), counts)
    assert not people.by_people(cal, SolveParams(strategy="whole"), counts)
    # re-planning keeps to the whole model (it counts changes against the baseline)
    assert not people.by_people(cal, SolveParams(baseline=[]), counts)
    monkeypatch.setattr(people, "WHOLE_MAX_VARS", total)
    assert not people.by_people(cal, SolveParams(), counts)


def test_auto_solves_a_horizon_longer_than_a_quarter_by_people() -> None:
    """91 dates (synthetic L, a quarter) stay whole; 92 go a few people at a time."""
    team = synthetic_team("S")
    quarter = Calendar(team, date(2026, 1, 1), date(2026, 4, 1))
    longer = Calendar(team, date(2026, 1, 1), date(2026, 4, 2))
    assert len(quarter.dates) == people.WHOLE_MAX_DAYS == len(longer.dates) - 1
    assert not people.by_people(quarter, SolveParams(), people.variables_per_person(quarter))
    assert people.by_people(longer, SolveParams(), people.variables_per_person(longer))
    assert not people.by_people(longer, SolveParams(strategy="whole"), people.variables_per_person(longer))


def test_a_person_whose_own_rules_conflict_makes_the_team_infeasible() -> None:
    data = {
        "team": "tight",
        "timezone": "UTC",
        "period": {"start": "2026-03-02", "end": "2026-03-08"},
        "opening_hours": {"daily": "00:00-24:00"},
        "roles": {"desk": {"shift_demand": [{"shift": "day", "min": 1, "max": 1}]}},
        "shifts": {"day": {"start": "09:00", "end": "17:00"}},
        "rules": {"max_consecutive_days": 2},
        "people": [{"id": "ann"}, {"id": "bob", "rules": {"min_hours_per_period": 48}}],
    }
    result = solve(parse_team(data), params=SolveParams(effort=5, strategy="people"))
    assert str(result.status) == "infeasible"
    assert result.duties == []


def test_a_group_not_placed_in_time_never_leaves_a_part_rota(monkeypatch) -> None:
    """When one person of a group cannot be placed in time, construction gives up: the result is the
    whole team's starting rota or none, never a rota with someone's duties missing."""
    solve_, valid = people.PeopleSearch._solve, people.PeopleSearch._valid

    def slow_for_one(original):
        def patched(self, group, *args, **kwargs):
            if "ewa-007" in group:
                return cp_model.UNKNOWN, None
            return original(self, group, *args, **kwargs)

        return patched

    monkeypatch.setattr(people.PeopleSearch, "_solve", slow_for_one(solve_))
    monkeypatch.setattr(people.PeopleSearch, "_valid", slow_for_one(valid))
    monkeypatch.setattr(people, "GROUP_VARS", 150)
    data = synthetic_document("S")
    team = parse_team(data)
    assert "ewa-007" in {p.id for p in team.people}
    result = solve(team, params=SolveParams(effort=3, strategy="people"))
    doc = result.document
    assert doc.solver is not None
    if result.duties:  # the starting rota, which keeps every rule, said so
        assert "starting rota" in (doc.solver.message or "")
        check(data, result)
    else:
        assert str(result.status) == "infeasible" and doc.solver.model_extra.get("proven") is False


def test_the_same_rota_on_one_thread_or_two(monkeypatch) -> None:
    """Every CP-SAT call of the search counts deterministic time, whatever its ``workers``: the rota
    and the work counted do not depend on the thread count."""
    monkeypatch.setattr(people, "GROUP_VARS", 150)
    team = synthetic_team("S")
    one = solve(team, params=SolveParams(effort=2, seed=1, workers=1, strategy="people"))
    two = solve(team, params=SolveParams(effort=2, seed=1, workers=2, strategy="people"))
    assert one.duties == two.duties
    assert one.document.solver is not None and two.document.solver is not None
    assert one.document.solver.deterministic_time == two.document.solver.deterministic_time
