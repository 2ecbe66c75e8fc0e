"""The fairness ledger (issue 24): the team-file block, the balances, and the solver's use of them."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from rota import ledger
from rota.calendar import Calendar
from rota.load import TeamFileError, parse_team
from rota.objective import compute_terms, weighted, weights
from rota.records import Duty
from rota.solver import SolveParams, solve
from rota.solver.build import build
from rota.teamcheck import check_team
from rota.validate import validate

PEOPLE = ("ann", "bob", "cat", "dan", "eve")


def desk(
    fairness: dict[str, Any] | None = None, history: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """Five people, one 12-hour day shift every day that one of them covers (so weekend days are scarce)."""
    doc: dict[str, Any] = {
        "team": "Weekend desk",
        "timezone": "Europe/London",
        "opening_hours": {"daily": "08:00-20:00"},
        "roles": {"desk": {"shift_demand": [{"shift": "day", "min": 1, "max": 1}]}},
        "shifts": {"day": {"start": "08:00", "end": "20:00"}},
        "people": [{"id": p} for p in PEOPLE],
        "history": history or [],
    }
    if fairness is not None:
        doc["fairness"] = fairness
    return doc


def month(y: int, m: int) -> tuple[date, date]:
    first = date(y, m, 1)
    nxt = date(y + m // 12, m % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def rows(duties: list[Duty]) -> list[dict[str, str]]:
    return [
        {"person": d.person, "role": d.role, "shift": d.shift, "date": d.date.isoformat()} for d in duties
    ]


def duties_of(doc: dict[str, Any], hist: list[dict[str, str]]) -> list[Duty]:
    cal = Calendar(parse_team(doc), date(2000, 1, 1), date(2000, 1, 1))
    return [cal.duty(h["person"], h["role"], h["shift"], date.fromisoformat(h["date"])) for h in hist]


def solve_month(doc: dict[str, Any], y: int, m: int) -> list[Duty]:
    """Solve one month and check it: no hard rule broken, the solver and the validator agree."""
    team = parse_team(doc)
    start, end = month(y, m)
    result = solve(team, start, end, SolveParams(effort=5, workers=2, seed=1, strategy="whole"))
    report = validate(team, result.document)
    assert report.ok, report.violations
    assert report.objective == result.objective
    return result.duties


WEEKEND = {"categories": {"weekend": 5}}


# -- the team file ---------------------------------------------------------------------------------


def test_a_team_without_the_block_has_no_ledger() -> None:
    team = parse_team(desk())
    assert team.fairness is None and ledger.categories(team) == []
    cal = Calendar(team, *month(2027, 2))
    assert ledger.cost(cal, []) == 0


def test_the_block_parses_with_its_defaults() -> None:
    team = parse_team(desk({"categories": {"weekend": 2, "night": 1}, "roles": {"desk": 3}}))
    assert team.fairness is not None and team.fairness.window_months == 12
    assert [(c.id, c.weight, c.label) for c in ledger.categories(team)] == [
        ("weekend", 2, "weekend days"),
        ("night", 1, "night shifts"),
        ("role:desk", 3, "desk duties"),
    ]


@pytest.mark.parametrize(
    ("block", "path", "words"),
    [
        ({"categories": {"weekends": 1}}, "fairness.categories", 'unknown fairness category "weekends"'),
        ({"window_months": 0}, "fairness.window_months", "greater than or equal to 1"),
        ({"categories": {"weekend": 1.5}}, "fairness.categories.weekend", "integer"),
        ({"roles": {"dsk": 1}}, "fairness.roles.dsk", 'unknown role "dsk" (did you mean "desk"?)'),
        ({"night_shifts": ["nite"]}, "fairness.night_shifts[0]", 'unknown shift "nite"'),
        (
            {
                "categories": {"weekend": 1},
                "opening": {"as_of": "2027-01-01", "balances": {"zed": {"weekend": 1}}},
            },
            "fairness.opening.balances.zed",
            'unknown person "zed"',
        ),
        (
            {
                "categories": {"weekend": 1},
                "opening": {"as_of": "2027-01-01", "balances": {"ann": {"night": 1}}},
            },
            "fairness.opening.balances.ann.night",
            '"night" is not a category this ledger counts (it counts: weekend)',
        ),
    ],
)
def test_a_bad_block_names_the_field(block: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(TeamFileError) as caught:
        parse_team(desk(block))
    text = str(caught.value)
    assert path in text and words in text, text


def test_a_good_block_has_no_problem() -> None:
    block = {
        "categories": {"weekend": 1, "hours": 1},
        "roles": {"desk": 1},
        "night_shifts": ["day"],
        "opening": {
            "as_of": "2027-01-01",
            "balances": {"ann": {"weekend": -1.5, "hours": 7.5, "role:desk": 1}},
        },
    }
    assert check_team(parse_team(desk(block))) == []


def test_night_and_late_shifts_by_the_clock_or_by_name() -> None:
    doc = desk({"categories": {"night": 1, "late": 1}})
    doc["opening_hours"] = {"daily": "00:00-24:00"}
    doc["shifts"] = {
        "early": {"start": "06:00", "end": "14:00"},
        "late": {"start": "14:00", "end": "22:00"},
        "evening": {"start": "16:00", "end": "01:00"},
        "night": {"start": "22:00", "end": "06:30"},
        "small": {"start": "02:00", "end": "05:00"},
        "day": {"start": "08:00", "end": "20:00"},
    }
    team = parse_team(doc)
    assert team.fairness is not None
    assert ledger.night_shifts(team, team.fairness) == {"night", "small"}
    assert ledger.late_shifts(team, team.fairness) == {"late", "evening"}
    doc["fairness"]["night_shifts"] = ["early"]
    doc["fairness"]["late_shifts"] = []
    named = parse_team(doc)
    assert named.fairness is not None
    assert ledger.night_shifts(named, named.fairness) == {"early"}
    assert ledger.late_shifts(named, named.fairness) == set()


# -- the balances -----------------------------------------------------------------------------------


def weekend_days(y: int, m: int) -> list[date]:
    start, end = month(y, m)
    return [
        start + timedelta(days=i)
        for i in range((end - start).days + 1)
        if (start + timedelta(days=i)).weekday() >= 5
    ]


def test_a_month_adds_duties_done_less_a_share_pro_rata() -> None:
    """February 2027 has 8 weekend days; ann does all of them: +6.4, the others −1.6 each."""
    doc = desk(WEEKEND)
    hist = [
        {"person": "ann", "role": "desk", "shift": "day", "date": d.isoformat()}
        for d in weekend_days(2027, 2)
    ]
    team = parse_team(doc)
    led = ledger.ledger(team, duties_of(doc, hist), date(2027, 1, 1), date(2027, 3, 31))
    assert led.balance("weekend") == {"ann": 640, "bob": -160, "cat": -160, "dan": -160, "eve": -160}
    assert led.done["weekend"] == {"ann": 8}
    assert [m for m, _ in led.months] == [date(2027, 2, 1)]  # months without a duty add nothing


def test_a_starter_and_a_long_absence_make_no_debt() -> None:
    """dan starts mid-February (away before), eve is off sick all February: their shares shrink, so
    neither owes the weekends they could not work."""
    doc = desk(WEEKEND)
    doc["people"][3]["unavailable"] = [
        {"from": "2027-01-01", "to": "2027-02-14", "reason": "not yet started"}
    ]
    doc["people"][4]["unavailable"] = [{"from": "2027-02-01", "to": "2027-02-28", "reason": "sick"}]
    days = weekend_days(2027, 2)  # 6 7 | 13 14 | 20 21 | 27 28
    who = ["ann", "bob", "cat", "ann", "bob", "dan", "cat", "dan"]
    hist = [
        {"person": p, "role": "desk", "shift": "day", "date": d.isoformat()}
        for p, d in zip(who, days, strict=True)
    ]
    team = parse_team(doc)
    bal = ledger.ledger(team, duties_of(doc, hist), date(2027, 2, 1), date(2027, 2, 28)).balance("weekend")
    # workable weekend dates: ann, bob, cat 8; dan 4; eve 0 → shares 2.29, 2.29, 2.29, 1.14, 0
    assert bal == {"ann": -29, "bob": -29, "cat": -29, "dan": 86, "eve": 0}


def test_a_republished_month_replaces_its_contribution() -> None:
    """The ledger is a function of the duties published per date: publishing February again (another
    rota for the same dates) gives the ledger of the new February alone, never both."""
    doc = desk(WEEKEND)
    team = parse_team(doc)
    days = weekend_days(2027, 2)
    first = [{"person": "ann", "role": "desk", "shift": "day", "date": d.isoformat()} for d in days]
    second = [
        {"person": PEOPLE[i % 5], "role": "desk", "shift": "day", "date": d.isoformat()}
        for i, d in enumerate(days)
    ]
    published: dict[str, dict[str, str]] = {}
    for row in first:
        published[row["date"]] = row
    before = ledger.ledger(
        team, duties_of(doc, list(published.values())), date(2027, 1, 1), date(2027, 2, 28)
    )
    for row in second:  # re-publishing replaces each date's duties
        published[row["date"]] = row
    after = ledger.ledger(team, duties_of(doc, list(published.values())), date(2027, 1, 1), date(2027, 2, 28))
    alone = ledger.ledger(team, duties_of(doc, second), date(2027, 1, 1), date(2027, 2, 28))
    assert before.balance("weekend")["ann"] == 640
    assert after.balance("weekend") == alone.balance("weekend")
    assert after.balance("weekend") == {"ann": 40, "bob": 40, "cat": 40, "dan": -60, "eve": -60}


def test_the_opening_balance_counts_inside_the_window_only() -> None:
    block = {
        "categories": {"weekend": 1, "hours": 1},
        "window_months": 3,
        "opening": {"as_of": "2027-01-01", "balances": {"ann": {"weekend": -1.5, "hours": 7.5}}},
    }
    doc = desk(block)
    doc["people"][0]["hours_per_week"] = 10
    team = parse_team(doc)
    inside = ledger.opening(Calendar(team, *month(2027, 3)))
    assert inside["weekend"]["ann"] == -150 and inside["hours"]["ann"] == 450
    outside = ledger.opening(Calendar(team, *month(2027, 5)))  # window from 2027-02-01
    assert outside.get("weekend", {}).get("ann", 0) == 0 and outside.get("hours", {}).get("ann", 0) == 0
    # history before the opening date is in the opening balance already: it is not counted again
    hist = [{"person": "ann", "role": "desk", "shift": "day", "date": "2026-12-26"}]
    again = parse_team(desk(block, hist) | {"people": doc["people"]})
    assert ledger.opening(Calendar(again, *month(2027, 3)))["weekend"]["ann"] == -150


def test_hours_against_contract_accumulate() -> None:
    """ann (10 h a week, so 2 h a workable date) works three 12-hour days in February: 36 h − 56 h."""
    doc = desk({"categories": {"hours": 1}})
    doc["people"][0]["hours_per_week"] = 14
    hist = [{"person": "ann", "role": "desk", "shift": "day", "date": f"2027-02-0{i}"} for i in (1, 2, 3)]
    team = parse_team(doc)
    led = ledger.ledger(team, duties_of(doc, hist), date(2027, 2, 1), date(2027, 2, 28))
    assert led.balance("hours") == {"ann": 36 * 60 - 56 * 60}
    assert ledger.shown(led.categories[0], led.balance("hours")["ann"]) == -20.0


# -- the solver -------------------------------------------------------------------------------------


def model_bytes(doc: dict[str, Any], y: int = 2027, m: int = 2) -> bytes:
    built = build(Calendar(parse_team(doc), *month(y, m)))
    built.ctx.model.minimize(built.expr(built.gap_terms + built.other_terms))
    return bytes(str(built.ctx.model.proto).encode())


def test_without_weights_the_model_is_the_one_without_the_block() -> None:
    """Not binding: a block whose categories all weigh 0 only keeps the ledger; the model is byte for
    byte the model of the team without the block (and so is a team that never had one)."""
    hist = rows([Duty("ann", d, "day", "desk", 0, 0) for d in weekend_days(2027, 1)])
    assert model_bytes(desk({"categories": {"weekend": 0}}, hist)) == model_bytes(desk(None, hist))
    assert model_bytes(desk(WEEKEND, hist)) != model_bytes(desk(None, hist))


def test_the_opening_balance_steers_the_weekends() -> None:
    """Binding: ann brings 3 weekend days more than her share; February gives her none, and the
    others share the 8 weekend days 2 each. Without the balance she has her usual share."""
    block = {**WEEKEND, "opening": {"as_of": "2027-02-01", "balances": {"ann": {"weekend": 3}}}}
    with_balance = solve_month(desk(block), 2027, 2)
    without = solve_month(desk(WEEKEND), 2027, 2)
    weekends = Counter(d.person for d in with_balance if d.date.weekday() >= 5)
    assert weekends["ann"] == 0 and sorted(weekends[p] for p in PEOPLE[1:]) == [2, 2, 2, 2]
    assert Counter(d.person for d in without if d.date.weekday() >= 5)["ann"] >= 1


def test_the_solver_and_the_validator_count_the_ledger_alike() -> None:
    """The solver's objective (with the ledger terms) is the validator's, term by term."""
    block = {
        "categories": {"weekend": 3, "hours": 1},
        "roles": {"desk": 1},
        "opening": {"as_of": "2027-01-01", "balances": {"bob": {"weekend": -2, "hours": -10}}},
    }
    doc = desk(block)
    doc["people"][1]["hours_per_week"] = 30
    team = parse_team(doc)
    result = solve(team, *month(2027, 2), SolveParams(effort=5, workers=2, seed=1, strategy="people"))
    cal = Calendar(team, *month(2027, 2))
    terms = compute_terms(cal, result.duties)
    assert result.objective == weighted(terms, weights(cal))
    assert terms.fairness >= ledger.cost(cal, result.duties) > 0
    assert validate(team, result.document).ok


def test_a_january_debt_is_repaid_by_march() -> None:
    """January: ann and bob worked 4 weekend days each, cat 2, dan and eve none (2 each was the share).
    Solved month by month with the ledger, February and March even it out to within one duty, with
    no hard rule broken; solved each month alone, the debt stays."""
    jan = weekend_days(2027, 1)
    who = ["ann", "bob"] * 4 + ["cat", "cat"]
    history = [
        {"person": p, "role": "desk", "shift": "day", "date": d.isoformat()}
        for p, d in zip(who, jan, strict=True)
    ]
    team = parse_team(desk(WEEKEND))
    spreads = {}
    for block in (WEEKEND, None):
        hist = copy.deepcopy(history)
        for m in (2, 3):
            hist += rows(solve_month(desk(block, hist), 2027, m))
        led = ledger.ledger(team, duties_of(desk(WEEKEND), hist), date(2027, 1, 1), date(2027, 3, 31))
        spreads[block is not None] = ledger.spread(led.balance("weekend"))
    assert spreads[True] <= 100, spreads
    assert spreads[False] > 100, spreads


def test_the_same_team_gives_the_same_rota() -> None:
    """Deterministic: the same team and history give the same rota (in deterministic time; a run the
    wall-clock cap stopped says so and proves nothing)."""
    block = {**WEEKEND, "opening": {"as_of": "2027-02-01", "balances": {"cat": {"weekend": -1}}}}
    team = parse_team(desk(block))
    runs = [solve(team, *month(2027, 2), SolveParams(effort=1, workers=2, seed=1)) for _ in range(2)]
    if all(r.document.solver is not None and r.document.solver.model_dump()["reproducible"] for r in runs):
        assert runs[0].duties == runs[1].duties


def test_a_part_model_moves_as_the_whole_objective_with_the_ledger() -> None:
    """Solving a few people at a time: the ledger terms of everyone depend on the group's duties (the
    category's total N), and the part model still moves exactly as the whole objective does."""
    import random
    import time

    from rota.solver import people
    from rota.solver.search import Budget
    from tests.test_solver_people import _part_value

    block = {
        "categories": {"weekend": 5, "hours": 1},
        "roles": {"desk": 2},
        "opening": {
            "as_of": "2027-02-01",
            "balances": {"ann": {"weekend": 2, "hours": -5}, "cat": {"role:desk": -1}},
        },
    }
    doc = desk(block)
    for p in doc["people"][:3]:
        p["hours_per_week"] = 30
    team = parse_team(doc)
    cal = Calendar(team, *month(2027, 2))
    rota = solve(team, *month(2027, 2), SolveParams(effort=0.5, strategy="whole")).duties
    search = people.PeopleSearch(
        cal,
        SolveParams(),
        Budget(SolveParams(time_limit=30), time.perf_counter()),
        people.variables_per_person(cal),
    )
    rng = random.Random(5)
    for _ in range(10):
        group = set(rng.sample(PEOPLE, 2))
        others = [d for d in rota if d.person not in group]
        first = sorted(d for d in rota if d.person in group)
        _, found = search._solve(group, others, first, 2.0)
        assert found is not None
        second = sorted(found)
        if second != first:
            break
    else:  # the rota was already the group's best: compare it with the group's duties given away
        second = [Duty(d.person, d.date, d.shift, d.role, d.start, d.end) for d in first[1:]]
    w = weights(cal)
    whole = [weighted(compute_terms(cal, others + mine), w) for mine in (first, second)]
    part = [_part_value(cal, group, others, mine) for mine in (first, second)]
    assert part[0] - part[1] == pytest.approx(whole[0] - whole[1])
    assert whole[0] != pytest.approx(whole[1])


