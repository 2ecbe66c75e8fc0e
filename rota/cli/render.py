"""Rich rendering of a rota: the grid (rota.cli.grid), coverage per role, hours, objective terms, status
line."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rota.bound import NO_USEFUL_BOUND, bound_useful, from_bound_percent
from rota.calendar import Calendar
from rota.cli.grid import render_grid
from rota.document import GapDoc, RotaDocument
from rota.explain import group_reasons
from rota.objective import DEFAULT_WEIGHTS
from rota.records import Duty
from rota.team import Team
from rota.view import (
    HoursColumn,
    HoursLine,
    RotaView,
    gap_text,
    hour_columns_of,
    hours_lines,
    percent_text,
)

MAX_GAP_LINES = 25
TERM_UNITS = {
    "gap_core": "person-minutes",
    "gap_other": "person-minutes",
    "shift_cover": "points",
    "contract": "minutes",
    "over_cover": "person-minutes",
    "fairness": "1/100 duty",
    "preferences": "points",
}
STATUS_STYLE = {
    "optimal": "bold green",
    "feasible": "bold yellow",
    "infeasible": "bold red",
    "invalid": "bold red",
    "unknown": "bold red",
}


def show_document(console: Console, team: Team, doc: RotaDocument) -> None:
    """What ``rota solve`` prints after solving and ``rota show`` prints for a stored rota: the whole
    rota, or only the status line when there is none (no assignments, and no rota was found)."""
    if not doc.assignments and (
        doc.solver is None or doc.solver.status in ("infeasible", "invalid", "unknown")
    ):
        console.print(status_line(doc, extra=timing(doc)))
    else:
        render_rota(console, team, doc, extra=timing(doc))


def timing(doc: RotaDocument) -> str:
    """The solve's timing details the document's ``solver`` keeps: model build and first gapless rota."""
    extra = (doc.solver.model_extra or {}) if doc.solver is not None else {}
    parts = []
    if extra.get("build_seconds") is not None:
        parts.append(f"model {extra['build_seconds']:.1f} s")
    if extra.get("first_zero_gap_seconds") is not None:
        parts.append(f"first zero-gap rota {extra['first_zero_gap_seconds']:.1f} s")
    return ", ".join(parts)


def render_rota(
    console: Console, team: Team, doc: RotaDocument, *, extra: str = "", view: RotaView | None = None
) -> None:
    """Everything about one rota: grid, coverage, hours, objective terms and the status line (``view``:
    the rota's read model, when one is built already)."""
    view = view if view is not None else RotaView(team, doc)
    render_grid(console, view)
    render_coverage(console, view)
    hours_table(console, view.hours, view.hour_columns)
    if doc.terms:
        render_terms(console, doc.terms, doc.objective_weights or DEFAULT_WEIGHTS)
    console.print(status_line(doc, extra=extra))


def render_coverage(console: Console, view: RotaView) -> None:
    """Coverage per role in person-minutes, then each gap with its reasons."""
    table = Table(title="Coverage (person-minutes)", box=box.SIMPLE_HEAD, title_justify="left")
    for name in (
        "role",
        "core required",
        "core covered",
        "core",
        "all required",
        "all covered",
        "all",
        "gaps",
    ):
        table.add_column(name, justify="left" if name == "role" else "right")
    for c in view.coverage:
        table.add_row(
            c.role,
            f"{c.core_required:,}",
            f"{c.core_covered:,}",
            percent_text(c.core_covered, c.core_required),
            f"{c.all_required:,}",
            f"{c.all_covered:,}",
            percent_text(c.all_covered, c.all_required),
            Text(str(c.gaps), style="bold red" if c.gaps else "green"),
        )
    console.print(table)
    for line in gap_lines(view.cal, view.doc.gaps):
        console.print(line)


def gap_lines(cal: Calendar, gaps: list[GapDoc]) -> list[Text]:
    """The gaps grouped by role, reason and time of day (``rota.explain.group_reasons``), at most
    ``MAX_GAP_LINES`` groups: a lone gap with its date and headcount, a group with its dates; each
    followed by where the people who could have filled it are."""
    groups = group_reasons(gaps)
    out = []
    for group in groups[:MAX_GAP_LINES]:
        if group.gaps == 1:
            out.append(gap_line(cal, gaps[group.members[0]]))
        else:
            out.append(Text("gaps: ", style="bold red" if group.core else "yellow") + Text(group.text))
        out.extend(Text(f"    {line}", style="dim") for line in group.details)
    if len(groups) > MAX_GAP_LINES:
        rest = groups[MAX_GAP_LINES:]
        out.append(Text(f"… and {sum(g.gaps for g in rest)} more gaps with {len(rest)} other reasons"))
    return out


def gap_line(cal: Calendar, g: GapDoc) -> Text:
    """One gap: role, local date and times, core or not, headcount, and the headline of its reasons."""
    text = Text("gap ", style="bold red" if g.core else "yellow")
    text.append(gap_text(cal, g))
    if g.reasons:
        text.append(" — " + g.reasons[0], style="dim")
    return text


def render_hours(console: Console, cal: Calendar, duties: list[Duty]) -> None:
    """Hours worked against the contracted target, and duties per role, for each person."""
    hours_table(console, hours_lines(cal, duties), hour_columns_of(cal.team))


def hours_table(console: Console, hours: list[HoursLine], columns: tuple[HoursColumn, ...]) -> None:
    """The hours table: person, name, then ``columns`` (``RotaView.hour_columns``; a marked figure in
    yellow)."""
    table = Table(title="Hours", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("person")
    table.add_column("name")
    for c in columns:
        table.add_column(c.head, justify="right" if c.numeric else "left")
    for h in hours:
        cells: list[Text | str] = [
            Text(c.text(h), style="yellow" if c.off(h) else "") if c.marks else c.text(h) for c in columns
        ]
        table.add_row(h.person, h.name, *cells)
    console.print(table)


def render_terms(console: Console, terms: dict[str, float], weights: dict[str, float]) -> None:
    """The objective's terms: value, unit, weight and weighted value."""
    table = Table(title="Objective terms", box=box.SIMPLE_HEAD, title_justify="left")
    for name in ("term", "value", "unit", "weight", "weighted"):
        table.add_column(name, justify="left" if name in ("term", "unit") else "right")
    for name, value in terms.items():
        w = weights.get(name, DEFAULT_WEIGHTS.get(name, 1))
        table.add_row(name, number(value), TERM_UNITS.get(name, ""), number(w), number(value * w))
    console.print(table)


def number(value: float | None) -> str:
    """A figure with thousands separators, decimals only when it has them."""
    if value is None:
        return "–"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"


def bound_text(objective: float | None, bound: float | None) -> str:
    """ "2.76 % from the bound", or "no useful bound yet" where the bound proves too little of the
    objective for the distance to mean anything (``rota.bound``); "" without both figures."""
    pct = from_bound_percent(objective, bound)
    if pct is None:
        return ""
    return f"{pct:.2f} % from the bound" if bound_useful(objective, bound) else NO_USEFUL_BOUND


def status_line(doc: RotaDocument, *, extra: str = "") -> Text:
    """``feasible · objective 1,234 · bound 1,200 · 2.76 % from the bound · 1.7 s · 120 assignments, 0 gaps``
    ("no useful bound yet" instead of the distance when the bound proves too little of the objective;
    the distance to the proven bound is never called a "gap": users read that as uncovered time)."""
    solver = doc.solver
    status = solver.status if solver else "unknown"
    text = Text(status, style=STATUS_STYLE.get(status, "bold"))
    if solver is not None:
        text.append(f" · objective {number(solver.objective)} · bound {number(solver.bound)}")
        words = bound_text(solver.objective, solver.bound)
        if words:
            text.append(f" · {words}")
        if solver.seconds is not None:
            text.append(f" · {solver.seconds:.1f} s")
        if solver.message:
            text.append(f" · {solver.message}")
    text.append(f" · {len(doc.assignments)} assignments, {len(doc.gaps)} gaps")
    if extra:
        text.append(f" · {extra}")
    return text
