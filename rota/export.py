"""Files of an existing rota, never a solve: CSV, Excel, JSON, and any format by name (``export``).

The workbook draws the rota's read model (``rota.view.RotaView``), as the terminal, the printable
page (``rota.html``) and the month page do, so every view of one document shows the same figures.
The shared tables (grid codes, leave, gap days, coverage, hours) live in ``rota.view`` and are
named here too, for callers that take them from the exports.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from typing import Any

from rota.calendar import Calendar
from rota.document import RotaDocument
from rota.team import Team
from rota.view import HoursLine as HoursLine
from rota.view import RotaView
from rota.view import away_dates as away_dates
from rota.view import cell_codes as cell_codes
from rota.view import coverage_figures as coverage_figures
from rota.view import gap_days as gap_days
from rota.view import hours_lines as hours_lines
from rota.view import hours_text as hours_text
from rota.view import local_date as local_date
from rota.view import percent_text as percent_text
from rota.view import short_codes as short_codes

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


def xlsx_sheet(book: Any, name: str, head: list[Any], rows: list[list[Any]], *, freeze: str = "A2") -> Any:
    """A new sheet ``name`` in the openpyxl ``book``: the head in bold, then the rows (both through
    ``xlsx_row``), panes frozen above and left of the cell ``freeze``. The sheet is returned."""
    from openpyxl.styles import Font

    sheet = book.create_sheet(name)
    sheet.append(xlsx_row(head))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(xlsx_row(row))
    sheet.freeze_panes = freeze
    return sheet


def xlsx_table(
    book: Any,
    name: str,
    head: list[Any],
    rows: list[list[Any]],
    *,
    widths: tuple[int, int] = (8, 60),
    first_width: int | None = None,
) -> Any:
    """``xlsx_sheet`` with the head frozen and each column as wide as its longest text + 2, within
    ``widths`` (min, max), the first column at most ``first_width`` when given. The sheet is returned."""
    sheet = xlsx_sheet(book, name, head, rows)
    least, most = widths
    for i, column in enumerate(sheet.columns, start=1):
        width = max(len(str(c.value)) if c.value is not None else 0 for c in column)
        cap = first_width if i == 1 and first_width is not None else most
        sheet.column_dimensions[column[0].column_letter].width = min(max(least, width + 2), cap)
    return sheet


# -- CSV ---------------------------------------------------------------------------------------------
def csv_rows(team: Team, doc: RotaDocument, cal: Calendar | None = None) -> list[dict[str, str]]:
    """The rota's assignments as CSV rows (ISO instants with offsets, hours as a decimal); ``cal``: the
    team's calendar of the rota's period, when one is built already."""
    cal = cal if cal is not None else Calendar(team, doc.period.start, doc.period.end)
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


def csv_text(team: Team, doc: RotaDocument, cal: Calendar | None = None) -> str:
    """The CSV file's text, header first, rows ended by CRLF (RFC 4180), so that a field holding a CR
    or LF is quoted; names that a spreadsheet would run as formulas are guarded (``safe_cell``)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in csv_rows(team, doc, cal))
    return out.getvalue()


# -- JSON, Excel, and any format ------------------------------------------------------------------------
def json_text(doc: RotaDocument) -> str:
    """The rota document itself (README, *The rota document*), as ``rota solve -o FILE.json`` writes it."""
    return json.dumps(doc.to_json(), indent=2, ensure_ascii=False) + "\n"


def xlsx_bytes(team: Team, doc: RotaDocument, view: RotaView | None = None) -> bytes:
    """An Excel workbook of the rota: the grid, the assignments, coverage, hours and gaps, a sheet each
    (``view``: the rota's read model, when one is built already)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    view = view if view is not None else RotaView(team, doc)
    cal = view.cal
    grey = PatternFill("solid", fgColor="E5E5E5")

    book = Workbook()
    grid = book.active
    grid.title = "Rota"
    grid.append(["", *(f"{h.weekday} {h.date.day:02d}" for h in view.heads)])
    for p in team.people:
        row: list[str] = [p.display]
        for day in view.dates:
            cell = view.cell(p.id, day)
            row.append("+".join(view.code(d) for d in cell.duties) or cell.mark)
        grid.append(xlsx_row(row))
    grid.append([])
    for role in team.roles:
        grid.append(xlsx_row([f"gaps {role}", *(view.gap_mark(role, d).mark for d in view.dates)]))
    for i, day in enumerate(view.dates, start=2):
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
    grid.append([])
    grid.append(xlsx_row([view.legend_line]))

    columns = [c for c in view.hour_columns if c.in_workbook]
    sheets: dict[str, tuple[list[str], list[list[Any]]]] = {
        "Assignments": (
            list(CSV_FIELDS),
            [[*list(r.values())[:-1], float(r["hours"])] for r in csv_rows(team, doc, cal)],
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
                    c.role,
                    c.core_required / 60,
                    c.core_covered / 60,
                    _pct(c.core_covered, c.core_required),
                    c.all_required / 60,
                    c.all_covered / 60,
                    _pct(c.all_covered, c.all_required),
                    c.gaps,
                ]
                for c in view.coverage
            ],
        ),
        "Hours": (
            ["person", "name", *(c.head for c in columns)],
            [[h.person, h.name, *(c.cell(h) for c in columns)] for h in view.hours],
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
        xlsx_table(book, name, head, rows)
    for c in grid[1]:
        c.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def export(
    team: Team, doc: RotaDocument, fmt: str, *, view: RotaView | None = None, **ics_options: Any
) -> bytes:
    """The rota in ``fmt`` (one of ``FORMATS``) as bytes, from the document alone: nothing is solved.

    ``view``: the rota's read model (``rota.view.RotaView``) when one is built already, so that writing
    several formats expands the calendar once. ``ics_options`` go to ``rota.ical.rota_ics`` (e.g.
    ``stamp``, the DTSTAMP of the events).
    """
    if fmt == "json":
        return json_text(doc).encode("utf-8")
    if fmt == "csv":
        return csv_text(team, doc, None if view is None else view.cal).encode("utf-8")
    if fmt == "ics":
        from rota.ical import rota_ics

        return rota_ics(team, doc, None if view is None else view.cal, **ics_options)
    if fmt == "xlsx":
        return xlsx_bytes(team, doc, view)
    if fmt == "html":
        from rota.html import rota_html

        return rota_html(team, doc, view=view).encode("utf-8")
    raise ValueError(f'unknown format "{fmt}" (known: {", ".join(FORMATS)})')
