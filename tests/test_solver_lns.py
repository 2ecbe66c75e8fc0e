"""Block neighbourhoods (``rota.solver.lns``) and the ones aimed at what a rota pays for
(``rota.solver.aims``): short slots, people over and under their hours or share, dates of over-cover; the same
seed gives the same rota, and a solve that runs them returns a rota the validator accepts."""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

import pytest

from benchmarks.synthetic import synthetic_document
from rota.calendar import Calendar
from rota.load import parse_team
from rota.records import Duty
from rota.solver import SolveParams, solve
from rota.solver.build import Built, build
from rota.solver.greedy import greedy_rota
from rota.solver.lns import SPREAD, BlockLns
from rota.solver.search import Budget, polish
from rota.validate import validate

DAY = date(2026, 12, 10)  # a Thursday inside the test team's fortnight


def _team(**changes: Any) -> dict[str, Any]:
    """Three people on one role with a per-shift demand over a fortnight."""
    data: dict[str, Any] = {
        "team": "lns",
        "timezone": "UTC",
        "period": {"start": "2026-12-07", "end": "2026-12-20"},
        "opening_hours": {"daily": "00:00-24:00"},
        "roles": {"desk": {"shift_demand": [{"shift": "day", "min": 1, "max": 1}]}},
        "shifts": {"day": {"start": "09:00", "end": "17:00"}},
        "people": [{"id": "ann"}, {"id": "ben"}, {"id": "cat"}],
    }
    data.update(changes)
    return data


def _search(
    data: dict[str, Any], duties: list[Duty] | None = None, seed: int = 0, effort: float = 50
) -> BlockLns:
    """The block search of a team's model, and (set as ``start``) the solution of ``duties``."""
    cal = Calendar(parse_team(data))
    built = build(cal)
    params = SolveParams(effort=effort, time_limit=600, seed=seed)
    budget = Budget(params, time.perf_counter())
    goal = built.expr(built.gap_terms + built.other_terms)
    start = polish(built, duties if duties is not None else greedy_rota(cal), goal, params, 10, budget)
    assert start is not None
    lns = BlockLns(built, goal, params, budget, seed)
    lns.start = start  # type: ignore[attr-defined]
    return lns


def _duties(built: Built, rows: list[tuple[str, int]]) -> list[Duty]:
    """Day shifts of (person, day of the fortnight)."""
    cal = built.ctx.cal
    return [cal.duty(p, "desk", "day", cal.dates[k]) for p, k in rows]


def _dates(lns: BlockLns, free: set[int]) -> set[date]:
    return {lns.aims.date_of[n] for n in free}


def test_a_neighbourhood_aimed_at_a_short_slot_frees_it_and_who_could_take_it() -> None:
    """Four wanted on one date, three people: that slot is short; the neighbourhood frees everyone
    on that date and the people who could take it over SPREAD days either side, nothing further."""
    demand = [
        {"shift": "day", "min": 1, "max": 1},
        {"shift": "day", "dates": [DAY.isoformat()], "min": 4, "max": 4},
    ]
    lns = _search(_team(roles={"desk": {"shift_demand": demand}}))
    costs = lns._costs(lns.start)  # type: ignore[attr-defined]
    assert costs.short and all(lns.aims.date_of[lns.aims.shortfall[v][0]] == DAY for _, v in costs.short)
    free = lns._short(costs)
    assert set(lns.by_date[DAY]) <= free
    assert _dates(lns, free) == {d for d in lns.dates if abs((d - DAY).days) <= SPREAD}
    # a rota with no short slot has nothing to aim at: the kind is not drawn
    plain = _search(_team())
    assert not plain._costs(plain.start).short  # type: ignore[attr-defined]


def test_a_neighbourhood_aimed_at_hours_pairs_someone_over_with_someone_under() -> None:
    """Ann works every day of the fortnight, Ben none, on the same contract: Ann is above her hours
    and Ben below; a pair frees both (and only them when one pair is asked for)."""
    people = [{"id": p, "hours_per_week": 24} for p in ("ann", "ben", "cat")]
    data = _team(people=people)
    cal = Calendar(parse_team(data))
    built = build(cal)
    rows = [("ann", k) for k in range(14)]
    rows = [r for r in rows if r[1] % 7 < 6] + [("cat", k) for k in range(14) if k % 7 == 6]
    lns = _search(data, _duties(built, rows))
    costs = lns._costs(lns.start)  # type: ignore[attr-defined]
    assert costs.high[0][1] == "ann"
    assert "ben" in {p for _, p in costs.low}
    lns.size = 20  # one pair (2 × 14 duty variables), whole fortnight
    for seed in range(3):
        lns.rng.seed(seed)
        free = lns._imbalance(costs)
        people = {lns.keys[n][0] for n in free}
        assert len(people) == 2 and people & {p for _, p in costs.high} and people & {p for _, p in costs.low}
        assert free == {n for n, k in enumerate(lns.keys) if k[0] in people}
    lns.size = 1  # far fewer than the pair has: their duties over a run of a week
    free = lns._imbalance(costs)
    days = sorted(_dates(lns, free))
    assert len(days) == 7 and (days[-1] - days[0]).days == 6
    assert len({lns.keys[n][0] for n in free}) == 2


def test_a_neighbourhood_aimed_at_over_cover_frees_that_date() -> None:
    """Demand windows want one person 09:00-17:00; on one date all three are on: that date costs
    the most over-cover and is freed, with its people's nearby dates."""
    data = _team(roles={"desk": {"demand": [{"time": "09:00-17:00", "min": 1}]}})
    cal = Calendar(parse_team(data))
    built = build(cal)
    k = cal.dates.index(DAY)
    rows = [(("ann", "ben", "cat")[d % 3], d) for d in range(14)] + [("ann", k), ("ben", k), ("cat", k)]
    lns = _search(data, sorted(set(_duties(built, rows))))
    costs = lns._costs(lns.start)  # type: ignore[attr-defined]
    assert costs.over[0][1] == DAY
    lns.size = 1
    free = lns._over(costs)
    assert set(lns.by_date[DAY]) <= free
    assert _dates(lns, free) <= {d for d in lns.dates if abs((d - DAY).days) <= SPREAD}


def test_the_same_seed_gives_the_same_rota_and_never_a_worse_one() -> None:
    """Neighbourhoods are drawn from the seeded generator and the costs alone, so the same seed and
    effort improve to the same solution, never worse than the start."""
    data = synthetic_document("S", 0)
    out = []
    for seed in (1, 1):
        lns = _search(data, seed=seed, effort=0.4)
        start = lns.start  # type: ignore[attr-defined]
        value = lns.value(start)
        solution, better = lns.improve(start, value)
        assert better <= value and lns.value(solution) == better
        assert sum(lns.tries.values()) > 0
        out.append(solution)
    assert out[0] == out[1]


def test_a_solve_with_block_neighbourhoods_passes_the_validator(caplog: pytest.LogCaptureFixture) -> None:
    """H (50 people, 4 weeks) has enough duty variables for the block neighbourhoods: they run,
    and the rota keeps every rule."""
    data = synthetic_document("H", 0)
    team = parse_team(data)
    with caplog.at_level(logging.DEBUG, logger="rota.solver.lns"):
        result = solve(team, params=SolveParams(effort=2, time_limit=600))
    assert any("neighbourhoods, final" in r.message for r in caplog.records)
    report = validate(team, result.document)
    assert report.ok, report.violations
    assert report.objective == result.objective
