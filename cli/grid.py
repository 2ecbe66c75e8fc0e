"""The people × dates grid of a rota: one short code per shift (and role), closed dates greyed, gap rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rota.calendar import Calendar
from rota.document import GapDoc
from rota.export import away_dates, cell_codes, gap_days
from rota.export import short_codes as short_codes  # re-exported: callers and tests take it from here
from rota.records import Duty

NAME_WIDTH = 18


def render_grid(console: Console, cal: Calendar, duties: list[Duty], gaps: list[GapDoc]) -> None:
    """People × dates with shift codes; closed dates greyed; a gap row per role."""
    codes = cell_codes(cal.team)
    cells: dict[tuple[str, date], list[str]] = defaultdict(list)
    for d in duties:
        cells[(d.person, d.date)].append(codes.get((d.shift, d.role), d.shift))
    gap_dates = gap_days(cal, gaps)
    width = max([len(c) for c in codes.values()] + [2]) + 1
    per_table = max(7, (console.width - NAME_WIDTH - 2) // (width + 2))  # column + separator
    if per_table < len(cal.dates):
        per_table = max(7, per_table // 7 * 7)
    for i in range(0, len(cal.dates), per_table):
        console.print(_grid_table(cal, cal.dates[i : i + per_table], cells, gap_dates, width))
    legend = "  ".join(
        f"{code}={sid}" + (f"/{role}" if len(cal.team.shift_roles(sid)) > 1 else "")
        for (sid, role), code in codes.items()
    )
    console.print(Text(f"{legend}   – away   · closed   ! core gap   ? other gap", style="dim"))


def _grid_table(
    cal: Calendar,
    dates: list[date],
    cells: dict[tuple[str, date], list[str]],
    gap_dates: dict[str, dict[date, bool]],
    width: int,
) -> Table:
    """One block of dates of the grid, with the gap rows under the people."""
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 0), pad_edge=False, show_edge=False)
    table.add_column("", min_width=NAME_WIDTH, max_width=NAME_WIDTH, no_wrap=True)
    for day in dates:
        style = "dim" if day in cal.closed else ("bold" if day.weekday() < 5 else "")
        table.add_column(
            Text(f"{day:%a}"[:2] + f"\n{day.day:02d}", style=style),
            justify="center",
            min_width=width + 1,
            no_wrap=True,
        )
    away = away_dates(cal, dates)
    for p in cal.team.people:
        row: list[Text | str] = [Text(p.display, overflow="ellipsis")]
        for day in dates:
            codes = cells.get((p.id, day))
            if codes:
                row.append(Text("+".join(codes), style="cyan"))
            elif day in cal.closed:
                row.append(Text("·", style="dim"))
            elif (p.id, day) in away:
                row.append(Text("–", style="dim"))
            else:
                row.append("")
        table.add_row(*row)
    table.add_section()
    for role in cal.team.roles:
        row = [Text(f"gaps {role}", style="italic")]
        for day in dates:
            if day in gap_dates.get(role, {}):
                core = gap_dates[role][day]
                row.append(Text("!" if core else "?", style="bold red" if core else "yellow"))
            else:
                row.append(Text("·", style="dim") if day in cal.closed else "")
        table.add_row(*row)
    return table
