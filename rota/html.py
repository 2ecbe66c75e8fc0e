"""A self-contained, printable HTML page of a rota: the people × dates grid, coverage per role, hours.

One page, no scripts, no external files; ``@media print`` lays it out on A4 landscape. Every value
from the team file or the rota document goes through ``html.escape``. The figures come from the same
tables as the terminal view (``rota.export``), so the page and ``rota show`` agree.
"""

from __future__ import annotations

from html import escape

from rota.document import RotaDocument
from rota.records import Duty
from rota.team import Team
from rota.view import RotaView, day_text, gap_text, hours_text, percent_text

# Role colours (background, border), by the role's place in the team file.
PALETTE = (
    ("#dbeafe", "#60a5fa"),
    ("#dcfce7", "#4ade80"),
    ("#fef3c7", "#f59e0b"),
    ("#fce7f3", "#f472b6"),
    ("#ede9fe", "#a78bfa"),
    ("#ccfbf1", "#2dd4bf"),
    ("#ffedd5", "#fb923c"),
    ("#e0e7ff", "#818cf8"),
)
MAX_GAP_LINES = 200

CSS = """
* { box-sizing: border-box; }
body { font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; margin: 16px; }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 18px 0 6px; }
p.meta { margin: 0 0 10px; color: #444; }
.status-optimal { color: #15803d; font-weight: 600; }
.status-feasible { color: #a16207; font-weight: 600; }
.status-bad { color: #b91c1c; font-weight: 600; }
table { border-collapse: collapse; }
table.grid { width: 100%; table-layout: fixed; margin-bottom: 10px; }
table.grid caption { text-align: left; font-weight: 600; padding: 4px 0; }
table.grid th, table.grid td { border: 1px solid #d4d4d4; padding: 1px; text-align: center;
  vertical-align: top; overflow: hidden; }
table.grid th.name { width: 11em; text-align: left; padding: 1px 4px; white-space: nowrap;
  text-overflow: ellipsis; font-weight: 500; }
table.grid thead th { font-size: 11px; font-weight: 600; line-height: 1.15; }
table.grid thead th.weekend { color: #666; }
.closed { background: #ececec; color: #888; }
td.away { background: repeating-linear-gradient(135deg, #f5f5f5 0 3px, #e4e4e4 3px 6px); color: #666; }
.chip { display: block; border-radius: 3px; border: 1px solid; margin: 1px 0; padding: 0 1px;
  line-height: 1.1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.chip b { display: block; font-size: 11px; }
.chip i { display: block; font-style: normal; font-size: 8px; color: #333; overflow: hidden;
  text-overflow: ellipsis; }
tbody.gaps th.name { font-style: italic; font-weight: 400; }
td.gap-core { background: #fecaca; color: #991b1b; font-weight: 700; }
td.gap-other { background: #fef9c3; color: #854d0e; font-weight: 700; }
p.legend { font-size: 11px; color: #444; margin: 4px 0 12px; }
p.legend .chip { display: inline-block; margin-right: 2px; }
p.legend span.key { margin-right: 12px; white-space: nowrap; }
table.figures th, table.figures td { border-bottom: 1px solid #e5e5e5; padding: 2px 8px; }
table.figures th { text-align: left; border-bottom: 1px solid #999; }
table.figures td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.bad, span.bad { color: #b91c1c; font-weight: 600; }
td.off { color: #a16207; }
ul.gaps { margin: 4px 0; padding-left: 18px; font-size: 12px; }
ul.gaps .why { color: #555; }
@page { size: A4 landscape; margin: 8mm; }
@media print {
  body { margin: 0; font-size: 9px; }
  h1 { font-size: 14px; }
  h2 { font-size: 11px; margin: 8px 0 4px; }
  table.grid th.name { width: 28mm; }
  table.grid thead th { font-size: 8px; }
  .chip b { font-size: 8px; }
  .chip i { font-size: 6px; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  table.grid { break-inside: auto; }
  section.figures { break-before: page; page-break-before: always; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def rota_html(
    team: Team, doc: RotaDocument, *, heading: str | None = None, view: RotaView | None = None
) -> str:
    """The whole page for ``doc`` of ``team``; ``heading`` replaces the team name as the title; ``view``:
    the rota's read model, when one is built already."""
    view = view if view is not None else RotaView(team, doc)
    colour = {role: PALETTE[i % len(PALETTE)] for i, role in enumerate(team.roles)}
    title = heading or team.team
    period = f"{day_text(doc.period.start)} – {day_text(doc.period.end)}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)} · rota {doc.period.start} to {doc.period.end}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(period)} · {escape(team.timezone)} · {_status(doc)}</p>',
        "</header>",
        _grid(view, colour),
        _legend(view, colour),
        '<section class="figures">',
        _coverage(view),
        _hours(view),
        "</section>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _status(doc: RotaDocument) -> str:
    """Solver status, objective, assignments and gaps, as one line of the header."""
    solver = doc.solver
    status = solver.status if solver else "unknown"
    css = {"optimal": "status-optimal", "feasible": "status-feasible"}.get(status, "status-bad")
    text = f'<span class="{css}">{escape(status)}</span>'
    if solver is not None and solver.objective is not None:
        text += f" · objective {escape(_number(solver.objective))}"
    gaps = len(doc.gaps)
    text += f" · {len(doc.assignments)} assignments, "
    text += f'<span class="bad">{gaps} gaps</span>' if gaps else "0 gaps"
    return text


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"


