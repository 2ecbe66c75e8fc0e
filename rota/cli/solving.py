"""Solve a team with a live progress bar, then show the rota or write it to files (reused by demo)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import Progress as Bar
from rich.progress import ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.progress_bar import ProgressBar
from rich.text import Text

from rota.bound import NO_USEFUL_BOUND, bound_useful, from_bound_percent
from rota.cli.errors import fail
from rota.cli.inputs import output_kind
from rota.cli.render import show_document, status_line, timing
from rota.document import RotaDocument
from rota.export import export
from rota.solver import Progress, SolveParams, SolveResult, solve
from rota.team import Team
from rota.view import RotaView


class _ClockBar(ProgressColumn):
    """A bar that fills with wall time against the time limit (the search may stop early, when its
    effort is spent)."""

    def render(self, task: Task) -> ProgressBar:
        """The bar of elapsed time out of the time limit."""
        total = task.total or 1
        return ProgressBar(total=total, completed=min(task.elapsed or 0, total), width=30)


class _Left(ProgressColumn):
    """Wall seconds left until the time limit."""

    def render(self, task: Task) -> Text:
        """ "12 s left", counted down from the time limit."""
        left = max(0.0, (task.total or 0) - (task.elapsed or 0))
        return Text(f"{left:.0f} s left")


def effort_text(params: SolveParams, spent: float | None) -> str:
    """ "effort 3.2 of 10 units" (reproducible mode), or what a parallel solve stops by."""
    if not params.deterministic:
        return "parallel: stops at the time limit"
    return f"effort {spent or 0.0:.1f} of {params.effort:g} units ·"


def _fmt(value: float | None) -> str:
    """A rounded objective value, or a dash before the first rota."""
    return "–" if value is None else f"{value:,.0f}"


def run_solve(
    team: Team, start: date | None, end: date | None, params: SolveParams, console: Console
) -> SolveResult:
    """Solve, showing best objective and bound on a transient progress bar when on a terminal."""
    if not console.is_terminal:
        return solve(team, start, end, params)
    columns = (
        SpinnerColumn(),
        TextColumn("solving"),
        _ClockBar(),
        TimeElapsedColumn(),
        _Left(),
        TextColumn("{task.fields[effort]}"),
        TextColumn("{task.fields[best]}"),
    )
    stop = params.stop or threading.Event()
    with Bar(*columns, console=console, transient=True) as bar:
        task = bar.add_task(
            "solve", total=params.time_limit, best="building the model…", effort=effort_text(params, 0.0)
        )
        outer = params.progress

        def report(p: Progress) -> None:
            """Show an improving rota on the bar, then pass it on."""
            pct = from_bound_percent(p.objective, p.bound)
            off = f" ({pct:.1f} % off)" if pct is not None else ""
            if pct is not None and not bound_useful(p.objective, p.bound):
                off = f" ({NO_USEFUL_BOUND})"
            short = "" if p.gap_minutes is None else f" · short {p.gap_minutes:,} person-min"
            bar.update(
                task,
                best=Text(f"best {_fmt(p.objective)} · bound {_fmt(p.bound)}{off}{short}"),
                effort=effort_text(params, p.effort),
            )
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


def write_output(
    team: Team, doc: RotaDocument, path: Path, fmt: str | None = None, view: RotaView | None = None
) -> None:
    """Write the rota to ``path`` in ``fmt`` (default: by the suffix, as ``rota solve -o`` takes it):
    the rota document (JSON), one row per assignment (CSV), iCalendar, Excel or the HTML page
    (``view``: the rota's read model, shared by the files of one solve)."""
    fmt = fmt or output_kind(path).lstrip(".")
    try:
        path.write_bytes(export(team, doc, fmt, view=view))
    except OSError as exc:
        fail(f"{path}: cannot be written: {exc.strerror or exc}")


def solve_and_show(
    team: Team,
    start: date | None,
    end: date | None,
    params: SolveParams,
    console: Console,
    outputs: Sequence[Path] = (),
) -> SolveResult:
    """Solve once; then write each of ``outputs`` and print the status line, or print the whole rota."""
    result = run_solve(team, start, end, params, console)
    doc = result.document
    if outputs and (doc.assignments or result.status not in ("infeasible", "invalid", "unknown")):
        view = RotaView(team, doc) if any(output_kind(p) != ".json" for p in outputs) else None
        for path in outputs:
            write_output(team, doc, path, view=view)
            console.print(f"wrote {path}")
        console.print(status_line(doc, extra=timing(doc)))
    else:
        show_document(console, team, doc)
    return result
