"""Exports of a rota document: CSV (one row per assignment, DST-aware hours), Excel, HTML, and the tables
every view shares."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar as ICalendar
from openpyxl import load_workbook

from rota.calendar import Calendar
from rota.document import GapDoc, PeriodDoc, RotaDocument, assignment_doc, duties_of
from rota.export import (
    CSV_FIELDS,
    away_dates,
    cell_codes,
    coverage_figures,
    csv_rows,
    csv_text,
    export,
    hours_lines,
    xlsx_sheet,
    xlsx_table,
)
from rota.html import rota_html
from rota.load import parse_team
from rota.team import Team

TEAM = {
    "team": "Night Desk",
    "timezone": "Europe/London",
    "period": {"start": "2026-10-24", "end": "2026-10-25"},
    "opening_hours": {"daily": "00:00-24:00"},
    "roles": {"desk": {"skills": ["desk"], "demand": [{"time": "opening_hours", "min": 1}]}},
    "shifts": {"night": {"start": "00:00", "end": "08:00"}, "day": {"start": "08:00", "end": "16:00"}},
    "people": [
        {"id": "amara", "name": "Amara Okafor", "skills": ["desk"]},
        {"id": "ben", "skills": ["desk"]},
    ],
}
DUTIES = [
    ("ben", "desk", "day", date(2026, 10, 25)),
    ("amara", "desk", "night", date(2026, 10, 25)),
    ("ben", "desk", "day", date(2026, 10, 24)),
]


def _team_and_doc() -> tuple[Team, RotaDocument]:
    team = parse_team(TEAM, "night.yaml")
    cal = Calendar(team)
    return team, RotaDocument(
        team=team.team,
        timezone=team.timezone,
        period=PeriodDoc(start=cal.start, end=cal.end),
        assignments=[assignment_doc(cal, cal.duty(*d)) for d in DUTIES],
    )


def test_rows_per_assignment_in_date_order() -> None:
    team, doc = _team_and_doc()
    rows = csv_rows(team, doc)
    assert len(rows) == len(doc.assignments)
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert all(tuple(r) == CSV_FIELDS for r in rows)
    night = next(r for r in rows if r["shift"] == "night")
    assert night == {
        "person": "amara",
        "name": "Amara Okafor",
        "role": "desk",
        "shift": "night",
        "date": "2026-10-25",
        "start": "2026-10-25T00:00:00+01:00",
        "end": "2026-10-25T08:00:00+00:00",
        "hours": "9",
    }
    assert {r["hours"] for r in rows if r["shift"] == "day"} == {"8"}
    assert next(r for r in rows if r["person"] == "ben")["name"] == "ben"  # no name: the id


def test_rows_without_times_take_them_from_the_templates() -> None:
    team, doc = _team_and_doc()
    for a in doc.assignments:
        a.start = a.end = None
    night = next(r for r in csv_rows(team, doc) if r["shift"] == "night")
    assert (night["start"], night["hours"]) == ("2026-10-25T00:00:00+01:00", "9")


def test_csv_text_parses_back() -> None:
    team, doc = _team_and_doc()
    text = csv_text(team, doc)
    assert text.splitlines()[0] == ",".join(CSV_FIELDS)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed == csv_rows(team, doc)


def test_every_format_comes_from_the_document() -> None:
    team, doc = _team_and_doc()
    assert export(team, doc, "csv") == csv_text(team, doc).encode()
    assert json.loads(export(team, doc, "json")) == doc.to_json()
    stamp = datetime(2026, 10, 1, 12, tzinfo=UTC)
    ics = export(team, doc, "ics", stamp=stamp)
    assert ics == export(team, doc, "ics", stamp=stamp)  # no clock in it once stamped
    assert len(ICalendar.from_ical(ics).walk("VEVENT")) == len(doc.assignments)
    assert export(team, doc, "html").decode().startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match="unknown format"):
        export(team, doc, "pdf")


def test_xlsx_has_the_grid_and_elapsed_hours() -> None:
    team, doc = _team_and_doc()
    book = load_workbook(io.BytesIO(export(team, doc, "xlsx")))
    grid = [[c.value for c in row] for row in book["Rota"].iter_rows()]
    assert grid[0][1:] == ["Sa 24", "Su 25"]
    assert grid[1] == ["Amara Okafor", None, "N"] and grid[2] == ["ben", "D", "D"]
    rows = list(book["Assignments"].iter_rows(values_only=True))
    assert rows[0] == CSV_FIELDS
    assert {r[3]: r[7] for r in rows[1:]} == {"day": 8.0, "night": 9.0}  # the night of the clock change
    hours = {r[0]: r[2] for r in book["Hours"].iter_rows(min_row=2, values_only=True)}
    assert hours == {"amara": 9.0, "ben": 16.0}


def test_shared_tables_of_every_view() -> None:
    team, doc = _team_and_doc()
    cal = Calendar(team, doc.period.start, doc.period.end)
    duties = duties_of(cal, doc)
    assert cell_codes(team) == {("night", "desk"): "N", ("day", "desk"): "D"}
    lines = {h.person: h for h in hours_lines(cal, duties)}
    assert (lines["ben"].worked, lines["ben"].duties_text, lines["ben"].target) == (960, "desk 2", None)
    figures = coverage_figures(cal, duties)["desk"]
    assert figures["all_covered"] < figures["all_required"]  # 16:00-24:00 is open and nobody is on
    away = away_dates(
        Calendar(
            parse_team(
                {
                    **TEAM,
                    "people": [
                        {
                            "id": "ben",
                            "skills": ["desk"],
                            "unavailable": [{"date": "2026-10-25", "reason": "leave"}],
                        }
                    ],
                },
                "night.yaml",
            )
        ),
        cal.dates,
    )
    assert away == {("ben", date(2026, 10, 25)): "leave"}


def test_html_marks_closed_dates_leave_and_gaps() -> None:
    data = {
        **TEAM,
        "closures": ["2026-10-24"],
        "people": [
            {
                "id": "amara",
                "name": "Amara <Okafor>",
                "skills": ["desk"],
                "unavailable": [{"date": "2026-10-25", "reason": "annual leave"}],
            },
            {"id": "ben", "skills": ["desk"]},
        ],
    }
    team = parse_team(data, "night.yaml")
    cal = Calendar(team)
    doc = RotaDocument(
        team=team.team,
        timezone=team.timezone,
        period=PeriodDoc(start=cal.start, end=cal.end),
        assignments=[assignment_doc(cal, cal.duty("ben", "desk", "day", date(2026, 10, 25)))],
        gaps=[
            GapDoc(
                role="desk",
                start="2026-10-25T00:00:00+01:00",
                end="2026-10-25T08:00:00+00:00",
                required=1,
                assigned=0,
                core=False,
                reasons=["nobody <free>"],
            )
        ],
    )
    page = rota_html(team, doc)
    assert 'class="closed weekend" title="closure"' in page
    assert '<td class="away" title="annual leave">–</td>' in page
    assert '<td class="gap-other" title="gap outside core hours">?</td>' in page
    assert "<b>D</b><i>desk</i>" in page
    assert "Amara &lt;Okafor&gt;" in page and "nobody &lt;free&gt;" in page and "<Okafor>" not in page


def test_xlsx_sheet_bolds_the_head_and_freezes_where_told_and_xlsx_table_sizes_columns() -> None:
    from openpyxl import Workbook

    book = Workbook()
    plain = xlsx_sheet(book, "Plain", ["person", "hours"], [["noor", 7.5]], freeze="C2")
    assert [[c.value for c in r] for r in plain.iter_rows()] == [["person", "hours"], ["noor", 7.5]]
    assert plain["A1"].font.bold and not plain["A2"].font.bold
    assert plain.freeze_panes == "C2"
    assert plain.column_dimensions["A"].width != 8  # left as openpyxl has it: no sizing
    sized = xlsx_table(book, "Sized", ["person"], [["a very long name indeed"]], widths=(8, 12))
    assert sized.freeze_panes == "A2" and sized["A1"].font.bold
    assert sized.column_dimensions["A"].width == 12
