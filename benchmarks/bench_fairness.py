"""``rota bench fairness``: a synthetic 24/7 team solved month by month for a year, with the fairness
ledger (issue 24) and with each month alone, and per category the spread between the most and the least
loaded eligible person at the end.

The team: ten people on 12-hour day and night duty every day (one each), a Service Manager on Duty on
weekdays drawn from four of them, GB/England bank holidays worked (the team does not close), 21-hour
contracts, a week of leave each, a starter in April and a two-month sick leave in the summer. Each month
is solved with the published months before it as history. "With the ledger": the team file has the
``fairness`` block, so each month starts from the balances so far. "Each month alone": the same team
without the block (each month fair within itself only); its year is then read with the same ledger.

A person's load in a category is their balance: duties done less their share (the category's duties ×
their workable dates of it ÷ everyone's), so leave, the starter and the sick leave count pro rata.
The issue's target: a spread of at most one duty per category with the ledger.
"""

from __future__ import annotations

import copy
import json
import random
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from benchmarks.limits import as_effort
from rota import ledger
from rota.cli.errors import guarded
from rota.load import parse_team
from rota.records import Duty
from rota.solver import SolveParams, solve
from rota.validate import validate

YEAR = 2027
TARGET = 1.0  # duties (and one 12-hour shift, for hours)
FAIRNESS: dict[str, Any] = {
    "window_months": 12,
    "categories": {"weekend": 10, "holiday": 10, "night": 5, "hours": 1},
    "roles": {"smod": 10},
    "holidays": {"country": "GB", "subdivision": "ENG"},
}


def fairness_team(ledger_on: bool = True, seed: int = 0) -> dict[str, Any]:
    """The benchmark's team file (without its history)."""
    rng = random.Random(seed)
    people: list[dict[str, Any]] = []
    for i in range(10):
        pid = f"p{i:02d}"
        person: dict[str, Any] = {
            "id": pid,
            "name": f"Person {i:02d}",
            "skills": ["oncall"] + (["smod"] if i < 4 else []),
            "hours_per_week": 21 if i >= 4 else 18,
            "unavailable": [],
        }
        week = date(YEAR, 1, 4) + timedelta(weeks=rng.randrange(48))
        person["unavailable"].append({"from": week.isoformat(), "to": (week + timedelta(days=6)).isoformat()})
        people.append(person)
    people[9]["unavailable"].append(
        {"from": f"{YEAR}-01-01", "to": f"{YEAR}-04-11", "reason": "not yet started"}
    )
    people[5]["unavailable"].append({"from": f"{YEAR}-06-14", "to": f"{YEAR}-08-15", "reason": "sick"})
    doc: dict[str, Any] = {
        "team": "Fairness Benchmark",
        "timezone": "Europe/London",
        "opening_hours": {"daily": "00:00-24:00"},
        "roles": {
            "oncall": {
                "skills": ["oncall"],
                "shift_demand": [
                    {"shift": "day", "min": 1, "max": 1},
                    {"shift": "night", "min": 1, "max": 1},
                ],
            },
            "smod": {
                "name": "SMoD",
                "skills": ["smod"],
                "shift_demand": [{"shift": "office", "min": 1, "max": 1}],
            },
        },
        "shifts": {
            "day": {"start": "08:00", "end": "20:00", "roles": ["oncall"]},
            "night": {"start": "20:00", "end": "08:00", "roles": ["oncall"]},
            "office": {"start": "09:00", "end": "17:00", "days": "mon-fri", "roles": ["smod"]},
        },
        "people": people,
        "history": [],
    }
    if ledger_on:
        doc["fairness"] = copy.deepcopy(FAIRNESS)
    return doc


