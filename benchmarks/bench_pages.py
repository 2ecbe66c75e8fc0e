"""``rota bench pages``: how long the web app takes to render a 40-person month, in-process.

A throwaway SQLite database gets the synthetic M team (40 people, 3 roles) and a month's rota (the greedy
starting rota: a full month of duties, some gaps, in milliseconds); the app answers GET requests through
an in-process client signed in as the team's lead: the whole request is measured (session, database
reads, the view model, the template), not the network. Target: the month page's median under 300 ms
(the 95th percentile is shown too: on a busy machine it is the other processes' share of the cores).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rota.cli.errors import guarded

TARGET_MS = 300.0
MONTH = (date(2026, 3, 1), date(2026, 3, 31))  # the synthetic teams' month: the clocks change on the 29th


@dataclass
class PageTimes:
    """One page rendered ``renders`` times: median, 95th percentile and slowest, and its size."""

    name: str
    path: str
    renders: int
    median_ms: float
    p95_ms: float
    max_ms: float
    kb: float
    target: bool

    @property
    def met(self) -> bool:
        return self.median_ms < TARGET_MS


def seed(url: str, size: str = "M") -> tuple[str, int, str]:
    """Migrate, store the synthetic team and publish its month's greedy rota: (team, rota id, lead token)."""
    from benchmarks.synthetic import synthetic_document
    from rota.api.db import Database
    from rota.api.migrate import upgrade
    from rota.api.services.publish import publish_rota
    from rota.api.services.rotas import store_rota
    from rota.api.services.teams import put_team
    from rota.api.services.tokens import create_api_token
    from rota.calendar import Calendar
    from rota.load import parse_team
    from rota.solver.greedy import greedy_rota
    from rota.solver.result import rota_document

    db = Database.connect(url)
    try:
        upgrade(db.engine)
        doc = synthetic_document(size)
        doc["period"] = {"start": MONTH[0].isoformat(), "end": MONTH[1].isoformat()}
        team = parse_team(doc, "bench")
        cal = Calendar(team, *MONTH)
        duties = sorted(greedy_rota(cal))
        document, _ = rota_document(cal, duties, {"status": "feasible", "bound": 0, "seconds": 0})
        with db.write() as session:
            put_team(session=session, team_id="bench", document=doc)
            rota = store_rota(
                session=session,
                team_id="bench",
                team_version=1,
                start=MONTH[0],
                end=MONTH[1],
                document=document.to_json(),
                duties=duties,
            )
            session.commit()
            rota_id = rota.id
            publish_rota(session=session, rota_id=rota_id)
            token = create_api_token(session=session, role="lead", teams=["bench"], label="bench").secret
        return "bench", rota_id, token
    finally:
        db.dispose()


def measure(client: Any, name: str, path: str, renders: int, target: bool) -> PageTimes:
    """GET ``path`` once to warm up, then ``renders`` times, timing each whole request."""
    first = client.get(path)
    if first.status_code != 200:
        raise RuntimeError(f"{path} answered {first.status_code}")
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return PageTimes(
        name, path, renders, statistics.median(times), p95, times[-1], len(first.content) / 1024, target
    )


def run_bench(renders: int, size: str = "M") -> tuple[list[PageTimes], int]:
    """Seed a temp database and time the month page (and, for comparison, the others of the team)."""
    import logging
    import re

    from fastapi.testclient import TestClient

    from rota.api.main import create_app
    from rota.api.settings import Settings

    logging.getLogger("rota.api").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'pages.db'}"
        team_id, rota_id, token = seed(url, size)
        app = create_app(Settings(database_url=url, session_secret="bench", solve_isolation="thread"))
        with TestClient(app) as client:
            page = client.get("/sign-in").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            client.post("/sign-in", data={"token": token, "csrf": csrf})
            people = len(
                re.findall(
                    r'<th scope="row" class="name">(?!Gaps)',
                    client.get(f"/teams/{team_id}/rotas/{rota_id}").text,
                )
            )
            pages = [
                ("month (lead: grid, coverage, hours)", f"/teams/{team_id}/rotas/{rota_id}", True),
                ("publish (the changes)", f"/teams/{team_id}/rotas/{rota_id}/publish", False),
                ("coverage heat map", f"/teams/{team_id}/coverage", False),
                ("team", f"/teams/{team_id}", False),
            ]
            return [measure(client, name, path, renders, target) for name, path, target in pages], people


def results_table(pages: list[PageTimes], people: int) -> Table:
    load = os.getloadavg()[0]
    table = Table(
        title=f"Page renders · {people} people, March 2026 · in-process · load average {load:.1f} "
        f"on {os.cpu_count()} cores",
        title_justify="left",
    )
    for name in ("page", "renders", "median ms", "p95 ms", "max ms", "KB", f"median < {TARGET_MS:.0f} ms"):
        table.add_column(name, justify="left" if name in ("page",) else "right")
    for p in pages:
        met = Text("met" if p.met else "NOT MET", style="green" if p.met else "bold red") if p.target else "–"
        table.add_row(
            p.name,
            str(p.renders),
            f"{p.median_ms:.1f}",
            f"{p.p95_ms:.1f}",
            f"{p.max_ms:.1f}",
            f"{p.kb:.0f}",
            met,
        )
    return table


def register(bench: typer.Typer) -> None:
    """Add the ``pages`` command to the bench group."""

    @bench.command("pages")
    @guarded
    def pages_command(
        renders: Annotated[
            int, typer.Option("--renders", "-n", min=1, max=1000, help="Renders per page.")
        ] = 30,
    ) -> None:
        """Time the web app's month page of a 40-person team (and the team's other pages), in-process."""
        console = Console(width=max(Console().width, 100))
        console.print(f"[dim]seeding a 40-person month, then {renders} renders a page…[/dim]")
        pages, people = run_bench(renders)
        console.print(results_table(pages, people))
