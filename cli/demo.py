"""``rota demo``: solve the bundled council service desk example and show its rota."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from cli.solving import solve_and_show
from rota.load import load_team
from solver import SolveParams, SolveResult

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"
DEMO_TEAM = EXAMPLES / "council-service-desk.yaml"


def run_demo(console: Console, *, time_limit: float = 10, workers: int = 2) -> SolveResult:
    """Solve the demo team for its period and print grid, coverage, hours and status."""
    team = load_team(DEMO_TEAM)
    console.rule(f"[bold]{team.team}[/bold] · {DEMO_TEAM.name}")
    return solve_and_show(team, None, None, SolveParams(time_limit=time_limit, workers=workers, seed=0),
                          console)
