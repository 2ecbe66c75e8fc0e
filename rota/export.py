"""Views of an existing rota, never a solve: CSV, Excel, JSON, and the tables every view lays out.

The terminal (``cli.grid``, ``cli.render``), the HTML page (``rota.html``), the Excel workbook and the
service's downloads all take the grid codes, leave, gap days, coverage and hours of a rota document
from here, so every view of one document shows the same figures. ``export`` writes any format.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from rota.calendar import Calendar
from rota.coverage import gaps as true_gaps
from rota.document import GapDoc, RotaDocument, duties_of
from rota.records import Duty
from rota.team import Team

CSV_FIELDS = ("person", "name", "role", "shift", "date", "start", "end", "hours")
FORMATS = ("json", "csv", "ics", "xlsx", "html")
TEXT_FORMATS = ("json", "csv", "ics", "html")  # xlsx is binary
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# -- cells no spreadsheet program runs ---------------------------------------------------------------
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# What openpyxl refuses to write (IllegalCharacterError): C0 controls but tab, line feed, CR.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


_AFTER_BREAK = re.compile(r"(\r\n|\r|\n)(?=[=+\-@\t])")


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as the text it is (OWASP's advice against CSV/formula injection): text
    starting with ``= + - @``, a tab or a CR gets a leading single quote, and so does each line after a
    line break (a program that ends the row at a bare CR starts a cell there). Numbers, and text that is
    just a number (``-1.5``), stay as they are; so does anything that is not text."""
    if not isinstance(value, str):
        return value
    value = _AFTER_BREAK.sub(r"\1'", value)
    if value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: list[Any]) -> list[Any]:
    """``safe_cell`` of each cell (for CSV writers and ``Worksheet.append``)."""
    return [safe_cell(v) for v in row]


def xlsx_cell(value: Any) -> Any:
    """``safe_cell`` for Excel, where a text starting with ``=`` would be written as a formula, with the
    control characters openpyxl refuses dropped (the team file refuses them; this covers stored data)."""
    if isinstance(value, str):
        value = _XLSX_ILLEGAL.sub("", value)
    return safe_cell(value)


def xlsx_row(row: list[Any]) -> list[Any]:
    return [xlsx_cell(v) for v in row]


# -- the tables every view shares ---------------------------------------------------------------
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
    for line in lines:
        if line.target is not None and line.worked < line.target:  # reached: nothing to explain
            most, why = cal.most_minutes(line.person)
            if most < line.target:
                line.most = most
                reach = f"at most {most / 60:.1f} h possible: {why}"
                line.basis = f"{line.basis}; {reach}" if line.basis else reach
    return lines


def hours_text(minutes: int | None, *, sign: bool = False) -> str:
    """Minutes as hours with one decimal (``"168.0"``, ``"+1.9"`` with ``sign``); empty for None."""
    if minutes is None:
        return ""
    return f"{minutes / 60:+.1f}" if sign else f"{minutes / 60:.1f}"


# -- CSV ---------------------------------------------------------------------------------------------
def csv_rows(team: Team, doc: RotaDocument) -> list[dict[str, str]]:
    """The rota's assignments as CSV rows (ISO instants with offsets, hours as a decimal)."""
    cal = Calendar(team, doc.period.start, doc.period.end)
    names = {p.id: p.display for p in team.people}
    rows = []
    for a in sorted(doc.assignments, key=lambda a: (a.date, a.role, a.shift, a.person)):
        if a.start and a.end:
            start, end = datetime.fromisoformat(a.start), datetime.fromisoformat(a.end)
        else:
            slot = cal.slot(a.shift, a.date)
            start, end = cal.instant(slot.start), cal.instant(slot.end)
        minutes = round((end.timestamp() - start.timestamp()) / 60)  # elapsed, not wall-clock
        rows.append(
            {
                "person": a.person,
                "name": names.get(a.person, a.person),
                "role": a.role,
                "shift": a.shift,
                "date": a.date.isoformat(),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "hours": _hours(minutes),
            }
        )
    return rows


def _hours(minutes: int) -> str:
    """Minutes as decimal hours without trailing zeros: 480 → ``8``, 450 → ``7.5``."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def csv_text(team: Team, doc: RotaDocument) -> str:
    """The CSV file's text, header first, rows ended by CRLF (RFC 4180), so that a field holding a CR
    or LF is quoted; names that a spreadsheet would run as formulas are guarded (``safe_cell``)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in csv_rows(team, doc))
    return out.getvalue()


# -- JSON, Excel, and any format ------------------------------------------------------------------------
def json_text(doc: RotaDocument) -> str:
    """The rota document itself (README, *The rota document*), as ``rota solve -o FILE.json`` writes it."""
    return json.dumps(doc.to_json(), indent=2, ensure_ascii=False) + "\n"


