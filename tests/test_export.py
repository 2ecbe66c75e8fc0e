"""CSV export: one row per assignment with local instants and elapsed hours (DST-aware)."""

from __future__ import annotations

import csv
import io
from datetime import date

from rota.calendar import Calendar
from rota.document import PeriodDoc, RotaDocument, assignment_doc
from rota.export import CSV_FIELDS, csv_rows, csv_text
from rota.load import parse_team
from rota.team import Team

TEAM = {
    "team": "Night Desk",
    "timezone": "Europe/London",
    "period": {"start": "2026-10-24", "end": "2026-10-25"},
    "opening_hours": {"daily": "00:00-24:00"},
    "roles": {"desk": {"skills": ["desk"], "demand": [{"time": "opening_hours", "min": 1}]}},
    "shifts": {"night": {"start": "00:00", "end": "08:00"}, "day": {"start": "08:00", "end": "16:00"}},
    "people": [{"id": "amara", "name": "Amara Okafor", "skills": ["desk"]},
               {"id": "ben", "skills": ["desk"]}],
}
DUTIES = [("ben", "desk", "day", date(2026, 10, 25)), ("amara", "desk", "night", date(2026, 10, 25)),
          ("ben", "desk", "day", date(2026, 10, 24))]


def _team_and_doc() -> tuple[Team, RotaDocument]:
    team = parse_team(TEAM, "night.yaml")
    cal = Calendar(team)
    return team, RotaDocument(team=team.team, timezone=team.timezone,
                              period=PeriodDoc(start=cal.start, end=cal.end),
                              assignments=[assignment_doc(cal, cal.duty(*d)) for d in DUTIES])


def test_rows_per_assignment_in_date_order() -> None:
    team, doc = _team_and_doc()
    rows = csv_rows(team, doc)
    assert len(rows) == len(doc.assignments)
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert all(tuple(r) == CSV_FIELDS for r in rows)
    night = next(r for r in rows if r["shift"] == "night")
    assert night == {"person": "amara", "name": "Amara Okafor", "role": "desk", "shift": "night",
                     "date": "2026-10-25", "start": "2026-10-25T00:00:00+01:00",
                     "end": "2026-10-25T08:00:00+00:00", "hours": "9"}
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
