"""The load test's figures: locust's per-route statistics and, from the database, each solve's queue wait.

python loadtest/report.py collect RESULTS.json LABEL CSV_PREFIX SINCE_ISO   (reads ROTA_DATABASE_URL)
python loadtest/report.py table RESULTS.json                                (a Markdown table)
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def collect(results: Path, label: str, prefix: str, since: str) -> None:
    from sqlalchemy import select

    from rota.api.db import Database, utcnow
    from rota.api.models import Job
    from rota.api.settings import get_settings

    routes = []
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            routes.append(
                {
                    "name": row["Name"],
                    "count": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "p50": float(row["50%"] or 0),
                    "p99": float(row["99%"] or 0),
                }
            )
    start = datetime.fromisoformat(since)
    db = Database.connect(get_settings().database_url)
    now = utcnow()
    with db.read() as session:
        jobs = session.execute(
            select(Job.state, Job.created_at, Job.started_at, Job.finished_at).where(Job.created_at >= start)
        ).all()
    db.dispose()
    waits = [(s.started_at - s.created_at).total_seconds() for s in jobs if s.started_at is not None]
    waiting = [(now - s.created_at).total_seconds() for s in jobs if s.started_at is None]
    runs = [
        (s.finished_at - s.started_at).total_seconds()
        for s in jobs
        if s.started_at is not None and s.finished_at is not None
    ]
    seconds = (now - start).total_seconds()
    entry = {
        "label": label,
        "seconds": round(seconds),
        "routes": routes,
        "jobs": len(jobs),
        "done": sum(s.state == "done" for s in jobs),
        "failed": sum(s.state == "failed" for s in jobs),
        "still_queued": len(waiting),
        "solves_per_min": round(sum(s.state == "done" for s in jobs) / seconds * 60, 1),
        "wait_p50": _pct(waits, 0.5),
        "wait_p99": _pct(waits, 0.99),
        "wait_max": max(waits + waiting or [0]),
        "solve_p50": _pct(runs, 0.5),
    }
    data = json.loads(results.read_text()) if results.exists() else []
    data.append(entry)
    results.write_text(json.dumps(data, indent=1))


def _f(value: Any, fmt: str = "{:.0f}") -> str:
    return "–" if value is None else fmt.format(value)


def table(results: Path) -> None:
    data = json.loads(results.read_text())
    print("| configuration | route | requests | failures | req/s | p50 ms | p99 ms |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for entry in data:
        for r in entry["routes"]:
            name = "**all routes**" if r["name"] == "Aggregated" else f"`{r['name']}`"
            print(
                f"| {entry['label']} | {name} | {r['count']:,} | {r['failures']} | {r['rps']:.1f} | "
                f"{_f(r['p50'])} | {_f(r['p99'])} |"
            )
    print()
    print(
        "| configuration | solves asked | done | solves/min | queue wait p50 s | p99 s | max s | "
        "still queued at the end | solve p50 s |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for e in data:
        print(
            f"| {e['label']} | {e['jobs']} | {e['done']} | {e['solves_per_min']} | "
            f"{_f(e['wait_p50'], '{:.1f}')} | {_f(e['wait_p99'], '{:.1f}')} | "
            f"{_f(e['wait_max'], '{:.1f}')} | "
            f"{e['still_queued']} | {_f(e['solve_p50'], '{:.1f}')} |"
        )


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "collect":
        collect(Path(rest[0]), rest[1], rest[2], rest[3])
    elif command == "table":
        table(Path(rest[0]))
    else:
        sys.exit(__doc__)
