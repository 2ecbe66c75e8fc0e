"""The read model of a stored rota (``rota.view.RotaView``): one calendar for every view of a document,
its cells and gap marks, the hours table's columns declared once, and no import circle between the
exports and the printable page."""

from __future__ import annotations

import ast
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from rich.console import Console

from rota import view as read_model
from rota.api.web.month import View, build_month
from rota.calendar import Calendar
from rota.cli.render import render_rota
from rota.document import GapDoc, PeriodDoc, RotaDocument, assignment_doc
from rota.export import export
from rota.html import rota_html
from rota.load import load_team
from rota.team import Team
from rota.view import HoursColumn, RotaView

ROOT = Path(__file__).resolve().parent.parent
MON, WED, SAT = date(2026, 11, 30), date(2026, 12, 2), date(2026, 12, 5)


def _team_and_doc() -> tuple[Team, RotaDocument]:
    """The tiny desk (Joris away on Wednesday, closed at weekends): Fatima's Monday morning, Joris on
    Wednesday afternoon despite his leave, a core gap on Monday afternoon and another gap on Tuesday."""
    team = load_team(ROOT / "data/examples/tiny-desk.yaml")
    cal = Calendar(team)
    duties = [cal.duty("fatima", "desk", "morning", MON), cal.duty("joris", "desk", "afternoon", WED)]
    gaps = [
        GapDoc(
            role="desk",
            start="2026-11-30T12:30:00+01:00",
            end="2026-11-30T16:30:00+01:00",
            required=1,
            assigned=0,
            core=True,
            reasons=["nobody free"],
        ),
        GapDoc(
            role="desk",
            start="2026-12-01T08:30:00+01:00",
            end="2026-12-01T12:30:00+01:00",
            required=1,
            assigned=0,
            core=False,
        ),
    ]
    return team, RotaDocument(
        team=team.team,
        timezone=team.timezone,
        period=PeriodDoc(start=cal.start, end=cal.end),
        assignments=[assignment_doc(cal, d) for d in duties],
        gaps=gaps,
    )


def test_cells_say_duty_closed_or_away() -> None:
    team, doc = _team_and_doc()
    view = RotaView(team, doc)
    monday = view.cell("fatima", MON)
    assert [view.code(d) for d in monday.duties] == ["M"] and (monday.kind, monday.mark) == ("", "")
    on_leave = view.cell("joris", WED)  # a duty on a date of leave: marked away, shows the duty
    assert on_leave.duties and (on_leave.kind, on_leave.mark, on_leave.note) == ("away", "", "course")
    assert (view.cell("joris", MON).kind, view.cell("joris", MON).mark) == ("", "")
    closed = view.cell("mei", SAT)
    assert (closed.kind, closed.mark, closed.note) == ("closed", "·", "no opening hours")
    assert view.cell("fatima", WED, role="desk").duties == []
    assert view.grid("desk") == view.grid()  # one role: the role's grid is the whole grid


def test_gap_marks_core_other_and_closed() -> None:
    team, doc = _team_and_doc()
    view = RotaView(team, doc)
    assert (view.gap_mark("desk", MON).kind, view.gap_mark("desk", MON).mark) == ("gap-core", "!")
    tuesday = view.gap_mark("desk", date(2026, 12, 1))
    assert (tuesday.kind, tuesday.mark) == ("gap-other", "?")
    assert (view.gap_mark("desk", SAT).kind, view.gap_mark("desk", SAT).mark) == ("closed", "·")
    assert (view.gap_mark("desk", WED).kind, view.gap_mark("desk", WED).mark) == ("", "")
    assert [(c.role, c.gaps, c.short) for c in view.coverage] == [("desk", 2, True)]
    assert view.coverage[0].uncovered == view.coverage[0].all_required - 8 * 60  # two 4 h duties
    assert [h.css for h in view.heads][-3:] == ["", "closed weekend", "closed weekend"]


def test_one_calendar_for_every_view_of_a_document(monkeypatch: pytest.MonkeyPatch) -> None:
    team, doc = _team_and_doc()
    built = []
    init = Calendar.__init__

    def counting(self: Calendar, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        init(self, *args, **kwargs)

    monkeypatch.setattr(Calendar, "__init__", counting)
    view = RotaView(team, doc)
    for fmt in ("html", "csv", "xlsx"):
        export(team, doc, fmt, view=view)
    render_rota(Console(file=io.StringIO(), width=200), team, doc, view=view)
    build_month(team, doc, rota=view)
    build_month(team, doc, view=View(role="desk"), rota=view)
    assert len(built) == 1
    export(team, doc, "html")  # without the view, a view is built: the calendar again
    assert len(built) == 2


def test_a_new_hours_column_appears_in_every_hours_table(monkeypatch: pytest.MonkeyPatch) -> None:
    team, doc = _team_and_doc()
    extra = HoursColumn("balance", "balance x", "Balance x", lambda h: f"bal-{h.person}")
    monkeypatch.setattr(read_model, "HOURS_COLUMNS", (*read_model.HOURS_COLUMNS, extra))
    page = rota_html(team, doc)
    assert "<th>target from</th><th>balance x</th>" in page and "<td>bal-mei</td></tr>" in page
    book = load_workbook(io.BytesIO(export(team, doc, "xlsx")))
    assert [c.value for c in book["Hours"][1]][-1] == "balance x"
    assert book["Hours"]["G2"].value == "bal-fatima"
    console = Console(file=io.StringIO(), width=300, record=True)
    render_rota(console, team, doc)
    text = console.export_text()
    assert "balance x" in text and "bal-joris" in text
    month = build_month(team, doc)
    assert month.hour_columns[-1] is extra
    assert [c.text(h, "–") for c in month.hour_columns[:3] for h in month.hours[:1]] == [
        "4.0",
        "16.0",
        "-12.0",
    ]
    assert month.hour_columns[2].off(month.hours[0]) and not month.hour_columns[0].off(month.hours[0])


def test_a_column_without_a_figure_reads_blank() -> None:
    team, doc = _team_and_doc()
    joris = RotaView(team, doc).hours_of["joris"]  # no hours_per_week: no target
    target = read_model.HOURS_COLUMNS[1]
    assert (target.text(joris), target.text(joris, "–"), target.cell(joris)) == ("", "–", None)
    assert not read_model.HOURS_COLUMNS[2].off(joris)


def _imports(path: str) -> set[str]:
    """The modules ``path`` imports at its top level (not inside a function)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    out = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_the_read_model_and_its_renderers_import_no_circle() -> None:
    assert not {"rota.export", "rota.html"} & _imports("rota/view.py")
    assert "rota.export" not in _imports("rota/html.py")
    assert "rota.html" not in _imports("rota/export.py")  # the page is written by name, on demand
    html_module = ast.parse((ROOT / "rota/html.py").read_text(encoding="utf-8"))
    nested = {
        n.module for n in ast.walk(html_module) if isinstance(n, ast.ImportFrom) and n.module is not None
    }
    assert "rota.export" not in nested
