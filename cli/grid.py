"""The people × dates grid of a rota: one short code per shift (and role), closed dates greyed, gap rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rota.calendar import Calendar
from rota.document import GapDoc
from rota.records import Duty
from rota.team import Team

NAME_WIDTH = 18


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


def _local_date(cal: Calendar, iso: str) -> date:
    """The local date an ISO instant falls on."""
    return datetime.fromisoformat(iso).astimezone(cal.tz).date()


def render_grid(console: Console, cal: Calendar, duties: list[Duty], gaps: list[GapDoc]) -> None:
    """People × dates with shift codes; closed dates greyed; a gap row per role."""
    codes = cell_codes(cal.team)
    cells: dict[tuple[str, date], list[str]] = defaultdict(list)
    for d in duties:
        cells[(d.person, d.date)].append(codes.get((d.shift, d.role), d.shift))
    gap_dates: dict[str, dict[date, bool]] = defaultdict(dict)
    for g in gaps:
        day = _local_date(cal, g.start)
        gap_dates[g.role][day] = gap_dates[g.role].get(day, False) or g.core
    width = max([len(c) for c in codes.values()] + [2]) + 1
    per_table = max(7, (console.width - NAME_WIDTH - 2) // (width + 2))  # column + separator
    if per_table < len(cal.dates):
        per_table = max(7, per_table // 7 * 7)
    for i in range(0, len(cal.dates), per_table):
        console.print(_grid_table(cal, cal.dates[i:i + per_table], cells, gap_dates, width))
    legend = "  ".join(f"{code}={sid}" + (f"/{role}" if len(cal.team.shift_roles(sid)) > 1 else "")
                       for (sid, role), code in codes.items())
    console.print(Text(f"{legend}   – away   · closed   ! core gap   ? other gap", style="dim"))


def _grid_table(cal: Calendar, dates: list[date], cells: dict[tuple[str, date], list[str]],
                gap_dates: dict[str, dict[date, bool]], width: int) -> Table:
    """One block of dates of the grid, with the gap rows under the people."""
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 0), pad_edge=False, show_edge=False)
    table.add_column("", min_width=NAME_WIDTH, max_width=NAME_WIDTH, no_wrap=True)
    for day in dates:
        style = "dim" if day in cal.closed else ("bold" if day.weekday() < 5 else "")
        table.add_column(Text(f"{day:%a}"[:2] + f"\n{day.day:02d}", style=style), justify="center",
                         min_width=width + 1, no_wrap=True)
    away = _away_dates(cal, dates)
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


def _away_dates(cal: Calendar, dates: list[date]) -> set[tuple[str, date]]:
    """(person, date) pairs where the person is unavailable at some time of that date."""
    out = set()
    for p in cal.team.people:
        spans = cal.unavailable(p.id)
        if not spans:
            continue
        for day in dates:
            a, b = cal.window(day, 0, 1440)
            if any(s < b and a < e for s, e, _ in spans):
                out.add((p.id, day))
    return out
