"""Issue 17, items 4 to 8: what the loader accepted without a word. Each rule has a test where it
binds and one where it does not; warnings go through ``team_warnings`` (printed by the CLI, listed by
the API and the web editor), errors through ``TeamFileError``, all found in one pass."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from rota.load import TeamFileError, parse_team
from rota.teamcheck import team_warnings

DESK: dict[str, Any] = {
    "team": "Desk",
    "timezone": "Europe/London",
    "period": {"start": "2027-02-01", "end": "2027-02-28"},
    "opening_hours": {"weekdays": "08:00-18:00"},
    "roles": {
        "phones": {"skills": ["phones"], "demand": [{"days": "weekdays", "time": "08:00-18:00", "min": 1}]},
        "second-line": {"skills": ["second-line"], "demand": [{"time": "opening_hours", "min": 1}]},
    },
    "shifts": {"early": {"start": "08:00", "end": "16:00"}, "late": {"start": "10:00", "end": "18:00"}},
    "people": [
        {"id": "amira", "name": "Amira Haddad", "skills": ["phones", "second-line"]},
        {"id": "ben", "name": "Ben Carter", "skills": ["phones"]},
        {"id": "hugo", "name": "Hugo Silva", "skills": ["second-line"]},
    ],
}


def desk(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(DESK)
    doc.update(copy.deepcopy(changes))
    return doc


def warnings(doc: dict[str, Any]) -> list[str]:
    return [w.line("desk.yaml") for w in team_warnings(parse_team(doc, "desk.yaml"))]


def errors(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(TeamFileError) as info:
        parse_team(doc, "desk.yaml")
    return info.value.lines()


def test_the_desk_loads_without_a_word() -> None:
    assert warnings(desk()) == []


# -- 4. a person who can take no role; a skill that looks like a typo -----------------------------------
def test_a_person_with_no_skills_is_named() -> None:
    doc = desk()
    doc["people"].append({"id": "finn", "name": "Finn O'Brien"})
    assert warnings(doc) == [
        "desk.yaml: people[3]: Finn O'Brien can take no role, so is never on the rota: "
        "has no skills (phones needs phones; second-line needs second-line)"
    ]


def test_a_person_whose_skills_no_role_needs_is_named() -> None:
    doc = desk()
    doc["people"].append({"id": "ewa", "skills": ["printers"]})
    assert warnings(doc) == [
        "desk.yaml: people[3]: ewa can take no role, so is never on the rota: holds "
        "printers (phones needs phones; second-line needs second-line)"
    ]


def test_a_role_with_no_skills_lets_everyone_take_it() -> None:
    doc = desk()
    doc["roles"]["phones"]["skills"] = []
    doc["people"].append({"id": "finn"})
    assert warnings(doc) == []


def test_a_typo_in_a_persons_skill_without_a_skills_list_is_a_warning() -> None:
    doc = desk()
    doc["people"][0]["skills"] = ["phones", "secondline"]
    assert warnings(doc) == [
        'desk.yaml: people[0].skills[1]: unknown skill "secondline": no role needs it '
        '(did you mean "second-line"?)'
    ]


def test_a_skill_no_role_needs_and_close_to_none_is_no_warning() -> None:
    doc = desk()
    doc["people"][0]["skills"] = ["phones", "second-line", "first-aid"]
    assert warnings(doc) == []


def test_a_role_skill_nobody_holds_is_a_warning() -> None:
    doc = desk()
    doc["roles"]["phones"]["skills"] = ["phone"]
    lines = warnings(doc)
    assert (
        'desk.yaml: roles.phones.skills[0]: unknown skill "phone": nobody holds it, so nobody can take '
        'phones (did you mean "phones"?)' in lines
    )
    assert any("Ben Carter can take no role" in line for line in lines)


def test_with_a_skills_list_a_typo_stays_an_error() -> None:
    doc = desk(skills=["phones", "second-line"])
    doc["people"][0]["skills"] = ["phones", "secondline"]
    assert errors(doc) == [
        'desk.yaml: people[0].skills[1]: unknown skill "secondline" (did you mean "second-line"?)'
    ]


# -- 5. a shift of 0 or 24 hours; an end past midnight --------------------------------------------------
def test_a_shift_whose_end_equals_its_start_is_refused() -> None:
    doc = desk()
    doc["shifts"]["allday"] = {"start": "08:00", "end": "08:00"}
    assert errors(doc) == [
        'desk.yaml: shifts.allday: end "08:00" equals start "08:00": a shift of 0 or 24 '
        "hours? write hours: 24 for a 24-hour shift from 08:00 to 08:00 the next day, or "
        "make it two shifts"
    ]
    doc["shifts"]["allday"] = {"start": "00:00", "end": "00:00"}
    assert 'write end: "24:00"' in errors(doc)[0]


def test_hours_24_says_a_shift_of_end_equal_to_start_is_a_whole_day() -> None:
    doc = desk(opening_hours={"daily": "00:00-24:00"})
    doc["shifts"]["allday"] = {"start": "08:00", "end": "08:00", "hours": 24}
    team = parse_team(doc, "desk.yaml")
    assert team.shifts["allday"].window() == (480, 480 + 1440)
    doc["shifts"]["allday"]["hours"] = 12
    assert errors(doc) == [
        "desk.yaml: shifts.allday: hours: 12 does not match 08:00-08:00, which is 24 hours long"
    ]


def test_hours_of_an_ordinary_shift_must_match_it() -> None:
    doc = desk()
    doc["shifts"]["early"]["hours"] = 8
    parse_team(doc, "desk.yaml")
    doc["shifts"]["early"]["hours"] = 7.5
    assert errors(doc) == [
        "desk.yaml: shifts.early: hours: 7.5 does not match 08:00-16:00, which is 8 hours long"
    ]


def test_an_end_written_past_midnight_gets_the_hint() -> None:
    doc = desk()
    doc["shifts"]["evening"] = {"start": "16:00", "end": "25:30"}
    assert errors(doc) == [
        'desk.yaml: shifts.evening.end: "25:30" is not a clock time HH:MM: a shift '
        "that ends after midnight is written with the clock time it ends at, "
        '"01:30"; an end no later than the start is read as the next day'
    ]
    doc["shifts"]["evening"]["end"] = "xx"
    assert errors(doc) == ['desk.yaml: shifts.evening.end: "xx" is not a clock time HH:MM']


def test_a_window_written_past_midnight_gets_the_hint() -> None:
    doc = desk(opening_hours={"weekdays": "08:00-26:00"})
    assert errors(doc) == [
        'desk.yaml: opening_hours.weekdays: "08:00-26:00" is not a time window: a window '
        'that ends after midnight is written with the clock time it ends at, "02:00"; an '
        "end no later than the start is read as the next day"
    ]
    doc = desk(opening_hours={"weekdays": "08:00-02:00"})
    parse_team(doc, "desk.yaml")  # written so, it loads


def test_a_stored_version_keeps_its_24_hour_shift() -> None:
    """The rule binds what is sent now; a version stored before loads as it did (24 hours)."""
    doc = desk(opening_hours={"daily": "00:00-24:00"})
    doc["shifts"]["allday"] = {"start": "08:00", "end": "08:00"}
    team = parse_team(doc, "desk", stored=True)
    assert team.shifts["allday"].window() == (480, 1920)


# -- 6. demand on a weekday the service is closed ---------------------------------------------------------
@pytest.mark.parametrize(
    ("days", "closed"),
    [("sat", "sat"), ("mon-sun", "sat, sun"), (["fri", "sun"], "sun"), ("weekends", "sat, sun")],
)
def test_demand_on_a_closed_weekday_is_an_error(days: Any, closed: str) -> None:
    doc = desk()
    doc["roles"]["phones"]["demand"].append({"days": days, "time": "09:00-13:00", "min": 1})
    assert errors(doc) == [
        f"desk.yaml: roles.phones.demand[1].days: demand on {closed}, when the service is "
        "closed (opening_hours gives no hours that day)"
    ]


@pytest.mark.parametrize("days", ["daily", "weekdays", "mon-fri", "weekdays,sat"])
def test_demand_on_open_weekdays_or_a_word_with_some_open_loads(days: str) -> None:
    doc = desk(opening_hours={"weekdays": "08:00-18:00", "sat": "09:00-13:00"})
    doc["roles"]["phones"]["demand"].append({"days": days, "time": "09:00-13:00", "min": 1})
    parse_team(doc, "desk.yaml")


def test_one_off_demand_on_a_closed_date_and_per_shift_demand_are_errors() -> None:
    doc = desk()
    doc["roles"]["phones"]["demand"].append({"dates": ["2027-02-06"], "time": "09:00-13:00", "min": 2})
    doc["roles"]["second-line"]["shift_demand"] = [{"shift": "early", "days": "sun", "min": 1}]
    assert errors(doc) == [
        "desk.yaml: roles.phones.demand[1].dates[0]: demand on Sat 6 Feb 2027, when the service is "
        "closed (opening_hours gives no hours on sat)",
        "desk.yaml: roles.second-line.shift_demand[0].days: demand on sun, when the service is closed "
        "(opening_hours gives no hours that day)",
    ]
    doc["roles"]["phones"]["demand"][1]["dates"] = ["2027-02-05"]  # a Friday: open
    doc["roles"]["second-line"]["shift_demand"][0]["days"] = "mon"
    parse_team(doc, "desk.yaml")


# -- 7. all problems in one pass ------------------------------------------------------------------------
def test_a_bad_time_a_skill_typo_and_a_backwards_leave_are_reported_together() -> None:
    doc = desk(skills=["phones", "second-line"])
    doc["shifts"]["late"]["start"] = "10:70"
    doc["people"][1]["skills"] = ["phone"]
    doc["people"][2]["unavailable"] = [{"from": "2027-02-12", "to": "2027-02-08"}]
    assert errors(doc) == [
        'desk.yaml: shifts.late.start: "10:70" is not a clock time HH:MM',
        'desk.yaml: people[1].skills[0]: unknown skill "phone" (did you mean "phones"?)',
        "desk.yaml: people[2].unavailable[0]: the stretch runs backwards: to 2027-02-08 is not after from "
        "2027-02-12",
    ]


def test_a_shift_set_aside_for_its_error_is_not_also_unknown_where_it_is_named() -> None:
    doc = desk()
    doc["shifts"]["late"]["end"] = "99:00"
    doc["people"][0]["preferences"] = {"avoid_shifts": ["late", "lat"]}
    assert errors(doc) == [
        'desk.yaml: shifts.late.end: "99:00" is not a clock time HH:MM',
        'desk.yaml: people[0].preferences.avoid_shifts[1]: unknown shift "lat"',
    ]


def test_indices_after_a_removed_person_are_those_of_the_file() -> None:
    doc = desk(skills=["phones", "second-line"])
    doc["people"][0]["id"] = "Amira!"  # a bad id: the person is set aside for the cross-checks
    doc["people"][2]["skills"] = ["secnd-line"]
    lines = errors(doc)
    assert lines[0].startswith("desk.yaml: people[0].id: ")
    assert lines[1] == (
        'desk.yaml: people[2].skills[0]: unknown skill "secnd-line" (did you mean "second-line"?)'
    )
    assert len(lines) == 2


def test_parse_errors_still_stop_early() -> None:
    """A document that is no mapping (or no YAML) has nothing to check further."""
    with pytest.raises(TeamFileError) as info:
        parse_team(["a list"], "desk.yaml")
    assert info.value.lines() == ["desk.yaml: the document must be a mapping of keys"]


def test_an_error_in_the_opening_hours_stops_the_cross_checks() -> None:
    """Without opening hours every demand would look outside them: the field's error alone."""
    doc = desk(opening_hours={"weekdays": "08:00-18:61"})
    assert errors(doc) == ['desk.yaml: opening_hours.weekdays: "08:00-18:61" is not a time window']


# -- 8. version 1.1 -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "read"), [(1, "1"), ("1", "1"), (1.1, "1.1"), ("1.1", "1.1"), (1.0, "1"), (None, None)]
)
def test_version_1_and_1_1_load(written: Any, read: str | None) -> None:
    assert parse_team(desk(version=written), "desk.yaml").version == read


@pytest.mark.parametrize("written", [2, "1.2", "one", True])
def test_another_version_is_named(written: Any) -> None:
    lines = errors(desk(version=written))
    assert len(lines) == 1 and lines[0].startswith("desk.yaml: version: ")
