"""Each hard rule where it binds and where it does not; every rota passes the validator."""

from __future__ import annotations

from typing import Any

import pytest
from test_solver_support import demand, gap_minutes, run, team_dict, worked

LATE_THEN_EARLY = demand(("2026-03-02", "14:00-22:00", 1), ("2026-03-03", "06:00-14:00", 1))


def rules(**kw: Any) -> dict[str, Any]:
    return {"max_consecutive_days": None, "max_hours_per_week": None, **kw}


@pytest.mark.parametrize(("rest", "gap"), [(11, 480), (8, 0)])
def test_min_rest(rest: float, gap: int) -> None:
    result = run(team_dict(roles=LATE_THEN_EARLY, rules=rules(min_rest_hours=rest)))
    assert gap_minutes(result) == gap
    assert all(g.reasons for g in result.document.gaps)


def test_overlap_without_rest_rule() -> None:
    data = team_dict(
        opening_hours={"daily": "00:00-24:00"},
        shifts={"night": {"start": "22:00", "end": "06:00"}, "early": {"start": "05:00", "end": "13:00"}},
        roles=demand(("2026-03-02", "22:00-24:00", 1), ("2026-03-03", "05:00-13:00", 1)),
        rules=rules(min_rest_hours=None),
    )
    result = run(data)
    assert gap_minutes(result) > 0
    assert len(worked(result)) == 1


@pytest.mark.parametrize(("limit", "days"), [(3, 6), (None, 7)])
def test_max_consecutive_days(limit: int | None, days: int) -> None:
    data = team_dict(roles=demand((None, "06:00-14:00", 1)), rules=rules(max_consecutive_days=limit))
    result = run(data)
    assert len(worked(result)) == days
    assert gap_minutes(result) == (7 - days) * 480


def test_history_seam_max_consecutive_days() -> None:
    history = [
        {"person": "ann", "role": "desk", "shift": "early", "date": f"2026-02-{d}"} for d in range(24, 29)
    ]  # the last five days of February
    data = team_dict(
        period={"start": "2026-03-01", "end": "2026-03-07"},
        history=history,
        roles=demand((None, "06:00-14:00", 1)),
        rules=rules(max_consecutive_days=5),
    )
    result = run(data)
    dates = [d for d, _ in worked(result)]
    assert "2026-03-01" not in dates
    assert len(dates) == 5  # of the six dates left, one more must be off


@pytest.mark.parametrize(("cap", "days"), [(40, 5), (56, 7)])
def test_max_hours_per_week(cap: float, days: int) -> None:
    data = team_dict(roles=demand((None, "06:00-14:00", 1)), rules=rules(max_hours_per_week=cap))
    assert len(worked(run(data))) == days


def test_history_counts_in_weekly_hours() -> None:
    data = team_dict(
        period={"start": "2026-03-04", "end": "2026-03-08"},
        roles=demand((None, "06:00-14:00", 1)),
        rules=rules(max_hours_per_week=40),
        history=[
            {"person": "ann", "role": "desk", "shift": "early", "date": "2026-03-02"},
            {"person": "ann", "role": "desk", "shift": "early", "date": "2026-03-03"},
        ],
    )
    assert len(worked(run(data))) == 3


@pytest.mark.parametrize(("limit", "days"), [({"max": 2, "per": "week"}, 2), ({"max": 9, "per": "week"}, 7)])
def test_limit_max(limit: dict[str, Any], days: int) -> None:
    data = team_dict(roles=demand((None, "06:00-14:00", 1)), rules=rules(limits=[{"role": "desk", **limit}]))
    assert len(worked(run(data))) == days


# Spec 1.1: shifts are offered only where demand needs them, so a min-type rule binds by choosing
# among offered shifts. In these teams bob can cover everything and ann would rather not work (or
# not work lates): whatever ann works, the min-type rule forced.
RELUCTANT_ANN = {"id": "ann", "hours_per_week": 0, "preferences": {"avoid_days": "daily"}}
BOB = {"id": "bob", "hours_per_week": 0}
NO_FAIRNESS = {"fairness": 0}


