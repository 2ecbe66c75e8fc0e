"""Loading team files: every example loads; each kind of mistake is one line ``file: path: message``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rota.calendar import Calendar
from rota.load import TeamFileError, load_team, parse_team
from rota.team import Team
from rota.teamcheck import Problem
from rota.validate import check_fixed


def test_every_spec_example_loads(spec_examples: Path) -> None:
    files = sorted(spec_examples.glob("*.yaml"))
    assert files, f"no examples in {spec_examples}"
    for path in files:
        team = load_team(path)
        assert team.people and team.roles and team.shifts
        assert Calendar(team).open_dates, path.name
        assert check_fixed(Calendar(team)) == []


def _set(path: str, value: Any) -> Callable[[dict], None]:
    """A mutation setting ``a.b[0].c`` in a team document."""

    def apply(data: dict) -> None:
        node: Any = data
        parts = path.replace("[", ".").replace("]", "").split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        last = parts[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return apply


def _both(*mutations: Callable[[dict], None]) -> Callable[[dict], None]:
    def apply(data: dict) -> None:
        for m in mutations:
            m(data)

    return apply


MISTAKES = [
    ("unknown role", _set("shifts.early.roles", ["nope"]), "shifts.early.roles[0]", 'unknown role "nope"'),
    (
        "unknown skill",
        _both(_set("skills", ["desk", "smod"]), _set("people[0].skills", ["desk", "sql"])),
        "people[0].skills[1]",
        'unknown skill "sql"',
    ),
    (
        "unknown shift",
        _set("people[0].preferences", {"avoid_shifts": ["nap"]}),
        "people[0].preferences.avoid_shifts[0]",
        'unknown shift "nap"',
    ),
    (
        "unknown fixed shift",
        _set("people[0].fixed", [{"date": "2026-12-08", "shift": "x", "role": "desk"}]),
        "people[0].fixed[0].shift",
        'unknown shift "x"',
    ),
    (
        "unknown history person",
        _set("history", [{"person": "zed", "role": "desk", "shift": "early", "date": "2026-12-01"}]),
        "history[0].person",
        'unknown person "zed"',
    ),
    (
        "unknown limit role",
        _set("rules", {"limits": [{"role": "x", "max": 1, "per": "week"}]}),
        "rules.limits[0].role",
        'unknown role "x"',
    ),
    (
        "weekday twice",
        _set("opening_hours", {"weekdays": "08:00-18:00", "mon": "09:00-17:00"}),
        "opening_hours",
        'mon is named by both "weekdays" and "mon"',
    ),
    (
        "demand outside opening",
        _set("roles.desk.demand", [{"time": "06:00-08:00", "min": 1}]),
        "roles.desk.demand[0].time",
        '"06:00-08:00" on mon lies outside the opening hours',
    ),
    (
        "core outside opening",
        _set("core_hours", {"weekdays": "06:30-09:00"}),
        "core_hours.weekdays",
        '"06:30-09:00" on mon lies outside the opening hours',
    ),
    ("bad zone", _set("timezone", "Europe/Londn"), "timezone", '"Europe/Londn" is not an IANA time zone'),
    (
        "backwards period",
        _set("period", {"start": "2026-12-20", "end": "2026-12-07"}),
        "period",
        "the period runs backwards",
    ),
    (
        "backwards unavailability",
        _set("people[0].unavailable", [{"from": "2026-12-10", "to": "2026-12-08"}]),
        "people[0].unavailable[0]",
        "the stretch runs backwards",
    ),
    (
        "negative min",
        _set("roles.desk.demand", [{"time": "opening_hours", "min": -1}]),
        "roles.desk.demand[0].min",
        "greater than or equal to 0",
    ),
    (
        "negative hours",
        _set("people[1].hours_per_week", -3),
        "people[1].hours_per_week",
        "greater than or equal to 0",
    ),
    (
        "negative rest",
        _set("rules", {"min_rest_hours": -1}),
        "rules.min_rest_hours",
        "greater than or equal to 0",
    ),
    ("duplicate ids", _set("people[2].id", "amara"), "people[2].id", '"amara" is used by two people'),
    (
        "window past 24:00",
        _set("opening_hours", {"daily": "09:00-25:30"}),
        "opening_hours.daily",
        '"09:00-25:30" is not a time window',
    ),
    (
        "window in a list",
        _set("opening_hours", {"daily": ["07:00-12:00", "13:00-25:30"]}),
        "opening_hours.daily[1]",
        '"13:00-25:30" is not a time window',
    ),
    ("shift end", _set("shifts.early.end", "25:30"), "shifts.early.end", '"25:30" is not a clock time'),
    ("bad day spec", _set("people[0].days", "mon-frx"), "people[0].days", '"mon-frx" is not a day spec'),
    ("bad id", _set("people[1].id", "Ben B"), "people[1].id", '"Ben B" is not a valid id'),
    ("unknown key", _set("colour", "red"), "colour", "unknown key"),
    (
        "bad date",
        _set("people[0].fixed", [{"date": "2026-02-30", "shift": "early", "role": "desk"}]),
        "people[0].fixed[0].date",
        "2026-02-30",
    ),
    ("unknown weight", _set("weights", {"speed": 1}), "weights", 'unknown objective term "speed"'),
]


@pytest.mark.parametrize(
    ("mutate", "path", "message"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES]
)
def test_each_mistake_is_one_line(
    base_team_data: dict, mutate: Callable[[dict], None], path: str, message: str
) -> None:
    mutate(base_team_data)
    with pytest.raises(TeamFileError) as info:
        parse_team(base_team_data, "team.yaml")
    lines = info.value.lines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"team.yaml: {path}: "), lines
    assert message in lines[0]
    assert str(info.value) == lines[0]


@pytest.mark.parametrize("key", ["team", "timezone", "opening_hours", "roles", "shifts", "people"])
def test_missing_key(base_team_data: dict, key: str) -> None:
    """The keys the contract marks required (team-file.md, top level) are refused when absent."""
    del base_team_data[key]
    with pytest.raises(TeamFileError) as info:
        parse_team(base_team_data, "team.yaml")
    assert info.value.lines() == [f"team.yaml: {key}: is required"]


def test_no_people_is_a_team_with_every_demand_a_gap(base_team_data: dict) -> None:
    base_team_data["people"] = []
    assert parse_team(base_team_data, "team.yaml").people == []


def test_two_mistakes_two_lines(base_team_data: dict) -> None:
    base_team_data["timezone"] = "Mars/Olympus"
    base_team_data["people"][0]["days"] = "funday"
    with pytest.raises(TeamFileError) as info:
        parse_team(base_team_data, "team.yaml")
    assert len(info.value.lines()) == 2
    assert str(info.value).splitlines() == info.value.lines()  # every problem shown, one a line


YAML_TEAM = """\
team: File Desk
timezone: Europe/London
period: {start: 2026-12-07, end: 2026-12-13}
opening_hours: {weekdays: "08:00-18:00"}
roles:
  desk: {demand: [{time: opening_hours, min: 1}]}
