"""Feed events: what the live iCal feeds serve, kept in line with the published shifts.

Every change of a published shift (a publish, an edit) writes its feed events here: a stable UID, a
SEQUENCE raised and LAST-MODIFIED set on each change, and the team's feed revision raised so the feeds'
ETags change. Serving and rendering the feeds is ``api.feeds``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from api.models import Assignment, FeedEvent, PublishedDay, TeamRow
from api.services.teams import display_names, get_version
from rota.ical import event_uid

_FIELDS = ("person_name", "role_name", "shift_name", "start_utc", "end_utc")


def sync_events(*, session: Session, team_id: str, start: date, end: date, now: datetime) -> int:
    """Bring the feed events dated ``start``..``end`` in line with what is published; returns changes.

    A new shift gets SEQUENCE 0; a changed one (times or names) or one back after removal gets its
    SEQUENCE raised and LAST-MODIFIED set; a shift no longer published is deactivated (and raised too).
    """
    doc = get_version(session=session, team_id=team_id).document
    people, roles, shifts = display_names(doc)
    rows = session.execute(
        select(
            Assignment.person,
            Assignment.role,
            Assignment.shift,
            Assignment.date,
            Assignment.start_utc,
            Assignment.end_utc,
        )
        .join(
            PublishedDay,
            (PublishedDay.rota_id == Assignment.rota_id) & (PublishedDay.date == Assignment.date),
        )
        .where(PublishedDay.team_id == team_id, PublishedDay.date >= start, PublishedDay.date <= end)
    ).all()
    wanted: dict[str, dict[str, Any]] = {}
    for person, role, shift, day, s, e in rows:
        wanted[event_uid(team_id, person, role, day, shift)] = {
            "person": person,
            "role": role,
            "shift": shift,
            "date": day,
            "start_utc": s,
            "end_utc": e,
            "person_name": people.get(person, person),
            "role_name": roles.get(role, role),
            "shift_name": shifts.get(shift, shift),
        }
    existing = {
        ev.uid: ev
        for ev in session.scalars(
            select(FeedEvent).where(
                FeedEvent.team_id == team_id, FeedEvent.date >= start, FeedEvent.date <= end
            )
        )
    }
    fresh = [
        {"team_id": team_id, "uid": uid, "sequence": 0, "last_modified": now, "active": True, **values}
        for uid, values in wanted.items()
        if uid not in existing
    ]
    changed = len(fresh)
    for uid, ev in existing.items():
        values = wanted.get(uid)
        if values is None:
            if ev.active:
                ev.active, ev.sequence, ev.last_modified = False, ev.sequence + 1, now
                changed += 1
        elif not ev.active or any(getattr(ev, k) != values[k] for k in _FIELDS):
            for k in _FIELDS:
                setattr(ev, k, values[k])
            ev.active, ev.sequence, ev.last_modified = True, ev.sequence + 1, now
            changed += 1
    if fresh:
        session.execute(insert(FeedEvent), fresh)
    if changed:
        team = session.get(TeamRow, team_id)
        if team is not None:
            team.feed_revision += 1
    session.flush()
    return changed