def _grid(view: RotaView, colour: dict[str, tuple[str, str]]) -> str:
    """One table per month: a row per person with a chip per duty, then a gap row per role."""
    team = view.team
    heads = {h.date: h for h in view.heads}
    out = []
    for dates in view.blocks():
        rows = [
            '<table class="grid">',
            f"<caption>{day_text(dates[0])} – {day_text(dates[-1])}</caption>",
            '<thead><tr><th class="name" scope="col">person</th>',
        ]
        for day in dates:
            h = heads[day]
            why = f' title="{escape(h.closed)}"' if h.closed is not None else ""
            rows.append(f'<th scope="col"{_cls(h.css)}{why}>{h.weekday}<br>{day.day:02d}</th>')
        rows.append("</tr></thead>")
        rows.append("<tbody>")
        for p in team.people:
            row = [f'<tr><th class="name" scope="row" title="{escape(p.id)}">{escape(p.display)}</th>']
            for day in dates:
                cell = view.cell(p.id, day)
                if cell.duties:
                    chips = "".join(_chip(view, d, colour) for d in cell.duties)
                    row.append(f"<td{_cls('away' if cell.away is not None else '')}>{chips}</td>")
                elif cell.kind:
                    row.append(f'<td class="{cell.kind}" title="{escape(cell.note)}">{cell.mark}</td>')
                else:
                    row.append("<td></td>")
            rows.append("".join(row) + "</tr>")
        rows.append("</tbody>")
        rows.append('<tbody class="gaps">')
        for role in team.roles:
            row = [f'<tr><th class="name" scope="row">gaps {escape(role)}</th>']
            for day in dates:
                gap = view.gap_mark(role, day)
                if gap.gaps:
                    what = "core gap" if gap.core else "gap outside core hours"
                    row.append(f'<td class="{gap.kind}" title="{what}">{gap.mark}</td>')
                else:
                    row.append(f"<td{_cls(gap.kind)}>{gap.mark}</td>")
            rows.append("".join(row) + "</tr>")
        rows.append("</tbody></table>")
        out.append("\n".join(rows))
    return "\n".join(out)


def _cls(names: str) -> str:
    return f' class="{names}"' if names else ""


