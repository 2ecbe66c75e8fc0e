"""The month view model: people × dates with a chip per duty, leave and closed dates, a gap row per role
whose cells carry the gaps' reasons, then coverage per role and hours against target.

It lays out the rota's read model (``rota.view.RotaView``: the calendar expanded once, cells, gap marks,
coverage, hours), which the printable page, the terminal and the downloads draw too, so the pages show
what the API and the CLI show. What is the page's own: its CSS classes, the chips as ready HTML, the
accessible names, the edit links, the role/person/week filter and the duties kept despite a rule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import quote

from markupsafe import Markup, escape

from rota.document import GapDoc, RotaDocument
from rota.records import Duty
from rota.team import Team
from rota.view import HOURS_OFF_MINUTES as HOURS_OFF_MINUTES  # named here for the pages and their tests
from rota.view import HoursColumn, HoursLine, RotaView, day_text, local_date, percent_text
from rota.view import hours_off as hours_off

PALETTE_SIZE = 8  # role colours in app.css: .role-0 … .role-7
SHIFT_STYLES = 4  # shift patterns within a role's colour in app.css: .shift-0 … .shift-3


@dataclass
class Chip:
    code: str
    role: str
    shift: str
    css: str
    tip: str


@dataclass
class Cell:
    """A person's date: its chips (and mark) as ready HTML, since 1,240 cells a month through template
    expressions would be most of a page's time; the words a screen reader says; the edit link's query."""

    date: date
    css: str
    note: str  # the reason for the mark (leave, closure)
    inner: Markup
    label: str
    query: str


def _inner(chips: list[Chip], mark: str) -> Markup:
    html = " ".join(
        f'<span class="chip {c.css}" title="{escape(c.tip)}">{escape(c.code)}</span>' for c in chips
    )
    return Markup(html) + escape(mark)


@dataclass
class Row:
    person: str
    name: str
    cells: list[Cell]
    hours: str = ""  # worked against target: "+2.5" (h), "–" without a target
    hours_tip: str = ""
    hours_off: bool = False


@dataclass
class CountRow:
    """People on duty in a role, per date: the headcount row."""

    role: str
    name: str
    counts: list[tuple[date, int]]


@dataclass
class GapCell:
    date: date
    css: str
    mark: str
    reasons: list[str]


@dataclass
class GapRow:
    role: str
    name: str
    cells: list[GapCell]


@dataclass
class Head:
    date: date
    weekday: str
    css: str
    note: str


@dataclass
class Month:
    """Everything the month page shows of one rota document."""

    heads: list[Head]
    rows: list[Row]
    gap_rows: list[GapRow]
    count_rows: list[CountRow]
    legend: list[tuple[str, str, str]]  # css, code, what
    coverage: list[dict[str, str | bool]]
    hours: list[HoursLine]
    gaps: list[dict[str, str | bool]]
    names: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    shifts: dict[str, str] = field(default_factory=dict)
    hours_off: frozenset[str] = frozenset()  # people whose hours are marked (``hours_off``)
    hour_columns: tuple[HoursColumn, ...] = ()  # the hours table's columns after the name


def role_classes(team: Team) -> dict[str, str]:
    return {role: f"role-{i % PALETTE_SIZE}" for i, role in enumerate(team.roles)}


def shift_classes(team: Team) -> dict[str, str]:
    """Each shift's pattern, numbered within the roles it serves, so two shifts of a role always differ."""
    out: dict[str, str] = {}
    for role in team.roles:
        used = {out[s] for s in team.shifts if s in out and role in team.shift_roles(s)}
        for sid in team.shifts:
            if sid not in out and role in team.shift_roles(sid):
                free = next(
                    (f"shift-{i}" for i in range(SHIFT_STYLES) if f"shift-{i}" not in used),
                    f"shift-{len(used) % SHIFT_STYLES}",
                )
                out[sid] = free
                used.add(free)
    return out


@dataclass
class View:
    """What part of the month the page shows: dates ``start``..``end``, one role's duties, one person."""

    start: date | None = None
    end: date | None = None
    role: str | None = None
    person: str | None = None


