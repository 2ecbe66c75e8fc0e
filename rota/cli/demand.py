"""``rota demand``: a role's demand from workload beside its typed demand (``show``), and a contact
profile from a history of tickets (``import``)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table

from rota import timeutil
from rota.cli.errors import fail, guarded
from rota.cli.inputs import load_team_file, resolve_period, writable

demand_app = typer.Typer(no_args_is_help=True, help="Demand from workload (contacts, Erlang C).")


@demand_app.command("show")
@guarded
def show_command(
    team_file: Annotated[Path, typer.Argument(help="Team file (YAML or JSON).", metavar="TEAMFILE")],
    role: Annotated[str | None, typer.Option("--role", help="Only this role (id).")] = None,
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM; default: the team's period.")] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=62, help="Show the first N dates.")] = 1,
    rota_file: Annotated[
        Path | None,
        typer.Option(
            "--rota",
            show_default=False,
            help="A rota of the team (JSON): add the people on duty and the service level they give.",
        ),
    ] = None,
) -> None:
    """Per interval: contacts, agents (Erlang C), headcount after shrinkage, the typed demand and the
    requirement the rota is made against (the higher), for roles with a workload."""
    from datetime import timedelta

    from rota.workload import profile

    team = load_team_file(team_file)
    first, last = resolve_period(team, month, None, None)
    roles = [role] if role is not None else [r for r, spec in team.roles.items() if spec.workload is not None]
    if role is not None and role not in team.roles:
        fail(f"--role: no role {role!r} in {team_file.name} (roles: {', '.join(team.roles)})")
    if not roles:
        fail(f"{team_file.name}: roles: no role has a workload block")
    duties = None
    if rota_file is not None:
        from rota.calendar import Calendar
        from rota.cli.inputs import check_fits, read_rota

        doc = read_rota(rota_file)
        check_fits(doc, team, rota_file, team_file)
        first, last = doc.period.start, doc.period.end
        cal = Calendar(team, first, last)
        duties = [cal.duty(a.person, a.role, a.shift, a.date) for a in doc.assignments]
    console = Console()
    for rid in roles:
        spec = team.roles[rid]
        work = spec.workload
        rows = profile(team, rid, first, min(last, first + timedelta(days=62)), duties)
        dates = sorted({r.date for r in rows})[:days]
        target = (
            f", {work.target.share:.0%} within {work.target.within:g} s, {work.handling_time:g} s a contact, "
            f"{work.shrinkage:.0%} shrinkage"
            if work is not None
            else ""
        )
        table = Table(title=f"{spec.name or rid}{target}", title_justify="left")
        names = ["date", "time", "contacts", "agents", "headcount", "service level", "typed", "required"]
        if duties is not None:
            names += ["on duty", "predicted"]
        for name in names:
            table.add_column(name, justify="left" if name in ("date", "time") else "right")
        for r in rows:
            if r.date not in dates:
                continue
            extra = []
            if duties is not None:
                extra = [str(r.on_duty), "" if r.predicted is None else f"{r.predicted:.0%}"]
            table.add_row(
                r.date,
                f"{r.start}–{r.end}",
                "" if r.contacts is None else f"{r.contacts:g}",
                "" if r.agents is None else str(r.agents),
                "" if r.headcount is None else str(r.headcount),
                "" if r.service_level is None else f"{r.service_level:.0%}",
                str(r.typed),
                str(r.required),
                *extra,
            )
        console.print(table)


@demand_app.command("import")
@guarded
def import_command(
    tickets: Annotated[
        Path,
        typer.Argument(
            help="CSV of tickets or calls, one a row, with a created-at column.", metavar="TICKETS.csv"
        ),
    ],
    column: Annotated[str, typer.Option("--column", help="The created-at column.")] = "created_at",
    timezone: Annotated[
        str, typer.Option("--timezone", help="The desk's IANA zone: times are counted on its clock.")
    ] = "UTC",
    interval: Annotated[int, typer.Option("--interval", help="Minutes an interval: 15, 30 or 60.")] = 30,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", show_default=False, help="Write the YAML to FILE.")
    ] = None,
) -> None:
    """A workload ``contacts:`` list from ticket history: per weekday and interval, the average number
    created, to paste under a role's ``workload:``."""
    from rota.workload import contact_profile

    if interval not in (15, 30, 60):
        fail(f"--interval: {interval} must be 15, 30 or 60")
    try:
        tz = timeutil.zone(timezone)
    except ValueError as exc:
        fail(f"--timezone: {exc}")
    if output is not None:
        writable(output)
    if not tickets.is_file():
        fail(f"{tickets.name}: no such file")
    times = []
    with tickets.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or column not in reader.fieldnames:
            fail(f"{tickets.name}: no column {column!r} (columns: {', '.join(reader.fieldnames or [])})")
        for n, row in enumerate(reader, start=2):
            text = (row.get(column) or "").strip()
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                fail(f"{tickets.name}: line {n}: {column}: {text!r} is not a date and time (ISO 8601)")
            moment = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
            times.append(moment)
    if not times:
        fail(f"{tickets.name}: no tickets")
    entries = contact_profile(times, interval)
    text = yaml.safe_dump(
        {"interval": interval, "contacts": entries}, sort_keys=False, default_flow_style=None
    )
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}: {len(times)} tickets, {len(entries)} weekdays")