@pytest.mark.parametrize(("least", "lates"), [(3, 3), (None, 0)])
def test_limit_min(least: int | None, lates: int) -> None:
    ann = {"id": "ann", "hours_per_week": 0, "preferences": {"avoid_shifts": ["late"]}}
    if least is not None:
        ann["limits"] = [{"shift": "late", "min": least, "per": "week"}]
    cat = {"id": "cat", "hours_per_week": 0}  # bob and cat cover both shifts (11 h rest: one each)
    result = run(
        team_dict(people=[ann, BOB, cat], roles=demand((None, "06:00-22:00", 1)), weights=NO_FAIRNESS)
    )
    assert sum(1 for _, s in worked(result) if s == "late") == lates
    assert gap_minutes(result) == 0


def test_impossible_min_limit_is_infeasible_and_named() -> None:
    people = [{"id": "ann", "limits": [{"role": "desk", "min": 8, "per": "week"}]}]
    result = run(team_dict(people=people, roles=demand((None, "06:00-14:00", 1))), seconds=2)
    assert result.status == "infeasible"
    assert result.duties == [] and result.document.assignments == []
    assert result.document.solver is not None
    assert "limit_min" in (result.document.solver.message or "")
    assert "ann" in (result.document.solver.message or "")


@pytest.mark.parametrize("least", [3, None])
def test_min_consecutive_days(least: int | None) -> None:
    ann = {**RELUCTANT_ANN, "fixed": [{"date": "2026-03-04", "shift": "early", "role": "desk"}]}
    data = team_dict(
        people=[ann, BOB],
        roles=demand((None, "06:00-14:00", 1)),
        weights=NO_FAIRNESS,
        rules=rules(min_consecutive_days=least),
    )
    dates = [d for d, _ in worked(run(data))]
    assert "2026-03-04" in dates
    assert len(dates) == (least or 1)


@pytest.mark.parametrize(("least", "gap"), [(2, 480), (None, 0)])
def test_min_consecutive_days_off(least: int | None, gap: int) -> None:
    people = [{"id": "ann", "hours_per_week": 0, "unavailable": [{"date": "2026-03-03"}]}]
    data = team_dict(
        roles=demand(("2026-03-02", "06:00-14:00", 1), ("2026-03-04", "06:00-14:00", 1)),
        people=people,
        rules=rules(min_consecutive_days_off=least),
    )
    assert gap_minutes(run(data)) == gap


@pytest.mark.parametrize(("top", "gap"), [(1, 2 * 480), (2, 0)])
def test_max_weekends(top: int, gap: int) -> None:
    data = team_dict(
        period={"start": "2026-03-02", "end": "2026-03-15"},
        roles={"desk": {"demand": [{"days": "weekends", "time": "06:00-14:00", "min": 1}]}},
        rules=rules(max_weekends={"max": top, "per": "period"}),
    )
    assert gap_minutes(run(data)) == gap


@pytest.mark.parametrize(("banned", "gap"), [(True, 480), (False, 0)])
def test_forbidden_successions(banned: bool, gap: int) -> None:
    succ = [{"first": "late", "then": "early"}] if banned else []
    data = team_dict(roles=LATE_THEN_EARLY, rules=rules(min_rest_hours=None, forbidden_successions=succ))
    assert gap_minutes(run(data)) == gap


def test_hours_per_period() -> None:
    capped = team_dict(roles=demand((None, "06:00-14:00", 1)), rules=rules(max_hours_per_period=16))
    assert len(worked(run(capped))) == 2
    for floor, duties in ((24, 3), (None, 0)):
        ann = {**RELUCTANT_ANN, "rules": {"min_hours_per_period": floor}}
        floored = team_dict(people=[ann, BOB], roles=demand((None, "06:00-14:00", 1)), weights=NO_FAIRNESS)
        assert len(worked(run(floored))) == duties


def test_unavailability_skills_and_days() -> None:
    people = [
        {"id": "ann", "skills": ["desk"], "unavailable": [{"date": "2026-03-03"}]},
        {"id": "bob", "skills": [], "days": "mon-fri"},
        {"id": "cat", "skills": ["desk"], "days": "sat,sun"},
    ]
    roles = {"desk": {"skills": ["desk"], "demand": [{"time": "06:00-14:00", "min": 1}]}}
    result = run(team_dict(people=people, roles=roles))
    assert not worked(result, "bob")
    assert "2026-03-03" not in [d for d, _ in worked(result, "ann")]
    assert all(d in ("2026-03-07", "2026-03-08") for d, _ in worked(result, "cat"))
    assert gap_minutes(result) == 480  # Tuesday: ann is away, cat works weekends only


