"""The month view model: people × dates with a chip per duty, leave and closed dates, a gap row per role
whose cells carry the gaps' reasons, then coverage per role and hours against target.

Every figure comes from the tables all views share (``rota.export``), as the printable page and the
terminal grid take them, so the pages show what the API and the CLI show.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import quote

from markupsafe import Markup, escape

from api.web.render import day_text
from rota.calendar import Calendar
from rota.document import RotaDocument, duties_of
from rota.export import (
    HoursLine,
    away_dates,
    cell_codes,
    coverage_figures,
    hours_lines,
    local_date,
    percent_text,
)
from rota.team import Team

PALETTE_SIZE = 8  # role colours in app.css: .role-0 … .role-7
SHIFT_STYLES = 4  # shift patterns within a role's colour in app.css: .shift-0 … .shift-3
HOURS_OFF_MINUTES = 239  # hours worked this far from target (4 h or more, in whole minutes) are marked


def hours_off(difference: int | None) -> bool:
    """Whether minutes worked against target are far enough off to mark: 4 h or more either way."""
    return difference is not None and abs(difference) > HOURS_OFF_MINUTES


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
) -> Month:
    """The month page's tables for ``doc`` of ``team``; ``forced`` (person, role, shift, date) duties were
    kept despite a rule; ``view`` narrows the grid (a week, a role, a person; the figures stay whole)."""
    view = view or View()
    cal = Calendar(team, doc.period.start, doc.period.end)
    every = duties_of(cal, doc)
    duties = [d for d in every if view.role is None or d.role == view.role]
    codes, css, shift_css = cell_codes(team), role_classes(team), shift_classes(team)
    role_names = {r: team.roles[r].name or r for r in team.roles}
    shift_names = {s: team.shifts[s].name or s for s in team.shifts}
    cells: dict[tuple[str, date], list[Chip]] = defaultdict(list)
    tips: dict[tuple[str, str, int, int], str] = {}  # the same duty of everyone on a date reads the same
    for d in duties:
        tip = tips.get((d.role, d.shift, d.start, d.end))
        if tip is None:
            start, end = cal.instant(d.start), cal.instant(d.end)
            tip = tips[(d.role, d.shift, d.start, d.end)] = (
                f"{role_names[d.role]} · {shift_names[d.shift]} {start:%H:%M}–{end:%H:%M}"
            )
        kept = (d.person, d.role, d.shift, d.date) in forced
        if kept:
            tip += " (kept despite a rule)"
        cells[(d.person, d.date)].append(
            Chip(
                codes.get((d.shift, d.role), d.shift),
                d.role,
                d.shift,
                f"{css[d.role]} {shift_css.get(d.shift, 'shift-0')}" + (" forced" if kept else ""),
                tip,
            )
        )
    dates = [
        day
        for day in cal.dates
        if (view.start is None or view.start <= day) and (view.end is None or day <= view.end)
    ]
    away = away_dates(cal, dates)
    heads = [Head(day, f"{day:%a}"[:2], _head_css(cal, day), cal.closed.get(day, "")) for day in dates]
    rows = []
    hours = hours_lines(cal, every)
    by_person = {h.person: h for h in hours}
    day_names = {day: day_text(day) for day in dates}  # once a date, not once a cell
    need = set(team.roles[view.role].skills) if view.role else set()
    with_duty = {d.person for d in duties}
    for p in team.people:
        if view.person is not None and p.id != view.person:
            continue
        if view.role is not None and not need <= set(p.skills) and p.id not in with_duty:
            continue
        row = []
        person = quote(p.id)
        for day in dates:
            chips = cells.get((p.id, day), [])
            leave = away.get((p.id, day))
            if day in cal.closed and not chips:
                kind, mark, note = "closed", "·", cal.closed[day]
            elif leave is not None:
                kind, mark, note = "away", "" if chips else "–", leave
            else:
                kind, mark, note = "", "", ""
            what = "; ".join(c.tip for c in chips) or note or "no duty"
            # the accessible name starts with the codes seen in the cell (WCAG 2.5.3, label in name)
            seen = " ".join(c.code for c in chips)
            label = (
                f"{seen}: {p.display}, {day_names[day]}: {what}"
                if seen
                else f"{p.display}, {day_names[day]}: {what}"
            )
            row.append(
                Cell(day, kind, note, _inner(chips, mark), label, f"person={person}&date={day.isoformat()}")
            )
        line = by_person.get(p.id)
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
        gap_rows=[g for g in _gap_rows(cal, doc, role_names, dates) if g.role in roles],
        count_rows=_count_rows(duties, roles, role_names, dates),
        legend=_legend(team, codes, css, shift_css, role_names, shift_names),
        coverage=_coverage(cal, every, doc, role_names),
        hours=hours,
        hours_off=frozenset(h.person for h in hours if hours_off(h.difference)),
        gaps=_gap_list(cal, doc, role_names),
        names={p.id: p.display for p in team.people},
        roles=role_names,
        shifts=shift_names,
    )


def _head_css(cal: Calendar, day: date) -> str:
    names = ["closed"] if day in cal.closed else []
    if day.weekday() >= 5:
        names.append("weekend")
    return " ".join(names)


def _gap_text(cal: Calendar, start: str, end: str, assigned: int, required: int) -> str:
    a = datetime.fromisoformat(start).astimezone(cal.tz)
    b = datetime.fromisoformat(end).astimezone(cal.tz)
    return f"{a:%H:%M}–{b:%H:%M}: {assigned} of {required} on duty"


def _count_rows(
    duties: list, roles: list[str], role_names: dict[str, str], dates: list[date]
) -> list[CountRow]:
    """Per role and date, how many people are on duty in it (at any time of the date)."""
    on: dict[tuple[str, date], set[str]] = defaultdict(set)
    for d in duties:
        on[(d.role, d.date)].add(d.person)
    return [
        CountRow(role, role_names[role], [(day, len(on.get((role, day), ()))) for day in dates])
        for role in roles
    ]


def _gap_rows(
    cal: Calendar, doc: RotaDocument, role_names: dict[str, str], dates: list[date]
) -> list[GapRow]:
    """One row per role: a cell per date with its gaps (core ones marked !, others ?) and their reasons."""
    found: dict[tuple[str, date], list[tuple[bool, str]]] = defaultdict(list)
    for g in doc.gaps:
        text = _gap_text(cal, g.start, g.end, g.assigned, g.required)
        if g.reasons:
            text += " — " + "; ".join(g.reasons)
        found[(g.role, local_date(cal, g.start))].append((g.core, text))
    out = []
    for role in cal.team.roles:
        cells = []
        for day in dates:
            here = found.get((role, day))
            if here:
                core = any(c for c, _ in here)
                cells.append(
                    GapCell(
                        day, "gap-core" if core else "gap-other", "!" if core else "?", [t for _, t in here]
                    )
                )
            elif day in cal.closed:
                cells.append(GapCell(day, "closed", "·", []))
            else:
                cells.append(GapCell(day, "", "", []))
        out.append(GapRow(role, role_names[role], cells))
    return out


def _legend(
    team: Team,
    codes: dict[tuple[str, str], str],
    css: dict[str, str],
    shift_css: dict[str, str],
    role_names: dict[str, str],
    shift_names: dict[str, str],
) -> list[tuple[str, str, str]]:
    out = []
    for (sid, role), code in codes.items():
        shift = team.shifts[sid]
        out.append(
            (
                f"{css[role]} {shift_css.get(sid, 'shift-0')}",
                code,
                f"{shift_names[sid]} {shift.start}–{shift.end}, {role_names[role]}",
            )
        )
    return out


def _coverage(
    cal: Calendar, duties: list, doc: RotaDocument, role_names: dict[str, str]
) -> list[dict[str, str | bool]]:
    """Coverage per role in hours on duty (core and all opening hours), its gaps and hours uncovered."""
    count: dict[str, int] = defaultdict(int)
    for g in doc.gaps:
        count[g.role] += 1
    out = []
    for role, f in coverage_figures(cal, duties).items():
        out.append(
            {
                "role": role_names[role],
                "core_required": f"{f['core_required'] / 60:.1f}",
                "core_covered": f"{f['core_covered'] / 60:.1f}",
                "core_percent": percent_text(f["core_covered"], f["core_required"]),
                "all_required": f"{f['all_required'] / 60:.1f}",
                "all_covered": f"{f['all_covered'] / 60:.1f}",
                "all_percent": percent_text(f["all_covered"], f["all_required"]),
                "short": f["all_covered"] < f["all_required"],
                "gaps": str(count[role]),
                "uncovered": f"{max(f['all_required'] - f['all_covered'], 0) / 60:.1f}",
            }
        )
    return out


def _gap_list(cal: Calendar, doc: RotaDocument, role_names: dict[str, str]) -> list[dict[str, str | bool]]:
    """Every gap in words, with its reasons: the list below the grid."""
    out = []
    for g in doc.gaps:
        day = local_date(cal, g.start)
        out.append(
            {
                "role": role_names.get(g.role, g.role),
                "date": day_text(day),
                "when": _gap_text(cal, g.start, g.end, g.assigned, g.required),
                "core": g.core,
                "reasons": "; ".join(g.reasons),
            }
        )
    return out


def weeks(start: date, end: date) -> list[tuple[date, date]]:
    """The period's weeks, Monday to Sunday, the first and last cut to the period."""
    out = []
    day = start
    while day <= end:
        last = min(end, day + timedelta(days=6 - day.weekday()))
        out.append((day, last))
        day = last + timedelta(days=1)
    return out
