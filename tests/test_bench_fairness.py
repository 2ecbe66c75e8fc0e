"""``rota bench fairness`` (issue 24): a short run prints the table and writes the rows."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from benchmarks.bench_fairness import fairness_team
from rota.cli import commands  # noqa: F401  (registers the commands on the app)
from rota.cli.main import app
from rota.load import parse_team
from rota.teamcheck import check_team


def test_the_benchmark_team_is_a_valid_team_file() -> None:
    team = parse_team(fairness_team(True))
    assert team.fairness is not None and check_team(team) == []
    assert parse_team(fairness_team(False)).fairness is None


def test_a_short_run_prints_both_spreads(tmp_path: Path) -> None:
    out = tmp_path / "fair.json"
    result = CliRunner().invoke(
        app,
        ["bench", "fairness", "--months", "1", "--time-limit", "0.5", "--json", str(out)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "spread with ledger" in result.output and "each month alone" in result.output
    assert "0 broken rules" in result.output
    rows = json.loads(out.read_text())
    assert [r["category"] for r in rows] == [
        "weekend days",
        "public-holiday duties",
        "night shifts",
        "hours against contract",
        "SMoD duties",
    ]
    assert all(r["with_ledger"] >= 0 and r["alone"] >= 0 for r in rows)
