"""The LARGE benchmark team (after Timefold's employee-scheduling demo, issue 22): the shipped file is
the generator's output, it has the demo's shape, a gapless rota of it passes the validator, and a
short solve returns a valid rota; ``rota bench`` and ``rota bench compare`` print what issue 22 asks."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from benchmarks import large
from benchmarks.bench_compare import best_known_counts, markdown
from benchmarks.cli import team_yaml
from rota.calendar import Calendar
from rota.cli import commands  # noqa: F401  (registers the commands on the app)
from rota.cli.main import app
from rota.document import RotaDocument
from rota.load import load_team
from rota.solver import SolveParams, solve
from rota.validate import validate

runner = CliRunner()
DATA = Path(__file__).resolve().parents[1] / "data" / "benchmarks"
TEAM = DATA / "large-50.yaml"
ROTA = DATA / "large-50.rota.json"


def test_the_shipped_file_is_the_generators_output() -> None:
    assert TEAM.read_text(encoding="utf-8") == team_yaml("LARGE", 0, large.large_document(0))
    assert large.large_document(1) != large.large_document(0)


def test_large_has_the_demos_shape() -> None:
    team = load_team(TEAM)
    cal = Calendar(team)
    assert (len(team.people), len(cal.dates)) == (50, 28)
    assert len({p.name for p in team.people}) == 50
    for p in team.people:  # a doctor or a nurse, with one or two specialties
        base = [s for s in p.skills if s in large.BASE_SKILLS]
        extra = [s for s in p.skills if s in large.SPECIALTIES]
        assert len(base) == 1 and 1 <= len(extra) <= 2 and len(p.skills) == len(base) + len(extra)
    assert all(len(r.skills) == 1 for r in team.roles.values())
    assert {s: (t.start, t.end) for s, t in team.shifts.items()} == {  # eight hours each
        "early": ("06:00", "14:00"),
        "day": ("09:00", "17:00"),
        "late": ("14:00", "22:00"),
        "night": ("22:00", "06:00"),
    }
    # the day shift only where a location works the 09:00 slot (every third location)
    assert {large._location(r) for r in team.shifts["day"].roles or []} == {"critical-care", "radiology"}
    assert team.rules.min_rest_hours == 10
    assert team.rules.max_consecutive_days is None and team.rules.max_hours_per_week is None
    wishes = Counter(r.want for p in team.people if p.preferences is not None for r in p.preferences.requests)
    away = sum(len(p.unavailable) for p in team.people)
    assert wishes["on"] > 0 and wishes["off"] > 0 and away > 0
    assert 5 * 28 <= away + wishes["on"] + wishes["off"] <= 20 * 28


def test_overlapping_slots_add_up_in_the_demand() -> None:
    assert large._steps({"early": 1, "day": 1}) == [(360, 540, 1), (540, 840, 2), (840, 1020, 1)]
    assert large._steps({"early": 1, "late": 1}) == [(360, 1320, 1)]  # back to back: one window
    assert large._steps({"late": 2, "night": 1}) == [(840, 1320, 2), (1320, 1800, 1)]
    assert large._clock(1800) == "06:00"


def _rota() -> RotaDocument:
    return RotaDocument.model_validate(json.loads(ROTA.read_text(encoding="utf-8")))


def test_a_gapless_rota_of_large_passes_the_validator() -> None:
    """The shipped rota (``rota solve data/benchmarks/large-50.yaml --parallel``): no broken rule, no
    gap, and `rota check` agrees."""
    team, doc = load_team(TEAM), _rota()
    report = validate(team, doc)
    assert report.ok, [v.message for v in report.violations[:3]]
    assert report.gaps == [] and doc.gaps == []
    assert len(doc.assignments) >= 900
    result = runner.invoke(app, ["check", str(TEAM), str(ROTA)])
    assert result.exit_code == 0, result.output


def test_a_short_solve_of_large_is_valid_and_keeps_a_gapless_start() -> None:
    """Two units of effort from the gapless rota: the solver keeps it gapless, every rule holds."""
    team, doc = load_team(TEAM), _rota()
    cal = Calendar(team)
    hint = [cal.duty(a.person, a.role, a.shift, a.date) for a in doc.assignments]
    result = solve(team, params=SolveParams(effort=2, time_limit=600, seed=0, hint=hint))
    assert result.document.gaps == []
    report = validate(team, result.document)
    assert report.ok, [v.message for v in report.violations[:3]]
    assert report.objective == result.objective


def test_a_short_solve_of_large_from_nothing_has_no_gaps() -> None:
    """Two units of effort, no rota to start from: phase 1's LP-free workers (``GAP_SUBSOLVERS``) find
    a rota with every slot covered (CP-SAT's default workers left 3 slots open at this effort, and one
    after 20 units); the same rota twice."""
    team = load_team(TEAM)
    first = solve(team, params=SolveParams(effort=2, time_limit=600, seed=0))
    assert first.document.gaps == []
    report = validate(team, first.document)
    assert report.ok, [v.message for v in report.violations[:3]]
    again = solve(team, params=SolveParams(effort=2, time_limit=600, seed=0))
    assert again.duties == first.duties


def test_bench_team_writes_large_and_says_how(tmp_path: Path) -> None:
    out = tmp_path / "large.yaml"
    result = runner.invoke(app, ["bench", "team", "large", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "50 people" in result.output
    assert out.read_text(encoding="utf-8").startswith("# Written by `rota bench team LARGE --team-seed 0`")
    assert out.read_text(encoding="utf-8") == TEAM.read_text(encoding="utf-8")


def test_bench_takes_wall_seconds_and_an_effort() -> None:
    """As ``rota solve`` does (a run of it: tests/test_cli.py, test_bench_runs_a_size_in_a_child_process)."""
    helped = runner.invoke(app, ["bench", "--help"], env={"COLUMNS": "200"})
    assert "Wall seconds per size" in helped.output and "--effort" in helped.output
    assert "Deterministic seconds" not in helped.output
    bad = runner.invoke(app, ["bench", "--sizes", "S", "--effort", "lots"])
    assert bad.exit_code == 2 and "--effort" in bad.output


def test_bench_compare_prints_the_issues_columns(tmp_path: Path) -> None:
    """Objective, distance from the bound and the best, first gapless rota, wall seconds, ratios to
    the default, the load; the same as Markdown."""
    md = tmp_path / "table.md"
    args = ["bench", "compare", "--instances", "s", "--time-limit", "20", "--effort", "quick"]
    result = runner.invoke(
        app, [*args, "--modes", "default,parallel", "--markdown", str(md)], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    columns = ("objective", "from bound %", "from best %", "first gapless s", "wall s", "status", "peak MB")
    for column in columns:
        assert column in result.output
    assert result.output.count("÷ default") == 3 and "load average" in result.output
    text = md.read_text(encoding="utf-8")
    assert text.startswith("`rota bench compare --instances S --time-limit 20 --effort quick")
    header, rule, default, parallel = text.splitlines()[4:8]
    assert header.count("÷ default") == 3 and rule.count("---") == header.count("|") - 1
    assert default.startswith("| S | default |") and parallel.startswith("| S | parallel |")
    assert default.split(" | ")[3] == "1.000"  # the default's ratio to itself
    bad = runner.invoke(app, ["bench", "compare", "--instances", "XXL"])
    assert bad.exit_code == 2 and "LARGE" in bad.output


def test_best_known_counts_and_markdown() -> None:
    def row(instance: str, mode: str, objective: float, best: float) -> dict[str, object]:
        return {
            "instance": instance,
            "mode": mode,
            "objective": objective,
            "objective_ratio": None,
            "bound": None,
            "from_bound_percent": None,
            "best": best,
            "best_is_known": True,
            "from_best_percent": 100.0 * (objective - best) / best,
            "first_gapless_seconds": None,
            "gapless_ratio": None,
            "wall_seconds": 60.0,
            "wall_ratio": None,
            "status": "feasible",
            "peak_mb": 200.0,
            "reproducible": mode == "default",
            "valid": True,
        }

    found = {"default": (607, 845, 1010), "parallel": (607, 828, 1100)}
    rows = [
        row(f"c{i + 1}", mode, objective, best)
        for mode, objectives in found.items()
        for i, (objective, best) in enumerate(zip(objectives, (607, 828, 1001), strict=True))
    ]
    assert best_known_counts(rows) == [
        "default: at the best known 1/3, within 2 % 2/3",
        "parallel: at the best known 2/3, within 2 % 2/3",
    ]
    text = markdown(rows, "caption", "rota bench compare --instances c1,c2,c3")
    assert "- parallel: at the best known 2/3, within 2 % 2/3" in text
    assert "| c2 | default | 845 | – |" in text
