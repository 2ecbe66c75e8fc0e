"""Publishing: a rota becomes the team's for its dates; one publish at a time per team, stale versions 409."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db import utcnow
from api.errors import Conflict, Invalid, NotFound
from api.models import Assignment, Job, PublishedDay, Rota, RotaEdit, TeamRow
from api.services.feeds import sync_events
from api.services.notify import queue_publish_notices
from api.services.rotas import get_rota
from rota.timeutil import date_range


def lock_team(session: Session, team_id: str) -> None:
    """Take the team's publish lock: the first write of the transaction, so writers queue here.

    On PostgreSQL the row lock is held to commit; on SQLite the write session began IMMEDIATE.
    """
    session.execute(update(TeamRow).where(TeamRow.id == team_id).values(publish_seq=TeamRow.publish_seq + 1))


def check_version(rota: Rota, version: int | None) -> None:
    """409 when the client's version of the rota is not the stored one."""
    if version is not None and version != rota.version:
        raise Conflict(
            f"rota {rota.id} is at version {rota.version}, not {version}: reload it and try again",
            "version",
            extra={"version": rota.version},
        )


def lock_rota(session: Session, rota_id: int, version: int | None, superseded: str) -> Rota:
    """Take the rota's team lock, then re-read the rota: 409 when the client's version is stale or the rota
    is superseded (``superseded`` says what to do instead), 404 when it went meanwhile."""
    lock_team(session, get_rota(session=session, rota_id=rota_id).team_id)
    rota = session.get(Rota, rota_id, populate_existing=True)
    if rota is None:
        raise NotFound(f"no rota {rota_id}", "rota_id")
    check_version(rota, version)
    if rota.state == "superseded":
        raise Conflict(f"rota {rota.id} is superseded{superseded}", "state")
    return rota


def publish_rota(*, session: Session, rota_id: int, version: int | None = None) -> Rota:
    """Make the rota the team's published rota for each of its dates, superseding older ones there.

    Draft rotas of the team overlapping those dates move to a new version, so a publish racing this
    one with the version it read answers 409; the published_days key forbids two rotas on one date.
    """
    rota = lock_rota(session, rota_id, version, "; generate or re-plan a new one")
    team_id = rota.team_id
    if rota.status in ("infeasible", "invalid"):
        raise Invalid(f"rota {rota.id} has no rota to publish (solver status {rota.status})", "status")
    dates = date_range(rota.start, rota.end)
    taken = session.execute(
        select(PublishedDay.rota_id, PublishedDay.date).where(
            PublishedDay.team_id == team_id, PublishedDay.date >= rota.start, PublishedDay.date <= rota.end
        )
    ).all()
    session.execute(
        delete(PublishedDay).where(
            PublishedDay.team_id == team_id, PublishedDay.date >= rota.start, PublishedDay.date <= rota.end
        )
    )
    session.add_all(PublishedDay(team_id=team_id, date=d, rota_id=rota.id) for d in dates)
    now = utcnow()
    done = session.execute(
        update(Rota)
        .where(Rota.id == rota.id, Rota.version == rota.version)
        .values(state="published", version=rota.version + 1, published_at=now, updated_at=now)
    )
    if done.rowcount != 1:
        raise Conflict(f"rota {rota.id} changed while publishing; reload it and try again", "version")
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("another rota was published for these dates at the same time", "version") from None
    _supersede(session, rota, Counter(r for r, _ in taken if r != rota.id))
    sync_events(session=session, team_id=team_id, start=rota.start, end=rota.end, now=now)
    queue_publish_notices(
        session=session, team_id=team_id, rota_id=rota.id, start=rota.start, end=rota.end, now=now
    )
    session.commit()
    session.refresh(rota)
    return rota


def _supersede(session: Session, rota: Rota, lost: Counter[int]) -> None:
    """Older rotas left without a published date become superseded; overlapping drafts move a version."""
    now = utcnow()
    for other_id in lost:
        left = session.scalar(select(PublishedDay.date).where(PublishedDay.rota_id == other_id).limit(1))
        if left is None:
            session.execute(
                update(Rota)
                .where(Rota.id == other_id)
                .values(state="superseded", version=Rota.version + 1, updated_at=now)
            )
    session.execute(
        update(Rota)
        .where(
            Rota.team_id == rota.team_id,
            Rota.state == "draft",
            Rota.id != rota.id,
            Rota.start <= rota.end,
            Rota.end >= rota.start,
        )
        .values(version=Rota.version + 1, updated_at=now)
    )


def discard_rota(*, session: Session, rota_id: int, version: int | None = None) -> Rota:
    """Delete a draft with its assignments and edits (jobs and re-plans that name it keep no link to it);
    409 when it is published or superseded (staff may have seen it: publish another over its dates)
    or when ``version`` is stale. Returns the deleted rota (detached) for the caller's message."""
    rota = lock_rota(session, rota_id, version, ": only a draft can be discarded")
    if rota.state != "draft":
        raise Conflict(
            f"rota {rota.id} is published and cannot be discarded: staff may have seen it; "
            "publish another rota over its dates instead",
            "state",
        )
    session.execute(delete(RotaEdit).where(RotaEdit.rota_id == rota.id))
    session.execute(delete(Assignment).where(Assignment.rota_id == rota.id))
    session.execute(update(Job).where(Job.rota_id == rota.id).values(rota_id=None))
    session.execute(update(Rota).where(Rota.replan_of == rota.id).values(replan_of=None))
    session.execute(delete(Rota).where(Rota.id == rota.id, Rota.state == "draft"))
    session.commit()
    session.expunge(rota)
    return rota
