"""Issue 17, *Done when*: the newcomer's 9-person desk (tests/data/newcomer-desk.yaml, written from
docs/team-file.md) with each mistake of items 4 to 8 gets one clear line for each, all at once. The
API (tests/api/test_team_one_pass.py) and the web editor (tests/web/test_team_file_one_pass.py) list
the same lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rota.cli import commands  # noqa: F401  (registers the commands on the app)
from rota.cli.main import app
from rota.load import TeamFileError, load_team

DESK = Path(__file__).parent / "data" / "newcomer-desk.yaml"

# (path, message) of each mistake marked in the file; the warnings last.
EXPECTED = [
    (
        "roles.phones.demand[1].days",
        "demand on sat, when the service is closed (opening_hours gives no hours that day)",
    ),
    ("roles.second-line.demand[1].time", '"16:00-18:70" is not a time window'),
    (
        "shifts.core",
        'end "09:00" equals start "09:00": a shift of 0 or 24 hours? write hours: 24 for a '
        "24-hour shift from 09:00 to 09:00 the next day, or make it two shifts",
    ),
    (
        "shifts.evening.end",
        '"26:00" is not a clock time HH:MM: a shift that ends after midnight is '
        'written with the clock time it ends at, "02:00"; an end no later than the start '
        "is read as the next day",
    ),
    ("people[3].hours_per_weak", 'unknown key (did you mean "hours_per_week"?)'),
    ("people[6].unavailable[0]", "the stretch runs backwards: to 2027-02-08 is not after from 2027-02-12"),
]
WARNINGS = [
    ("people[4].skills[1]", 'unknown skill "secondline": no role needs it (did you mean "second-line"?)'),
    (
        "people[5]",
        "Finn O'Brien can take no role, so is never on the rota: has no skills (phones needs "
        "phones; second-line needs second-line)",
    ),
]
LINES = [f"newcomer-desk.yaml: {p}: {m}" for p, m in EXPECTED] + [
    f"warning: newcomer-desk.yaml: {p}: {m}" for p, m in WARNINGS
]


def test_the_loader_finds_every_mistake_in_one_pass() -> None:
    with pytest.raises(TeamFileError) as info:
        load_team(DESK)
    assert [(p.path, p.message) for p in info.value.problems] == EXPECTED
    assert [(w.path, w.message) for w in info.value.warnings] == WARNINGS
    assert info.value.lines() == LINES


@pytest.mark.parametrize("command", [["solve"], ["check", "x.json"]])
def test_the_cli_prints_one_line_each_and_exits_non_zero(command: list[str]) -> None:
    args = [command[0], str(DESK), *command[1:]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == LINES


def test_the_desk_fixed_loads_and_only_the_warnings_remain_as_warnings(tmp_path: Path) -> None:
    """Where the rules do not bind: each mistake corrected (version 1.1 kept), the file loads."""
    text = DESK.read_text()
    for wrong, right in [
        ('      - {days: sat, time: "09:00-13:00", min: 1}', ""),
        ("18:70", "18:00"),
        ('end: "09:00", roles', 'end: "17:00", roles'),
        ('end: "26:00"', 'end: "22:00"'),
        ("hours_per_weak", "hours_per_week"),
        ("from: 2027-02-12, to: 2027-02-08", "from: 2027-02-08, to: 2027-02-12"),
        ("secondline", "second-line"),
        ("skills: []}", "skills: [phones]}"),
    ]:
        assert wrong in text
        text = text.replace(wrong, right)
    fixed = tmp_path / "desk.yaml"
    fixed.write_text(text)
    team = load_team(fixed)
    assert len(team.people) == 9 and team.version == "1.1"
    result = CliRunner().invoke(app, ["check", str(fixed), str(tmp_path / "none.json")])
    assert "warning" not in result.stderr and "desk.yaml" not in result.stderr, result.stderr


def test_a_file_with_only_warnings_loads_and_the_cli_prints_them(tmp_path: Path) -> None:
    """The warnings alone do not stop the command: they are printed, and the command goes on."""
    text = DESK.read_text()
    for wrong, right in [
        ('      - {days: sat, time: "09:00-13:00", min: 1}', ""),
        ("18:70", "18:00"),
        ('end: "09:00", roles', 'end: "17:00", roles'),
        ('end: "26:00"', 'end: "22:00"'),
        ("hours_per_weak", "hours_per_week"),
        ("from: 2027-02-12, to: 2027-02-08", "from: 2027-02-08, to: 2027-02-12"),
    ]:
        text = text.replace(wrong, right)
    warned = tmp_path / "desk.yaml"
    warned.write_text(text)
    result = CliRunner().invoke(app, ["check", str(warned), str(tmp_path / "none.json")])
    lines = result.stderr.splitlines()
    assert lines[:2] == [f"warning: desk.yaml: {p}: {m}" for p, m in WARNINGS]
    assert "none.json" in lines[2]  # then the command itself goes on (to the missing rota)
