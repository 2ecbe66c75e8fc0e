"""Rotas in the database: storing a solve, reading documents and their views (CSV, iCalendar, Excel,
HTML), published duties and the history seam."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import and_, insert, select
from sqlalchemy.orm import Session

from rota import ledger, timeutil
from rota.api.auth import Principal
from rota.api.db import utcnow
from rota.api.errors import Forbidden, NotFound
from rota.api.models import Assignment, PublishedDay, Rota
from rota.api.services.privacy import private_document, private_team, sees_leave_reasons
from rota.api.services.teams import get_version, parse_document
from rota.calendar import Calendar
from rota.document import RotaDocument
from rota.export import MEDIA_TYPES, export
from rota.records import Duty
from rota.team import Team
from rota.view import RotaView

VIEW_FORMATS = ("csv", "ics", "xlsx", "html")


def duty_of(row: Assignment) -> Duty:
    """An assignment row as a duty, with the instants it was stored with."""
    start, end = timeutil.to_minutes(row.start_utc), timeutil.to_minutes(row.end_utc)
    return Duty(row.person, row.date, row.shift, row.role, start, end)


def assignment_values(d: Duty, *, forced: bool = False) -> dict[str, Any]:
    """A duty as an assignment row's columns (its instants in UTC), ``duty_of`` the other way."""
    return {
        "person": d.person,
        "role": d.role,
        "shift": d.shift,
        "date": d.date,
        "start_utc": timeutil.from_minutes(d.start, UTC),
        "end_utc": timeutil.from_minutes(d.end, UTC),
        "forced": forced,
    }


def team_duties(cal: Calendar, keys: Iterable[tuple[str, str, str, date]]) -> list[Duty]:
    """The duties of (person, role, shift, date) keys the team still has, sorted; the others are dropped."""
    team = cal.team
    people = {p.id for p in team.people}
    return sorted(cal.duty(*k) for k in keys if k[0] in people and k[1] in team.roles and k[2] in team.shifts)


def get_rota(*, session: Session, rota_id: int) -> Rota:
    rota = session.get(Rota, rota_id)
    if rota is None:
        raise NotFound(f"no rota {rota_id}", "rota_id")
    return rota


def require_read(principal: Principal, rota: Rota) -> None:
    """403 unless the caller may read ``rota``: drafts for hr and the team's leads, published and
    superseded ones for its staff too. The one read check of the API and the pages."""
    if rota.state == "draft":
        principal.require_manager(rota.team_id)
    else:
        principal.require_reader(rota.team_id)


def readable_rota(
    *, session: Session, principal: Principal, rota_id: int, team_id: str | None = None
) -> Rota:
    """The rota if the caller may read it (``require_read``); 404 when it is not there, when (a page's
    address names the team) it is another team's, and when the caller may not read it — the same 404 and
    body as a rota that does not exist, so an id says nothing about other teams' rotas."""
    rota = get_rota(session=session, rota_id=rota_id)
    if team_id is not None and rota.team_id != team_id:
        raise NotFound(f'team "{team_id}" has no rota {rota_id}', "rota_id")
    try:
        require_read(principal, rota)
    except Forbidden:
        raise NotFound(f"no rota {rota_id}", "rota_id") from None
    return rota


def led_rota(*, session: Session, principal: Principal, rota_id: int, team_id: str | None = None) -> Rota:
    """The rota if the caller leads its team (editing, solving, publishing): 404 as ``readable_rota``
    first, then 403 for a caller who may read it but does not lead its team."""
    rota = readable_rota(session=session, principal=principal, rota_id=rota_id, team_id=team_id)
    principal.require_lead(rota.team_id)
    return rota


def forced_duties(*, session: Session, rota_id: int) -> frozenset[tuple[str, str, str, date]]:
    """(person, role, shift, date) of the duties kept despite a rule: one small query, not every row."""
    query = select(Assignment.person, Assignment.role, Assignment.shift, Assignment.date).where(
        Assignment.rota_id == rota_id, Assignment.forced.is_(True)
    )
    return frozenset(tuple(row) for row in session.execute(query))  # type: ignore[misc]


