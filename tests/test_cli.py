"""The ``rota`` command line: solve to each format, check, and one-line errors with exit status 2."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from icalendar import Calendar as ICalendar
from typer.testing import CliRunner

from rota.cli import commands  # noqa: F401  (registers the commands on the app)
from rota.cli.main import app
from rota.export import CSV_FIELDS
from rota.load import load_team

runner = CliRunner()
# Our own smallest example team (data/examples/tiny-desk.yaml): no files from beside the checkout.
TINY = Path(__file__).resolve().parents[1] / "data" / "examples" / "tiny-desk.yaml"
FAST = ["--time-limit", "5", "--workers", "2", "--seed", "0"]


@pytest.fixture
def tiny() -> Path:
    return TINY


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny team's rota as JSON, solved once for the module."""
    out = tmp_path_factory.mktemp("rota") / "tiny.json"
    result = runner.invoke(app, ["solve", str(TINY), *FAST, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_solve_prints_grid_coverage_hours_and_status(tiny: Path) -> None:
    result = runner.invoke(app, ["solve", str(tiny), *FAST], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    for text in (
        "Fatima El Idrissi",
        "gaps desk",
        "Coverage",
        "Hours",
        "Objective terms",
        "optimal",
        "objective",
        "bound",
        "0.00 % from the bound",
    ):
        assert text in result.stdout


def test_solve_writes_the_rota_document(solved: Path) -> None:
    doc = json.loads(solved.read_text())
    assert doc["team"] == "Small Reception Desk"
    assert doc["period"] == {"start": "2026-11-30", "end": "2026-12-06"}
    assert doc["gaps"] == []
    assert doc["solver"]["status"] in ("optimal", "feasible")
    assert {"person", "role", "shift", "date", "start", "end"} <= set(doc["assignments"][0])


def test_solve_writes_csv_and_ics(tiny: Path, tmp_path: Path) -> None:
    for name in ("rota.csv", "rota.ics"):
        result = runner.invoke(app, ["solve", str(tiny), *FAST, "--output", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "rota.csv").open()))
    assert tuple(rows[0]) == CSV_FIELDS
    assert {r["hours"] for r in rows} == {"4"}
    events = ICalendar.from_ical((tmp_path / "rota.ics").read_bytes()).walk("VEVENT")
    assert len(events) == len(rows)
    assert all(e["DTSTART"].params["TZID"] == "Europe/Brussels" for e in events)


def test_solve_over_other_dates(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "dec.json"
    result = runner.invoke(
        app, ["solve", str(tiny), *FAST, "--from", "2026-12-07", "--to", "2026-12-09", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["period"] == {"start": "2026-12-07", "end": "2026-12-09"}


def test_solve_a_few_people_at_a_time_gives_the_same_checked_rota(
    tiny: Path, solved: Path, tmp_path: Path
) -> None:
    """--strategy people (what auto picks for very large teams) on the tiny team: one group of
    everyone, so the same optimum as the whole model, and `rota check` accepts it."""
    out = tmp_path / "people.json"
    result = runner.invoke(app, ["solve", str(tiny), *FAST, "--strategy", "people", "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc, whole = json.loads(out.read_text()), json.loads(solved.read_text())
    assert doc["solver"]["strategy"] == "people" and whole["solver"]["strategy"] == "whole"
    assert doc["solver"]["objective"] == whole["solver"]["objective"]
    assert runner.invoke(app, ["check", str(tiny), str(out)]).exit_code == 0
    bad = runner.invoke(app, ["solve", str(tiny), "--strategy", "halves"])
    assert bad.exit_code == 2 and "halves" in bad.output


def test_check_takes_the_two_files_either_way_round(tiny: Path, solved: Path, tmp_path: Path) -> None:
    """Issue 17.9: `rota check ROTA TEAM` (the order of show and export) is read as meant, JSON team files
    too; what cannot be told apart, or two of one kind, is one line."""
    right = runner.invoke(app, ["check", str(tiny), str(solved)], env={"COLUMNS": "160"})
    swapped = runner.invoke(app, ["check", str(solved), str(tiny)], env={"COLUMNS": "160"})
    assert right.exit_code == swapped.exit_code == 0, swapped.output
    assert swapped.stdout == right.stdout and swapped.stdout.startswith("OK: ")
    as_json = tmp_path / "tiny-team.json"
    as_json.write_text(json.dumps(load_team(tiny).model_dump(mode="json", exclude_none=True)))
    assert runner.invoke(app, ["check", str(solved), str(as_json)]).exit_code == 0
    line = _one_error_line(runner.invoke(app, ["check", str(tiny), str(as_json)]))
    assert line.startswith("tiny-team.json: a team file where the rota document goes, and tiny-desk.yaml is")
    line = _one_error_line(runner.invoke(app, ["check", str(solved), str(solved)]))
    assert line.startswith("tiny.json: a rota document where the team file goes, and tiny.json is")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    line = _one_error_line(runner.invoke(app, ["check", str(broken), str(tiny)]))
    assert line == "tiny-desk.yaml: a team file where the rota document goes: give them as TEAMFILE ROTA.json"


def test_check_clean_rota_exits_0(tiny: Path, solved: Path) -> None:
    result = runner.invoke(app, ["check", str(tiny), str(solved)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK")
    assert "objective" in result.stdout


def test_check_tampered_rota_names_the_rule(tiny: Path, solved: Path, tmp_path: Path) -> None:
    doc = json.loads(solved.read_text())
    doc["assignments"].append({"person": "joris", "role": "desk", "shift": "morning", "date": "2026-12-02"})
    doc["gaps"].append(
        {
            "role": "desk",
            "start": "2026-12-01T08:30:00+01:00",
            "end": "2026-12-01T09:30:00+01:00",
            "required": 1,
            "assigned": 0,
            "core": False,
        }
    )
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(doc))
    result = runner.invoke(app, ["check", str(tiny), str(bad)], env={"COLUMNS": "160"})
    assert result.exit_code == 1, result.output
    assert "unavailable" in result.stdout
    assert "phantom gap" in result.stdout
    assert "FAILED" in result.stdout


def test_check_reports_a_gap_the_document_left_out(tiny: Path, solved: Path, tmp_path: Path) -> None:
    doc = json.loads(solved.read_text())
    doc["assignments"] = [a for a in doc["assignments"] if a["date"] != "2026-12-01"]
    bad = tmp_path / "short.json"
    bad.write_text(json.dumps(doc))
    result = runner.invoke(app, ["check", str(tiny), str(bad)])
    assert result.exit_code == 1
    assert "missing gap" in result.stdout


def test_bad_team_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "team.yaml"
    bad.write_text(
        "team: Desk\ntimezone: Mars/Olympus\nopening_hours: {weekdays: '09:00-17:00'}\n"
        "roles: {desk: {demand: [{time: opening_hours, min: 1}]}}\n"
        "shifts: {am: {start: '09:00', end: '13:00'}}\npeople: []\n"
    )
    line = _one_error_line(runner.invoke(app, ["solve", str(bad)]))
    assert line.startswith("team.yaml: timezone: ")
    assert "Mars/Olympus" in line


def test_every_mistake_is_a_line_of_its_own(tmp_path: Path) -> None:
    """Each problem one line (file: path: what), not "(+1 more)"; a cap with a count past 20."""
    bad = tmp_path / "team.yaml"
    bad.write_text(
        "team: Desk\ntimezone: Mars/Olympus\nopening_hours: {weekdays: '09:00-17:00'}\n"
        "roles: {desk: {}}\nshifts: {am: {start: '09:00', end: '13:00'}}\n"
    )
    result = runner.invoke(app, ["solve", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        'team.yaml: timezone: "Mars/Olympus" is not an IANA time zone',
        "team.yaml: people: is required",
    ]
    many = tmp_path / "many.yaml"
    people = ", ".join(f"{{id: p{i}, days: funday}}" for i in range(25))
    many.write_text(
        "team: Desk\ntimezone: UTC\nopening_hours: {weekdays: '09:00-17:00'}\n"
        "roles: {desk: {demand: [{time: opening_hours, min: 1}]}}\n"
        "shifts: {am: {start: '09:00', end: '13:00'}}\n"
        f"people: [{people}]\n"
    )
    lines = runner.invoke(app, ["solve", str(many)]).stderr.splitlines()
    assert len(lines) == 21 and lines[-1] == "many.yaml: … and 5 more problems"
    assert all(line.startswith("many.yaml: people[") for line in lines[:20])


def test_missing_team_file_is_one_line(tmp_path: Path) -> None:
    line = _one_error_line(runner.invoke(app, ["check", str(tmp_path / "none.yaml"), "x.json"]))
    assert "no such file" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--month", "2026-13"], '--month: "2026-13" is not a month YYYY-MM'),
        (["--from", "2026-12-05", "--to", "2026-12-01"], "--from 2026-12-05 is after --to 2026-12-01"),
        (["--from", "2026-12-05"], "--from and --to go together"),
        (["--from", "5 Dec", "--to", "2026-12-09"], '--from: "5 Dec" is not a date'),
        (["--output", "rota.xlsx"], '--output: "rota.xlsx" must end in'),
    ],
)
def test_bad_options_are_one_line(tiny: Path, args: list[str], expected: str) -> None:
    assert _one_error_line(runner.invoke(app, ["solve", str(tiny), *args])).startswith(expected)


def test_bad_rota_document_is_one_line(tiny: Path, tmp_path: Path) -> None:
    bad = tmp_path / "rota.json"
    bad.write_text(
        json.dumps(
            {"team": "x", "timezone": "Europe/Amsterdam", "period": {"start": "2026-11-30", "end": "someday"}}
        )
    )
    line = _one_error_line(runner.invoke(app, ["check", str(tiny), str(bad)]))
    assert line.startswith("rota.json: period.end: ")
    (tmp_path / "broken.json").write_text("{")
    line = _one_error_line(runner.invoke(app, ["check", str(tiny), str(tmp_path / "broken.json")]))
    assert line.startswith("broken.json: line 1: not valid JSON")


def test_month_option_sets_the_horizon(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "feb.json"
    result = runner.invoke(app, ["solve", str(tiny), *FAST, "--month", "2027-02", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["period"] == {"start": "2027-02-01", "end": "2027-02-28"}


def test_gaps_show_in_grid_and_coverage(tmp_path: Path) -> None:
    team = tmp_path / "short.yaml"
    team.write_text(
        "team: Short\ntimezone: Europe/Amsterdam\nperiod: {start: 2026-11-30, end: 2026-12-01}\n"
        "opening_hours: {weekdays: '09:00-17:00'}\ncore_hours: {weekdays: '10:00-16:00'}\n"
        "roles: {desk: {demand: [{time: opening_hours, min: 1}]}}\n"
        "shifts: {am: {start: '09:00', end: '13:00'}, pm: {start: '13:00', end: '17:00'}}\n"
        "people: [{id: noor}]\n"
    )
    result = runner.invoke(app, ["solve", str(team), *FAST], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "gaps desk" in result.stdout and "!" in result.stdout
    assert "gaps: desk 09:00–10:00" in result.stdout and "30 Nov–1 Dec, 2 dates" in result.stdout
    assert "50.0 %" in result.stdout


def test_short_codes_are_unique() -> None:
    from rota.cli.grid import short_codes

    codes = short_codes(["early", "evening", "e", "smod-am", "smod-pm", "sat"], upper=True)
    assert codes["smod-am"] == "SA" and codes["smod-pm"] == "SP"
    assert len(set(codes.values())) == len(codes)


def test_bench_writes_a_synthetic_team(tmp_path: Path) -> None:
    out = tmp_path / "m.yaml"
    result = runner.invoke(app, ["bench", "team", "M", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load_team(out).team == "Synthetic M service desk"
    assert _one_error_line(runner.invoke(app, ["bench", "--sizes", "XXL"])).startswith("--sizes: ")


def test_bench_runs_a_size_in_a_child_process(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = runner.invoke(
        app,
        ["bench", "--sizes", "S", "--time-limit", "60", "--effort", "quick", "--json", str(out)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    (run,) = json.loads(out.read_text())
    assert run["size"] == "S" and run["people"] == 10 and run["valid"]
    assert (run["effort"], run["reproducible"]) == (2.0, True)  # wall limit far off: the effort stopped it
    assert "wall seconds, effort 2 units" in result.output
    assert run["peak_mb"] > 10
    assert run["first_zero_gap_seconds"] is not None


def test_fixed_assignment_breaking_a_rule_names_the_file(tmp_path: Path) -> None:
    team = tmp_path / "fixed.yaml"
    team.write_text(
        "team: Fixed\ntimezone: Europe/Amsterdam\nperiod: {start: 2026-11-30, end: 2026-12-06}\n"
        "opening_hours: {weekdays: '09:00-17:00'}\n"
        "roles: {desk: {demand: [{time: opening_hours, min: 1}]}}\n"
        "shifts: {am: {start: '09:00', end: '13:00'}}\n"
        "people: [{id: noor, days: mon-wed,\n"
        "          fixed: [{date: 2026-12-03, shift: am, role: desk}]}]\n"
    )
    line = _one_error_line(runner.invoke(app, ["solve", str(team), *FAST]))
    assert line.startswith("fixed.yaml: people[0].fixed[0]: breaks working_days")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["solve", "x.yaml", "--time-limit", "0"],
            "rota solve: Invalid value for '--time-limit': Input should be greater than or equal to 0.1",
        ),
        (["solve"], "rota solve: Missing argument 'TEAMFILE'."),
        (["bogus"], "rota: No such command 'bogus'."),
        (["check", "a.yaml", "b.json", "--bogus"], "rota check: No such option: --bogus"),
    ],
)
def test_command_line_mistakes_are_one_line_and_exit_2(
    args: list[str], line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """What typer itself rejects (the real entry point, not CliRunner) is one line too, not a box."""
    from rota.cli.main import run

    assert run(args) == 2
    err = capsys.readouterr().err
    assert err.strip() == line


def test_entry_point_exit_status_follows_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    from rota.cli.main import run

    assert run(["check", "--help"]) == 0
    assert "Usage: rota check" in capsys.readouterr().out
    assert run(["solve", "/nonexistent/team.yaml"]) == 2
    assert capsys.readouterr().err.strip() == "/nonexistent/team.yaml: no such file"
    assert run([]) == 2  # no command: the help, as typer prints it
