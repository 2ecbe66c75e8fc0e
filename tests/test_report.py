"""The HR coverage report: person-minutes required and covered per role and date, gaps, hours, rule breaks."""

from __future__ import annotations

from datetime import date
from typing import Any

from rota.calendar import Calendar
from rota.load import parse_team
from rota.records import Duty
from rota.report import coverage_report

DESK: dict[str, Any] = {
    "team": "Report Desk",
    "timezone": "Europe/London",
    "opening_hours": {"weekdays": "08:00-18:00"},
    "core_hours": {"weekdays": "09:00-17:00"},
    "roles": {"desk": {"skills": ["desk"], "demand": [{"time": "opening_hours", "min": 2}]}},
    "shifts": {"early": {"start": "08:00", "end": "16:00"}, "late": {"start": "10:00", "end": "18:00"}},
    "people": [
        {"id": "ann", "name": "Ann", "skills": ["desk"], "hours_per_week": 7},
        {"id": "bo", "skills": ["desk"]},
        {"id": "cy", "skills": ["desk"], "unavailable": [{"date": "2026-10-05"}]},
    ],
}
MONDAY = date(2026, 10, 5)


def _cal(doc: dict[str, Any], start: date, end: date) -> Calendar:
    return Calendar(parse_team(doc, "report-test"), start, end)


def test_required_and_covered_in_core_and_opening_hours() -> None:
    cal = _cal(DESK, MONDAY, MONDAY)
    duties = [cal.duty("ann", "desk", "early", MONDAY), cal.duty("bo", "desk", "late", MONDAY)]
    report = coverage_report(cal, duties)
    [day] = report.days
    assert (day.open_required, day.open_covered) == (1200, 960) and day.open_percent == 80.0
    assert (day.core_required, day.core_covered) == (960, 840) and day.core_percent == 87.5
    assert [(g.core, g.person_minutes) for g in report.gaps] == [
        (False, 60),
        (True, 60),
        (True, 60),
        (False, 60),
    ]
    assert all(g.reasons for g in report.gaps) and report.gaps[0].start == "2026-10-05T08:00:00+01:00"
    assert any("on leave: cy" in line for line in report.gaps[0].reasons)
    totals = report.totals()
    assert (totals["core_percent"], totals["open_percent"], totals["gap_core_minutes"]) == (87.5, 80.0, 120)


def test_hours_against_contract_and_people_outside_the_team() -> None:
    cal = _cal(DESK, MONDAY, MONDAY + (date(2026, 10, 11) - MONDAY))
    duties = [cal.duty("ann", "desk", "early", MONDAY), Duty("zed", MONDAY, "late", "desk", 0, 60)]
    people = {p.person: p for p in coverage_report(cal, duties, reasons=False).people}
    assert (people["ann"].worked_minutes, people["ann"].target_minutes, people["ann"].difference_minutes) == (
        480,
        420,
        60,
    )
    assert people["bo"].target_minutes is None and people["bo"].duties == 0
    assert people["zed"].worked_minutes == 60 and people["zed"].target_minutes is None


def test_working_time_rules_broken_are_listed_per_person() -> None:
    doc = {
        **DESK,
        "shifts": {**DESK["shifts"], "night": {"start": "22:00", "end": "06:00", "days": "weekdays"}},
        "opening_hours": {"weekdays": "00:00-24:00"},
        "core_hours": {"weekdays": "09:00-17:00"},
    }
    cal = _cal(doc, MONDAY, date(2026, 10, 6))
    duties = [cal.duty("bo", "desk", "night", MONDAY), cal.duty("bo", "desk", "early", date(2026, 10, 6))]
    bo = next(p for p in coverage_report(cal, duties, reasons=False).people if p.person == "bo")
    assert [v["rule"] for v in bo.violations] == ["min_rest"] and "min_rest_hours is 11" in bo.violations[0][
        "message"
    ]


def test_a_window_past_midnight_counts_for_the_date_it_starts_on_across_dst() -> None:
    doc = {
        **DESK,
        "opening_hours": {"daily": "20:00-04:00"},
        "core_hours": None,
        "roles": {"desk": {"demand": [{"time": "opening_hours", "min": 1}]}},
        "shifts": {"night": {"start": "20:00", "end": "04:00"}},
    }
    doc.pop("core_hours")
    cal = _cal(doc, date(2026, 10, 23), date(2026, 10, 25))
    days = {d.date.isoformat(): d for d in coverage_report(cal, [], reasons=False).days}
    # the night of Sat 24 Oct gains an hour when the clocks go back
    assert {k: d.open_required for k, d in days.items()} == {
        "2026-10-23": 480,
        "2026-10-24": 540,
        "2026-10-25": 480,
    }
    assert all(d.open_covered == 0 and d.core_required == 0 and d.core_percent is None for d in days.values())


def test_tables_and_json_agree() -> None:
    cal = _cal(DESK, MONDAY, date(2026, 10, 6))
    report = coverage_report(cal, [cal.duty("ann", "desk", "early", MONDAY)], reasons=False)
    data = report.as_dict()
    assert (
        data["from"] == "2026-10-05"
        and len(data["days"]) == 2
        and data["totals"]["gaps"] == len(data["gaps"])
    )
    head, rows = report.tables()["coverage"]
    assert head[:3] == ["role", "date", "core_required_h"] and rows[-1][0] == "TOTAL"
    assert rows[-1][2] == round(data["totals"]["core_required"] / 60, 2)
    assert set(report.tables()) == {"coverage", "gaps", "people", "totals"}
