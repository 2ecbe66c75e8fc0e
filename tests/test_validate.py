"""The validator on whole rota documents: document-level problems, true gaps, misreported gaps, objective."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from rota.calendar import Calendar
from rota.coverage import gaps
from rota.document import RotaDocument, assignment_doc, gap_doc
from rota.objective import compute_terms, weighted, weights
from rota.team import Team
from rota.validate import Report, Violation, validate

DAY = "2026-12-07"  # a Monday

GAP_TEAM: dict[str, Any] = {
    "period": {"start": DAY, "end": DAY},
    "opening_hours": {"weekdays": "08:00-18:00"},
    "core_hours": {"weekdays": "09:00-17:00"},
    "roles": {
        "desk": {
            "skills": ["desk"],
            "demand": [
                {"days": "weekdays", "time": "08:00-09:00", "min": 2},
                {"days": "weekdays", "time": "09:00-17:00", "min": 2},
                {"days": "weekdays", "time": "17:00-18:00", "min": 1},
            ],
        },
    },
    "shifts": {
        "early": {"start": "08:00", "end": "16:00"},
        "am": {"start": "08:00", "end": "12:00"},
        "pm": {"start": "12:00", "end": "16:00"},
        "x": {"start": "10:00", "end": "12:00"},
        "late": {"start": "10:00", "end": "18:00"},
    },
}


@pytest.fixture
def gap_team(make_team: Callable[..., Team]) -> Team:
    return make_team(**GAP_TEAM)


def document(
    team: Team,
    assignments: list[tuple[str, str, str, str]],
    *,
    gap_list: list | None = None,
    start: str = DAY,
    end: str = DAY,
    with_times: bool = True,
) -> RotaDocument:
    """A rota document of (person, role, shift, date) rows; gaps as the validator would write them."""
    cal = Calendar(team, date.fromisoformat(start), date.fromisoformat(end))
    rows, duties = [], []
    for person, role, shift, day in assignments:
        a: dict[str, Any] = {"person": person, "role": role, "shift": shift, "date": day}
        if with_times and shift in team.shifts:
            d = cal.duty(person, role, shift, date.fromisoformat(day))
            a = assignment_doc(cal, d).model_dump(mode="json")
            if cal.start <= d.date <= cal.end:
                duties.append(d)
        rows.append(a)
    if gap_list is None:
        gap_list = [gap_doc(cal, g).model_dump(mode="json") for g in gaps(cal, duties)]
    return RotaDocument.model_validate(
        {
            "team": team.team,
            "timezone": team.timezone,
            "period": {"start": start, "end": end},
            "assignments": rows,
            "gaps": gap_list,
        }
    )


def rules_of(report: Report) -> set[tuple[str, str | None]]:
    return {(v.rule, v.person) for v in report.violations}


def stretches(team: Team, report_gaps: list) -> list[tuple[str, str, int, int, bool]]:
    cal = Calendar(team, date.fromisoformat(DAY), date.fromisoformat(DAY))
    return [
        (
            cal.instant(g.start).strftime("%H:%M"),
            cal.instant(g.end).strftime("%H:%M"),
            g.required,
            g.assigned,
            g.core,
        )
        for g in report_gaps
    ]


def test_gaps_split_where_required_assigned_or_core_change(gap_team: Team) -> None:
    report = validate(
        gap_team, document(gap_team, [("amara", "desk", "early", DAY), ("ben", "desk", "x", DAY)])
    )
    assert report.ok, report
    assert stretches(gap_team, report.gaps) == [
        ("08:00", "09:00", 2, 1, False),  # before core
        ("09:00", "10:00", 2, 1, True),  # core starts
        ("12:00", "16:00", 2, 1, True),  # ben's x ends: a gap again
        ("16:00", "17:00", 2, 0, True),  # amara's early ends
        ("17:00", "18:00", 1, 0, False),  # required drops, core ends
    ]


def test_gaps_merge_across_a_handover(gap_team: Team) -> None:
    doc = document(gap_team, [("amara", "desk", "am", DAY), ("ben", "desk", "pm", DAY)])
    report = validate(gap_team, doc)
    # am hands over to pm at 12:00 with one person on duty throughout: one stretch, not two
    assert stretches(gap_team, report.gaps)[:2] == [
        ("08:00", "09:00", 2, 1, False),
        ("09:00", "16:00", 2, 1, True),
    ]


def test_missing_and_phantom_gaps(gap_team: Team) -> None:
    full = document(gap_team, [("amara", "desk", "early", DAY)])
    reported = full.gaps
    assert validate(gap_team, full).ok
    short = document(
        gap_team,
        [("amara", "desk", "early", DAY)],
        gap_list=[g.model_dump(mode="json") for g in reported[1:]],
    )
    report = validate(gap_team, short)
    assert not report.ok and report.violations == []
    assert [(g.start, g.end) for g in report.missing_gaps] == [(report.gaps[0].start, report.gaps[0].end)]
    wrong = reported[0].model_dump(mode="json") | {"assigned": 0}
    rest = [g.model_dump(mode="json") for g in reported[1:]]
    doc = document(gap_team, [("amara", "desk", "early", DAY)], gap_list=[wrong, *rest])
    report = validate(gap_team, doc)
    assert len(report.missing_gaps) == 1 and len(report.phantom_gaps) == 1
    assert report.phantom_gaps[0].assigned == 0


def test_gap_instants_compare_as_instants(gap_team: Team) -> None:
    doc = document(gap_team, [("amara", "desk", "early", DAY)])
    for g in doc.gaps:  # December in London: +00:00 and Z are the same instant
        g.start = g.start.replace("+00:00", "Z")
    assert validate(gap_team, doc).ok


def test_empty_rota_reports_every_demand_stretch_as_a_gap(gap_team: Team) -> None:
    report = validate(gap_team, document(gap_team, [], gap_list=[]))
    assert [(g.required, g.assigned) for g in report.missing_gaps] == [(2, 0), (2, 0), (1, 0)]
    assert report.terms.gap_core == 8 * 60 * 2
    assert report.terms.gap_other == 60 * 2 + 60


def test_objective_is_the_weighted_terms(gap_team: Team) -> None:
    doc = document(gap_team, [("amara", "desk", "early", DAY), ("ben", "desk", "late", DAY)])
    report = validate(gap_team, doc)
    cal = Calendar(gap_team, date.fromisoformat(DAY), date.fromisoformat(DAY))
    duties = [
        cal.duty("amara", "desk", "early", date(2026, 12, 7)),
        cal.duty("ben", "desk", "late", date(2026, 12, 7)),
    ]
    assert report.terms == compute_terms(cal, duties)
    assert report.objective == weighted(report.terms, weights(cal))


def test_unknown_ids(gap_team: Team) -> None:
    doc = document(
        gap_team,
        [("zed", "desk", "early", DAY), ("amara", "cook", "early", DAY), ("ben", "desk", "brunch", DAY)],
        with_times=False,
    )
    report = validate(gap_team, doc)
    assert {("unknown_person", None), ("unknown_role", "amara"), ("unknown_shift", "ben")} <= rules_of(report)


def test_outside_period_and_duplicate(gap_team: Team) -> None:
    doc = document(
        gap_team,
        [
            ("amara", "desk", "early", DAY),
            ("amara", "desk", "early", DAY),
            ("ben", "desk", "early", "2026-12-08"),
        ],
    )
    report = validate(gap_team, doc)
    assert rules_of(report) == {("duplicate_assignment", "amara"), ("outside_period", "ben")}
    dup = next(v for v in report.violations if v.rule == "duplicate_assignment")
    assert "2 times" in dup.message


def test_wrong_times(gap_team: Team) -> None:
    doc = document(gap_team, [("amara", "desk", "early", DAY), ("ben", "desk", "late", DAY)])
    doc.assignments[0].start = "2026-12-07T09:00:00+00:00"
    doc.assignments[1].start = "2026-12-07T11:00:00+01:00"  # the same instant as 10:00 GMT: fine
    doc.assignments[1].end = None  # absent times are fine
    report = validate(gap_team, doc)
    assert [(v.rule, v.person, v.date) for v in report.violations] == [
        ("wrong_times", "amara", date(2026, 12, 7))
    ]
    doc.assignments[0].start = "not a time"
    assert rules_of(validate(gap_team, doc)) == {("wrong_times", "amara")}


def test_wrong_times_in_summer_time(make_team: Callable[..., Team]) -> None:
    team = make_team(period={"start": "2026-07-06", "end": "2026-07-06"})
    doc = document(team, [("amara", "desk", "early", "2026-07-06")], start="2026-07-06", end="2026-07-06")
    assert doc.assignments[0].start == "2026-07-06T07:00:00+01:00"
    assert validate(team, doc).violations == []
    doc.assignments[0].start = "2026-07-06T07:00:00+00:00"  # wall time right, offset wrong
    assert rules_of(validate(team, doc)) == {("wrong_times", "amara")}


def test_template_rules_in_documents(make_team: Callable[..., Team]) -> None:
    team = make_team(
        closures=["2026-12-08"],
        shifts={
            "early": {"start": "07:00", "end": "15:00", "roles": ["desk"]},
            "wk": {"start": "09:00", "end": "17:00", "days": "weekdays"},
        },
    )
    doc = document(
        team,
        [
            ("amara", "desk", "early", "2026-12-08"),
            ("ben", "desk", "wk", "2026-12-12"),
            ("amara", "smod", "early", "2026-12-09"),
        ],
        start="2026-12-07",
        end="2026-12-20",
    )
    assert rules_of(validate(team, doc)) == {
        ("closed_date", "amara"),
        ("shift_days", "ben"),
        ("shift_role", "amara"),
    }


def test_missing_fixed_assignment(make_team: Callable[..., Team]) -> None:
    people = [
        {
            "id": "amara",
            "skills": ["desk"],
            "fixed": [{"date": "2026-12-08", "shift": "early", "role": "desk"}],
        }
    ]
    team = make_team(people=people)
    doc = document(team, [], start="2026-12-07", end="2026-12-20")
    report = validate(team, doc)
    assert [(v.rule, v.person, v.date) for v in report.violations] == [("fixed", "amara", date(2026, 12, 8))]
    doc = document(team, [("amara", "desk", "early", "2026-12-08")], start="2026-12-07", end="2026-12-20")
    assert validate(team, doc).violations == []


def test_hard_rules_reach_the_report(make_team: Callable[..., Team]) -> None:
    team = make_team(rules={"max_consecutive_days": 2})
    doc = document(
        team,
        [
            ("amara", "desk", "late", "2026-12-07"),
            ("amara", "desk", "early", "2026-12-08"),
            ("amara", "desk", "late", "2026-12-09"),
        ],
        start="2026-12-07",
        end="2026-12-20",
    )
    report = validate(team, doc)
    assert [(v.rule, v.date.day) for v in report.violations] == [("min_rest", 8), ("max_consecutive_days", 9)]
    assert not report.ok
    assert report.violations[0].as_dict() == {
        "rule": "min_rest",
        "title": "too little rest between shifts",
        "person": "amara",
        "date": "2026-12-08",
        "message": "amara: 8.0 h rest between late on 2026-12-07 and early on 2026-12-08; "
        "min_rest_hours is 11",
    }


def test_validate_uses_the_document_period(make_team: Callable[..., Team]) -> None:
    team = make_team()
    doc = document(team, [("amara", "desk", "early", "2026-12-21")], start="2026-12-21", end="2026-12-27")
    report = validate(team, doc)
    assert report.violations == []
    cal = Calendar(team, date(2026, 12, 21), date(2026, 12, 27))
    assert cal.instant(report.gaps[0].start).isoformat() == "2026-12-21T15:00:00+00:00"


def test_violation_rule_ids_come_from_the_catalogue() -> None:
    with pytest.raises(ValueError, match="unknown rule id"):
        Violation("no_such_rule", None, None, "x")
    assert Violation("min_rest", "a", None, "m", detail="d") == Violation("min_rest", "a", None, "m")


def test_duties_from_history_are_never_reported(make_team: Callable[..., Team]) -> None:
    history = [
        {"person": "amara", "role": "desk", "shift": "late", "date": "2026-12-05"},
        {"person": "amara", "role": "desk", "shift": "early", "date": "2026-12-06"},
    ]
    team = make_team(history=history)
    report = validate(team, document(team, [], start="2026-12-07", end="2026-12-20"))
    assert report.violations == []
