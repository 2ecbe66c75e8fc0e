"""Solve a team with a live progress bar, then show the rota or write it to a file (reused by demo)."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import Progress as Bar
from rich.progress import ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.progress_bar import ProgressBar
from rich.text import Text

from cli.inputs import output_kind
from cli.render import gap_percent, render_rota, status_line
from rota.document import RotaDocument
from rota.export import csv_text
from rota.ical import rota_ics
from rota.team import Team
from solver import Progress, SolveParams, SolveResult, solve


class _ClockBar(ProgressColumn):
    """A bar that fills with wall time against the time limit (the search may stop early)."""

    def render(self, task: Task) -> ProgressBar:
        """The bar of elapsed time out of the time limit."""
        total = task.total or 1
        return ProgressBar(total=total, completed=min(task.elapsed or 0, total), width=30)


def _fmt(value: float | None) -> str:
    """A rounded objective value, or a dash before the first rota."""
    return "–" if value is None else f"{value:,.0f}"


def run_solve(team: Team, start: date | None, end: date | None, params: SolveParams,
              console: Console) -> SolveResult:
    """Solve, showing best objective and bound on a transient progress bar when on a terminal."""
    if not console.is_terminal:
        return solve(team, start, end, params)
    columns = (SpinnerColumn(), TextColumn("solving"), _ClockBar(), TimeElapsedColumn(),
               TextColumn("{task.fields[best]}"))
    stop = params.stop or threading.Event()
    with Bar(*columns, console=console, transient=True) as bar:
        task = bar.add_task("solve", total=params.time_limit, best="building the model…")
        outer = params.progress

        def report(p: Progress) -> None:
            """Show an improving rota on the bar, then pass it on."""
            pct = gap_percent(p.objective, p.bound)
            off = f" ({pct:.1f} % off)" if pct is not None else ""
            short = "" if p.gap_minutes is None else f" · short {p.gap_minutes:,} person-min"
            bar.update(task, best=Text(f"best {_fmt(p.objective)} · bound {_fmt(p.bound)}{off}{short}"))
            if outer is not None:
                outer(p)

        params.progress, params.stop = report, stop
        try:
            return solve(team, start, end, params)
        except KeyboardInterrupt:
            stop.set()
            raise
        finally:
            params.progress = outer


def write_output(team: Team, doc: RotaDocument, path: Path) -> None:
    """Write the rota as JSON (the rota document), CSV (one row per assignment) or iCalendar."""
    kind = output_kind(path)
    if kind == ".json":
        path.write_text(json.dumps(doc.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    elif kind == ".csv":
        path.write_text(csv_text(team, doc), encoding="utf-8")
    else:
        path.write_bytes(rota_ics(team, doc))


def result_extra(result: SolveResult) -> str:
    """Timing details for the status line: model build and the first gapless rota."""
    parts = [f"model {result.build_seconds:.1f} s"]
    if result.first_zero_gap_seconds is not None:
        parts.append(f"first zero-gap rota {result.first_zero_gap_seconds:.1f} s")
    return ", ".join(parts)


def solve_and_show(team: Team, start: date | None, end: date | None, params: SolveParams,
                   console: Console, output: Path | None = None) -> SolveResult:
    """Solve; then write ``output`` and print the status line, or print the whole rota."""
    result = run_solve(team, start, end, params, console)
    doc = result.document
    if not doc.assignments and result.status in ("infeasible", "invalid", "unknown"):
        console.print(status_line(doc, extra=result_extra(result)))
        return result
    if output is not None:
        write_output(team, doc, output)
        console.print(f"wrote {output}")
        console.print(status_line(doc, extra=result_extra(result)))
    else:
        render_rota(console, team, doc, extra=result_extra(result))
    return result