def list_rotas(*, session: Session, team_id: str, states: tuple[str, ...] | None = None) -> list[Rota]:
    """The team's rotas, newest first: every state when ``states`` is None, else only those states (an
    empty tuple lists nothing: a caller allowed no state sees no rota)."""
    if states is not None and not states:
        return []
    query = select(Rota).where(Rota.team_id == team_id).order_by(Rota.id.desc())
    if states is not None:
        query = query.where(Rota.state.in_(states))
    return list(session.scalars(query))


def store_rota(
    *,
    session: Session,
    team_id: str,
    team_version: int,
    start: date,
    end: date,
    document: dict[str, Any],
    duties: Iterable[Duty],
    job_id: str | None = None,
    replan_of: int | None = None,
    changes: dict[str, Any] | None = None,
) -> Rota:
    """Add a draft rota with its assignments (the caller commits, so a failure leaves nothing)."""
    solver = document.get("solver") or {}
    now = utcnow()
    rota = Rota(
        team_id=team_id,
        team_version=team_version,
        start=start,
        end=end,
        state="draft",
        version=1,
        status=str(solver.get("status", "feasible")),
        objective=solver.get("objective"),
        document=document,
        changes=changes,
        replan_of=replan_of,
        job_id=job_id,
        created_at=now,
        updated_at=now,
    )
    session.add(rota)
    session.flush()
    rows = [{"rota_id": rota.id, **assignment_values(d)} for d in sorted(duties)]
    if rows:
        session.execute(insert(Assignment), rows)
    return rota


def rota_view(rota: Rota, published: list[date] | None = None) -> dict[str, Any]:
    """The rota document of the spec with the service's keys (id, state, version …) beside it."""
    doc = dict(rota.document)
    doc.update(
        {
            "id": rota.id,
            "team_id": rota.team_id,
            "team_version": rota.team_version,
            "state": rota.state,
            "version": rota.version,
            "created_at": rota.created_at.isoformat(),
            "updated_at": rota.updated_at.isoformat(),
            "published_at": rota.published_at.isoformat() if rota.published_at else None,
            "replan_of": rota.replan_of,
            "pending_of": rota.pending_of,
            "published_by": rota.published_by if rota.published_at else None,
            "publish_note": rota.publish_note,
            "job_id": rota.job_id,
        }
    )
    if rota.changes is not None:
        doc["changes"] = rota.changes
    if published is not None:
        doc["published_dates"] = [d.isoformat() for d in published]
    return doc


def rota_team(*, session: Session, rota: Rota) -> Team:
    """The team as it was when the rota was made (the team version it was solved against)."""
    stored = get_version(session=session, team_id=rota.team_id, version=rota.team_version)
    return parse_document(stored.document, rota.team_id, stored=True)


def view_team(*, session: Session, rota: Rota) -> Team:
    """The team version the rota was made with; for a team keeping a fairness ledger (issue 24), with
    the published history of the ledger's window before the rota, so the hours table's balances
    before and after it count the published months."""
    team = rota_team(session=session, rota=rota)
    if team.fairness is None:
        return team
    filled, _ = horizon_team(
        session=session,
        team_id=rota.team_id,
        start=rota.start,
        end=rota.end,
        history_days=0,
        version=rota.team_version,
    )
    return filled


def read_view(*, session: Session, principal: Principal, rota: Rota) -> RotaView:
    """The stored rota's read model (``rota.view.RotaView``) against the team version it was made with,
    as ``principal`` may see it (staff: leave without its reasons): what the month page lays out and
    ``GET /api/rotas/{id}/view`` answers."""
    team = view_team(session=session, rota=rota)
    if sees_leave_reasons(principal, rota.team_id):
        return RotaView(team, RotaDocument.model_validate(rota.document))
    return RotaView(private_team(team), RotaDocument.model_validate(private_document(rota.document)))


