"""Seed a month-end load test: N teams with a lead each, HR, feed tokens, a published rota per team.

    python loadtest/seed.py OUT.json [--teams 50] [--feeds 2000]

Reads ROTA_DATABASE_URL (migrated). Each team is the synthetic S desk (10 people) planned for next
month; its first rota comes from the greedy starting rota (milliseconds), published, so every feed has
events. Writes the tokens and the period to OUT.json for the locustfile.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from itertools import cycle
from pathlib import Path

from benchmarks.synthetic import synthetic_document
from rota.api.auth import Principal
from rota.api.db import Database
from rota.api.services.publish import publish_rota
from rota.api.services.rotas import store_rota
from rota.api.services.teams import current_document, put_team
from rota.api.services.tokens import create_api_token, create_calendar_token
from rota.api.settings import get_settings
from rota.calendar import Calendar
from rota.load import parse_team
from rota.solver.greedy import greedy_rota
from rota.solver.result import rota_document


def next_month(today: date) -> tuple[date, date]:
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--feeds", type=int, default=2000)
    args = parser.parse_args()
    settings = get_settings()
    db = Database.connect(settings.database_url)
    start, end = next_month(date.today())
    hr_principal = Principal(None, "hr", label="loadtest")
    leads, feeds = [], []
    with db.write() as session:
        hr = create_api_token(session=session, role="hr", label="loadtest hr").secret
    for n in range(args.teams):
        team_id = f"lt-{n:02d}"
        doc = {
            **synthetic_document("S", n),
            "team": f"Load test desk {n:02d}",
            "period": {"start": start.isoformat(), "end": end.isoformat()},
        }
        with db.write() as session:
            put_team(session=session, team_id=team_id, document=doc)
            leads.append(
                {
                    "team": team_id,
                    "token": create_api_token(
                        session=session, role="lead", teams=[team_id], label=f"loadtest lead {n}"
                    ).secret,
                }
            )
            team = parse_team(doc, team_id)
            cal = Calendar(team, start, end)
            duties = sorted(greedy_rota(cal))
            document, _ = rota_document(cal, duties, {"status": "feasible", "seed": 0, "time_limit": 0})
            rota = store_rota(
                session=session,
                team_id=team_id,
                team_version=1,
                start=start,
                end=end,
                document=document.to_json(),
                duties=duties,
            )
            session.commit()
            publish_rota(session=session, rota_id=rota.id)
    per_team = -(-args.feeds // args.teams)
    for lead in leads:
        team_id = lead["team"]
        with db.write() as session:
            people = [p["id"] for p in current_document(session=session, team_id=team_id)["people"]]
            kinds = cycle([("team", None)] + [("person", p) for p in people])
            for _ in range(min(per_team, args.feeds - len(feeds))):
                kind, person = next(kinds)
                issued = create_calendar_token(
                    session=session, principal=hr_principal, kind=kind, team_id=team_id, person=person
                )
                feeds.append(f"/calendars/{issued.secret}.ics")
    args.out.write_text(
        json.dumps(
            {"start": start.isoformat(), "end": end.isoformat(), "hr": hr, "leads": leads, "feeds": feeds}
        )
    )
    db.dispose()
    print(f"seeded {len(leads)} teams, {len(feeds)} feeds, next month {start}..{end} → {args.out}")


if __name__ == "__main__":
    main()