shifts:
  early: {start: 08:00, end: 13:00}
  late: {start: "13:00", end: "18:00"}
people:
  - {id: amara, days: mon,wed,fri}
  - {id: ben}
"""


def test_yaml_file_loads_with_bare_times_and_day_lists(tmp_path: Path) -> None:
    path = tmp_path / "desk.yaml"
    path.write_text(YAML_TEAM)
    team = load_team(path)
    assert team.shifts["early"].start == "08:00"
    assert team.person("amara").days == "mon,wed,fri"


def test_json_file_loads(tmp_path: Path, base_team_data: dict) -> None:
    path = tmp_path / "desk.json"
    path.write_text(json.dumps(base_team_data))
    assert isinstance(load_team(path), Team)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "desk.yaml"
    path.write_text(YAML_TEAM.replace("Europe/London", "Europe/Nowhere"))
    with pytest.raises(TeamFileError) as info:
        load_team(path)
    assert info.value.lines() == ['desk.yaml: timezone: "Europe/Nowhere" is not an IANA time zone']
    path.write_text("team: [unclosed\n")
    with pytest.raises(TeamFileError) as info:
        load_team(path)
    assert info.value.lines()[0].startswith("desk.yaml: line ")
    with pytest.raises(TeamFileError, match="no such file"):
        load_team(tmp_path / "absent.yaml")
    path.write_text("- just\n- a list\n")
    with pytest.raises(TeamFileError, match="must be a mapping"):
        load_team(path)


# -- fixed assignments that break a hard rule ------------------------------------------------------
def _fixed_problems(make_team: Callable[..., Team], people: list[dict], **overrides: Any) -> list[Problem]:
    """The problems of fixed assignments, found when the team is loaded (spec 1.1)."""
    try:
        make_team(people=people, **overrides)
    except TeamFileError as exc:
        return exc.problems
    return []


def fx(day: str, shift: str = "early", role: str = "desk") -> dict:
    return {"date": f"2026-12-{day}", "shift": shift, "role": role}


@pytest.mark.parametrize(
    ("person", "overrides", "rule"),
    [
        ({"skills": ["desk"], "fixed": [fx("08", "day", "smod")]}, {}, "skills"),
        ({"skills": ["desk"], "days": "mon-fri", "fixed": [fx("12")]}, {}, "working_days"),
        (
            {
                "skills": ["desk"],
                "unavailable": [{"date": "2026-12-08", "reason": "leave"}],
                "fixed": [fx("08")],
            },
            {},
            "unavailable",
        ),
        ({"skills": ["desk"], "fixed": [fx("08")]}, {"closures": ["2026-12-08"]}, "closed_date"),
        (
            {"skills": ["smod"], "fixed": [fx("08", "early", "smod")]},
            {"shifts": {"early": {"start": "07:00", "end": "15:00", "roles": ["desk"]}}},
            "shift_role",
        ),
        (
            {"skills": ["desk"], "fixed": [fx("12")]},
            {"shifts": {"early": {"start": "07:00", "end": "15:00", "days": "weekdays"}}},
            "shift_days",
        ),
        ({"skills": ["desk"], "fixed": [fx("08", "late"), fx("09", "early")]}, {}, "min_rest"),
        ({"skills": ["desk"], "fixed": [fx("08", "early"), fx("08", "day")]}, {}, "overlap"),
        ({"skills": ["desk"], "fixed": [fx(f"{d:02d}") for d in range(7, 14)]}, {}, "max_consecutive_days"),
        (
            {
                "skills": ["desk"],
                "fixed": [fx("08"), fx("09")],
                "limits": [{"role": "desk", "max": 1, "per": "week"}],
            },
            {},
            "limit_max",
        ),
        (
            {"skills": ["desk"], "fixed": [fx("07")]},
            {"history": [{"person": "amara", "role": "desk", "shift": "late", "date": "2026-12-06"}]},
            "min_rest",
        ),
    ],
)
def test_fixed_breaking_a_hard_rule_is_reported(
    make_team: Callable[..., Team], person: dict, overrides: dict, rule: str
) -> None:
    problems = _fixed_problems(make_team, [{"id": "amara", **person}], **overrides)
    assert problems, rule
    assert any(p.message.startswith(f"breaks {rule}: ") for p in problems), problems
    assert all(p.path.startswith("people[0].fixed[") for p in problems)


def test_fixed_problem_line_names_the_entry(make_team: Callable[..., Team]) -> None:
    person = {"id": "amara", "skills": ["desk"], "fixed": [fx("08", "late"), fx("09", "early")]}
    problems = _fixed_problems(make_team, [person])
    assert [p.line("team.yaml") for p in problems] == [
        "team.yaml: people[0].fixed[1]: breaks min_rest: 8.0 h rest between late on 2026-12-08 and "
        "early on 2026-12-09; min_rest_hours is 11"
    ]


def test_valid_fixed_and_fixed_outside_the_horizon_pass(make_team: Callable[..., Team]) -> None:
    person = {"id": "amara", "skills": ["desk"], "fixed": [fx("08"), fx("09"), fx("28", "late"), fx("29")]}
    assert _fixed_problems(make_team, [person]) == []


def test_yaml_words_on_off_stay_words(tmp_path: Path) -> None:
    """YAML 1.1 reads `off`/`on` as booleans and `12:30` as a base-60 number; team files mean the words."""
    text = (
        "team: Words\ntimezone: Europe/London\nperiod: {start: 2026-12-07, end: 2026-12-13}\n"
        "opening_hours: {daily: '09:00-17:00'}\n"
        "roles: {desk: {demand: [{time: opening_hours, min: 1}]}}\n"
        "shifts: {day: {start: 09:00, end: 17:00}}\n"
        "people:\n  - id: ann\n    preferences:\n      requests:\n"
        "        - {date: 2026-12-08, want: off}\n        - {date: 2026-12-09, want: on}\n"
        "  - {id: bob}\n"
    )
    path = tmp_path / "words.yaml"
    path.write_text(text)
    team = load_team(path)
    wants = [r.want for r in team.people[0].preferences.requests]
    assert wants == ["off", "on"]
    assert team.shifts["day"].start == "09:00"