def test_a_surplus_nobody_owes_is_spread_evenly() -> None:
    """ann brings +2 weekend days that no one else's balance offsets, bob worked January's last
    weekend: the balances do not sum to 0, so the solver counts each person's balance against the
    team's mean — February leaves the spread within one duty, not with the surplus on one person."""
    block = {**WEEKEND, "opening": {"as_of": "2027-01-01", "balances": {"ann": {"weekend": 2}}}}
    history = [{"person": "bob", "role": "desk", "shift": "day", "date": f"2027-01-{d}"} for d in (30, 31)]
    doc = desk(block, history)
    feb = solve_month(doc, 2027, 2)
    cal = Calendar(parse_team(doc), *month(2027, 2))
    assert ledger.spread(ledger.opening(cal)["weekend"]) == 200
    assert ledger.spread(ledger.after(cal, feb)["weekend"]) <= 100
    starting = ledger.starting(cal, ledger.categories(cal.team)[0])
    assert starting == {"ann": 120, "bob": 120, "cat": -80, "dan": -80, "eve": -80}


def test_holiday_duties_count_where_the_team_works_them() -> None:
    """A 24/7 desk that does not close on bank holidays names whose holidays count: ann works New
    Year's Day (England), her share of that one duty is a fifth."""
    block = {"categories": {"holiday": 1}, "holidays": {"country": "GB", "subdivision": "ENG"}}
    doc = desk(block)
    hist = [
        {"person": "ann", "role": "desk", "shift": "day", "date": d} for d in ("2027-01-01", "2027-01-02")
    ]
    team = parse_team(doc)
    led = ledger.ledger(team, duties_of(doc, hist), date(2027, 1, 1), date(2027, 1, 31))
    assert led.balance("holiday") == {"ann": 80, "bob": -20, "cat": -20, "dan": -20, "eve": -20}
    assert led.done["holiday"] == {"ann": 1}
    # a team that closes on them has no holiday duty to share
    closed = parse_team(
        desk({"categories": {"holiday": 1}}) | {"holidays": {"country": "GB", "subdivision": "ENG"}}
    )
    assert ledger.scope(Calendar(closed, *month(2027, 1))).shares(ledger.categories(closed)[0])[0]["ann"] == 0
