"""Issue 17.11: a contract target that the person's working days and limits cannot reach is named in
the hours table ("at most 135.0 h possible: no Fridays, ≤ 2 Saturday duties a month") instead of a bare
negative "± h". ``Calendar.most_minutes`` is an upper bound: each rule it counts binds in one test and
not in another; the CLI's and the HTML export's hours tables show it (the web month page: tests/web)."""

from __future__ import annotations

import copy
from typing import Any

from rich.console import Console

from rota.calendar import Calendar
from rota.cli.render import render_hours
from rota.document import PeriodDoc, RotaDocument
from rota.export import hours_lines
from rota.html import rota_html
from rota.load import parse_team

# February 2027: 4 weeks, Mondays to Saturdays open; a 7.5 h weekday shift and a 7.5 h Saturday shift.
DESK: dict[str, Any] = {
    "team": "Desk",
    "timezone": "Europe/London",
    "period": {"start": "2027-02-01", "end": "2027-02-28"},
    "opening_hours": {"mon-sat": "08:00-18:00"},
    "roles": {"desk": {"skills": ["desk"], "demand": [{"time": "opening_hours", "min": 1}]}},
    "shifts": {
        "early": {"start": "08:00", "end": "15:30", "days": "mon-fri"},
        "sat": {"name": "Saturday", "start": "09:00", "end": "16:30", "days": "sat"},
    },
    "people": [
        {
            "id": "tom",
            "name": "Tom",
            "skills": ["desk"],
            "hours_per_week": 45,
            "days": "mon-thu,sat",
            "limits": [{"shift": "sat", "max": 2, "per": "month"}],
        },
        {"id": "ann", "name": "Ann", "skills": ["desk"], "hours_per_week": 30},
    ],
}


def calendar(**person: Any) -> Calendar:
    doc = copy.deepcopy(DESK)
    doc["people"][0].update(person)
    return Calendar(parse_team(doc, "desk"))


def test_tom_cannot_reach_his_target_and_the_table_says_why() -> None:
    cal = calendar()
    assert cal.target_minutes("tom") == 180 * 60
    # 16 Monday-to-Thursday dates × 7.5 h + 2 Saturdays (the limit) × 7.5 h
    assert cal.most_minutes("tom") == (135 * 60, "no Fridays, ≤ 2 Saturday duties a month")
    tom, ann = hours_lines(cal, [])
    assert tom.most == 135 * 60
    assert tom.basis == (
        "20 workable dates × 9 h; at most 135.0 h possible: no Fridays, ≤ 2 Saturday duties a month"
    )
    assert ann.most is None and ann.basis == "24 workable dates × 5 h"  # 180 h possible: reachable


def test_without_the_limit_the_saturdays_count() -> None:
    cal = calendar(limits=[])
    assert cal.most_minutes("tom") == (20 * 450, "no Fridays, 20 dates they can work × at most 7.5 h")


def test_the_weekly_hours_cap_binds_when_lower() -> None:
    cal = calendar(limits=[], rules={"max_hours_per_week": 30})
    assert cal.most_minutes("tom") == (4 * 30 * 60, "no Fridays, ≤ 30 h a week")
    cal = calendar(limits=[], rules={"max_hours_per_week": 48})  # 37.5 h a week at most: not binding
    assert cal.most_minutes("tom")[0] == 20 * 450


def test_hours_per_period_and_leave_bind() -> None:
    cal = calendar(limits=[], rules={"max_hours_per_period": 100})
    assert cal.most_minutes("tom") == (100 * 60, "no Fridays, ≤ 100 h over the period")
    cal = calendar(
        limits=[],
        unavailable=[
            {"from": "2027-02-01", "to": "2027-02-06"},
            {"from": "2027-02-08T14:00", "to": "2027-02-08T15:00"},
        ],
    )
    assert cal.most_minutes("tom")[0] == 14 * 450  # a week away; the shift that overlaps leave too


def test_a_shift_they_lack_the_skills_for_does_not_count() -> None:
    doc = copy.deepcopy(DESK)
    doc["roles"]["senior"] = {
        "skills": ["senior"],
        "demand": [{"days": "fri", "time": "08:00-18:00", "min": 1}],
    }
    doc["shifts"]["long"] = {"start": "08:00", "end": "18:00", "roles": ["senior"], "days": "fri"}
    cal = Calendar(parse_team(doc, "desk"))
    assert cal.most_minutes("ann")[0] == 24 * 450  # the 10 h senior shift is not hers
    doc["people"][1]["skills"] = ["desk", "senior"]
    cal = Calendar(parse_team(doc, "desk"))
    assert cal.most_minutes("ann")[0] == 16 * 450 + 4 * 600 + 4 * 450  # Fridays: the 10 h shift


def test_a_reached_target_is_not_explained() -> None:
    cal = calendar()
    from rota.records import Duty

    duties = [Duty("tom", s.date, s.shift, "desk", s.start, s.end) for s in cal.slots][:30]
    (tom, _) = hours_lines(cal, duties)
    assert tom.worked >= tom.target and tom.most is None and "possible" not in tom.basis


def _doc(cal: Calendar) -> RotaDocument:
    return RotaDocument(
        team=cal.team.team, timezone=cal.team.timezone, period=PeriodDoc(start=cal.start, end=cal.end)
    )


def test_the_cli_hours_table_names_it() -> None:
    cal = calendar()
    console = Console(record=True, width=400)
    render_hours(console, cal, [])
    assert "at most 135.0 h possible: no Fridays, ≤ 2 Saturday duties a month" in console.export_text()


def test_the_html_export_names_it() -> None:
    cal = calendar()
    page = rota_html(cal.team, _doc(cal))
    assert "at most 135.0 h possible: no Fridays, ≤ 2 Saturday duties a month" in page
