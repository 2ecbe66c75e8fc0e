"""Core commands (solve, check, demo, bench) registered on the ``rota`` app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli import bench, service
from cli.demo import EXAMPLES, service_demo
from cli.errors import guarded
from cli.inputs import output_kind, read_rota, resolve_period
from cli.main import app
from cli.render import number
from cli.solving import solve_and_show
from rota.calendar import Calendar
from rota.catalogue import title
from rota.load import TeamFileError, load_team
from rota.validate import Report, validate
from solver import SolveParams

TeamArg = Annotated[Path, typer.Argument(help="Team file (YAML or JSON).", metavar="TEAMFILE",
                                         show_default=False)]


@app.command("solve")
@guarded
def solve_command(
    team_file: TeamArg,
    month: Annotated[str | None, typer.Option("--month", help="Solve this month, YYYY-MM.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD (inclusive).")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, help="Seconds to search.")] = 30,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Solver threads.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Solver random seed.")] = 0,
    output: Annotated[Path | None, typer.Option("--output", "-o", show_default=False,
                                                help="Write the rota to FILE.json, FILE.csv or FILE.ics "
                                                     "instead of printing it.")] = None,
) -> None:
    """Build a rota for TEAMFILE over its period (or --month / --from --to) and show or save it."""
    team = load_team(team_file)
    first, last = resolve_period(team, month, start, end)
    if output is not None:
        output_kind(output)
    console = Console()
    params = SolveParams(time_limit=time_limit, workers=workers, seed=seed)
    try:
        result = solve_and_show(team, first, last, params, console, output)
    except TeamFileError as exc:  # fixed assignments that break a rule: name the file, not "team"
        raise TeamFileError(team_file.name, exc.problems) from None
    if not result.document.assignments and result.status in ("infeasible", "invalid", "unknown"):
        raise typer.Exit(1)


@app.command("check")
@guarded
def check_command(
    team_file: TeamArg,
    rota_file: Annotated[Path, typer.Argument(help="Rota document (JSON) to check.", metavar="ROTA.json",
                                                   show_default=False)],
) -> None:
    """Check a rota against its team: broken rules and misreported gaps; exit 1 if any."""
    team = load_team(team_file)
    doc = read_rota(rota_file)
    report = validate(team, doc)
    console = Console()
    print_report(console, Calendar(team, doc.period.start, doc.period.end), doc.assignments, report)
    if not report.ok:
        raise typer.Exit(1)


def print_report(console: Console, cal: Calendar, assignments: list, report: Report) -> None:
    """Each broken rule and misreported gap, or a one-line OK with the objective."""
    if report.violations:
        table = Table(title=f"{len(report.violations)} broken rules", title_justify="left",
                      title_style="bold red")
        for name in ("person", "date", "rule", "what"):
            table.add_column(name, overflow="fold")
        for v in report.violations:
            table.add_row(v.person or "", str(v.date or ""), f"{v.rule}\n[dim]{title(v.rule)}[/dim]",
                          v.message)
        console.print(table)
    for g in report.missing_gaps:
        console.print(Text(f"missing gap: {g.role} {cal.iso(g.start)} to {cal.iso(g.end)}: "
                           f"{g.assigned} of {g.required} on duty ({'core' if g.core else 'non-core'}) "
                           "is not in the document's gaps", style="red"))
    for g in report.phantom_gaps:
        console.print(Text(f"phantom gap: {g.role} {g.start} to {g.end}: reported as {g.assigned} of "
                           f"{g.required} on duty, but the rota does not have this gap", style="red"))
    if report.ok:
        console.print(Text.assemble(("OK", "bold green"), f": {len(assignments)} assignments, no broken "
                                    f"rules, {len(report.gaps)} gaps reported as they are, objective "
                                    f"{number(report.objective)}"))
    else:
        problems = len(report.missing_gaps) + len(report.phantom_gaps)
        console.print(Text.assemble(("FAILED", "bold red"), f": {len(report.violations)} broken rules, "
                                    f"{problems} misreported gaps, objective {number(report.objective)}"))


@app.command("demo")
@guarded
def demo_command(
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, help="Seconds a team.")] = 10,
    examples: Annotated[
        Path, typer.Option("--examples", help="Folder of team files (*.yaml) to store and solve.")
    ] = EXAMPLES,
) -> None:
    """The demo without the server: store the examples, solve and publish next month, show one."""
    from cli.service import service_errors

    service_errors(lambda: service_demo(examples=examples, time_limit=time_limit, console=Console()))()
    typer.echo("serve them: make serve  (or .venv/bin/rota serve; ROTA_DATABASE_URL picks the database)")


app.add_typer(bench.bench, name="bench")
service.register(app)