def build_month(
    team: Team,
    doc: RotaDocument,
    forced: frozenset[tuple[str, str, str, date]] = frozenset(),
    view: View | None = None,
    rota: RotaView | None = None,
) -> Month:
    """The month page's tables for ``doc`` of ``team``; ``forced`` (person, role, shift, date) duties were
    kept despite a rule; ``view`` narrows the grid (a week, a role, a person; the figures stay whole);
    ``rota``: the rota's read model, when one is built already."""
    view = view or View()
    rv = rota if rota is not None else RotaView(team, doc)
    cal = rv.cal
    grid = rv.grid(view.role)
    css, shift_css = role_classes(team), shift_classes(team)
    role_names, shift_names = rv.role_names, rv.shift_names
    tips: dict[tuple[str, str, int, int], str] = {}  # the same duty of everyone on a date reads the same

    def chip(d: Duty) -> Chip:
        tip = tips.get((d.role, d.shift, d.start, d.end))
        if tip is None:
            start, end = cal.instant(d.start), cal.instant(d.end)
            tip = tips[(d.role, d.shift, d.start, d.end)] = (
                f"{role_names[d.role]} · {shift_names[d.shift]} {start:%H:%M}–{end:%H:%M}"
            )
        kept = (d.person, d.role, d.shift, d.date) in forced
        if kept:
            tip += " (kept despite a rule)"
        return Chip(
            rv.code(d),
            d.role,
            d.shift,
            f"{css[d.role]} {shift_css.get(d.shift, 'shift-0')}" + (" forced" if kept else ""),
            tip,
        )

    shown = [
        h
        for h in rv.heads
        if (view.start is None or view.start <= h.date) and (view.end is None or h.date <= view.end)
    ]
    dates = [h.date for h in shown]
    heads = [Head(h.date, h.weekday, h.css, h.closed or "") for h in shown]
    rows = []
    day_names = rv.day_names
    need = set(team.roles[view.role].skills) if view.role else set()
    with_duty = {person for person, _ in grid}
    for p in team.people:
        if view.person is not None and p.id != view.person:
            continue
        if view.role is not None and not need <= set(p.skills) and p.id not in with_duty:
            continue
        row = []
        person = quote(p.id)
        for day in dates:
            cell = rv.cell(p.id, day, view.role)
            chips = [chip(d) for d in cell.duties]
            what = "; ".join(c.tip for c in chips) or cell.note or "no duty"
            # the accessible name starts with the codes seen in the cell (WCAG 2.5.3, label in name)
            seen = " ".join(c.code for c in chips)
            label = (
                f"{seen}: {p.display}, {day_names[day]}: {what}"
                if seen
                else f"{p.display}, {day_names[day]}: {what}"
            )
            row.append(
                Cell(
                    day,
                    cell.kind,
                    cell.note,
                    _inner(chips, cell.mark),
                    label,
                    f"person={person}&date={day.isoformat()}",
                )
            )
        line = rv.hours_of.get(p.id)
        diff = line.difference if line else None
        rows.append(
            Row(
                p.id,
                p.display,
                row,
                hours="–" if diff is None else f"{diff / 60:+.1f}",
                hours_tip="no target"
                if line is None or line.target is None
                else f"{line.worked / 60:.1f} h worked of a {line.target / 60:.1f} h target",
                hours_off=hours_off(diff),
            )
        )
    roles = [r for r in team.roles if view.role is None or r == view.role]
    return Month(
        heads=heads,
        rows=rows,
        gap_rows=_gap_rows(rv, roles, dates),
        count_rows=_count_rows(grid, roles, role_names, dates),
        legend=[(f"{css[k.role]} {shift_css.get(k.shift, 'shift-0')}", k.code, k.text) for k in rv.legend],
        coverage=_coverage(rv),
        hours=rv.hours,
        hours_off=rv.hours_off,
        hour_columns=rv.hour_columns,
        gaps=_gap_list(rv),
        names=dict(rv.names),
        roles=role_names,
        shifts=shift_names,
    )


def _gap_text(rv: RotaView, g: GapDoc) -> str:
    a = datetime.fromisoformat(g.start).astimezone(rv.cal.tz)
    b = datetime.fromisoformat(g.end).astimezone(rv.cal.tz)
    return f"{a:%H:%M}–{b:%H:%M}: {g.assigned} of {g.required} on duty"


def _count_rows(
    grid: dict[tuple[str, date], list[Duty]], roles: list[str], role_names: dict[str, str], dates: list[date]
) -> list[CountRow]:
    """Per role and date, how many people are on duty in it (at any time of the date)."""
    on: dict[tuple[str, date], set[str]] = defaultdict(set)
    for duties in grid.values():
        for d in duties:
            on[(d.role, d.date)].add(d.person)
    return [
        CountRow(role, role_names[role], [(day, len(on.get((role, day), ()))) for day in dates])
        for role in roles
    ]


def _gap_rows(rv: RotaView, roles: list[str], dates: list[date]) -> list[GapRow]:
    """One row per role: a cell per date with its gaps (core ones marked !, others ?) and their reasons."""
    out = []
    for role in roles:
        cells = []
        for day in dates:
            gap = rv.gap_mark(role, day)
            reasons = [
                _gap_text(rv, g) + (" — " + "; ".join(g.reasons) if g.reasons else "") for g in gap.gaps
            ]
            cells.append(GapCell(day, gap.kind, gap.mark, reasons))
        out.append(GapRow(role, rv.role_names[role], cells))
    return out


def _coverage(rv: RotaView) -> list[dict[str, str | bool]]:
    """Coverage per role in hours on duty (core and all opening hours), its gaps and hours uncovered."""
    return [
        {
            "role": c.name,
            "core_required": f"{c.core_required / 60:.1f}",
            "core_covered": f"{c.core_covered / 60:.1f}",
            "core_percent": percent_text(c.core_covered, c.core_required),
            "all_required": f"{c.all_required / 60:.1f}",
            "all_covered": f"{c.all_covered / 60:.1f}",
            "all_percent": percent_text(c.all_covered, c.all_required),
            "short": c.short,
            "gaps": str(c.gaps),
            "uncovered": f"{c.uncovered / 60:.1f}",
        }
        for c in rv.coverage
    ]


def _gap_list(rv: RotaView) -> list[dict[str, str | bool]]:
    """Every gap in words, with its reasons: the list below the grid."""
    return [
        {
            "role": rv.role_names.get(g.role, g.role),
            "date": rv.day_names.get(day) or day_text(day),
            "when": _gap_text(rv, g),
            "core": g.core,
            "reasons": "; ".join(g.reasons),
        }
        for g in rv.doc.gaps
        for day in [local_date(rv.cal, g.start)]
    ]


def weeks(start: date, end: date) -> list[tuple[date, date]]:
    """The period's weeks, Monday to Sunday, the first and last cut to the period."""
    out = []
    day = start
    while day <= end:
        last = min(end, day + timedelta(days=6 - day.weekday()))
        out.append((day, last))
        day = last + timedelta(days=1)
    return out
