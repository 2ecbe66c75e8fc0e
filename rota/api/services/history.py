"""The team's published versions you can read (issue 19, point 4): who published each, when and why; any two
compared with the same per-person diff as the publish review; an older one restored as a new draft.

Every publish keeps its rota (published, or superseded once another replaced it) with ``published_by``,
``published_at`` and ``publish_note``; a version published from a pending change set names the version it
replaced (``pending_of``). The team page lists them (``versions``) beside the pending change sets
(``pending_sets``); ``compare`` and ``restore`` serve the compare page, the Restore button and their API
twins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.api.errors import Invalid, NotFound
from rota.api.models import Rota
from rota.api.services import changes as review
from rota.api.services import pending
from rota.api.services.rotas import duty_of, get_rota, rota_team, store_rota


@dataclass
class Version:
    """A published version of a team's rota."""

    rota: Rota
    published_by: str | None
    published_at: datetime | None
    note: str | None
    start: date
    end: date
    current: bool  # still the team's published rota for some of its dates
    replaces: int | None  # the version it was made from (a pending change set's published rota)


def versions(*, session: Session, team_id: str) -> list[Version]:
    """Every version the team published, newest first."""
    query = (
        select(Rota)
        .where(Rota.team_id == team_id, Rota.published_at.is_not(None), Rota.state != "draft")
        .order_by(Rota.published_at.desc(), Rota.id.desc())
    )
    return [
        Version(
            rota=r,
            published_by=r.published_by,
            published_at=r.published_at,
            note=r.publish_note,
            start=r.start,
            end=r.end,
            current=r.state == "published",
            replaces=r.pending_of,
        )
        for r in session.scalars(query)
    ]


@dataclass
class PendingSet:
    """A published rota's unpublished changes, as the team page lists them."""

    rota: Rota  # the pending change set (a draft)
    base: Rota | None  # the published rota it changes (None, or no longer published: it cannot be published)
    count: int  # changes publishing it makes: duties added, removed and moved

    @property
    def stale(self) -> bool:
        return self.base is None or self.base.state != "published"


def pending_sets(*, session: Session, team_id: str) -> list[PendingSet]:
    """The team's pending change sets with how many changes each would publish."""
    return [
        PendingSet(p, pending.base_of(session, p), review.unpublished_count(session=session, rota=p))
        for p in pending.team_pending(session, team_id)
    ]


def _version(session: Session, team_id: str, rota_id: int, path: str) -> Rota:
    rota = session.get(Rota, rota_id)
    if rota is None or rota.team_id != team_id or rota.published_at is None or rota.state == "draft":
        raise NotFound(f'team "{team_id}" published no rota {rota_id}', path)
    return rota


@dataclass
class Comparison:
    """Two published versions over the dates both cover: per person what going from ``a`` to ``b`` changes."""

    a: Rota
    b: Rota
    start: date
    end: date
    people: list[review.PersonChanges]
    kept: int

    def count(self, kind: str) -> int:
        return sum(1 for p in self.people for c in p.items if c.kind == kind)


def compare(*, session: Session, team_id: str, a: int, b: int) -> Comparison:
    """What changed from version ``a`` to version ``b`` (either order) on the dates both cover; 404 naming the
    parameter for a rota the team did not publish, 422 when the two share no date."""
    old, new = _version(session, team_id, a, "a"), _version(session, team_id, b, "b")
    start, end = max(old.start, new.start), min(old.end, new.end)
    if start > end:
        raise Invalid(
            f"rota {old.id} ({old.start} to {old.end}) and rota {new.id} ({new.start} to {new.end}) "
            "share no date",
            "b",
        )
    team = rota_team(session=session, rota=new)
    before = [duty_of(x) for x in old.assignments if start <= x.date <= end]
    after = [duty_of(x) for x in new.assignments if start <= x.date <= end]
    people, kept = review.person_changes(team, before, after)
    return Comparison(old, new, start, end, people, kept)


def comparison_json(c: Comparison) -> dict[str, Any]:
    """The comparison as the API answers it: the same people and changes as the page."""
    return {
        "a": c.a.id,
        "b": c.b.id,
        "start": c.start.isoformat(),
        "end": c.end.isoformat(),
        "counts": {k: c.count(k) for k in ("added", "removed", "moved")} | {"kept": c.kept},
        "people": [
            {
                "person": p.person,
                "name": p.name,
                "changes": [{"date": x.day.isoformat(), "kind": x.kind, "duty": x.text} for x in p.items],
            }
            for p in c.people
        ],
    }


def version_json(v: Version) -> dict[str, Any]:
    return {
        "rota_id": v.rota.id,
        "start": v.start.isoformat(),
        "end": v.end.isoformat(),
        "state": v.rota.state,
        "current": v.current,
        "published_by": v.published_by,
        "published_at": v.published_at.isoformat() if v.published_at else None,
        "note": v.note,
        "replaces": v.replaces,
    }


def restore(*, session: Session, rota_id: int) -> Rota:
    """A new draft holding an older published version's duties (and its document), to review and publish
    over the dates as any draft; nothing published changes until then. 404 for a rota never published."""
    old = get_rota(session=session, rota_id=rota_id)
    if old.published_at is None or old.state == "draft":
        raise NotFound(f"rota {rota_id} was never published: only a published version is restored", "rota_id")
    document = dict(old.document)
    document["restored_from"] = old.id
    draft = store_rota(
        session=session,
        team_id=old.team_id,
        team_version=old.team_version,
        start=old.start,
        end=old.end,
        document=document,
        duties=[duty_of(a) for a in old.assignments],
    )
    session.commit()
    session.refresh(draft)
    return draft
