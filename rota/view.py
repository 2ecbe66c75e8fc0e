"""One read model of a stored rota: what every view of a rota document shows, computed once.

``RotaView(team, doc)`` expands the team's calendar once and holds the rota's duties; from them, each
on first use: the grid (a cell per person × date: duties, closed date, leave), the gap marks per role ×
date, the date headings, the legend, coverage per role and hours per person against target (with the
"at most … possible" reach). The month page (``rota.api.web.month``), the printable HTML page
(``rota.html``), the terminal (``rota.cli.grid``, ``rota.cli.render``) and the CSV/Excel downloads
(``rota.export``) all draw this one view, so every view of one document shows the same figures. It
reads, never solves, and imports nothing of the exports or their formats.

The hours table's columns after the person are declared once, in ``HOURS_COLUMNS``: a new column
there appears in every hours table (the page, the printable page, the terminal, the workbook).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from itertools import groupby
from typing import Any, Literal

from rota import ledger
from rota.calendar import Calendar
from rota.coverage import gaps as true_gaps
from rota.document import GapDoc, RotaDocument, duties_of
from rota.records import Duty
from rota.team import Team

HOURS_OFF_MINUTES = 239  # hours worked this far from target (4 h or more, in whole minutes) are marked


# -- the tables every view shares --------------------------------------------------------------------
def short_codes(ids: list[str], *, upper: bool) -> dict[str, str]:
    """Unique short codes: initials of the id's parts, else its first letters, else the id."""
    out: dict[str, str] = {}
    for ident in ids:
        parts = [p for p in ident.replace("_", "-").split("-") if p]
        candidates = ["".join(p[0] for p in parts), ident[:2], ident[:3], ident]
        for c in candidates:
            code = c.upper() if upper else c.lower()
            if code not in out.values():
                out[ident] = code
                break
        else:
            out[ident] = ident
    return out


def cell_codes(team: Team) -> dict[tuple[str, str], str]:
    """The grid code of each (shift, role): the shift's code, plus the role's when it serves several."""
    shifts = short_codes(list(team.shifts), upper=True)
    roles = short_codes(list(team.roles), upper=False)
    out = {}
    for sid in team.shifts:
        served = team.shift_roles(sid)
        for role in served:
            out[(sid, role)] = shifts[sid] + (roles[role] if len(served) > 1 else "")
    return out


def local_date(cal: Calendar, iso: str) -> date:
    """The local date an ISO instant falls on."""
    return datetime.fromisoformat(iso).astimezone(cal.tz).date()


def gap_days(cal: Calendar, gaps: list[GapDoc]) -> dict[str, dict[date, bool]]:
    """Per role, the local dates the document reports a gap on: True when one of them is in core hours."""
    out: dict[str, dict[date, bool]] = defaultdict(dict)
    for g in gaps:
        day = local_date(cal, g.start)
        out[g.role][day] = out[g.role].get(day, False) or g.core
    return out


def away_dates(cal: Calendar, dates: list[date]) -> dict[tuple[str, date], str]:
    """(person, date) → the reason, where the person is unavailable at some time of that date."""
    out: dict[tuple[str, date], str] = {}
    for p in cal.team.people:
        spans = cal.unavailable(p.id)
        if not spans:
            continue
        for day in dates:
            a, b = cal.window(day, 0, 1440)
            reasons = [r for s, e, r in spans if s < b and a < e]
            if reasons:
                out[(p.id, day)] = reasons[0]
    return out


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
        out[role] = {
            "core_required": core,
            "core_covered": core - short_core,
            "all_required": total,
            "all_covered": total - short_core - missing[(role, False)],
        }
    return out


