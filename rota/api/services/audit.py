"""The audit trail of a team: every change (an edit, an import, a request and its decision, a claim, a leave
approval, a publish) with who, when, what and why.

``record`` adds the entry to the caller's session, before the service that makes the change commits: the
entry and the change are one transaction, so neither is kept without the other."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.api.db import utcnow
from rota.api.models import AuditEntry
from rota.api.services.teams import get_team

ACTIONS = (
    "edit",
    "import",
    "request",
    "accept",
    "approve",
    "decline",
    "withdraw",
    "leave",
    "open-shift",
    "claim",
    "publish",
    "replan",
)
CSV_COLUMNS = ("when", "who", "action", "what", "why")


def actor_of(principal: Any, names: dict[str, str] | None = None) -> str:
    """Who acts, in words: a staff member's name (from the team file when given), else the token's label."""
    person = getattr(principal, "person", None)
    if person:
        return (names or {}).get(person, person)
    return str(principal.name)


def record(
    session: Session, team_id: str, actor: str, action: str, what: str, why: str | None = None
) -> AuditEntry:
    """Add one entry to ``session`` (committed with the change it describes)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(team_id=team_id, at=utcnow(), actor=actor, action=action, what=what, why=(why or None))
    session.add(entry)
    return entry


def entries(
    *, session: Session, team_id: str, start: date | None = None, end: date | None = None, limit: int = 1000
) -> list[AuditEntry]:
    """The team's entries, newest first (404 for a team not stored); ``start``/``end`` bound the UTC date."""
    get_team(session=session, team_id=team_id)
    query = select(AuditEntry).where(AuditEntry.team_id == team_id)
    if start is not None:
        query = query.where(AuditEntry.at >= datetime.combine(start, time.min, tzinfo=UTC))
    if end is not None:
        query = query.where(AuditEntry.at < datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC))
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))


def as_dict(entry: AuditEntry) -> dict[str, str | int | None]:
    return {
        "id": entry.id,
        "when": entry.at.isoformat(),
        "who": entry.actor,
        "action": entry.action,
        "what": entry.what,
        "why": entry.why,
    }


def as_csv(rows: Sequence[AuditEntry]) -> str:
    """The entries as CSV, a header line first (when, who, action, what, why)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in rows:
        writer.writerow([e.at.isoformat(), e.actor, e.action, e.what, e.why or ""])
    return out.getvalue()