def xlsx_bytes(team: Team, doc: RotaDocument) -> bytes:
    """An Excel workbook of the rota: the grid, the assignments, coverage, hours and gaps, a sheet each."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    cal = Calendar(team, doc.period.start, doc.period.end)
    duties = duties_of(cal, doc)
    codes = cell_codes(team)
    cells: dict[tuple[str, date], list[str]] = defaultdict(list)
    for d in duties:
        cells[(d.person, d.date)].append(codes.get((d.shift, d.role), d.shift))
    away, gapped = away_dates(cal, cal.dates), gap_days(cal, doc.gaps)
    grey = PatternFill("solid", fgColor="E5E5E5")

    book = Workbook()
    grid = book.active
    grid.title = "Rota"
    grid.append(["", *(f"{d:%a}"[:2] + f" {d.day:02d}" for d in cal.dates)])
    for p in team.people:
        row: list[str] = [p.display]
        for day in cal.dates:
            here = cells.get((p.id, day))
            row.append(
                "+".join(here) if here else "·" if day in cal.closed else "–" if (p.id, day) in away else ""
            )
        grid.append(xlsx_row(row))
    grid.append([])
    for role in team.roles:
        grid.append(
            xlsx_row(
                [
                    f"gaps {role}",
                    *(
                        ("!" if gapped[role][d] else "?")
                        if d in gapped.get(role, {})
                        else "·"
                        if d in cal.closed
                        else ""
                        for d in cal.dates
                    ),
                ]
            )
        )
    for i, day in enumerate(cal.dates, start=2):
        letter = grid.cell(row=1, column=i).column_letter
        grid.column_dimensions[letter].width = 6
        if day in cal.closed:
            for row_cells in grid.iter_rows(min_col=i, max_col=i):
                row_cells[0].fill = grey
    for row_cells in grid.iter_rows(min_col=2):
        for c in row_cells:
            c.alignment = Alignment(horizontal="center")
    grid.column_dimensions["A"].width = 22
    grid.freeze_panes = "B2"
    legend = "  ".join(
        f"{code}={sid}" + (f"/{role}" if len(team.shift_roles(sid)) > 1 else "")
        for (sid, role), code in codes.items()
    )
    grid.append([])
    grid.append(xlsx_row([f"{legend}   – away   · closed   ! core gap   ? other gap"]))

    sheets: dict[str, tuple[list[str], list[list[Any]]]] = {
        "Assignments": (
            list(CSV_FIELDS),
            [[*list(r.values())[:-1], float(r["hours"])] for r in csv_rows(team, doc)],
        ),
        "Coverage": (
            [
                "role",
                "core required h",
                "core covered h",
                "core %",
                "all required h",
                "all covered h",
                "all %",
                "gaps",
            ],
            [
                [
                    role,
                    f["core_required"] / 60,
                    f["core_covered"] / 60,
                    _pct(f["core_covered"], f["core_required"]),
                    f["all_required"] / 60,
                    f["all_covered"] / 60,
                    _pct(f["all_covered"], f["all_required"]),
                    sum(1 for g in doc.gaps if g.role == role),
                ]
                for role, f in coverage_figures(cal, duties).items()
            ],
        ),
        "Hours": (
            ["person", "name", "worked h", "target h", "± h", "duties"],
            [
                [
                    h.person,
                    h.name,
                    h.worked / 60,
                    None if h.target is None else h.target / 60,
                    None if h.difference is None else h.difference / 60,
                    h.duties_text,
                ]
                for h in hours_lines(cal, duties)
            ],
        ),
        "Gaps": (
            ["role", "start", "end", "required", "assigned", "core", "reasons"],
            [
                [g.role, g.start, g.end, g.required, g.assigned, g.core, "; ".join(g.reasons)]
                for g in doc.gaps
            ],
        ),
    }
    for name, (head, rows) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(xlsx_row(head))
        for row in rows:
            sheet.append(xlsx_row(row))
        for c in sheet[1]:
            c.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for column in sheet.columns:
            width = max(len(str(c.value)) if c.value is not None else 0 for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(max(8, width + 2), 60)
    for c in grid[1]:
        c.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def export(team: Team, doc: RotaDocument, fmt: str, **ics_options: Any) -> bytes:
    """The rota in ``fmt`` (one of ``FORMATS``) as bytes, from the document alone: nothing is solved.

    ``ics_options`` go to ``rota.ical.rota_ics`` (e.g. ``stamp``, the DTSTAMP of the events).
    """
    if fmt == "json":
        return json_text(doc).encode("utf-8")
    if fmt == "csv":
        return csv_text(team, doc).encode("utf-8")
    if fmt == "ics":
        from rota.ical import rota_ics

        return rota_ics(team, doc, **ics_options)
    if fmt == "xlsx":
        return xlsx_bytes(team, doc)
    if fmt == "html":
        from rota.html import rota_html

        return rota_html(team, doc).encode("utf-8")
    raise ValueError(f'unknown format "{fmt}" (known: {", ".join(FORMATS)})')