def percent_text(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole`` (``"97.5 %"``); a dash when there is no whole."""
    return f"{100 * part / whole:.1f} %" if whole else "–"


def hours_text(minutes: int | None, *, sign: bool = False, blank: str = "") -> str:
    """Minutes as hours with one decimal (``"168.0"``, ``"+1.9"`` with ``sign``); ``blank`` for None."""
    if minutes is None:
        return blank
    return f"{minutes / 60:+.1f}" if sign else f"{minutes / 60:.1f}"


def hours_off(difference: int | None) -> bool:
    """Whether minutes worked against target are far enough off to mark: 4 h or more either way."""
    return difference is not None and abs(difference) > HOURS_OFF_MINUTES


def gap_text(cal: Calendar, g: GapDoc) -> str:
    """A gap in one line: ``desk Mon 2026-10-19 09:00–13:00 core: 0 of 1 on duty``."""
    a = datetime.fromisoformat(g.start).astimezone(cal.tz)
    b = datetime.fromisoformat(g.end).astimezone(cal.tz)
    return (
        f"{g.role} {a:%a %Y-%m-%d %H:%M}–{b:%H:%M} {'core' if g.core else 'non-core'}: "
        f"{g.assigned} of {g.required} on duty"
    )


def day_text(day: date) -> str:
    """``Tue 1 Dec 2026``."""
    return f"{day:%a} {day.day} {day:%b %Y}"


@dataclass
class HoursLine:
    """A person's minutes worked against their contracted target, and their duties per role."""

    person: str
    name: str
    worked: int
    target: int | None
    duties: dict[str, int] = field(default_factory=dict)
    basis: str | None = None  # how the target was computed: "20 workable dates × 7.5 h (…)"; and, when
    # the target cannot be reached, "at most 126 h possible: no Fridays, ≤ 2 sat duties a month"
    most: int | None = None  # the most minutes they could work (``Calendar.most_minutes``), when < target
    # the fairness ledger (issue 24; teams with a ``fairness`` block): per category the balance before the
    # rota and after it, in the units people read (duties, hours for "hours"); absent when not eligible
    balances: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def difference(self) -> int | None:
        return None if self.target is None else self.worked - self.target

    @property
    def duties_text(self) -> str:
        """``desk 14, second-line 7``."""
        return ", ".join(f"{r} {n}" for r, n in sorted(self.duties.items()))


def hours_lines(cal: Calendar, duties: list[Duty]) -> list[HoursLine]:
    """Hours worked against the contracted target, and duties per role, for each person of the team."""
    worked: dict[str, int] = defaultdict(int)
    per_role: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for d in duties:
        worked[d.person] += d.minutes
        per_role[d.person][d.role] += 1
    lines = [
        HoursLine(
            p.id,
            p.display,
            worked[p.id],
            cal.target_minutes(p.id),
            dict(per_role[p.id]),
            cal.target_basis(p.id),
        )
        for p in cal.team.people
    ]
    if cal.team.fairness is not None:
        _add_balances(cal, duties, lines)
    for line in lines:
        if line.target is not None and line.worked < line.target:  # reached: nothing to explain
            most, why = cal.most_minutes(line.person)
            if most < line.target:
                line.most = most
                reach = f"at most {most / 60:.1f} h possible: {why}"
                line.basis = f"{line.basis}; {reach}" if line.basis else reach
    return lines


def _add_balances(cal: Calendar, duties: list[Duty], lines: list[HoursLine]) -> None:
    """Each line's fairness balances before the rota (from the calendar's history) and after it."""
    before, after = ledger.opening(cal), ledger.after(cal, duties)
    by_person = {line.person: line for line in lines}
    for cat in ledger.categories(cal.team):
        for person, value in after.get(cat.id, {}).items():
            start = before.get(cat.id, {}).get(person, 0)
            by_person[person].balances[cat.id] = (ledger.shown(cat, start), ledger.shown(cat, value))


# -- the hours table's columns -----------------------------------------------------------------------
@dataclass(frozen=True)
class HoursColumn:
    """A column of the hours table after the person's id and name, in every view that lays it out.

    ``unit`` "hours" and "signed" are minutes shown as hours (right-aligned; hours in the workbook);
    "text" is shown as it is. ``marks``: the cell is marked when ``hours_off`` of its value."""

    key: str  # as the JSON twin names it: "worked_minutes"
    head: str  # as the terminal, the printable page and the workbook head it: "worked h"
    title: str  # as the pages head it: "Worked h"
    value: Callable[[HoursLine], int | str | None]
    unit: Literal["hours", "signed", "text"] = "text"
    marks: bool = False
    in_workbook: bool = True

    @property
    def numeric(self) -> bool:
        return self.unit != "text"

    def text(self, line: HoursLine, blank: str = "") -> str:
        """The cell as words: hours with one decimal (``blank`` when there is no figure), else the text."""
        value = self.value(line)
        if self.numeric:
            assert value is None or isinstance(value, int)
            return hours_text(value, sign=self.unit == "signed", blank=blank)
        return "" if value is None else str(value)

    def cell(self, line: HoursLine) -> float | str | None:
        """The cell in a workbook: hours as a number, text as it is."""
        value = self.value(line)
        if self.numeric and isinstance(value, int):
            return value / 60
        return value

    def off(self, line: HoursLine) -> bool:
        """Whether the cell is marked (a figure 4 h or more off target)."""
        value = self.value(line)
        return self.marks and (value is None or isinstance(value, int)) and hours_off(value)


HOURS_COLUMNS: tuple[HoursColumn, ...] = (
    HoursColumn("worked_minutes", "worked h", "Worked h", lambda h: h.worked, "hours"),
    HoursColumn("target_minutes", "target h", "Target h", lambda h: h.target, "hours"),
    HoursColumn("difference_minutes", "± h", "± h", lambda h: h.difference, "signed", marks=True),
    HoursColumn("duties", "duties", "Duties", lambda h: h.duties_text),
    HoursColumn("target_from", "target from", "Target from", lambda h: h.basis, in_workbook=False),
)


def _balance(cat: str, which: int) -> Callable[[HoursLine], str | None]:
    def value(line: HoursLine) -> str | None:
        pair = line.balances.get(cat)
        return None if pair is None else f"{pair[which]:+g}"

    return value


def ledger_columns(team: Team) -> tuple[HoursColumn, ...]:
    """The fairness ledger's columns (issue 24): per category the balance before the rota and after it
    (none without a ``fairness`` block)."""
    out: list[HoursColumn] = []
    for cat in ledger.categories(team):
        unit = " (h)" if cat.hours else ""
        for which, word in enumerate(("before", "after")):
            out.append(
                HoursColumn(
                    f"balance_{cat.id}_{word}",
                    f"{cat.label}{unit} {word}",
                    f"{cat.label[:1].upper()}{cat.label[1:]}{unit}: {word}",
                    _balance(cat.id, which),
                )
            )
    return tuple(out)


def hour_columns_of(team: Team) -> tuple[HoursColumn, ...]:
    """The hours table's columns of a team: ``HOURS_COLUMNS``, then the fairness balances if it keeps them."""
    return HOURS_COLUMNS + ledger_columns(team)


# -- the view ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """A person's date in the grid: their duties, and the reason the date is closed or they are away."""

    duties: list[Duty]
    closed: str | None = None
    away: str | None = None

    @property
    def kind(self) -> str:
        """``closed`` (closed, no duty), ``away`` (some leave that date), else empty."""
        if self.closed is not None and not self.duties:
            return "closed"
        return "away" if self.away is not None else ""

    @property
    def note(self) -> str:
        """Why the cell is ``closed`` or ``away`` (the closure, the leave); empty otherwise."""
        kind = self.kind
        return (self.closed if kind == "closed" else self.away if kind == "away" else None) or ""

    @property
    def mark(self) -> str:
        """What an empty cell shows: ``·`` closed, ``–`` away; empty with duties or without a reason."""
        if self.duties:
            return ""
        return "·" if self.closed is not None else "–" if self.away is not None else ""


@dataclass(frozen=True)
class GapMark:
    """A role's date in the gap rows: the document's gaps that date (core ones ``!``, others ``?``)."""

    gaps: list[GapDoc]
    closed: bool = False

    @property
    def core(self) -> bool:
        return any(g.core for g in self.gaps)

    @property
    def kind(self) -> str:
        if self.gaps:
            return "gap-core" if self.core else "gap-other"
        return "closed" if self.closed else ""

    @property
    def mark(self) -> str:
        if self.gaps:
            return "!" if self.core else "?"
        return "·" if self.closed else ""


@dataclass(frozen=True)
class Head:
    """A date's column heading: ``Mo`` over ``05``; closed (why) and weekend dates are styled."""

    date: date
    weekday: str
    closed: str | None
    weekend: bool

    @property
    def css(self) -> str:
        return " ".join(([] if self.closed is None else ["closed"]) + (["weekend"] if self.weekend else []))


@dataclass(frozen=True)
class Key:
    """A code of the legend: the (shift, role) it stands for, in words."""

    shift: str
    role: str
    code: str
    text: str  # "Early 08:00–16:00, Service desk"


@dataclass(frozen=True)
class CoverageLine:
    """A role's coverage in person-minutes, in core hours and over all opening hours, and its gaps."""

    role: str
    name: str
    core_required: int
    core_covered: int
    all_required: int
    all_covered: int
    gaps: int

    @property
    def short(self) -> bool:
        return self.all_covered < self.all_required

    @property
    def uncovered(self) -> int:
        return max(self.all_required - self.all_covered, 0)


class RotaView:
    """Everything the views show of ``doc`` of ``team``, the calendar expanded once (``cal``: one
    already built for the same period, reused)."""

    def __init__(self, team: Team, doc: RotaDocument, cal: Calendar | None = None):
        self.team, self.doc = team, doc
        self.cal = cal if cal is not None else Calendar(team, doc.period.start, doc.period.end)
        self.duties = duties_of(self.cal, doc)
        self._grids: dict[str | None, dict[tuple[str, date], list[Duty]]] = {}

    @property
    def dates(self) -> list[date]:
        return self.cal.dates

    @property
    def hour_columns(self) -> tuple[HoursColumn, ...]:
        """The hours table's columns after the person: ``HOURS_COLUMNS`` (and the fairness balances of a
        team that keeps them), read when drawn."""
        return hour_columns_of(self.team)

    @cached_property
    def role_names(self) -> dict[str, str]:
        return {r: self.team.roles[r].name or r for r in self.team.roles}

    @cached_property
    def shift_names(self) -> dict[str, str]:
        return {s: self.team.shifts[s].name or s for s in self.team.shifts}

    @cached_property
    def names(self) -> dict[str, str]:
        """Person id → name."""
        return {p.id: p.display for p in self.team.people}

    @cached_property
    def day_names(self) -> dict[date, str]:
        """``Tue 1 Dec 2026`` of each date, once a date."""
        return {day: day_text(day) for day in self.dates}

    # -- the grid -------------------------------------------------------------------------------------
    @cached_property
    def codes(self) -> dict[tuple[str, str], str]:
        return cell_codes(self.team)

    def code(self, d: Duty) -> str:
        return self.codes.get((d.shift, d.role), d.shift)

    @cached_property
    def heads(self) -> list[Head]:
        closed = self.cal.closed
        return [Head(day, f"{day:%a}"[:2], closed.get(day), day.weekday() >= 5) for day in self.dates]

    @cached_property
    def away(self) -> dict[tuple[str, date], str]:
        """(person, date) → the reason they are away at some time of that date."""
        return away_dates(self.cal, self.dates)

    def grid(self, role: str | None = None) -> dict[tuple[str, date], list[Duty]]:
        """(person, date) → their duties (only those in ``role``, when given)."""
        if role not in self._grids:
            cells: dict[tuple[str, date], list[Duty]] = defaultdict(list)
            for d in self.duties:
                if role is None or d.role == role:
                    cells[(d.person, d.date)].append(d)
            self._grids[role] = cells
        return self._grids[role]

    def cell(self, person: str, day: date, role: str | None = None) -> Cell:
        """A person's date: their duties (in ``role``), and why it is closed or they are away."""
        return Cell(
            self.grid(role).get((person, day), []), self.cal.closed.get(day), self.away.get((person, day))
        )

    @cached_property
    def gaps_on(self) -> dict[tuple[str, date], list[GapDoc]]:
        """(role, local date) → the document's gaps starting that date, in the document's order."""
        out: dict[tuple[str, date], list[GapDoc]] = defaultdict(list)
        for g in self.doc.gaps:
            out[(g.role, local_date(self.cal, g.start))].append(g)
        return out

    def gap_mark(self, role: str, day: date) -> GapMark:
        return GapMark(self.gaps_on.get((role, day), []), day in self.cal.closed)

    @cached_property
    def legend(self) -> list[Key]:
        out = []
        for (sid, role), code in self.codes.items():
            shift = self.team.shifts[sid]
            text = f"{self.shift_names[sid]} {shift.start}–{shift.end}, {self.role_names[role]}"
            out.append(Key(sid, role, code, text))
        return out

    @cached_property
    def legend_line(self) -> str:
        """The legend in one line of text: ``E=early  L=late/desk   – away   · closed   ! core gap …``."""
        codes = "  ".join(
            f"{k.code}={k.shift}" + (f"/{k.role}" if len(self.team.shift_roles(k.shift)) > 1 else "")
            for k in self.legend
        )
        return f"{codes}   – away   · closed   ! core gap   ? other gap"

    def blocks(self, most: int = 31) -> list[list[date]]:
        """The dates in one block when a page holds them (up to ``most``), else one per calendar month."""
        if len(self.dates) <= most:
            return [self.dates]
        return [list(g) for _, g in groupby(self.dates, key=lambda d: (d.year, d.month))]

    # -- the figures ----------------------------------------------------------------------------------
    @cached_property
    def coverage(self) -> list[CoverageLine]:
        """Per role, in the team file's order."""
        count: dict[str, int] = defaultdict(int)
        for g in self.doc.gaps:
            count[g.role] += 1
        return [
            CoverageLine(
                role,
                self.role_names[role],
                f["core_required"],
                f["core_covered"],
                f["all_required"],
                f["all_covered"],
                count[role],
            )
            for role, f in coverage_figures(self.cal, self.duties).items()
        ]

    @cached_property
    def hours(self) -> list[HoursLine]:
        """Per person, in the team file's order."""
        return hours_lines(self.cal, self.duties)

    @cached_property
    def hours_of(self) -> dict[str, HoursLine]:
        return {h.person: h for h in self.hours}

    @cached_property
    def hours_off(self) -> frozenset[str]:
        """The people whose hours are 4 h or more off target (``hours_off``)."""
        return frozenset(h.person for h in self.hours if hours_off(h.difference))

    # -- the JSON twin ------------------------------------------------------------------------------
    def as_json(self) -> dict[str, Any]:
        """The view as the API answers it (``GET /api/rotas/{id}/view``): what the month page shows,
        figures in minutes, dates in ISO form."""
        return {
            "team": self.team.team,
            "timezone": self.team.timezone,
            "start": self.cal.start.isoformat(),
            "end": self.cal.end.isoformat(),
            "dates": [
                {"date": h.date.isoformat(), "weekday": h.weekday, "closed": h.closed, "weekend": h.weekend}
                for h in self.heads
            ],
            "people": [
                {
                    "person": p.id,
                    "name": p.display,
                    "cells": [self._cell_json(p.id, day) for day in self.dates],
                }
                for p in self.team.people
            ],
            "gap_rows": [
                {
                    "role": role,
                    "name": self.role_names[role],
                    "cells": [
                        {"date": day.isoformat(), "mark": m.mark, "kind": m.kind, "gaps": len(m.gaps)}
                        for day in self.dates
                        for m in [self.gap_mark(role, day)]
                    ],
                }
                for role in self.team.roles
            ],
            "legend": [
                {"code": k.code, "shift": k.shift, "role": k.role, "text": k.text} for k in self.legend
            ],
            "coverage": [
                {
                    "role": c.role,
                    "name": c.name,
                    "core_required_minutes": c.core_required,
                    "core_covered_minutes": c.core_covered,
                    "all_required_minutes": c.all_required,
                    "all_covered_minutes": c.all_covered,
                    "uncovered_minutes": c.uncovered,
                    "gaps": c.gaps,
                }
                for c in self.coverage
            ],
            "hours": [
                {
                    "person": h.person,
                    "name": h.name,
                    **{c.key: c.value(h) for c in self.hour_columns},
                    "duties_per_role": dict(sorted(h.duties.items())),
                    "most_minutes": h.most,
                    "off_target": h.person in self.hours_off,
                }
                for h in self.hours
            ],
        }

    def _cell_json(self, person: str, day: date) -> dict[str, Any]:
        cell = self.cell(person, day)
        return {
            "date": day.isoformat(),
            "duties": [
                {
                    "code": self.code(d),
                    "role": d.role,
                    "shift": d.shift,
                    "start": self.cal.iso(d.start),
                    "end": self.cal.iso(d.end),
                }
                for d in cell.duties
            ],
            "kind": cell.kind,
            "mark": cell.mark,
            "note": cell.note,
        }
