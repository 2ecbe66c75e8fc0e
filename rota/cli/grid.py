"""The people × dates grid of a rota: one short code per shift (and role), closed dates greyed, gap rows.

It draws the rota's read model (``rota.view.RotaView``), as the month page and the printable page do."""

from __future__ import annotations

from datetime import date

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rota.view import RotaView
from rota.view import short_codes as short_codes  # re-exported: callers and tests take it from here

NAME_WIDTH = 18


def render_grid(console: Console, view: RotaView) -> None:
    """People × dates with shift codes; closed dates greyed; a gap row per role."""
    width = max([len(c) for c in view.codes.values()] + [2]) + 1
    dates = view.dates
    per_table = max(7, (console.width - NAME_WIDTH - 2) // (width + 2))  # column + separator
    if per_table < len(dates):
        per_table = max(7, per_table // 7 * 7)
    for i in range(0, len(dates), per_table):
        console.print(_grid_table(view, dates[i : i + per_table], width))
    console.print(Text(view.legend_line, style="dim"))


def _grid_table(view: RotaView, dates: list[date], width: int) -> Table:
    """One block of dates of the grid, with the gap rows under the people."""
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 0), pad_edge=False, show_edge=False)
    table.add_column("", min_width=NAME_WIDTH, max_width=NAME_WIDTH, no_wrap=True)
    heads = {h.date: h for h in view.heads}
    for day in dates:
        h = heads[day]
        style = "dim" if h.closed is not None else ("bold" if day.weekday() < 5 else "")
        table.add_column(
            Text(f"{h.weekday}\n{day.day:02d}", style=style),
            justify="center",
            min_width=width + 1,
            no_wrap=True,
        )
    for p in view.team.people:
        row: list[Text | str] = [Text(p.display, overflow="ellipsis")]
        for day in dates:
            cell = view.cell(p.id, day)
            if cell.duties:
                row.append(Text("+".join(view.code(d) for d in cell.duties), style="cyan"))
            else:
                row.append(Text(cell.mark, style="dim") if cell.mark else "")
        table.add_row(*row)
    table.add_section()
    for role in view.team.roles:
        row = [Text(f"gaps {role}", style="italic")]
        for day in dates:
            gap = view.gap_mark(role, day)
            if gap.gaps:
                row.append(Text(gap.mark, style="bold red" if gap.core else "yellow"))
            else:
                row.append(Text(gap.mark, style="dim") if gap.mark else "")
        table.add_row(*row)
    return table