def rota_file(*, session: Session, rota: Rota, fmt: str, private: bool = False) -> tuple[bytes, str, str]:
    """The stored rota as a file in ``fmt`` (csv, ics, xlsx, html): (body, media type, file name).

    Written from the stored document and the team version it was made with, never by solving (``private``:
    without leave reasons, for staff); the
    calendar's events are stamped with the rota's last change, so the same version gives the same bytes.
    """
    if fmt not in VIEW_FORMATS:
        raise ValueError(f"unknown rota view {fmt!r}")
    team = view_team(session=session, rota=rota)
    doc = RotaDocument.model_validate(private_document(rota.document) if private else rota.document)
    if private:  # for staff: leave without its reasons
        team = private_team(team)
    stamp = rota.updated_at if rota.updated_at.tzinfo else rota.updated_at.replace(tzinfo=UTC)
    body = export(team, doc, fmt, stamp=stamp)
    name = f"rota-{rota.team_id}-{rota.id}-v{rota.version}-{rota.start}-{rota.end}.{fmt}"
    return body, MEDIA_TYPES[fmt], name


def published_dates(*, session: Session, rota_id: int) -> list[date]:
    return list(
        session.scalars(
            select(PublishedDay.date).where(PublishedDay.rota_id == rota_id).order_by(PublishedDay.date)
        )
    )


def published_assignments(
    *, session: Session, team_id: str, start: date, end: date, person: str | None = None
) -> list[Assignment]:
    """The team's published assignments dated ``start``..``end``: each date from the rota published for it."""
    query = (
        select(Assignment)
        .join(
            PublishedDay,
            and_(PublishedDay.rota_id == Assignment.rota_id, PublishedDay.date == Assignment.date),
        )
        .where(PublishedDay.team_id == team_id, PublishedDay.date >= start, PublishedDay.date <= end)
        .order_by(Assignment.date, Assignment.start_utc, Assignment.person)
    )
    if person is not None:
        query = query.where(Assignment.person == person)
    return list(session.scalars(query))


def horizon_team(
    *, session: Session, team_id: str, start: date, end: date, history_days: int, version: int | None = None
) -> tuple[Team, int]:
    """The team (current or given version) set to ``start``..``end``, its history filled from published rotas.

    Published assignments before ``start`` replace the document's own history on those dates; the rest of
    the document's history stays. Entries naming people, roles or shifts the team no longer has are left out.
    """
    stored = get_version(session=session, team_id=team_id, version=version)
    doc = copy.deepcopy(stored.document)
    doc["period"] = {"start": start.isoformat(), "end": end.isoformat()}
    first = min(start - timedelta(days=history_days), start.replace(day=1))
    spec = doc.get("fairness")
    if isinstance(spec, dict):  # the fairness ledger (issue 24) counts its whole window of published history
        first = min(first, ledger.months_before(start, int(spec.get("window_months", 12))))
    rows = published_assignments(session=session, team_id=team_id, start=first, end=start - timedelta(days=1))
    covered = {r.date for r in rows}
    people = {p.get("id") for p in doc.get("people", [])}
    roles, shifts = set(doc.get("roles", {})), set(doc.get("shifts", {}))
    history = [
        h
        for h in doc.get("history", [])
        if date.fromisoformat(str(h.get("date"))) < start
        and date.fromisoformat(str(h.get("date"))) not in covered
    ]
    history += [
        {"person": r.person, "role": r.role, "shift": r.shift, "date": r.date.isoformat()}
        for r in rows
        if r.person in people and r.role in roles and r.shift in shifts
    ]
    doc["history"] = history
    return parse_document(doc, team_id, stored=True), stored.version


def diff(baseline: list[Duty], duties: list[Duty]) -> dict[str, Any]:
    """What re-planning changed: assignments removed from and added to the baseline."""

    def key(d: Duty) -> tuple[str, str, str, str]:
        return d.person, d.role, d.shift, d.date.isoformat()

    before, after = {key(d) for d in baseline}, {key(d) for d in duties}
    fields = ("person", "role", "shift", "date")
    return {
        "count": len(before ^ after),
        "kept": len(before & after),
        "removed": [dict(zip(fields, k, strict=True)) for k in sorted(before - after)],
        "added": [dict(zip(fields, k, strict=True)) for k in sorted(after - before)],
    }
