"""Each hard rule of ``rota.checks.check_duties``: one case where it binds, one where it just does not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from rota.calendar import Calendar
from rota.catalogue import RULES
from rota.checks import check_duties
from rota.team import Team

EXTRA_SHIFTS = {
    "early": {"start": "07:00", "end": "15:00"},
    "late": {"start": "15:00", "end": "23:00"},
    "day": {"start": "09:00", "end": "17:00"},
    "night": {"start": "22:00", "end": "06:00"},
    "dawn": {"start": "05:00", "end": "13:00"},
    "six": {"start": "06:00", "end": "14:00"},
    "eve": {"start": "12:00", "end": "20:00"},
    "eve30": {"start": "12:30", "end": "20:30"},
    "wkday": {"start": "09:00", "end": "17:00", "days": "weekdays", "roles": ["desk"]},
}


@pytest.fixture
def calendar(make_team: Callable[..., Team]) -> Callable[..., Calendar]:
    """``calendar(**overrides)``: the test team, with more shifts, expanded over its period."""

    def build(**overrides: Any) -> Calendar:
        overrides.setdefault("shifts", EXTRA_SHIFTS)
        return Calendar(make_team(**overrides))

    return build


def found(cal: Calendar, *items: str, partial: bool = False) -> set[tuple[str, str | None, str | None]]:
    """(rule, person, date) of every violation of duties written "person role shift YYYY-MM-DD"."""
    duties = []
    for item in items:
        person, role, shift, day = item.split()
        duties.append(cal.duty(person, role, shift, date.fromisoformat(day)))
    return {
        (v.rule, v.person, v.date.isoformat() if v.date else None)
        for v in check_duties(cal, duties, partial=partial)
    }


def days(person: str, shift: str, first: int, last: int, role: str = "desk") -> list[str]:
    return [f"{person} {role} {shift} 2026-12-{d:02d}" for d in range(first, last + 1)]


def rules(**values) -> dict:
    return {"rules": values}


# -- placement -----------------------------------------------------------------------------------
def test_skills(calendar: Callable[..., Calendar]) -> None:
    cal = calendar()
    assert found(cal, "ben smod day 2026-12-08") == {("skills", "ben", "2026-12-08")}
    assert found(cal, "amara smod day 2026-12-08") == set()


def test_working_days(calendar: Callable[..., Calendar]) -> None:
    cal = calendar()
    assert found(cal, "chloe desk early 2026-12-12") == {("working_days", "chloe", "2026-12-12")}
    assert found(cal, "chloe desk early 2026-12-11") == set()


def test_unavailable_whole_date_and_timed(calendar: Callable[..., Calendar]) -> None:
    people = [
        {
            "id": "amara",
            "skills": ["desk"],
            "unavailable": [
                {"date": "2026-12-09", "reason": "dentist"},
                {"from": "2026-12-10T12:00", "to": "2026-12-10T15:00", "reason": "training"},
            ],
        }
    ]
    cal = calendar(people=people)
    assert found(cal, "amara desk early 2026-12-09") == {("unavailable", "amara", "2026-12-09")}
    # a night shift the evening before runs into the unavailable date
    assert found(cal, "amara desk night 2026-12-08") == {("unavailable", "amara", "2026-12-08")}
    assert found(cal, "amara desk early 2026-12-10") == {("unavailable", "amara", "2026-12-10")}
    # the timed stretch ends at 15:00, exclusive
    assert found(cal, "amara desk late 2026-12-10") == set()
    assert found(cal, "amara desk late 2026-12-08") == set()
    v = check_duties(cal, [cal.duty("amara", "desk", "early", date(2026, 12, 10))])[0]
    assert "training" in v.message and v.detail == "training"


def test_closed_date_shift_days_shift_role(calendar: Callable[..., Calendar]) -> None:
    cal = calendar(closures=["2026-12-08"])
    assert found(cal, "amara desk early 2026-12-08") == {("closed_date", "amara", "2026-12-08")}
    assert found(cal, "amara desk wkday 2026-12-12") == {("shift_days", "amara", "2026-12-12")}
    assert found(cal, "amara smod wkday 2026-12-09") == {("shift_role", "amara", "2026-12-09")}
    assert found(cal, "amara desk wkday 2026-12-09") == set()


def test_outside_period(calendar: Callable[..., Calendar]) -> None:
    cal = calendar()
    assert found(cal, "amara desk early 2026-12-21") == {("outside_period", "amara", "2026-12-21")}


# -- order of duties -----------------------------------------------------------------------------
def test_one_shift_per_date(calendar: Callable[..., Calendar]) -> None:
    cal = calendar(**rules(min_rest_hours=None))
    assert found(cal, "amara desk early 2026-12-08", "amara desk late 2026-12-08") == {
        ("one_shift_per_date", "amara", "2026-12-08")
    }
    assert found(cal, "amara desk early 2026-12-08", "amara desk early 2026-12-09") == set()


def test_overlap_across_midnight(calendar: Callable[..., Calendar]) -> None:
    cal = calendar(**rules(min_rest_hours=None))
    assert found(cal, "amara desk night 2026-12-07", "amara desk dawn 2026-12-08") == {
        ("overlap", "amara", "2026-12-08")
    }
    # touching is not overlapping: night ends 06:00, six starts 06:00
    assert found(cal, "amara desk night 2026-12-07", "amara desk six 2026-12-08") == set()


def test_min_rest_boundaries(calendar: Callable[..., Calendar]) -> None:
    cal = calendar()
    # eve ends 20:00, early starts 07:00 the next date: exactly 11 h
    assert found(cal, "amara desk eve 2026-12-07", "amara desk early 2026-12-08") == set()
    assert found(cal, "amara desk eve30 2026-12-07", "amara desk early 2026-12-08") == {
        ("min_rest", "amara", "2026-12-08")
    }
    v = check_duties(
        cal,
        [
            cal.duty("amara", "desk", "late", date(2026, 12, 7)),
            cal.duty("amara", "desk", "early", date(2026, 12, 8)),
        ],
    )[0]
    assert v.message == (
        "amara: 8.0 h rest between late on 2026-12-07 and early on 2026-12-08; min_rest_hours is 11"
    )


def test_min_rest_person_override(calendar: Callable[..., Calendar]) -> None:
    people = [{"id": "amara", "skills": ["desk"], "rules": {"min_rest_hours": 8}}]
    cal = calendar(people=people)
    assert found(cal, "amara desk late 2026-12-07", "amara desk early 2026-12-08") == set()


def test_min_rest_across_the_seam_and_history_alone(calendar: Callable[..., Calendar]) -> None:
    history = [
        {"person": "amara", "role": "desk", "shift": "late", "date": "2026-12-05"},
        {"person": "amara", "role": "desk", "shift": "early", "date": "2026-12-06"},
    ]
    cal = calendar(history=history)
    # history alone breaks rest (late 5th, early 6th) but is never reported
    assert found(cal, "amara desk day 2026-12-09") == set()
    history[1]["shift"] = "late"
    cal = calendar(history=history)
    assert found(cal, "amara desk early 2026-12-07") == {("min_rest", "amara", "2026-12-07")}
    assert found(cal, "amara desk late 2026-12-07") == set()


def test_max_consecutive_days(calendar: Callable[..., Calendar]) -> None:
    cal = calendar(**rules(max_consecutive_days=5))
    assert found(cal, *days("amara", "early", 7, 11)) == set()
    assert found(cal, *days("amara", "early", 7, 12)) == {("max_consecutive_days", "amara", "2026-12-12")}


def test_max_consecutive_days_counts_history(calendar: Callable[..., Calendar]) -> None:
    history = [
        {"person": "amara", "role": "desk", "shift": "early", "date": f"2026-12-{d:02d}"} for d in range(3, 7)
    ]
    cal = calendar(history=history, **rules(max_consecutive_days=5))
    assert found(cal, "amara desk early 2026-12-07") == set()
    assert found(cal, *days("amara", "early", 7, 8)) == {("max_consecutive_days", "amara", "2026-12-08")}


def test_min_consecutive_days(calendar: Callable[..., Calendar]) -> None:
    cal = calendar(**rules(min_consecutive_days=3))
    assert found(cal, *days("amara", "early", 9, 10)) == {("min_consecutive_days", "amara", "2026-12-09")}
    assert found(cal, *days("amara", "early", 9, 11)) == set()
    # runs touching either end of the horizon are exempt
    assert found(cal, *days("amara", "early", 7, 8), *days("amara", "early", 19, 20)) == set()
    assert found(cal, *days("amara", "early", 9, 10), partial=True) == set()


def test_min_consecutive_days_first_known_date_is_earliest_history(calendar: Callable[..., Calendar]) -> None:
    history = [{"person": "ben", "role": "desk", "shift": "early", "date": "2026-12-05"}]
    cal = calendar(history=history, **rules(min_consecutive_days=3))
    assert found(cal, *days("amara", "early", 7, 8)) == {("min_consecutive_days", "amara", "2026-12-07")}


def test_min_consecutive_days_off(calendar: Callable[..., Calendar]) -> None:
    cal = calendar(**rules(min_consecutive_days_off=2))
    assert found(cal, "amara desk early 2026-12-09", "amara desk early 2026-12-11") == {
        ("min_consecutive_days_off", "amara", "2026-12-10")
    }
    assert found(cal, "amara desk early 2026-12-09", "amara desk early 2026-12-12") == set()
    assert found(cal, "amara desk early 2026-12-09", "amara desk early 2026-12-11", partial=True) == set()


def test_forbidden_succession(calendar: Callable[..., Calendar]) -> None:
    cal = calendar(**rules(min_rest_hours=None, forbidden_successions=[{"first": "late", "then": "early"}]))
    assert found(cal, "amara desk late 2026-12-07", "amara desk early 2026-12-08") == {
        ("forbidden_succession", "amara", "2026-12-08")
    }
    assert found(cal, "amara desk early 2026-12-07", "amara desk late 2026-12-08") == set()
    assert found(cal, "amara desk late 2026-12-07", "amara desk early 2026-12-09") == set()


# -- amounts of work -----------------------------------------------------------------------------
def test_max_hours_per_week(calendar: Callable[..., Calendar]) -> None:
    cal = calendar(**rules(max_hours_per_week=40))
    assert found(cal, *days("amara", "early", 7, 11)) == set()
    assert found(cal, *days("amara", "early", 7, 12)) == {("max_hours_per_week", "amara", "2026-12-12")}
    # the next ISO week starts afresh
    assert found(cal, *days("amara", "early", 10, 14)) == set()


def test_max_hours_per_week_counts_history_in_the_same_week(calendar: Callable[..., Calendar]) -> None:
    history = [
        {"person": "amara", "role": "desk", "shift": "early", "date": d}
        for d in ("2026-12-01", "2026-12-07", "2026-12-08")
    ]
    cal = calendar(
        period={"start": "2026-12-09", "end": "2026-12-20"}, history=history, **rules(max_hours_per_week=40)
    )
    assert found(cal, *days("amara", "early", 9, 11)) == set()
    assert found(cal, *days("amara", "early", 9, 12)) == {("max_hours_per_week", "amara", "2026-12-12")}


def test_weekly_hours_are_real_elapsed_time_across_dst(calendar: Callable[..., Calendar]) -> None:
    # nights Mon 19 - Sat 24 Oct 2026: five of 8 h, then 9 h across the autumn change = 49 h
    autumn = calendar(period={"start": "2026-10-19", "end": "2026-10-25"}, **rules(max_hours_per_week=48))
    nights = [f"amara desk night 2026-10-{d}" for d in range(19, 25)]
    assert found(autumn, *nights) == {("max_hours_per_week", "amara", "2026-10-24")}
    msg = check_duties(
        autumn, [autumn.duty("amara", "desk", "night", date(2026, 10, d)) for d in range(19, 25)]
    )[0].message
    assert "49.0 h" in msg and "max_hours_per_week is 48" in msg
    # spring: Mon 23 - Sat 28 Mar, the last night lasts 7 h = 47 h in all
    spring = calendar(period={"start": "2026-03-23", "end": "2026-03-29"}, **rules(max_hours_per_week=47))
    assert found(spring, *[f"amara desk night 2026-03-{d}" for d in range(23, 29)]) == set()


def test_limit_max_per_week(calendar: Callable[..., Calendar]) -> None:
    cal = calendar(**rules(limits=[{"role": "smod", "max": 2, "per": "week"}]))
    assert found(cal, *days("amara", "day", 7, 8, "smod"), *days("amara", "day", 14, 15, "smod")) == set()
    assert found(cal, *days("amara", "day", 7, 9, "smod")) == {("limit_max", "amara", "2026-12-09")}
    # other roles do not count
    assert found(cal, *days("amara", "day", 7, 8, "smod"), "amara desk day 2026-12-09") == set()


def test_limit_max_counts_history_in_the_week(calendar: Callable[..., Calendar]) -> None:
    history = [
        {"person": "amara", "role": "smod", "shift": "day", "date": d} for d in ("2026-12-07", "2026-12-08")
    ]
    cal = calendar(
        period={"start": "2026-12-09", "end": "2026-12-20"},
        history=history,
        **rules(limits=[{"role": "smod", "max": 2, "per": "week"}]),
    )
    assert found(cal, "amara smod day 2026-12-09") == {("limit_max", "amara", "2026-12-09")}
    assert found(cal, "amara smod day 2026-12-14") == set()


def test_limit_max_per_shift_month_and_period(calendar: Callable[..., Calendar]) -> None:
    cal = calendar(
        **rules(
            limits=[{"shift": "night", "max": 1, "per": "month"}, {"role": "desk", "max": 3, "per": "period"}]
        )
    )
    assert found(cal, "amara desk night 2026-12-07", "amara desk night 2026-12-10") == {
        ("limit_max", "amara", "2026-12-10")
    }
    assert found(cal, *days("amara", "early", 7, 9)) == set()
    assert found(cal, *days("amara", "early", 7, 10)) == {("limit_max", "amara", "2026-12-10")}


def test_person_limit_replaces_team_limit(calendar: Callable[..., Calendar]) -> None:
    people = [{"id": "amara", "skills": ["smod"], "limits": [{"role": "smod", "max": 3, "per": "week"}]}]
    cal = calendar(people=people, **rules(limits=[{"role": "smod", "max": 2, "per": "week"}]))
    assert found(cal, *days("amara", "day", 7, 9, "smod")) == set()
    assert found(cal, *days("amara", "day", 7, 10, "smod")) == {("limit_max", "amara", "2026-12-10")}


def test_limit_min_whole_weeks_and_period(calendar: Callable[..., Calendar]) -> None:
    people = [{"id": "ben", "skills": ["desk"], "limits": [{"role": "desk", "min": 2, "per": "week"}]}]
    cal = calendar(people=people)
    assert found(cal, *days("ben", "early", 7, 8), "ben desk early 2026-12-14") == {
        ("limit_min", "ben", "2026-12-14")
    }
    assert found(cal, *days("ben", "early", 7, 8), *days("ben", "early", 14, 15)) == set()
    assert found(cal, "ben desk early 2026-12-14", partial=True) == set()
    # a week only partly inside the horizon is not held to a minimum
    cal = calendar(people=people, period={"start": "2026-12-09", "end": "2026-12-20"})
    assert found(cal, *days("ben", "early", 14, 15)) == set()
    people[0]["limits"] = [{"role": "desk", "min": 3, "per": "period"}]
    cal = calendar(people=people)
    assert found(cal, *days("ben", "early", 14, 15)) == {("limit_min", "ben", "2026-12-07")}


def test_max_weekends(calendar: Callable[..., Calendar]) -> None:
    cal = calendar(**rules(max_weekends={"max": 1, "per": "month"}))
    assert found(cal, "amara desk early 2026-12-12", "amara desk early 2026-12-13") == set()
    assert found(cal, "amara desk early 2026-12-12", "amara desk early 2026-12-20") == {
        ("max_weekends", "amara", "2026-12-20")
    }


def test_hours_per_period(calendar: Callable[..., Calendar]) -> None:
    people = [
        {
            "id": "amara",
            "skills": ["desk"],
            "rules": {"max_hours_per_period": 16, "min_hours_per_period": 16},
        },
        {"id": "ben"},
    ]
    cal = calendar(people=people)
    assert found(cal, *days("amara", "early", 7, 8)) == set()
    assert found(cal, *days("amara", "early", 7, 9)) == {("max_hours_per_period", "amara", "2026-12-09")}
    assert found(cal, "amara desk early 2026-12-07") == {("min_hours_per_period", "amara", "2026-12-07")}
    assert found(cal, "amara desk early 2026-12-07", partial=True) == set()


def test_fixed_must_be_in_the_rota(calendar: Callable[..., Calendar]) -> None:
    people = [
        {
            "id": "amara",
            "skills": ["desk"],
            "fixed": [
                {"date": "2026-12-08", "shift": "early", "role": "desk"},
                {"date": "2026-12-30", "shift": "early", "role": "desk"},
            ],
        }
    ]  # outside the horizon: ignored
    cal = calendar(people=people)
    assert found(cal) == {("fixed", "amara", "2026-12-08")}
    assert found(cal, "amara desk early 2026-12-08") == set()
    assert found(cal, partial=True) == set()


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_has_a_title(rule: str) -> None:
    assert RULES[rule]
