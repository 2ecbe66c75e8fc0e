"""Core commands (solve, show, export, check, demo, bench) registered on the ``rota`` app."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rota.calendar import Calendar
from rota.catalogue import title
from rota.checks.base import plural
from rota.cli import capacity, fairness, service  # noqa: F401  (fairness: registers `rota fairness`)
from rota.cli.app import app
from rota.cli.demo import EXAMPLES, service_demo
from rota.cli.errors import fail, guarded
from rota.cli.inputs import (
    EXPORT_FORMATS,
    check_fits,
    export_format,
    load_team_file,
    month_start,
    output_kind,
    read_rota,
    resolve_period,
    team_and_rota,
    writable,
)
from rota.cli.render import number, show_document
from rota.cli.solving import solve_and_show, write_output
from rota.document import RotaDocument
from rota.export import export
from rota.load import TeamFileError
from rota.solver import SolveParams
from rota.solver.params import DEFAULT_EFFORT, DEFAULT_TIME_LIMIT, parse_effort
from rota.team import Team
from rota.validate import Report, validate

TeamArg = Annotated[
    Path, typer.Argument(help="Team file (YAML or JSON).", metavar="TEAMFILE", show_default=False)
]


class Strategy(StrEnum):
    auto = "auto"
    whole = "whole"
    people = "people"


@app.command("solve")
@guarded
def solve_command(
    team_file: TeamArg,
    month: Annotated[str | None, typer.Option("--month", help="Solve this month, YYYY-MM.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD (inclusive).")] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            min=0.1,
            help="Wall seconds: the rota comes by then (plus a moment to write it), however loaded "
            "the machine. If this comes before the effort is spent, the rota is kept but marked "
            "not reproducible.",
        ),
    ] = DEFAULT_TIME_LIMIT,
    effort: Annotated[
        str,
        typer.Option(
            "--effort",
            help="How hard to search, which makes the rota reproducible: quick (2 units), normal (10) "
            "or thorough (60), or a number of units (CP-SAT's deterministic seconds, 1-3 wall "
            "seconds each on a 2-core machine). Not used with --parallel.",
        ),
    ] = DEFAULT_EFFORT,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help=(
                "Solver threads with --parallel; a deterministic solve runs on one (the same rota "
                "whatever this says)."
            ),
        ),
    ] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Solver random seed.")] = 0,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            min=1,
            show_default="the cores available",
            help="Reproducible search on this many processes side by side (the next seeds), the best "
            "rota kept: more is better, never worse. The rota depends on the number, not on the "
            "load; the document records it, so give the same number to get the same rota on "
            "another machine.",
        ),
    ] = None,
    parallel: Annotated[
        bool,
        typer.Option(
            "--parallel",
            help="CP-SAT's parallel portfolio stopped by wall time: sometimes a better rota in the "
            "same time, but two runs may differ.",
        ),
    ] = False,
    strategy: Annotated[
        Strategy,
        typer.Option(
            "--strategy",
            help="whole: one model of the whole rota; people: a few people at a time (for "
            "teams too big to search whole); auto: people above 150,000 duty variables "
            "or 91 dates.",
            case_sensitive=False,
        ),
    ] = Strategy.auto,
    output: Annotated[
        list[Path] | None,
        typer.Option(
            "--output",
            "-o",
            show_default=False,
            help="Write the rota to FILE.json, FILE.csv or FILE.ics instead of printing it; repeat for "
            "several files from one solve.",
        ),
    ] = None,
) -> None:
    """Build a rota for TEAMFILE over its period (or --month / --from --to) and show or save it."""
    team = load_team_file(team_file)
    first, last = resolve_period(team, month, start, end)
    outputs = output or []
    for path in outputs:
        output_kind(path)
        writable(path)
    console = Console()
    try:
        units = parse_effort(effort)
    except ValueError as exc:
        fail(f"--effort: {exc}")
    params = SolveParams(
        time_limit=time_limit,
        effort=units,
        processes=processes,
        workers=workers,
        seed=seed,
        deterministic=not parallel,
        strategy=strategy.value,
    )
    try:
        result = solve_and_show(team, first, last, params, console, outputs)
    except TeamFileError as exc:  # fixed assignments that break a rule: name the file, not "team"
        raise TeamFileError(team_file.name, exc.problems) from None
    if not result.document.assignments and result.status in ("infeasible", "invalid"):
        raise typer.Exit(1)


RotaArg = Annotated[
    Path,
    typer.Argument(
        help="Rota document (JSON), as `rota solve -o` or the API gives it.",
        metavar="ROTA.json",
        show_default=False,
    ),
]


def _stored_rota(rota_file: Path, team_file: Path) -> tuple[Team, RotaDocument]:
    """The rota document and its team file (given either way round), once the document is known to be one
    of the team's rotas."""
    team_file, rota_file = team_and_rota(rota_file, team_file, ("rota", "team"))
    team = load_team_file(team_file)
    doc = read_rota(rota_file)
    check_fits(doc, team, rota_file, team_file)
    return team, doc


@app.command("show")
@guarded
def show_command(rota_file: RotaArg, team_file: TeamArg) -> None:
    """Print a stored rota as `rota solve` prints a solved one (grid, coverage, hours); never solves."""
    team, doc = _stored_rota(rota_file, team_file)
    show_document(Console(), team, doc)


