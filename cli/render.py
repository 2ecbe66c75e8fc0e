"""Rich rendering of a rota: the grid (cli.grid), coverage per role, hours, objective terms, status line."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli.grid import render_grid
from rota.calendar import Calendar
from rota.coverage import gaps as true_gaps
from rota.document import GapDoc, RotaDocument, duties_of
from rota.objective import DEFAULT_WEIGHTS
from rota.records import Duty
from rota.team import Team

MAX_GAP_LINES = 25
TERM_UNITS = {"gap_core": "person-minutes", "gap_other": "person-minutes", "shift_cover": "points",
              "contract": "minutes", "fairness": "1/100 duty", "preferences": "points"}
STATUS_STYLE = {"optimal": "bold green", "feasible": "bold yellow", "infeasible": "bold red",
                "invalid": "bold red", "unknown": "bold red"}


def render_rota(console: Console, team: Team, doc: RotaDocument, *, extra: str = "") -> None:
    """Everything about one rota: grid, coverage, hours, objective terms and the status line."""
    cal = Calendar(team, doc.period.start, doc.period.end)
    duties = duties_of(cal, doc)
    render_grid(console, cal, duties, doc.gaps)
    render_coverage(console, cal, duties, doc.gaps)
    render_hours(console, cal, duties)
    if doc.terms:
        render_terms(console, doc.terms, doc.objective_weights or DEFAULT_WEIGHTS)
    console.print(status_line(doc, extra=extra))


def coverage_figures(cal: Calendar, duties: list[Duty]) -> dict[str, dict[str, int]]:
    """Per role: required and covered person-minutes, in core hours and over all hours."""
    missing: dict[tuple[str, bool], int] = defaultdict(int)
    for g in true_gaps(cal, duties):
        missing[(g.role, g.core)] += g.person_minutes
    out = {}
    for role in cal.team.roles:
        core = sum(s.minutes * s.required for s in cal.requirement(role) if s.core)
        total = sum(s.minutes * s.required for s in cal.requirement(role))
        short_core = missing[(role, True)]
        out[role] = {"core_required": core, "core_covered": core - short_core, "all_required": total,
                     "all_covered": total - short_core - missing[(role, False)]}
    return out


def _pct(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole``; a dash when there is no whole."""
    return f"{100 * part / whole:.1f} %" if whole else "–"


def render_coverage(console: Console, cal: Calendar, duties: list[Duty], gaps: list[GapDoc]) -> None:
    """Coverage per role in person-minutes, then each gap with its reasons."""
    table = Table(title="Coverage (person-minutes)", box=box.SIMPLE_HEAD, title_justify="left")
    for name in ("role", "core required", "core covered", "core", "all required", "all covered", "all",
                 "gaps"):
        table.add_column(name, justify="left" if name == "role" else "right")
    count: dict[str, int] = defaultdict(int)
    for g in gaps:
        count[g.role] += 1
    for role, f in coverage_figures(cal, duties).items():
        table.add_row(role, f"{f['core_required']:,}", f"{f['core_covered']:,}",
                      _pct(f["core_covered"], f["core_required"]), f"{f['all_required']:,}",
                      f"{f['all_covered']:,}", _pct(f["all_covered"], f["all_required"]),
                      Text(str(count[role]), style="bold red" if count[role] else "green"))
    console.print(table)
    for g in gaps[:MAX_GAP_LINES]:
        console.print(gap_line(cal, g))
    if len(gaps) > MAX_GAP_LINES:
        console.print(f"… and {len(gaps) - MAX_GAP_LINES} more gaps")


def gap_line(cal: Calendar, g: GapDoc) -> Text:
    """One gap: role, local date and times, core or not, headcount, and why it could not be filled."""
    a = datetime.fromisoformat(g.start).astimezone(cal.tz)
    b = datetime.fromisoformat(g.end).astimezone(cal.tz)
    text = Text("gap ", style="bold red" if g.core else "yellow")
    text.append(f"{g.role} {a:%a %Y-%m-%d %H:%M}-{b:%H:%M} {'core' if g.core else 'non-core'}: "
                f"{g.assigned} of {g.required} on duty")
    if g.reasons:
        joined = ""
        for reason in g.reasons:  # a reason ending in ":" introduces the ones after it
            joined += reason + (" " if reason.endswith(":") else "; ")
        text.append(" — " + joined.rstrip("; "), style="dim")
    return text


def render_hours(console: Console, cal: Calendar, duties: list[Duty]) -> None:
    """Hours worked against the contracted target, and duties per role, for each person."""
    worked: dict[str, int] = defaultdict(int)
    per_role: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for d in duties:
        worked[d.person] += d.minutes
        per_role[d.person][d.role] += 1
    table = Table(title="Hours", box=box.SIMPLE_HEAD, title_justify="left")
    for name in ("person", "name", "worked h", "target h", "± h", "duties"):
        table.add_column(name, justify="right" if name.endswith("h") else "left")
    for p in cal.team.people:
        target = cal.target_minutes(p.id)
        diff = "" if target is None else f"{(worked[p.id] - target) / 60:+.1f}"
        style = "" if target is None or abs(worked[p.id] - target) < 240 else "yellow"
        roles = ", ".join(f"{r} {n}" for r, n in sorted(per_role[p.id].items()))
        table.add_row(p.id, p.display, f"{worked[p.id] / 60:.1f}",
                      "" if target is None else f"{target / 60:.1f}", Text(diff, style=style), roles)
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


def gap_percent(objective: float | None, bound: float | None) -> float | None:
    """The relative distance between objective and bound, in percent of the objective."""
    if objective is None or bound is None:
        return None
    if objective == bound:
        return 0.0
    return 100 * abs(objective - bound) / max(abs(objective), 1e-9)


def status_line(doc: RotaDocument, *, extra: str = "") -> Text:
    """``optimal · objective 1,234 · bound 1,234 · gap 0.00 % · 1.7 s · 120 assignments, 0 gaps``."""
    solver = doc.solver
    status = solver.status if solver else "unknown"
    text = Text(status, style=STATUS_STYLE.get(status, "bold"))
    if solver is not None:
        pct = gap_percent(solver.objective, solver.bound)
        text.append(f" · objective {number(solver.objective)} · bound {number(solver.bound)}")
        text.append(f" · gap {pct:.2f} %" if pct is not None else " · gap –")
        if solver.seconds is not None:
            text.append(f" · {solver.seconds:.1f} s")
        if solver.message:
            text.append(f" · {solver.message}")
    text.append(f" · {len(doc.assignments)} assignments, {len(doc.gaps)} gaps")
    if extra:
        text.append(f" · {extra}")
    return text
