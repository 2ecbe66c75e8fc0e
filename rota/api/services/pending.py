"""Pending change sets: changes to a published rota that wait for Publish.

A pending change set is a draft rota linked to a published one (``Rota.pending_of`` → the published rota's
id; at most one per published rota, a unique key). It starts as a copy of the published assignments of the
dates that rota still holds, and takes the hand edits (``edits.edit_rota`` on the published rota lands
here), kept re-plans and approved requests. Staff feeds, /me and HR coverage read only published days, so
they keep showing the published version until the set is published (``publish.publish_rota``, by the set's
id or the published rota's) as one new version; discarding the set (``publish.discard_rota`` on its id)
drops the changes.

The interface other services build on:

- ``pending_for(session, rota_id)``: the published rota's pending set, or None;
- ``open_pending(session, rota_id, actor)``: get or create it (takes the team lock; the caller commits);
- ``base_of(session, rota)``: the published rota a pending set changes, or None for any other rota.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from rota.api.db import utcnow
from rota.api.errors import Conflict
from rota.api.models import Assignment, PublishedDay, Rota
from rota.api.services.locks import lock_team
from rota.api.services.rotas import get_rota


def pending_for(session: Session, rota_id: int) -> Rota | None:
    """The pending change set (a draft) of the published rota ``rota_id``, or None."""
    return session.scalars(select(Rota).where(Rota.pending_of == rota_id, Rota.state == "draft")).first()


def base_of(session: Session, rota: Rota) -> Rota | None:
    """The rota a pending change set changes (None: ``rota`` is not a pending set, or the base is gone)."""
    if rota.state != "draft" or rota.pending_of is None:
        return None
    return session.get(Rota, rota.pending_of)


def is_pending(rota: Rota) -> bool:
    """``rota`` is a pending change set (a draft holding changes to a published rota)."""
    return rota.state == "draft" and rota.pending_of is not None


def held_dates(session: Session, rota_id: int) -> list[date]:
    """The dates the rota is the team's published rota for (a later publish may have taken some)."""
    query = select(PublishedDay.date).where(PublishedDay.rota_id == rota_id).order_by(PublishedDay.date)
    return list(session.scalars(query))


def open_pending(session: Session, rota_id: int, actor: str | None = None) -> Rota:
    """The published rota's pending change set, made now when it has none (get-or-create).

    Takes the team lock first, so two leads opening it at once get one set. 409 when the rota is not
    published (a draft takes edits itself; a superseded rota was replaced) or holds no date any more.
    The new set holds the published assignments (forced ones stay forced) of the span of dates the rota
    still holds; nothing is committed here."""
    rota = get_rota(session=session, rota_id=rota_id)
    lock_team(session, rota.team_id)
    session.refresh(rota)
    if rota.state != "published":
        raise Conflict(
            f"rota {rota.id} is {rota.state}: only a published rota takes a pending change set", "state"
        )
    existing = pending_for(session, rota.id)
    if existing is not None:
        return existing
    dates = held_dates(session, rota.id)
    if not dates:
        raise Conflict(f"rota {rota.id} is no longer published for any date", "state")
    start, end = dates[0], dates[-1]
    now = utcnow()
    pending = Rota(
        team_id=rota.team_id,
        team_version=rota.team_version,
        start=start,
        end=end,
        state="draft",
        version=1,
        status=rota.status,
        objective=rota.objective,
        document=rota.document
        if (start, end) == (rota.start, rota.end)
        else _narrowed(rota.document, start, end),
        changes=None,
        replan_of=None,
        pending_of=rota.id,
        job_id=None,
        published_by=actor,  # who opened the set, until it is published (then: who published it)
        created_at=now,
        updated_at=now,
    )
    session.add(pending)
    session.flush()
    held = set(dates)
    rows = [
        {
            "rota_id": pending.id,
            "person": a.person,
            "role": a.role,
            "shift": a.shift,
            "date": a.date,
            "start_utc": a.start_utc,
            "end_utc": a.end_utc,
            "forced": a.forced,
        }
        for a in rota.assignments
        if a.date in held
    ]
    if rows:
        session.execute(insert(Assignment), rows)
    session.refresh(pending)
    return pending


def _narrowed(document: dict[str, Any], start: date, end: date) -> dict[str, Any]:
    """The rota document cut to ``start``..``end`` (assignments and gaps there; figures recomputed at the
    first change)."""
    doc = dict(document)
    first, last = start.isoformat(), end.isoformat()
    doc["period"] = {"start": first, "end": last}
    doc["assignments"] = [a for a in document.get("assignments", []) if first <= str(a.get("date")) <= last]
    doc["gaps"] = [g for g in document.get("gaps", []) if first <= str(g.get("start", ""))[:10] <= last]
    return doc


def team_pending(session: Session, team_id: str) -> list[Rota]:
    """The team's pending change sets, oldest base first."""
    query = select(Rota).where(Rota.team_id == team_id, Rota.state == "draft", Rota.pending_of.is_not(None))
    return list(session.scalars(query.order_by(Rota.start, Rota.id)))
