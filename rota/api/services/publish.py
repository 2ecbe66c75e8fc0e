"""Publishing: a rota becomes the team's for its dates; one publish at a time per team, stale versions 409."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rota.api.db import utcnow
from rota.api.errors import Conflict, Invalid
from rota.api.models import Assignment, Job, PublishedDay, Rota, RotaEdit
from rota.api.services import pending
from rota.api.services.feeds import sync_events
from rota.api.services.locks import check_version as check_version  # where the locks were first defined
from rota.api.services.locks import lock_rota as lock_rota
from rota.api.services.locks import lock_team as lock_team
from rota.api.services.notify import on_published as notify_on_published
from rota.api.services.rotas import duty_of, get_rota, published_assignments, rota_team
from rota.records import Duty
from rota.timeutil import date_range

if TYPE_CHECKING:
    from rota.api.services.changes import PersonChanges


@dataclass
class PublishEvent:
    """One publish, as the hooks see it inside its transaction (before the commit): the rota now published,
    who published it and why, the duties published for its dates before and after.

    ``people()`` gives per person what changed (``changes.PersonChanges``: items of ``Change(day, kind,
    text)``, kind added / removed / moved) — exactly the people whose duties changed."""

    rota: Rota
    replaces: list[int]  # the rotas published for these dates before (their duties are ``before``)
    before: list[Duty]
    after: list[Duty]
    actor: str | None
    note: str | None

    def people(self, session: Session) -> dict[str, PersonChanges]:
        from rota.api.services.changes import person_changes

        team = rota_team(session=session, rota=self.rota)
        return {p.person: p for p in person_changes(team, self.before, self.after)[0]}


PublishHook = Callable[[Session, PublishEvent], None]
PUBLISH_HOOKS: list[PublishHook] = []


def on_publish(hook: PublishHook) -> PublishHook:
    """Register ``hook(session, event)``: called in every publish's transaction after the feed sync, before
    the commit (what it writes commits with the publish; an exception rolls the publish back)."""
    PUBLISH_HOOKS.append(hook)
    return hook


# telling people: the outbox rows of each publish (rota/api/services/notify.py)
on_publish(notify_on_published)


def publish_rota(
    *,
    session: Session,
    rota_id: int,
    version: int | None = None,
    actor: str | None = None,
    note: str | None = None,
) -> Rota:
    """Make the rota the team's published rota for each of its dates, superseding older ones there.

    A pending change set (``pending``) is published for the dates its published rota still holds, as one
    new version that supersedes it; naming the published rota itself publishes its pending set (``version``
    is then the set's version); a published rota without one is published again (it takes back its
    dates). ``actor`` and ``note`` (why, one line) are kept with the version for the history.

    Draft rotas of the team overlapping those dates move to a new version, so a publish racing this
    one with the version it read answers 409; the published_days key forbids two rotas on one date.
    """
    named = get_rota(session=session, rota_id=rota_id)
    if named.state == "published":
        lock_team(session, named.team_id)
        waiting = pending.pending_for(session, named.id)
        if waiting is not None:
            rota_id = waiting.id
    rota = lock_rota(session, rota_id, version, "; generate or re-plan a new one")
    team_id = rota.team_id
    if rota.status in ("infeasible", "invalid"):
        raise Invalid(f"rota {rota.id} has no rota to publish (solver status {rota.status})", "status")
    dates = date_range(rota.start, rota.end)
    if pending.is_pending(rota):
        base = session.get(Rota, rota.pending_of)
        held = set(pending.held_dates(session, rota.pending_of or 0))
        if base is None or base.state != "published" or not held:
            raise Conflict(
                f"the rota these changes were made to (rota {rota.pending_of}) is no longer published: "
                "another rota replaced it meanwhile; discard these changes and make them on the rota "
                "published now",
                "state",
            )
        dates = [d for d in dates if d in held]
    before_rows = (  # what the hooks compare the new version with, read before the dates move
        published_assignments(session=session, team_id=team_id, start=rota.start, end=rota.end)
        if PUBLISH_HOOKS
        else []
    )
    taken = session.execute(
        select(PublishedDay.rota_id, PublishedDay.date).where(
            PublishedDay.team_id == team_id, PublishedDay.date.in_(dates)
        )
    ).all()
    session.execute(delete(PublishedDay).where(PublishedDay.team_id == team_id, PublishedDay.date.in_(dates)))
    session.add_all(PublishedDay(team_id=team_id, date=d, rota_id=rota.id) for d in dates)
    now = utcnow()
    done = session.execute(
        update(Rota)
        .where(Rota.id == rota.id, Rota.version == rota.version)
        .values(
            state="published",
            version=rota.version + 1,
            published_at=now,
            updated_at=now,
            published_by=actor,
            publish_note=(note or "").strip()[:500] or None,
        )
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
    if PUBLISH_HOOKS:
        on = set(dates)
        session.refresh(rota)
        event = PublishEvent(
            rota=rota,
            replaces=sorted({r for r, _ in taken if r != rota.id}),
            before=[duty_of(a) for a in before_rows if a.date in on and a.rota_id != rota.id],
            after=[duty_of(a) for a in rota.assignments if a.date in on],
            actor=actor,
            note=note,
        )
        for hook in PUBLISH_HOOKS:
            hook(session, event)
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
