"""The HR coverage report over a team's published rotas, as JSON, CSV or an Excel workbook."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.api.errors import Invalid
from rota.api.models import PublishedDay, RotaEdit
from rota.api.services.rotas import duty_of, horizon_team, published_assignments
from rota.calendar import Calendar
from rota.export import MEDIA_TYPES, safe_row, xlsx_table
from rota.report import CoverageReport, coverage_report

MAX_DAYS = 366


def team_coverage(
    *, session: Session, team_id: str, start: date, end: date, history_days: int
) -> tuple[CoverageReport, list[dict[str, Any]]]:
    """The report for ``start``..``end`` against the team's current version, and the forced edits."""
    _, report, edits = coverage_calendar(
        session=session, team_id=team_id, start=start, end=end, history_days=history_days
    )
    return report, edits


def coverage_calendar(
    *, session: Session, team_id: str, start: date, end: date, history_days: int
) -> tuple[Calendar, CoverageReport, list[dict[str, Any]]]:
    """``team_coverage`` with the team's calendar of ``start``..``end`` it was computed on (the team's
    current version, its history filled from published rotas), for a page that lays the report over it."""
    if end < start:
        raise Invalid(f"to {end} is before from {start}", "to")
    if (end - start).days >= MAX_DAYS:
        raise Invalid(f"the report spans at most {MAX_DAYS} days", "to")
    team, _ = horizon_team(session=session, team_id=team_id, start=start, end=end, history_days=history_days)
    cal = Calendar(team, start, end)
    duties = [
        duty_of(r) for r in published_assignments(session=session, team_id=team_id, start=start, end=end)
    ]
    report = coverage_report(cal, duties)
    rota_ids = (
        select(PublishedDay.rota_id)
        .where(PublishedDay.team_id == team_id, PublishedDay.date >= start, PublishedDay.date <= end)
        .distinct()
    )
    forced = session.scalars(
        select(RotaEdit)
        .where(RotaEdit.rota_id.in_(rota_ids), RotaEdit.forced.is_(True))
        .order_by(RotaEdit.id)
    )
    edits = [
        {
            "rota_id": e.rota_id,
            "op": e.op,
            "assignment": e.payload,
            "violations": e.violations,
            "reason": e.reason,
            "actor": e.actor,
            "at": e.created_at.isoformat(),
        }
        for e in forced
    ]
    return cal, report, edits


def as_json(report: CoverageReport, forced: list[dict[str, Any]]) -> dict[str, Any]:
    return {**report.as_dict(), "forced_edits": forced}


def report_tables(report: CoverageReport) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The report's tables and the per-role totals: coverage, roles, gaps, people, totals."""
    tables = report.tables()
    return {"coverage": tables.pop("coverage"), "roles": report.role_table(), **tables}


def as_csv(report: CoverageReport, table: str = "coverage") -> str:
    """One table of the report as CSV (hours, not minutes; empty cells where nothing applies)."""
    tables = report_tables(report)
    if table not in tables:
        raise Invalid(f'unknown table "{table}" (known: {", ".join(tables)})', "table")
    head, rows = tables[table]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(safe_row(head))
    writer.writerows([safe_row(["" if v is None else v for v in row]) for row in rows])
    return out.getvalue()


def coverage_file(
    report: CoverageReport,
    forced: list[dict[str, Any]],
    fmt: str,
    table: str,
    team_id: str,
    start: date,
    end: date,
) -> tuple[str | bytes, str, str]:
    """(body, media type, file name) of the report as a download: CSV (one ``table``) or, for any other
    ``fmt``, the Excel workbook (the API and the coverage page serve the same file)."""
    stem = f"coverage-{team_id}-{start}-{end}"
    if fmt == "csv":
        return as_csv(report, table), MEDIA_TYPES["csv"], f"{stem}-{table}.csv"
    return as_xlsx(report, forced), MEDIA_TYPES["xlsx"], f"{stem}.xlsx"


def as_xlsx(report: CoverageReport, forced: list[dict[str, Any]]) -> bytes:
    """The report as an Excel workbook: a sheet per table, plus the forced edits."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    tables = report_tables(report)
    tables["forced edits"] = (
        ["rota", "op", "assignment", "rules broken", "reason", "by", "at"],
        [
            [
                e["rota_id"],
                e["op"],
                _assignment(e["assignment"]),
                " | ".join(v["message"] for v in e["violations"]),
                e["reason"],
                e["actor"],
                e["at"],
            ]
            for e in forced
        ],
    )
    for name, (head, rows) in tables.items():
        xlsx_table(book, name.capitalize(), head, rows, widths=(10, 60), first_width=30)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _assignment(payload: dict[str, Any]) -> str:
    text = f"{payload.get('person')} {payload.get('shift')} ({payload.get('role')}) {payload.get('date')}"
    to = payload.get("to")
    return text + (f" → {to}" if to else "")
