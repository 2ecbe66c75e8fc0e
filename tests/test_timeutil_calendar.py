"""Time conversions and calendar expansion: day specs, windows, DST, closed dates, demand, people."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from rota import timeutil
from rota.calendar import Calendar
from rota.team import Team

LONDON = timeutil.zone("Europe/London")


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("mon", {0}),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("mon,wed,fri", {0, 2, 4}),
        ("daily", set(range(7))),
        ("weekdays", set(range(5))),
        ("weekends", {5, 6}),
        ("SAT", {5}),
        (["mon", "tue-wed"], {0, 1, 2}),
        ("weekends,mon", {5, 6, 0}),
    ],
)
def test_parse_days(spec: str | list[str], days: set[int]) -> None:
    assert timeutil.parse_days(spec) == frozenset(days)


@pytest.mark.parametrize("spec", ["monday", "mon-xyz", "", []])
def test_parse_days_rejects(spec: str | list[str]) -> None:
    with pytest.raises(ValueError):
        timeutil.parse_days(spec)


def test_parse_window() -> None:
    assert timeutil.parse_window("08:00-16:00") == (480, 960)
    assert timeutil.parse_window("22:00-06:00") == (1320, 1800)
    assert timeutil.parse_window("09:00-24:00") == (540, 1440)
    assert timeutil.parse_window("00:00-00:00") == (0, 1440)
    for bad in ("09:00-25:30", "24:00-08:00", "9-17", "08:60-09:00", "08:00", "08:00-09:00-10:00"):
        with pytest.raises(ValueError):
            timeutil.parse_window(bad)


def test_local_minutes_fold_zero_and_round_trip() -> None:
    # 01:30 on 25 Oct 2026 happens twice in London; fold=0 takes the first (BST, 00:30Z)
    ambiguous = timeutil.local_minutes(date(2026, 10, 25), 90, LONDON)
    assert timeutil.iso(ambiguous, LONDON) == "2026-10-25T01:30:00+01:00"
    assert timeutil.to_minutes(datetime.fromisoformat("2026-10-25T00:30:00+00:00")) == ambiguous
    summer = timeutil.local_minutes(date(2026, 7, 1), 8 * 60, LONDON)
    assert timeutil.parse_instant("2026-07-01T08:00", LONDON) == summer
    assert timeutil.parse_instant(timeutil.iso(summer, LONDON), LONDON) == summer


def test_dst_shift_lengths(make_team: Callable[..., Team]) -> None:
    cal = Calendar(make_team(), date(2026, 3, 1), date(2026, 10, 31))
    assert cal.slot("night", date(2026, 10, 24)).minutes == 9 * 60  # autumn: clocks go back
    assert cal.slot("night", date(2026, 3, 28)).minutes == 7 * 60  # spring: clocks go forward
    assert cal.slot("night", date(2026, 3, 27)).minutes == 8 * 60
    assert cal.slot("early", date(2026, 3, 29)).minutes == 8 * 60  # a day shift after the change
    assert cal.iso(cal.slot("early", date(2026, 3, 29)).start) == "2026-03-29T07:00:00+01:00"


def test_closed_dates(make_team: Callable[..., Team]) -> None:
    team = make_team(
        holidays={"country": "GB", "subdivision": "ENG"},
        closures=["2026-12-24"],
        opening_hours={"weekdays": "08:00-18:00"},
        period={"start": "2026-12-21", "end": "2026-12-31"},
        roles={"desk": {"demand": [{"days": "weekdays", "time": "opening_hours", "min": 1}]}},
    )
    cal = Calendar(team)
    assert cal.closed[date(2026, 12, 25)].startswith("public holiday")
    assert cal.closed[date(2026, 12, 28)].startswith("public holiday")  # Boxing Day substitute
    assert cal.closed[date(2026, 12, 24)] == "closure"
    assert date(2026, 12, 26) in cal.closed  # a Saturday, and Boxing Day
    assert cal.open_dates == [date(2026, 12, d) for d in (21, 22, 23, 29, 30, 31)]
    assert {s.date for s in cal.slots} == set(cal.open_dates)
    assert not cal.slot_allowed("early", date(2026, 12, 25))
    assert cal.slot_allowed("early", date(2026, 12, 29))


def test_slots_respect_shift_days(make_team: Callable[..., Team]) -> None:
    team = make_team(
        shifts={
            "wk": {"start": "09:00", "end": "17:00", "days": "mon-fri"},
            "we": {"start": "10:00", "end": "14:00", "days": "weekends"},
        }
    )
    cal = Calendar(team)
    assert {s.shift for s in cal.slots_by_date[date(2026, 12, 12)]} == {"we"}
    assert {s.shift for s in cal.slots_by_date[date(2026, 12, 11)]} == {"wk"}


def test_requirement_segments(make_team: Callable[..., Team]) -> None:
    team = make_team(
        opening_hours={"daily": "08:00-18:00"},
        core_hours={"daily": "09:00-17:00"},
        period={"start": "2026-12-07", "end": "2026-12-08"},
        roles={
            "desk": {
                "demand": [
                    {"time": "opening_hours", "min": 1},
                    {"time": "10:00-12:00", "min": 3},
                    {"time": "11:00-13:00", "min": 2},
                    {"dates": ["2026-12-08"], "time": "core_hours", "min": 4},
                ]
            }
        },
    )
    cal = Calendar(team)

    def at(day: int) -> list[tuple[str, str, int, bool]]:
        return [
            (cal.instant(s.start).strftime("%H:%M"), cal.instant(s.end).strftime("%H:%M"), s.required, s.core)
            for s in cal.requirement("desk")
            if cal.instant(s.start).day == day
        ]

    assert at(7) == [
        ("08:00", "09:00", 1, False),
        ("09:00", "10:00", 1, True),
        ("10:00", "12:00", 3, True),
        ("12:00", "13:00", 2, True),
        ("13:00", "17:00", 1, True),
        ("17:00", "18:00", 1, False),
    ]
    assert at(8) == [("08:00", "09:00", 1, False), ("09:00", "17:00", 4, True), ("17:00", "18:00", 1, False)]


def test_unavailable_whole_dates_run_midnight_to_midnight(make_team: Callable[..., Team]) -> None:
    people = [
        {
            "id": "amara",
            "unavailable": [
                {"from": "2026-10-24", "to": "2026-10-25", "reason": "leave"},
                {"from": "2026-10-27T09:00", "to": "2026-10-27T12:30"},
            ],
        }
    ]
    cal = Calendar(make_team(people=people, period={"start": "2026-10-19", "end": "2026-10-31"}))
    (s1, e1, r1), (s2, e2, r2) = cal.unavailable("amara")
    assert (cal.iso(s1), cal.iso(e1), r1) == (
        "2026-10-24T00:00:00+01:00",
        "2026-10-26T00:00:00+00:00",
        "leave",
    )
    assert e1 - s1 == 49 * 60  # two dates, one of them 25 hours long
    assert (e2 - s2, r2) == (210, "unavailable")
    assert cal.workable_dates("amara") == 13 - 2


def test_person_rules_override_field_by_field(make_team: Callable[..., Team]) -> None:
    people = [
        {"id": "amara", "rules": {"max_hours_per_week": 30, "max_consecutive_days": None}},
        {"id": "ben"},
    ]
    cal = Calendar(make_team(people=people, rules={"min_rest_hours": 12, "max_consecutive_days": 5}))
    amara, ben = cal.rules("amara"), cal.rules("ben")
    assert (amara.min_rest_hours, amara.max_hours_per_week, amara.max_consecutive_days) == (12, 30, None)
    assert (ben.min_rest_hours, ben.max_hours_per_week, ben.max_consecutive_days) == (12, 48, 5)


def test_limits_add_and_replace(make_team: Callable[..., Team]) -> None:
    people = [
        {
            "id": "amara",
            "skills": ["smod"],
            "limits": [{"role": "smod", "max": 3, "per": "week"}, {"role": "smod", "max": 8, "per": "month"}],
        },
        {"id": "ben"},
    ]
    cal = Calendar(
        make_team(
            people=people,
            rules={
                "limits": [
                    {"role": "smod", "max": 2, "per": "week"},
                    {"shift": "night", "max": 1, "per": "week"},
                ]
            },
        )
    )
    assert sorted(f"{lim.role}/{lim.shift}/{lim.per}/{lim.max}" for lim in cal.limits("amara")) == [
        "None/night/week/1",
        "smod/None/month/8",
        "smod/None/week/3",
    ]
    assert len(cal.limits("ben")) == 2


def test_history_becomes_duties_before_the_horizon(make_team: Callable[..., Team]) -> None:
    history = [{"person": "amara", "role": "desk", "shift": "night", "date": "2026-12-06"}]
    cal = Calendar(make_team(history=history))
    (d,) = cal.history
    assert (d.person, d.date, d.minutes) == ("amara", date(2026, 12, 6), 8 * 60)
    assert cal.iso(d.end) == "2026-12-07T06:00:00+00:00"


def test_target_minutes(make_team: Callable[..., Team]) -> None:
    people = [{"id": "amara", "hours_per_week": 35, "unavailable": [{"date": "2026-12-08"}]}, {"id": "ben"}]
    cal = Calendar(make_team(people=people))
    assert cal.target_minutes("amara") == round(35 * 60 * 13 / 7)
    assert cal.target_minutes("ben") is None


# Spec 1.1: target = hours_per_week × W / D. December 2026 in England: 23 weekdays, of which
# Christmas Day (Fri 25) and Boxing Day observed (Mon 28) are bank holidays: 21 workable weekdays.
DECEMBER = {
    "period": {"start": "2026-12-01", "end": "2026-12-31"},
    "holidays": {"country": "GB", "subdivision": "ENG"},
    "opening_hours": {"weekdays": "08:00-18:00"},
    "roles": {"desk": {"demand": [{"time": "opening_hours", "min": 1}]}},
}


def test_target_counts_workable_dates_bank_holidays_lower_it(make_team: Callable[..., Team]) -> None:
    people = [{"id": "amara", "hours_per_week": 37.5}]
    cal = Calendar(make_team(people=people, **DECEMBER))
    assert cal.workable_dates("amara") == 21
    assert cal.target_minutes("amara") == 21 * 450  # 21 × 7.5 h, not 31/7 × 37.5 h
    assert cal.target_basis("amara") == "21 workable dates × 7.5 h"
    without = Calendar(make_team(people=people, **{**DECEMBER, "holidays": None}))
    assert without.target_minutes("amara") == 23 * 450  # no holidays: every weekday counts


def test_target_leave_and_part_time_days(make_team: Callable[..., Team]) -> None:
    people = [
        {"id": "amara", "hours_per_week": 37.5, "unavailable": [{"from": "2026-12-14", "to": "2026-12-18"}]},
        {"id": "ben", "hours_per_week": 22.5, "days": "mon,wed,fri"},  # D = 3: 7.5 h a date
        {
            "id": "chloe",
            "hours_per_week": 37.5,
            "unavailable": [  # part of a date: still workable
                {"from": "2026-12-14T08:00", "to": "2026-12-14T12:00"}
            ],
        },
    ]
    cal = Calendar(make_team(people=people, **DECEMBER))
    assert cal.workable_dates("amara") == 21 - 5 and cal.target_minutes("amara") == 16 * 450
    # Mon/Wed/Fri of December 2026: 4 + 5 + 4 = 13, less Fri 25 and Mon 28
    assert cal.workable_dates("ben") == 11 and cal.target_minutes("ben") == 11 * 450
    assert cal.target_basis("ben") == "11 workable dates × 7.5 h"
    assert cal.workable_dates("chloe") == 21


def test_calendar_needs_a_period(make_team: Callable[..., Team]) -> None:
    team = make_team(period=None)
    with pytest.raises(ValueError, match="no period"):
        Calendar(team)
    assert Calendar(team, date(2026, 1, 5), date(2026, 1, 11)).dates[-1] == date(2026, 1, 11)
    with pytest.raises(ValueError, match="backwards"):
        Calendar(team, date(2026, 1, 11), date(2026, 1, 5))
