"""Gap explanations: forced gaps come with the people who could fill them and what keeps each one out."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from rota.calendar import Calendar
from rota.coverage import gaps
from rota.explain import NOT_CHOSEN, explain, explain_all
from rota.records import Duty, GapStretch
from rota.team import Team

SMOD = ["smod"]
TEAM: dict[str, Any] = {
    "period": {"start": "2026-12-07", "end": "2026-12-11"},
    "opening_hours": {"weekdays": "08:00-18:00"},
    "core_hours": {"weekdays": "08:00-17:30"},
    "roles": {
        "smod": {"skills": SMOD, "demand": [{"days": "weekdays", "time": "opening_hours", "min": 1}]},
        "dba": {"skills": ["dba", "sql"], "demand": [{"days": "weekdays", "time": "09:00-10:00", "min": 1}]},
        "second": {"skills": ["second-line"]},
    },
    "shifts": {
        "am": {"start": "08:00", "end": "13:00"},
        "pm": {"start": "13:00", "end": "17:30"},
    },
    "rules": {"limits": [{"role": "smod", "max": 2, "per": "week"}]},
    "people": [
        {"id": "anna", "skills": SMOD},
        {"id": "bruno", "skills": SMOD, "unavailable": [{"from": "2026-12-07", "to": "2026-12-11",
                                                          "reason": "leave"}]},
        {"id": "claire", "skills": SMOD, "days": "mon-wed"},
        {"id": "dev", "skills": SMOD, "rules": {"min_rest_hours": 16}},
        {"id": "elena", "skills": SMOD},
        {"id": "felix", "skills": [*SMOD, "second-line"], "rules": {"max_consecutive_days": 3}},
        {"id": "giulia", "skills": SMOD, "rules": {"max_hours_per_week": 12},
         "limits": [{"role": "smod", "max": 5, "per": "week"}]},
        {"id": "hana", "skills": SMOD},
        {"id": "ivan", "skills": []},
    ],
}
ROTA = [  # (person, role, shift, day of December)
    ("anna", "smod", "pm", 7), ("anna", "smod", "pm", 8),
    ("dev", "smod", "pm", 9),
    ("elena", "smod", "pm", 10),
    ("felix", "second", "pm", 7), ("felix", "second", "pm", 8), ("felix", "second", "pm", 9),
    ("giulia", "smod", "am", 7), ("giulia", "smod", "am", 8),
]


@pytest.fixture
def cal(make_team: Callable[..., Team]) -> Calendar:
    return Calendar(make_team(**TEAM))


def duties_of(cal: Calendar, rows: list[tuple[str, str, str, int]]) -> list[Duty]:
    return [cal.duty(p, r, s, date(2026, 12, d)) for p, r, s, d in rows]


def gap_at(cal: Calendar, found: list[GapStretch], role: str, day: int, clock: str) -> GapStretch:
    for g in found:
        start = cal.instant(g.start)
        if g.role == role and start.day == day and start.strftime("%H:%M") == clock:
            return g
    raise AssertionError(f"no {role} gap at {clock} on {day} Dec in {found}")


def test_each_person_gets_their_cause(cal: Calendar) -> None:
    duties = duties_of(cal, ROTA)
    gap = gap_at(cal, gaps(cal, duties), "smod", 10, "08:00")
    lines = explain(cal, duties, gap)
    assert lines == [
        "8 people hold the skills for smod:",
        f"could be assigned: hana (am) — {NOT_CHOSEN}",
        "on leave: bruno (leave)",
        "outside their working days: claire (mon-wed)",
        "already on another duty: elena (pm 10 Dec)",
        "at a limit: anna (smod max 2 per week)",
        "weekly hours: giulia (15.0 h with it, max 12)",
        "resting after a shift: dev (14.5 h after pm on Wed 9 Dec)",
        "consecutive days: felix (4 in a row, max 3)",
    ]


def test_no_template_covers_the_stretch(cal: Calendar) -> None:
    duties = duties_of(cal, ROTA)
    gap = gap_at(cal, gaps(cal, duties), "smod", 10, "17:30")
    assert explain(cal, duties, gap) == ["no shift template for smod covers 17:30-18:00 on Thu 10 Dec"]


def test_nobody_holds_the_skills(cal: Calendar) -> None:
    gap = gap_at(cal, gaps(cal, []), "dba", 7, "09:00")
    assert explain(cal, [], gap) == ["nobody holds the skills for dba (needs: dba, sql)"]


def test_person_already_on_duty_in_the_role_is_named(make_team: Callable[..., Team]) -> None:
    team = make_team(**{**TEAM, "roles": {"smod": {"skills": SMOD, "demand": [
        {"days": "weekdays", "time": "opening_hours", "min": 2}]}}, "rules": {}})
    cal = Calendar(team)
    duties = duties_of(cal, [("anna", "smod", "am", 7)])
    gap = gap_at(cal, gaps(cal, duties), "smod", 7, "08:00")
    lines = explain(cal, duties, gap)
    assert "already on duty in smod then: anna" in lines
    assert lines[1].startswith("could be assigned: claire (am), dev (am), elena (am)")


def test_leave_over_part_of_the_day_and_rest_from_history(make_team: Callable[..., Team]) -> None:
    people = [{"id": "felix", "skills": SMOD, "unavailable": [
                  {"from": "2026-12-07T13:00", "to": "2026-12-07T18:00", "reason": "committee"}]},
              {"id": "ana", "skills": SMOD, "rules": {"min_rest_hours": 48}}]
    history = [{"person": "ana", "role": "smod", "shift": "pm", "date": "2026-12-04"}]
    cal = Calendar(make_team(**{**TEAM, "people": people, "history": history}))
    gap = gap_at(cal, gaps(cal, []), "smod", 7, "08:00")  # one stretch: the whole open day
    lines = explain(cal, [], gap)
    # felix could do the morning; ana's 48 h rest after Friday's pm ends on Sunday: both free
    assert lines[1] == f"could be assigned: felix (am), ana (am, pm) — {NOT_CHOSEN}"
    daily = {"smod": {"skills": SMOD, "demand": [{"time": "opening_hours", "min": 1}]}}
    cal = Calendar(make_team(**{**TEAM, "people": people, "history": history, "roles": daily,
                                "period": {"start": "2026-12-05", "end": "2026-12-11"},
                                "opening_hours": {"daily": "08:00-18:00"}, "core_hours": None}))
    gap = gap_at(cal, gaps(cal, []), "smod", 5, "08:00")  # Saturday: ana has rested 14.5 h of 48
    assert explain(cal, [], gap)[1:] == [f"could be assigned: felix (am, pm) — {NOT_CHOSEN}",
                                         "resting after a shift: ana (14.5 h after pm on Fri 4 Dec)"]


def test_explain_all_is_never_silent_and_fast(make_team: Callable[..., Team]) -> None:
    people = [{"id": f"p{i:02d}", "skills": ["desk"], "days": "mon-fri" if i % 3 else "daily",
               "unavailable": [{"date": f"2026-12-{1 + i % 28:02d}", "reason": "leave"}]} for i in range(40)]
    team = make_team(period={"start": "2026-12-01", "end": "2026-12-31"}, people=people,
                     opening_hours={"daily": "08:00-18:00"},
                     roles={"desk": {"skills": ["desk"], "demand": [{"time": "opening_hours", "min": 3}]}},
                     shifts={"am": {"start": "08:00", "end": "13:00"},
                             "pm": {"start": "13:00", "end": "18:00"}},
                     rules={"max_hours_per_week": 40, "limits": [{"role": "desk", "max": 4, "per": "week"}]})
    cal = Calendar(team)
    duties, k = [], 0
    for slot in cal.slots:
        for _ in range(2):
            duties.append(cal.duty(f"p{k % 40:02d}", "desk", slot.shift, slot.date))
            k += 1
    found = gaps(cal, duties)
    assert len(found) >= 30
    began = time.perf_counter()
    reasons = explain_all(cal, duties, found)
    assert time.perf_counter() - began < 5
    assert len(reasons) == len(found) and all(r for r in reasons)
    assert all(r[0] == "40 people hold the skills for desk:" for r in reasons)


def test_gap_spanning_midnight_finds_the_night_shift(make_team: Callable[..., Team]) -> None:
    team = make_team(period={"start": "2026-10-24", "end": "2026-10-25"},
                     opening_hours={"daily": "00:00-24:00"},
                     roles={"desk": {"skills": ["desk"], "demand": [{"time": "opening_hours", "min": 1}]}},
                     shifts={"night": {"start": "22:00", "end": "06:00"}},
                     people=[{"id": "amara", "skills": ["desk"]}])
    cal = Calendar(team)
    gap = gap_at(cal, gaps(cal, []), "desk", 24, "00:00")
    lines = explain(cal, [], gap)
    assert lines[1] == f"could be assigned: amara (night) — {NOT_CHOSEN}"
    first = date(2026, 10, 24)
    assert cal.slot("night", first).minutes == 9 * 60
    assert cal.slot("night", first + timedelta(days=1)).minutes == 8 * 60
