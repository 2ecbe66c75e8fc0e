"""iCalendar export: zones, VTIMEZONE, stable UIDs and real instants across the autumn clock change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar as ICalendar

from rota.calendar import Calendar
from rota.document import PeriodDoc, RotaDocument, assignment_doc
from rota.ical import EventSpec, calendar_ics, event_uid, rota_events, rota_ics
from rota.load import parse_team
from rota.team import Team

TEAM = {
    "team": "Night Desk",
    "timezone": "Europe/London",
    "period": {"start": "2026-10-24", "end": "2026-10-25"},
    "opening_hours": {"daily": "00:00-24:00"},
    "roles": {
        "desk": {"name": "Desk analyst", "skills": ["desk"], "demand": [{"time": "opening_hours", "min": 1}]},
        "smod": {"skills": ["smod"]},
    },
    "shifts": {
        "night": {"name": "Night", "start": "00:00", "end": "08:00"},
        "day": {"start": "08:00", "end": "16:00"},
    },
    "people": [
        {"id": "amara", "name": "Amara Okafor", "skills": ["desk", "smod"]},
        {"id": "ben", "name": "Ben Hughes", "skills": ["desk"]},
    ],
}
DUTIES = [
    ("amara", "desk", "night", date(2026, 10, 25)),
    ("ben", "desk", "day", date(2026, 10, 25)),
    ("ben", "desk", "day", date(2026, 10, 24)),
    ("amara", "smod", "day", date(2026, 10, 24)),
]


def _team_and_doc() -> tuple[Team, RotaDocument]:
    team = parse_team(TEAM, "night.yaml")
    cal = Calendar(team)
    doc = RotaDocument(
        team=team.team,
        timezone=team.timezone,
        period=PeriodDoc(start=cal.start, end=cal.end),
        assignments=[assignment_doc(cal, cal.duty(*d)) for d in DUTIES],
    )
    return team, doc


def _events(ics: bytes) -> list:
    return ICalendar.from_ical(ics).walk("VEVENT")


def test_events_carry_the_team_zone_and_a_vtimezone() -> None:
    team, doc = _team_and_doc()
    parsed = ICalendar.from_ical(rota_ics(team, doc))
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/London"]
    assert parsed["X-WR-TIMEZONE"] == "Europe/London"
    assert parsed["X-WR-CALNAME"] == "Night Desk rota"
    events = parsed.walk("VEVENT")
    assert len(events) == len(DUTIES)
    for e in events:
        assert e["DTSTART"].params["TZID"] == "Europe/London"
        assert e["DTEND"].params["TZID"] == "Europe/London"
        assert {"DTSTAMP", "SEQUENCE", "LAST-MODIFIED", "TRANSP", "UID", "SUMMARY"} <= set(e)


def test_times_are_right_across_the_autumn_clock_change() -> None:
    team, doc = _team_and_doc()
    events = {(str(e["SUMMARY"]), e.decoded("DTSTART").date()): e for e in _events(rota_ics(team, doc))}
    night = events[("Amara Okafor: Desk analyst · Night", date(2026, 10, 25))]
    start, end = night.decoded("DTSTART"), night.decoded("DTEND")
    assert start.astimezone(UTC) == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)  # 00:00 BST
    assert end.astimezone(UTC) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # 08:00 GMT
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=9)
    day_before = events[("Ben Hughes: Desk analyst · day", date(2026, 10, 24))]
    assert day_before.decoded("DTSTART").astimezone(UTC) == datetime(2026, 10, 24, 7, 0, tzinfo=UTC)
    day_after = events[("Ben Hughes: Desk analyst · day", date(2026, 10, 25))]
    assert day_after.decoded("DTSTART").astimezone(UTC) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)


def test_uids_are_stable_across_runs_and_distinct() -> None:
    team, doc = _team_and_doc()
    first = [str(e["UID"]) for e in _events(rota_ics(team, doc))]
    again = [str(e["UID"]) for e in _events(rota_ics(*_team_and_doc()))]
    assert first == again
    assert len(set(first)) == len(first)
    uid = event_uid("Night Desk", "amara", "desk", date(2026, 10, 25), "night")
    assert uid == event_uid("Night Desk", "amara", "desk", "2026-10-25", "night")
    assert uid in first
    assert uid != event_uid("Night Desk", "amara", "smod", date(2026, 10, 25), "night")


def test_rota_events_filter_by_person_and_role() -> None:
    team, doc = _team_and_doc()
    amara = rota_events(team, doc, person="amara")
    assert {e.summary for e in amara} == {"Desk analyst · Night", "smod · day"}  # names, else ids
    assert len(rota_events(team, doc, role="desk")) == 3
    named = rota_events(team, doc, role="smod", with_person_names=True)
    assert [e.summary for e in named] == ["Amara Okafor: smod · day"]
    assert all(e.start.tzinfo is not None for e in amara)


def test_feed_options_refresh_and_transparency() -> None:
    spec = EventSpec(
        uid="x@rota",
        summary="On call",
        start=datetime(2026, 3, 29, 9, tzinfo=UTC),
        end=datetime(2026, 3, 29, 17, tzinfo=UTC),
        description="d",
        sequence=3,
        last_modified=datetime(2026, 3, 1, 12, tzinfo=UTC),
    )
    ics = calendar_ics("Feed", "Europe/Amsterdam", [spec], refresh_minutes=30, transparent=True)
    text = ics.decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT30M" in text
    assert "X-PUBLISHED-TTL:PT30M" in text
    (event,) = _events(ics)
    assert event["TRANSP"] == "TRANSPARENT"
    assert event["SEQUENCE"] == 3
    assert event.decoded("LAST-MODIFIED") == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2026, 3, 29, 9, tzinfo=UTC)


def test_naive_times_are_refused() -> None:
    spec = EventSpec(uid="x", summary="s", start=datetime(2026, 1, 1, 9), end=datetime(2026, 1, 1, 17))
    with pytest.raises(ValueError, match="no time zone"):
        calendar_ics("Feed", "Europe/London", [spec])


def test_empty_calendar_is_valid() -> None:
    parsed = ICalendar.from_ical(calendar_ics("Empty", "Europe/London", []))
    assert parsed.walk("VEVENT") == []
    assert parsed["VERSION"] == "2.0"