def month_range(m: int) -> tuple[date, date]:
    first = date(YEAR, m, 1)
    return first, date(YEAR + m // 12, m % 12 + 1, 1) - timedelta(days=1)


@dataclass
class Year:
    """One way of solving the year: the duties, the wall seconds, and any rule a month broke."""

    duties: list[Duty]
    seconds: float
    violations: int
    gap_minutes: int


def solve_year(ledger_on: bool, months: int, time_limit: float, seed: int = 0) -> Year:
    """Solve ``months`` months one after another, each with the ones before as history."""
    doc = fairness_team(ledger_on)
    duties: list[Duty] = []
    started = time.perf_counter()
    broken = gaps = 0
    for m in range(1, months + 1):
        doc["history"] = [
            {"person": d.person, "role": d.role, "shift": d.shift, "date": d.date.isoformat()} for d in duties
        ]
        team = parse_team(doc, "fairness benchmark")
        start, end = month_range(m)
        result = solve(
            team, start, end, SolveParams(**as_effort(time_limit), workers=2, seed=seed, strategy="whole")
        )
        report = validate(team, result.document)
        broken += len(report.violations)
        if result.terms is not None:
            gaps += result.terms.gap_core + result.terms.gap_other
        duties += result.duties
    return Year(duties, time.perf_counter() - started, broken, gaps)


@dataclass
class Row:
    """One category: the spread with the ledger and with each month alone (duties, or hours)."""

    category: str
    eligible: int
    unit: str
    with_ledger: float
    alone: float
    most_least_ledger: str
    most_least_alone: str

    @property
    def met(self) -> bool:
        return self.with_ledger <= (12 * TARGET if self.unit == "h" else TARGET) + 1e-9


def spreads(months: int, with_ledger: Year, alone: Year) -> list[Row]:
    """Per category: the end-of-year spread of balances among eligible people, both ways."""
    team = parse_team(fairness_team(True), "fairness benchmark")
    last = month_range(months)[1]
    books = {
        way: ledger.ledger(team, year.duties, date(YEAR, 1, 1), last)
        for way, year in (("ledger", with_ledger), ("alone", alone))
    }
    out = []
    for cat in ledger.categories(team):
        spread = {}
        extremes = {}
        for way, book in books.items():
            bal = book.balance(cat.id)
            spread[way] = ledger.shown(cat, ledger.spread(bal))
            hi, lo = max(bal, key=lambda p: (bal[p], p)), min(bal, key=lambda p: (bal[p], p))
            extremes[way] = f"{hi} {ledger.shown(cat, bal[hi]):+g} / {lo} {ledger.shown(cat, bal[lo]):+g}"
        out.append(
            Row(
                cat.label,
                len(books["ledger"].balance(cat.id)),
                "h" if cat.hours else "duties",
                spread["ledger"],
                spread["alone"],
                extremes["ledger"],
                extremes["alone"],
            )
        )
    return out


def results_table(rows: list[Row], months: int, limit: float, years: dict[str, Year]) -> Table:
    table = Table(
        title=f"Fairness over {months} month{'s' * (months != 1)}, solved month by month · "
        f"{limit:g} deterministic s a month · spread = most − least loaded eligible person "
        "(balance: done − pro-rata share)",
        title_justify="left",
    )
    for name in (
        "category",
        "people",
        "spread with ledger",
        "each month alone",
        "most / least (ledger)",
        "target",
    ):
        table.add_column(name, justify="left" if name in ("category", "most / least (ledger)") else "right")
    for r in rows:
        unit = " h" if r.unit == "h" else ""
        table.add_row(
            r.category,
            str(r.eligible),
            f"{r.with_ledger:g}{unit}",
            f"{r.alone:g}{unit}",
            r.most_least_ledger,
            Text("met" if r.met else "missed", style="green" if r.met else "bold red"),
        )
    table.caption = " · ".join(
        f"{way}: {y.seconds:.0f} s wall, {y.violations} broken rules, {y.gap_minutes} gap minutes"
        for way, y in years.items()
    )
    return table


def register(bench: typer.Typer) -> None:
    """Add the ``fairness`` command to the bench group."""

    @bench.command("fairness")
    @guarded
    def fairness_command(
        months: Annotated[
            int, typer.Option("--months", min=1, max=12, help="Months to solve, from January.")
        ] = 12,
        time_limit: Annotated[
            float, typer.Option("--time-limit", min=0.1, help="Deterministic seconds per month.")
        ] = 5.0,
        seed: Annotated[int, typer.Option("--seed", help="Solver seed.")] = 0,
        json_path: Annotated[Path | None, typer.Option("--json", help="Also write the rows here.")] = None,
    ) -> None:
        """Solve a synthetic team month by month, with the fairness ledger and each month alone; print
        per category the spread between the most and the least loaded eligible person."""
        console = Console(width=max(Console().width, 130))
        years = {}
        for way, on in (("with ledger", True), ("each month alone", False)):
            console.print(f"[dim]{way}: {months} months, {time_limit:g} deterministic s each…[/dim]")
            years[way] = solve_year(on, months, time_limit, seed)
        rows = spreads(months, years["with ledger"], years["each month alone"])
        console.print(results_table(rows, months, time_limit, years))
        console.print(
            f"target: a spread of at most {TARGET:g} duty per category (12 h for hours) with the ledger"
        )
        if json_path is not None:
            json_path.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n", encoding="utf-8")
