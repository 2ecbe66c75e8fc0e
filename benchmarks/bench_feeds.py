"""``rota bench feeds``: the iCal feed endpoint over real HTTP on loopback, with and without ETag hits.

A throwaway SQLite database gets a team of 100 people and a year of published shifts (from 30 days back),
one person feed each; uvicorn serves it in a child process, and client threads send a bounded number of
requests: first renders, full bodies (no If-None-Match), ETag hits (304), and full bodies on a server
without its body cache (every one rendered from the database).
Target on this 2-core machine, full bodies and ETag hits: ≥ 300 req/s and p99 < 100 ms.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rota.cli.errors import guarded

TARGET_RPS, TARGET_P99_MS = 300.0, 100.0
TARGET_PHASES = ("full body", "ETag hit (304)")  # the "with and without ETag hits"


@dataclass
class Phase:
    """One measured phase: how many requests, how fast, how slow at the median and the 99th percentile."""

    name: str
    requests: int
    concurrency: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    mean_kb: float
    errors: int

    @property
    def met(self) -> bool:
        return self.rps >= TARGET_RPS and self.p99_ms < TARGET_P99_MS and not self.errors


def bench_team(people: int) -> dict[str, Any]:
    """A team file: ``people`` people on early and late duty, open daily (London: DST is in the year)."""
    return {
        "team": "Feed Benchmark",
        "timezone": "Europe/London",
        "opening_hours": {"daily": "07:00-23:00"},
        "roles": {"duty": {"name": "On duty", "demand": [{"time": "opening_hours", "min": 1}]}},
        "shifts": {"early": {"start": "07:00", "end": "15:00"}, "late": {"start": "15:00", "end": "23:00"}},
        "people": [{"id": f"p{i:03d}", "name": f"Person {i:03d}"} for i in range(people)],
    }


def seed(url: str, people: int, days: int, today: date) -> list[str]:
    """Migrate, store the team, publish ``days`` of shifts from 30 days back; a feed secret per person."""
    from rota.api.auth import Principal
    from rota.api.db import Database
    from rota.api.migrate import upgrade
    from rota.api.services.publish import publish_rota
    from rota.api.services.rotas import store_rota
    from rota.api.services.teams import put_team
    from rota.api.services.tokens import create_calendar_token
    from rota.calendar import Calendar
    from rota.load import parse_team

    db = Database.connect(url)
    upgrade(db.engine)
    doc = bench_team(people)
    start, end = today - timedelta(days=30), today - timedelta(days=30) + timedelta(days=days - 1)
    cal = Calendar(
        parse_team({**doc, "period": {"start": start.isoformat(), "end": end.isoformat()}}), start, end
    )
    duties = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        for i in range(people):
            if (i + offset) % 7 < 5:  # five days a week, days off staggered
                shift = "early" if (i + offset // 7) % 2 == 0 else "late"
                duties.append(cal.duty(f"p{i:03d}", "duty", shift, day))
    with db.write() as session:
        put_team(session=session, team_id="feeds", document=doc)
    with db.write() as session:
        rota = store_rota(
            session=session,
            team_id="feeds",
            team_version=1,
            start=start,
            end=end,
            duties=duties,
            document={
                "team": doc["team"],
                "timezone": doc["timezone"],
                "period": {"start": start.isoformat(), "end": end.isoformat()},
                "assignments": [],
                "gaps": [],
                "solver": {"status": "feasible"},
            },
        )
        session.commit()
        rota_id = rota.id
    with db.write() as session:
        publish_rota(session=session, rota_id=rota_id)
    hr = Principal(None, "hr", label="bench")
    secrets = []
    for i in range(people):
        with db.write() as session:
            secrets.append(
                create_calendar_token(
                    session=session, principal=hr, kind="person", team_id="feeds", person=f"p{i:03d}"
                ).secret
            )
    db.dispose()
    return secrets


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, *, cache: bool = True) -> subprocess.Popen[bytes]:
    """uvicorn on 127.0.0.1:``port`` in a child process; returns once it answers.

    Without ``cache`` the server keeps no rendered bodies: every 200 is a render from the database.
    """
    import httpx

    env = {**os.environ, "ROTA_DATABASE_URL": url, "ROTA_FEED_CACHE_SIZE": "512" if cache else "0"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "rota.api.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"the server stopped: {proc.stderr.read().decode()[-500:] if proc.stderr else ''}"
            )
        try:
            httpx.get(f"http://127.0.0.1:{port}/calendars/none.ics", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("the server did not answer within 60 s")


def measure(name: str, base: str, items: list[tuple[str, dict[str, str]]], concurrency: int) -> Phase:
    """Send ``items`` (path, headers) from ``concurrency`` threads, one keep-alive client each."""
    import httpx

    latencies: list[float] = []
    sizes: list[int] = []
    errors = [0]
    lock = threading.Lock()
    cursor = iter(range(len(items)))

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            while True:
                with lock:
                    i = next(cursor, None)
                if i is None:
                    return
                path, headers = items[i]
                t0 = time.perf_counter()
                response = client.get(path, headers=headers)
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    sizes.append(len(response.content))
                    if response.status_code not in (200, 304):
                        errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return Phase(
        name,
        len(items),
        concurrency,
        round(seconds, 3),
        round(len(items) / seconds, 1),
        round(statistics.median(ordered) * 1000, 2),
        round(p99 * 1000, 2),
        round(statistics.mean(sizes) / 1024, 1),
        errors[0],
    )


def median_phase(runs: list[Phase]) -> Phase:
    """The run with the median throughput (the machine is shared: single runs are noisy)."""
    return sorted(runs, key=lambda p: p.rps)[len(runs) // 2]


def run_bench(
    people: int, days: int, requests: int, concurrency: int, repeat: int, console: Console
) -> list[Phase]:
    """Seed, serve, measure the phases (the measured ones ``repeat`` times, interleaved), stop the server.

    Phases: each feed's first render; full bodies (no If-None-Match; the server answers from its body
    cache); ETag hits (304); then, on a second server with the body cache off, full bodies each rendered
    from the database (a quarter of ``requests``): the cost right after a publish changes every feed.
    """
    import httpx

    with tempfile.TemporaryDirectory(prefix="rota-feeds-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'feeds.db'}"
        console.print(f"[dim]seeding {people} people × {days} days of published shifts…[/dim]")
        secrets = seed(url, people, days, date.today())
        paths = [f"/calendars/{s}.ics" for s in secrets]
        cycle = [paths[i % len(paths)] for i in range(requests)]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(url, port)
        try:
            etags = {}
            with httpx.Client(base_url=base) as client:
                for p in paths[:1]:
                    client.get(p)  # imports and first query plans, off the books
            first = measure("first render", base, [(p, {}) for p in paths], concurrency)
            with httpx.Client(base_url=base) as client:
                for p in paths:
                    etags[p] = client.get(p).headers["etag"]
            fulls, hits = [], []
            for i in range(repeat):
                console.print(f"[dim]measuring, round {i + 1}/{repeat}…[/dim]")
                fulls.append(measure("full body", base, [(p, {}) for p in cycle], concurrency))
                hits.append(
                    measure(
                        "ETag hit (304)", base, [(p, {"If-None-Match": etags[p]}) for p in cycle], concurrency
                    )
                )
        finally:
            proc.terminate()
            proc.wait(10)
        proc = start_server(url, port, cache=False)
        try:
            with httpx.Client(base_url=base) as client:
                client.get(paths[0])
            renders = []
            uncached = cycle[: max(len(paths), requests // 4)]
            for i in range(repeat):
                console.print(f"[dim]measuring without the body cache, round {i + 1}/{repeat}…[/dim]")
                renders.append(measure("full body, no cache", base, [(p, {}) for p in uncached], concurrency))
        finally:
            proc.terminate()
            proc.wait(10)
    return [first, median_phase(fulls), median_phase(hits), median_phase(renders)]


def results_table(phases: list[Phase], people: int, days: int) -> Table:
    table = Table(
        title=f"iCal feeds over HTTP · {people} people × {days} days · uvicorn, 1 process · "
        "median of the rounds",
        title_justify="left",
    )
    for name in ("phase", "requests", "threads", "req/s", "p50 ms", "p99 ms", "body KB", "errors", "target"):
        table.add_column(name, justify="left" if name == "phase" else "right")
    for p in phases:
        verdict = (
            Text("–")
            if p.name not in TARGET_PHASES
            else Text("met" if p.met else "missed", style="green" if p.met else "bold red")
        )
        table.add_row(
            p.name,
            str(p.requests),
            str(p.concurrency),
            f"{p.rps:,.0f}",
            f"{p.p50_ms:.1f}",
            f"{p.p99_ms:.1f}",
            f"{p.mean_kb:.1f}",
            str(p.errors),
            verdict,
        )
    return table


def register(bench: typer.Typer) -> None:
    """Add the ``feeds`` command to the bench group."""

    @bench.command("feeds")
    @guarded
    def feeds_command(
        people: Annotated[
            int, typer.Option("--people", min=1, max=2000, help="People, one feed each.")
        ] = 100,
        days: Annotated[int, typer.Option("--days", min=31, max=800, help="Days of published shifts.")] = 365,
        requests: Annotated[
            int, typer.Option("--requests", min=10, max=100_000, help="Requests per measured phase.")
        ] = 2000,
        concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64, help="Client threads.")] = 4,
        repeat: Annotated[
            int, typer.Option("--repeat", min=1, max=9, help="Rounds; the median is shown.")
        ] = 3,
        json_path: Annotated[Path | None, typer.Option("--json", help="Also write the phases here.")] = None,
    ) -> None:
        """Measure GET /calendars/{token}.ics: req/s and p50/p99 latency, with and without ETag hits."""
        console = Console(width=max(Console().width, 110))
        phases = run_bench(people, days, requests, concurrency, repeat, console)
        console.print(results_table(phases, people, days))
        console.print(
            f"target on the full-body and ETag phases: ≥ {TARGET_RPS:.0f} req/s, p99 < {TARGET_P99_MS:.0f} ms"
        )
        if json_path is not None:
            json_path.write_text(json.dumps([asdict(p) for p in phases], indent=2) + "\n", encoding="utf-8")