def _chip(view: RotaView, d: Duty, colour: dict[str, tuple[str, str]]) -> str:
    """A duty: its shift code over its role, coloured by role; the title has the names and times."""
    bg, border = colour.get(d.role, PALETTE[0])
    start, end = view.cal.instant(d.start), view.cal.instant(d.end)
    tip = f"{view.role_names[d.role]} · {view.shift_names[d.shift]} {start:%H:%M}–{end:%H:%M}"
    return (
        f'<span class="chip" style="background:{bg};border-color:{border}" title="{escape(tip)}">'
        f"<b>{escape(view.code(d))}</b><i>{escape(d.role)}</i></span>"
    )


def _legend(view: RotaView, colour: dict[str, tuple[str, str]]) -> str:
    """What each code means, and the marks for leave, closed dates and gaps."""
    keys = []
    for k in view.legend:
        bg, border = colour.get(k.role, PALETTE[0])
        keys.append(
            f'<span class="key"><span class="chip" style="background:{bg};border-color:{border}">'
            f"<b>{escape(k.code)}</b></span> {escape(k.text)}</span>"
        )
    keys.append(
        '<span class="key">– away (leave)</span><span class="key">· closed</span>'
        '<span class="key"><span class="bad">!</span> core gap</span>'
        '<span class="key">? other gap</span>'
    )
    return f'<p class="legend">{"".join(keys)}</p>'


def _coverage(view: RotaView) -> str:
    """Coverage per role in person-hours (core and all opening hours), then each gap with its reasons."""
    gaps = view.doc.gaps
    rows = [
        "<h2>Coverage (person-hours)</h2>",
        '<table class="figures">',
        "<thead><tr><th>role</th><th>core required</th><th>core covered</th><th>core</th>"
        "<th>all required</th><th>all covered</th><th>all</th><th>gaps</th></tr></thead><tbody>",
    ]
    for c in view.coverage:
        rows.append(
            f"<tr><td>{escape(c.role)}</td>"
            f'<td class="n">{hours_text(c.core_required)}</td>'
            f'<td class="n">{hours_text(c.core_covered)}</td>'
            f'<td class="n">{percent_text(c.core_covered, c.core_required)}</td>'
            f'<td class="n">{hours_text(c.all_required)}</td>'
            f'<td class="n">{hours_text(c.all_covered)}</td>'
            f'<td class="n{" bad" if c.short else ""}">{percent_text(c.all_covered, c.all_required)}</td>'
            f'<td class="n{" bad" if c.gaps else ""}">{c.gaps}</td></tr>'
        )
    rows.append("</tbody></table>")
    if gaps:
        rows.append('<ul class="gaps">')
        for g in gaps[:MAX_GAP_LINES]:
            what = gap_text(view.cal, g)
            why = f' <span class="why">— {escape("; ".join(g.reasons))}</span>' if g.reasons else ""
            rows.append(f'<li><span class="{"bad" if g.core else ""}">{escape(what)}</span>{why}</li>')
        if len(gaps) > MAX_GAP_LINES:
            rows.append(f"<li>… and {len(gaps) - MAX_GAP_LINES} more gaps</li>")
        rows.append("</ul>")
    return "\n".join(rows)


def _hours(view: RotaView) -> str:
    """Hours worked against the contracted target, and duties per role, for each person
    (the view's ``hour_columns`` after the person)."""
    columns = view.hour_columns
    heads = "".join(f"<th>{escape(c.head)}</th>" for c in columns)
    rows = [
        "<h2>Hours</h2>",
        '<table class="figures">',
        f"<thead><tr><th>person</th><th>name</th>{heads}</tr></thead><tbody>",
    ]
    for h in view.hours:
        cells = "".join(
            f'<td class="n{" off" if c.off(h) else ""}">{escape(c.text(h))}</td>'
            if c.numeric
            else f"<td>{escape(c.text(h))}</td>"
            for c in columns
        )
        rows.append(f"<tr><td>{escape(h.person)}</td><td>{escape(h.name)}</td>{cells}</tr>")
    rows.append("</tbody></table>")
    return "\n".join(rows)
