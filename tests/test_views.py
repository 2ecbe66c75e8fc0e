"""One rota, many views: `rota show` and `rota export` read a stored rota and never solve; `rota solve`
writes several files from one solve; a rota that is not the team file's is one line and exit 2."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar as ICalendar
from openpyxl import load_workbook
from typer.testing import CliRunner

import rota.cli.solving
from rota import solver
from rota.calendar import Calendar
from rota.cli import commands  # noqa: F401  (registers the commands on the app)
from rota.cli.main import app
from rota.load import load_team

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
TINY = EXAMPLES / "tiny-desk.yaml"
FAST = ["--time-limit", "5", "--workers", "2", "--seed", "0"]
WIDE = {"COLUMNS": "200"}


def fake_solve(team: Any, start: Any, end: Any, params: Any) -> Any:
    """Stands in for the solver: the greedy rota, the same every time, with the timings a solve keeps."""
    from rota.solver.greedy import greedy_rota
    from rota.solver.result import SolveResult, SolveStatus, rota_document

    cal = Calendar(team, start, end)
    duties = sorted(greedy_rota(cal))
    timings = {"seconds": 0.25, "build_seconds": 0.04, "first_zero_gap_seconds": 0.1}
    doc, terms = rota_document(cal, duties, {"status": "feasible", "bound": 0, **timings})
    return SolveResult(
        status=SolveStatus.FEASIBLE,
        document=doc,
        duties=duties,
        objective=doc.solver.objective,
        bound=0,
        seconds=0.25,
        build_seconds=0.04,
        first_zero_gap_seconds=0.1,
        terms=terms,
    )


def _no_solving(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a view of a stored rota must not solve")

    monkeypatch.setattr(rota.cli.solving, "solve", refuse)
    monkeypatch.setattr(solver, "solve", refuse)


def _one_error_line(result: Any) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny desk solved once (the real solver) into a folder: rota.json, rota.ics and rota.csv."""
    folder = tmp_path_factory.mktemp("solved")
    calls: list[Any] = []
    real = rota.cli.solving.solve

    def counting(*args: Any) -> Any:
        calls.append(args)
        return real(*args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rota.cli.solving, "solve", counting)
        result = runner.invoke(
            app,
            [
                "solve",
                str(TINY),
                *FAST,
                "-o",
                str(folder / "rota.json"),
                "--output",
                str(folder / "rota.ics"),
                "-o",
                str(folder / "rota.csv"),
            ],
            env=WIDE,
        )
    assert result.exit_code == 0, result.output
    assert len(calls) == 1
    lines = result.stdout.splitlines()
    assert lines[:3] == [f"wrote {folder / n}" for n in ("rota.json", "rota.ics", "rota.csv")]
    (folder / "solve.out").write_text(result.stdout)
    return folder


def test_one_solve_writes_every_output(solved: Path) -> None:
    doc = json.loads((solved / "rota.json").read_text())
    events = ICalendar.from_ical((solved / "rota.ics").read_bytes()).walk("VEVENT")
    rows = list(csv.DictReader((solved / "rota.csv").open()))
    keys = {(a["person"], a["role"], a["shift"], a["date"], a["start"]) for a in doc["assignments"]}
    assert keys == {(r["person"], r["role"], r["shift"], r["date"], r["start"]) for r in rows}
    assert len(keys) == len(events) > 0
    starts = {e.decoded("DTSTART").isoformat() for e in events}
    assert starts == {a["start"] for a in doc["assignments"]}


