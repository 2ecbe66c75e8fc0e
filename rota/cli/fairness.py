"""``rota fairness``: the fairness ledger (issue 24) of a team file's history — each person's balance per
category before the rota's period, and after it when a rota is given."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rota import ledger
from rota.calendar import Calendar
from rota.cli.app import app
from rota.cli.errors import fail, guarded
from rota.cli.inputs import check_fits, load_team_file, read_rota, resolve_period


@app.command("fairness")
@guarded
def fairness_command(
    team_file: Annotated[
        Path, typer.Argument(help="Team file (YAML or JSON).", metavar="TEAMFILE", show_default=False)
    ],
    rota_file: Annotated[
        Path | None,
        typer.Argument(
            help="A rota of the period (JSON): show the balances after it too.", metavar="[ROTA.json]"
        ),
    ] = None,
    month: Annotated[str | None, typer.Option("--month", help="The period: YYYY-MM.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First date of the period.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last date of the period.")] = None,
) -> None:
    """Each person's fairness balance per category (duties done less their pro-rata share, over the team's
    window of history): before the period, and after the rota when one is given."""
    team = load_team_file(team_file)
    if team.fairness is None:
        fail(
            f"{team_file}: fairness: the team file has no fairness block "
            "(docs/team-file.md, the fairness ledger)"
        )
    if rota_file is not None:
        doc = read_rota(rota_file)
        check_fits(doc, team, rota_file, team_file)
        first, last = doc.period.start, doc.period.end
    else:
        first, last = resolve_period(team, month, start, end)
    cal = Calendar(team, first, last)
    before = ledger.opening(cal)
    after = None
    if rota_file is not None:
        duties = [cal.duty(a.person, a.role, a.shift, a.date) for a in doc.assignments]
        after = ledger.after(cal, duties)
    window = ledger.window_start(team, first)
    table = Table(
        title=f"Fairness balances: duties done less a pro-rata share, from {window} "
        f"({'before and after' if after else 'before'} {first} – {last}); hours for hours",
        title_justify="left",
    )
    table.add_column("person")
    cats = ledger.categories(team)
    for c in cats:
        table.add_column(f"{c.label}\nbefore", justify="right")
        if after is not None:
            table.add_column("after", justify="right")
    names = {p.id: p.name or p.id for p in team.people}
    people = [p.id for p in team.people if any(p.id in ledger.scope(cal).eligible(c) for c in cats)]
    for p in people:
        row = [names[p]]
        for c in cats:
            eligible = p in ledger.scope(cal).eligible(c)
            row.append(f"{ledger.shown(c, before.get(c.id, {}).get(p, 0)):+g}" if eligible else "–")
            if after is not None:
                row.append(f"{ledger.shown(c, after.get(c.id, {}).get(p, 0)):+g}" if eligible else "–")
        table.add_row(*row)
    spread = ["spread (most − least)"]
    for c in cats:
        spread.append(f"{ledger.shown(c, ledger.spread(_of(before, c, cal))):g}")
        if after is not None:
            spread.append(f"{ledger.shown(c, ledger.spread(_of(after, c, cal))):g}")
    table.add_row(*spread, style="bold")
    Console().print(table)


def _of(balances: dict[str, dict[str, int]], cat: ledger.Category, cal: Calendar) -> dict[str, int]:
    """The category's balance of each eligible person (0 for one without any yet)."""
    mine = balances.get(cat.id, {})
    return {p: mine.get(p, 0) for p in ledger.scope(cal).eligible(cat)}