@app.command("export")
@guarded
def export_command(
    rota_file: RotaArg,
    team_file: TeamArg,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            show_default=False,
            metavar="FORMAT",
            help=f"{'|'.join(EXPORT_FORMATS)}; default: by -o's suffix.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", show_default=False, help="Write to FILE (xlsx needs one); default stdout."
        ),
    ] = None,
) -> None:
    """Write a stored rota as CSV, iCalendar, Excel or a printable HTML page; never solves."""
    kind = export_format(fmt, output)
    if output is not None:
        writable(output)
    team, doc = _stored_rota(rota_file, team_file)
    if output is None:
        typer.echo(export(team, doc, kind), nl=False)
        return
    write_output(team, doc, output, kind)
    typer.echo(f"wrote {output}")


@app.command("check")
@guarded
def check_command(
    team_file: TeamArg,
    rota_file: Annotated[
        Path, typer.Argument(help="Rota document (JSON) to check.", metavar="ROTA.json", show_default=False)
    ],
) -> None:
    """Check a rota against its team (either order): broken rules and misreported gaps; exit 1 if any."""
    from dataclasses import replace

    from rota.reference import check_document, compare_stretches

    team_file, rota_file = team_and_rota(team_file, rota_file, ("team", "rota"))
    team = load_team_file(team_file)
    doc = read_rota(rota_file)
    report = validate(team, doc)
    # gaps are judged by the independent minute-by-minute reference; where the validator's own
    # coverage differs from it, that is a bug in one of them: reported, and the check fails
    true, missing, phantom = check_document(team, doc)
    internal = compare_stretches(team, true, report.gaps)
    report = replace(report, gaps=true, missing_gaps=missing, phantom_gaps=phantom)
    console = Console()
    print_report(console, Calendar(team, doc.period.start, doc.period.end), doc.assignments, report, internal)
    if not report.ok or internal:
        raise typer.Exit(1)


def print_report(
    console: Console, cal: Calendar, assignments: list, report: Report, internal: list[str] | None = None
) -> None:
    """Each broken rule, misreported gap and coverage disagreement, or a one-line OK with the objective."""
    if report.violations:
        table = Table(
            title=plural(len(report.violations), "broken rule"), title_justify="left", title_style="bold red"
        )
        for name in ("person", "date", "rule", "what"):
            table.add_column(name, overflow="fold")
        for v in report.violations:
            table.add_row(
                v.person or "", str(v.date or ""), f"{v.rule}\n[dim]{title(v.rule)}[/dim]", v.message
            )
        console.print(table)
    for g in report.missing_gaps:
        console.print(
            Text(
                f"missing gap: {g.role} {cal.iso(g.start)} to {cal.iso(g.end)}: "
                f"{g.assigned} of {g.required} on duty ({'core' if g.core else 'non-core'}) "
                "is not in the document's gaps",
                style="red",
            )
        )
    for g in report.phantom_gaps:
        console.print(
            Text(
                f"phantom gap: {g.role} {g.start} to {g.end}: reported as {g.assigned} of "
                f"{g.required} on duty, but the rota does not have this gap",
                style="red",
            )
        )
    for line in internal or []:
        console.print(Text(f"coverage disagreement: {line}", style="yellow"))
    if report.ok and not internal:
        console.print(
            Text.assemble(
                ("OK", "bold green"),
                f": {len(assignments)} assignments, no broken "
                f"rules, {len(report.gaps)} gaps reported as they are, objective "
                f"{number(report.objective)}",
            )
        )
    else:
        problems = len(report.missing_gaps) + len(report.phantom_gaps)
        disagree = f", {len(internal)} coverage disagreements with the reference" if internal else ""
        broken = plural(len(report.violations), "broken rule")
        console.print(
            Text.assemble(
                ("FAILED", "bold red"),
                f": {broken}, "
                f"{plural(problems, 'misreported gap')}{disagree}, objective "
                f"{number(report.objective)}",
            )
        )


@app.command("demo")
@guarded
def demo_command(
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            min=0.1,
            help="Effort a team, in units (wall allowance 4 × that + 10 s): the same rotas everywhere.",
        ),
    ] = 10,
    examples: Annotated[
        Path, typer.Option("--examples", help="Folder of team files (*.yaml) to store and solve.")
    ] = EXAMPLES,
    month: Annotated[
        str | None, typer.Option("--month", help="The month to solve, YYYY-MM (default: next month).")
    ] = None,
) -> None:
    """The demo without the server: store the examples, solve and publish next month, show one."""
    from rota.cli.backend import service_errors

    first = month_start(month) if month is not None else None
    service_errors(
        lambda: service_demo(examples=examples, time_limit=time_limit, console=Console(), month=first)
    )()
    typer.echo("serve them: make serve  (or .venv/bin/rota serve; ROTA_DATABASE_URL picks the database)")


def register_bench(app: typer.Typer) -> None:
    """`rota bench`: the benchmarks live apart, in the repository's benchmarks/, which the package does not
    ship; without them (an installed wheel), the command says in one line where it runs."""
    try:
        from benchmarks.cli import bench
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "benchmarks":
            raise

        @app.command(
            "bench",
            help="Benchmarks (from a checkout of the repository).",
            context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        )
        @guarded
        def bench_outside_a_checkout() -> None:
            fail("rota bench runs from a checkout of the repository (its benchmarks/ are not installed)")

        return
    app.add_typer(bench, name="bench")


register_bench(app)
service.register(app)
capacity.register(app)  # `rota plan`, `rota whatif`
