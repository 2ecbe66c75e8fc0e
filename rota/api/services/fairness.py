"""The fairness ledger over a team's published rotas (issue 24): the HR year view as JSON, CSV or XLSX,
and one person's own balances for ``/me``.

The duties are the published ones, each date from the rota published for it (``published_assignments``),
so a re-published month replaces its own contribution; the ledger itself is ``rota.ledger``.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from rota import ledger
from rota.api.errors import Invalid
from rota.api.services.rotas import duty_of, published_assignments
from rota.api.services.teams import current_document, parse_document
from rota.export import MEDIA_TYPES, safe_row, xlsx_sheet
from rota.team import Team

MAX_DAYS = 731  # two years: a year view, or a window of up to 24 months


def _team(session: Session, team_id: str) -> Team:
    team = parse_document(current_document(session=session, team_id=team_id), team_id, stored=True)
    if team.fairness is None:
        raise Invalid(
            "the team counts no fairness categories: add a fairness block to its team file "
            "(docs/team-file.md, the fairness ledger)",
            "team",
        )
    return team


def default_range(session: Session, team_id: str, today: date) -> tuple[date, date]:
    """The team's window back from today: ``window_months`` months to yesterday."""
    team = _team(session, team_id)
    assert team.fairness is not None
    return ledger.months_before(today, team.fairness.window_months), today - timedelta(days=1)


def team_ledger(*, session: Session, team_id: str, start: date, end: date) -> ledger.Ledger:
    """The ledger of the team's published duties dated ``start``..``end`` (its current team file)."""
    if end < start:
        raise Invalid(f"to {end} is before from {start}", "to")
    if (end - start).days >= MAX_DAYS:
        raise Invalid(f"the fairness view spans at most {MAX_DAYS} days", "to")
    team = _team(session, team_id)
    rows = published_assignments(session=session, team_id=team_id, start=start, end=end)
    known = {p.id for p in team.people}
    duties = [duty_of(r) for r in rows if r.person in known]
    return ledger.ledger(team, duties, start, end)


def year_view(*, session: Session, team_id: str, start: date, end: date) -> dict[str, Any]:
    """The HR view: per person × category done and balance, per category the spread."""
    led = team_ledger(session=session, team_id=team_id, start=start, end=end)
    assert led.team.fairness is not None
    return {"team": team_id, "window_months": led.team.fairness.window_months, **ledger.view(led)}


def person_view(*, session: Session, team_id: str, person: str, today: date) -> dict[str, Any] | None:
    """One person's balances over the team's window to yesterday, or None when the team keeps no ledger."""
    team = parse_document(current_document(session=session, team_id=team_id), team_id, stored=True)
    if team.fairness is None:
        return None
    start, end = ledger.months_before(today, team.fairness.window_months), today - timedelta(days=1)
    data = year_view(session=session, team_id=team_id, start=start, end=end)
    mine = next((p for p in data["people"] if p["person"] == person), None)
    return {
        "team": team_id,
        "from": data["from"],
        "to": data["to"],
        "categories": [
            {
                "id": c["id"],
                "label": c["label"],
                "unit": c["unit"],
                **((mine or {}).get("categories", {}).get(c["id"]) or {"done": 0, "balance": 0}),
            }
            for c in data["categories"]
        ],
    }


def fairness_file(
    data: dict[str, Any], fmt: str, team_id: str, start: date, end: date
) -> tuple[str | bytes, str, str]:
    """(body, media type, file name) of the view as a download: CSV or, for any other ``fmt``, the Excel
    workbook (the API and the fairness page serve the same file)."""
    name = f"fairness-{team_id}-{start}-{end}.{'csv' if fmt == 'csv' else 'xlsx'}"
    if fmt == "csv":
        return as_csv(data), MEDIA_TYPES["csv"], name
    return as_xlsx(data), MEDIA_TYPES["xlsx"], name


def as_csv(data: dict[str, Any]) -> str:
    head, rows = ledger.view_table(data)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(safe_row(head))
    writer.writerows([safe_row(["" if v is None else v for v in row]) for row in rows])
    return out.getvalue()


def as_xlsx(data: dict[str, Any]) -> bytes:
    """A workbook: the per-person table, and the categories with their spread and extremes."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    cats = [
        [
            c["label"],
            c["unit"],
            c["weight"],
            c["spread"],
            (c["most_loaded"] or {}).get("person"),
            (c["most_loaded"] or {}).get("balance"),
            (c["least_loaded"] or {}).get("person"),
            (c["least_loaded"] or {}).get("balance"),
        ]
        for c in data["categories"]
    ]
    sheets = {
        "Fairness": ledger.view_table(data),
        "Categories": (
            ["category", "unit", "weight", "spread", "most loaded", "balance", "least loaded", "balance"],
            cats,
        ),
    }
    for name, (head, rows) in sheets.items():
        xlsx_sheet(book, name, head, rows, freeze="C2" if name == "Fairness" else "A2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
