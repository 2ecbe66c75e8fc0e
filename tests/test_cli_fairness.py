"""``rota fairness TEAMFILE [ROTA.json]``: the balances before a period, and after a rota (issue 24)."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from rota.cli import commands  # noqa: F401  (registers the commands on the app)
from rota.cli.main import app
from tests.test_ledger import WEEKEND, desk

runner = CliRunner()


def test_balances_before_and_after_a_solved_month(tmp_path: Path) -> None:
    history = [{"person": "bob", "role": "desk", "shift": "day", "date": f"2027-01-{d}"} for d in (30, 31)]
    team = tmp_path / "team.yaml"
    team.write_text(yaml.safe_dump(desk(WEEKEND, history)))
    rota = tmp_path / "feb.json"
    solved = runner.invoke(
        app, ["solve", str(team), "--month", "2027-02", "-o", str(rota), "--time-limit", "3"]
    )
    assert solved.exit_code == 0, solved.output
    shown = runner.invoke(app, ["fairness", str(team), str(rota)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "weekend days" in shown.output and "before" in shown.output and "after" in shown.output
    bob = next(line for line in shown.output.splitlines() if "bob" in line)
    assert "+1.6" in bob  # two January weekend days against a share of 0.4
    spread = next(line for line in shown.output.splitlines() if "spread" in line)
    assert spread.split("│")[2].strip() == "2" and float(spread.split("│")[3]) <= 1
    alone = runner.invoke(app, ["fairness", str(team), "--month", "2027-02"], env={"COLUMNS": "200"})
    assert alone.exit_code == 0 and "after" not in alone.output


def test_a_team_without_the_block_is_one_line(tmp_path: Path) -> None:
    team = tmp_path / "team.yaml"
    team.write_text(yaml.safe_dump(desk()))
    result = runner.invoke(app, ["fairness", str(team), "--month", "2027-02"])
    assert result.exit_code == 2
    assert (
        result.output.strip()
        .splitlines()[-1]
        .endswith("fairness: the team file has no fairness block (docs/team-file.md, the fairness ledger)")
    )