def test_shift_demand_is_met() -> None:
    people = [{"id": n} for n in ("ann", "bob", "cat")]
    roles = {"desk": {"demand": [], "shift_demand": [{"shift": "early", "min": 2}]}}
    result = run(team_dict(people=people, roles=roles, rules=rules(max_consecutive_days=5)))
    assert result.terms is not None and result.terms.shift_cover == 0
    per_day: dict[str, int] = {}
    for d in result.duties:
        if d.shift == "early":
            per_day[d.date.isoformat()] = per_day.get(d.date.isoformat(), 0) + 1
    assert all(n >= 2 for n in per_day.values()) and len(per_day) == 7


def test_fixed_assignment_kept() -> None:
    people = [
        {"id": "ann", "hours_per_week": 0, "fixed": [{"date": "2026-03-05", "shift": "late", "role": "desk"}]}
    ]
    result = run(team_dict(people=people, roles=demand((None, "06:00-22:00", 1))))
    assert ("2026-03-05", "late") in worked(result)


def test_fixed_assignment_breaking_a_rule_is_rejected() -> None:
    from rota.load import TeamFileError

    people = [
        {
            "id": "ann",
            "unavailable": [{"date": "2026-03-05"}],
            "fixed": [{"date": "2026-03-05", "shift": "late", "role": "desk"}],
        }
    ]
    with pytest.raises(TeamFileError):
        run(team_dict(people=people))


def _history(*entries: tuple[str, str]) -> list[dict[str, str]]:
    return [{"person": p, "role": "desk", "shift": "early", "date": d} for p, d in entries]


@pytest.mark.parametrize(
    ("history", "forced"),
    [
        (_history(("ann", "2026-03-01"), ("bob", "2026-02-27")), 2),  # began after the first known date
        (_history(("ann", "2026-03-01")), 0),  # touches the first known date: exempt
    ],
)
def test_min_consecutive_days_across_the_seam(history: list[dict[str, str]], forced: int) -> None:
    data = team_dict(
        people=[RELUCTANT_ANN, BOB],
        history=history,
        rules=rules(min_consecutive_days=3),
        roles=demand((None, "06:00-14:00", 1)),
        weights=NO_FAIRNESS,
    )
    dates = [d for d, _ in worked(run(data))]
    assert dates == ["2026-03-02", "2026-03-03"][:forced]


def test_min_days_off_across_the_seam() -> None:
    people = [{"id": "ann", "hours_per_week": 0}, {"id": "bob", "hours_per_week": 0}]
    history = _history(("ann", "2026-02-27"), ("bob", "2026-02-25"))
    data = team_dict(
        people=people,
        history=history,
        roles=demand((None, "06:00-14:00", 1)),
        rules=rules(min_consecutive_days_off=5),
    )
    result = run(data)
    assert all(d >= "2026-03-05" for d, _ in worked(result, "ann"))  # off from 28 Feb for five dates


def test_monthly_limit_counts_history() -> None:
    data = team_dict(
        period={"start": "2026-03-16", "end": "2026-03-22"},
        roles=demand((None, "06:00-14:00", 1)),
        history=_history(("ann", "2026-03-02"), ("ann", "2026-03-03")),
        rules=rules(limits=[{"max": 3, "per": "month"}]),
    )
    assert len(worked(run(data))) == 1


def test_monthly_weekends_count_history() -> None:
    weekends = {"desk": {"demand": [{"days": "weekends", "time": "06:00-14:00", "min": 1}]}}
    data = team_dict(
        period={"start": "2026-03-09", "end": "2026-03-22"},
        roles=weekends,
        history=_history(("ann", "2026-03-07")),
        rules=rules(max_weekends={"max": 1, "per": "month"}),
    )
    result = run(data)
    assert worked(result) == []
    assert gap_minutes(result) == 4 * 480