def test_export_csv_is_byte_for_byte_the_solves(
    solved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_solving(monkeypatch)
    out = tmp_path / "again.csv"
    result = runner.invoke(
        app, ["export", str(solved / "rota.json"), str(TINY), "--format", "csv", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (solved / "rota.csv").read_bytes()
    to_stdout = runner.invoke(app, ["export", str(solved / "rota.json"), str(TINY), "--format", "csv"])
    assert to_stdout.exit_code == 0, to_stdout.output
    assert to_stdout.stdout_bytes == (solved / "rota.csv").read_bytes()


def _events(data: bytes) -> list[tuple[str, ...]]:
    """Each event without its DTSTAMP/LAST-MODIFIED (the moment it was written)."""
    return sorted(
        (
            str(e["UID"]),
            e["DTSTART"].to_ical().decode(),
            e["DTEND"].to_ical().decode(),
            str(e["DTSTART"].params["TZID"]),
            str(e["SUMMARY"]),
            str(e["DESCRIPTION"]),
        )
        for e in ICalendar.from_ical(data).walk("VEVENT")
    )


def test_export_ics_has_the_solves_events(
    solved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_solving(monkeypatch)
    rota = str(solved / "rota.json")
    to_file = runner.invoke(app, ["export", rota, str(TINY), "-o", str(tmp_path / "x.ics")])
    assert to_file.exit_code == 0, to_file.output
    to_stdout = runner.invoke(app, ["export", str(solved / "rota.json"), str(TINY), "-f", "ics"])
    assert to_stdout.exit_code == 0, to_stdout.output
    expected = _events((solved / "rota.ics").read_bytes())
    assert _events((tmp_path / "x.ics").read_bytes()) == expected == _events(to_stdout.stdout_bytes)


def test_export_html_and_xlsx(solved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_solving(monkeypatch)
    doc = json.loads((solved / "rota.json").read_text())
    result = runner.invoke(app, ["export", str(solved / "rota.json"), str(TINY), "--format", "html"])
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page and "A4 landscape" in page
    assert page.count('class="chip"') >= len(doc["assignments"])
    assert "Fatima El Idrissi" in page and "gaps desk" in page and 'title="course"' in page
    result = runner.invoke(
        app, ["export", str(solved / "rota.json"), str(TINY), "-o", str(tmp_path / "r.xlsx")]
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == ["Rota", "Assignments", "Coverage", "Hours", "Gaps"]
    assert book["Assignments"].max_row == len(doc["assignments"]) + 1


def test_show_prints_exactly_what_solve_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rota.cli.solving, "solve", fake_solve)
    printed = runner.invoke(app, ["solve", str(TINY)], env=WIDE)
    assert printed.exit_code == 0, printed.output
    saved = runner.invoke(app, ["solve", str(TINY), "-o", str(tmp_path / "rota.json")], env=WIDE)
    assert saved.exit_code == 0, saved.output
    _no_solving(monkeypatch)
    shown = runner.invoke(app, ["show", str(tmp_path / "rota.json"), str(TINY)], env=WIDE)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == printed.stdout
    for text in (
        "Fatima El Idrissi",
        "gaps desk",
        "Coverage",
        "Hours",
        "Objective terms",
        "model 0.0 s, first zero-gap rota 0.1 s",
    ):
        assert text in shown.stdout
    assert saved.stdout.splitlines()[1:] == printed.stdout.splitlines()[-len(saved.stdout.splitlines()) + 1 :]


def test_show_of_a_real_solve_ends_with_its_status_line(
    solved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_solving(monkeypatch)
    shown = runner.invoke(app, ["show", str(solved / "rota.json"), str(TINY)], env=WIDE)
    assert shown.exit_code == 0, shown.output
    status = (solved / "solve.out").read_text().splitlines()[3:]
    assert len(status) == 1 and status[0].startswith(("optimal · ", "feasible · "))
    assert shown.stdout.splitlines()[-1] == status[0]


def _edited(solved: Path, tmp_path: Path, change: Any) -> Path:
    doc = json.loads((solved / "rota.json").read_text())
    change(doc)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d.update(team="Other Desk"),
            'edited.json: team: "Other Desk" is not the team of tiny-desk.yaml ("Small Reception Desk")',
        ),
        (
            lambda d: d.update(timezone="Europe/London"),
            'edited.json: timezone: "Europe/London" is not the time zone of tiny-desk.yaml '
            '("Europe/Brussels")',
        ),
        (
            lambda d: d["period"].update(end="2026-11-01"),
            "edited.json: period: it ends 2026-11-01, before it starts 2026-11-30",
        ),
        (
            lambda d: d["assignments"][0].update(date="2026-12-09"),
            "edited.json: assignments[0].date: 2026-12-09 is outside the period 2026-11-30 to 2026-12-06",
        ),
        (
            lambda d: d["assignments"][1].update(person="zoe"),
            'edited.json: assignments[1].person: tiny-desk.yaml has no person "zoe"',
        ),
        (
            lambda d: d["assignments"][1].update(shift="night"),
            'edited.json: assignments[1].shift: tiny-desk.yaml has no shift "night"',
        ),
    ],
)
@pytest.mark.parametrize("command", [["show"], ["export", "--format", "csv"]])
def test_a_rota_of_another_team_is_one_line(
    solved: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: Any,
    expected: str,
    command: list[str],
) -> None:
    _no_solving(monkeypatch)
    path = _edited(solved, tmp_path, change)
    args = [command[0], str(path), str(TINY), *command[1:]]
    assert _one_error_line(runner.invoke(app, args)) == expected


def test_the_wrong_team_file_is_one_line(solved: Path, tmp_path: Path) -> None:
    line = _one_error_line(
        runner.invoke(app, ["show", str(solved / "rota.json"), str(EXAMPLES / "smod-pool.yaml")])
    )
    assert line.startswith('rota.json: team: "Small Reception Desk" is not the team of smod-pool.yaml')
    # the two swapped (issue 17.9): read as meant, the same page or file as the right order
    right = runner.invoke(app, ["show", str(solved / "rota.json"), str(TINY)], env={"COLUMNS": "160"})
    swapped = runner.invoke(app, ["show", str(TINY), str(solved / "rota.json")], env={"COLUMNS": "160"})
    assert swapped.exit_code == right.exit_code == 0 and swapped.stdout == right.stdout
    exported = runner.invoke(app, ["export", str(TINY), str(solved / "rota.json"), "-f", "csv"])
    assert (
        exported.exit_code == 0
        and exported.stdout
        == runner.invoke(app, ["export", str(solved / "rota.json"), str(TINY), "-f", "csv"]).stdout
    )
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    line = _one_error_line(runner.invoke(app, ["show", str(TINY), str(broken)]))
    assert line == "tiny-desk.yaml: a team file where the rota document goes: give them as ROTA.json TEAMFILE"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-f", "xlsx"], "--output: xlsx is not text: give -o FILE.xlsx"),
        ([], "--format: give --format (csv|ics|xlsx|html) or -o FILE"),
        (["-f", "pdf"], '--format: "pdf" is not one of csv, ics, xlsx, html'),
        (["-o", "rota.pdf"], '--output: "rota.pdf" must end in .csv, .ics, .xlsx, .html'),
        (["-f", "csv", "-o", "rota.ics"], '--output: "rota.ics" ends in .ics but --format is csv'),
        (["-o", "/nonexistent/rota.csv"], '--output: "/nonexistent/rota.csv" cannot be written'),
    ],
)
def test_bad_export_options_are_one_line(solved: Path, args: list[str], expected: str) -> None:
    line = _one_error_line(runner.invoke(app, ["export", str(solved / "rota.json"), str(TINY), *args]))
    assert line.startswith(expected)


def test_bad_rota_documents_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "rota.json"
    bad.write_text(
        json.dumps(
            {
                "team": "Small Reception Desk",
                "timezone": "Europe/Brussels",
                "period": {"start": "2026-11-30", "end": "someday"},
            }
        )
    )
    line = _one_error_line(runner.invoke(app, ["show", str(bad), str(TINY)]))
    assert line.startswith("rota.json: period.end: ")
    missing = ["export", str(tmp_path / "none.json"), str(TINY), "-f", "csv"]
    line = _one_error_line(runner.invoke(app, missing))
    assert line.endswith("none.json: no such file")


def test_solve_checks_every_output_before_solving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_solving(monkeypatch)
    line = _one_error_line(
        runner.invoke(
            app,
            ["solve", str(TINY), "-o", str(tmp_path / "a.json"), "-o", str(tmp_path / "missing" / "b.csv")],
        )
    )
    assert line.startswith(f'--output: "{tmp_path / "missing" / "b.csv"}" cannot be written')
    line = _one_error_line(
        runner.invoke(
            app, ["solve", str(TINY), "-o", str(tmp_path / "a.json"), "-o", str(tmp_path / "b.txt")]
        )
    )
    assert line.startswith('--output: "b.txt" must end in')
    assert not (tmp_path / "a.json").exists()


def test_html_escapes_every_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    team = tmp_path / "odd.yaml"
    team.write_text(
        TINY.read_text()
        .replace("Small Reception Desk", "R&D <Desk>")
        .replace("Fatima El Idrissi", "<script>alert(1)</script>")
        .replace("reason: course", 'reason: "\\"><b>course"')
    )
    monkeypatch.setattr(rota.cli.solving, "solve", fake_solve)
    assert runner.invoke(app, ["solve", str(team), "-o", str(tmp_path / "odd.json")]).exit_code == 0
    _no_solving(monkeypatch)
    result = runner.invoke(app, ["export", str(tmp_path / "odd.json"), str(team), "-f", "html"])
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "R&amp;D &lt;Desk&gt;" in page and "<Desk>" not in page
    assert '"><b>course' not in page and "&quot;&gt;&lt;b&gt;course" in page
    assert load_team(team).team == "R&D <Desk>"
