"""Feed events: what the live iCal feeds serve, kept in line with the published shifts.

Every change of a published shift (a publish, an edit) writes its feed events here: a stable UID, a
SEQUENCE raised and LAST-MODIFIED set on each change, and the team's feed revision raised so the feeds'
ETags change. Serving and rendering the feeds is ``rota.api.feeds``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from rota.api.models import Assignment, FeedEvent, PublishedDay, TeamRow
from rota.api.services.teams import display_names, get_version
from rota.ical import event_uid

_FIELDS = ("person_name", "role_name", "shift_name", "start_utc", "end_utc")
HANDOVERS = "feed_handovers"  # session.info key: the handovers of the last sync per team (see Handover)

Key = tuple[str, str, str, date]  # (person, role, shift, date)


@dataclass(frozen=True)
class Handover:
    """A feed event handed to another person by a sync at ``now``: the same UID, SEQUENCE raised.

    ``sync_events`` keeps the handovers of its run in ``session.info[HANDOVERS]`` (a list, the entries
    of one team replaced on each sync of that team) so that the notices of the same transaction
    (``rota.api.services.notify.publish_changes``) can still tell the previous holder the shift was removed:
    the row itself now names the new holder.
    """

    team_id: str
    now: datetime
    uid: str
    person: str  # the previous holder
    role: str
    shift: str
    date: date
    role_name: str
    shift_name: str
    start_utc: datetime
    end_utc: datetime
    sequence: int  # the SEQUENCE after the handover


def uid_for(team_id: str, key: Key, taken: set[str]) -> str:
    """The UID of a new event: ``event_uid`` of its key, or when that is taken (the event of that UID
    was handed to someone else) the first free of ``event_uid`` of the key with ``#2``, ``#3``… after
    the shift: stable for the same rows, a valid UUID-based UID."""
    person, role, shift, day = key
    uid = event_uid(team_id, person, role, day, shift)
    n = 1
    while uid in taken:
        n += 1
        uid = event_uid(team_id, person, role, day, f"{shift}#{n}")
    return uid


def sync_events(*, session: Session, team_id: str, start: date, end: date, now: datetime) -> int:
    """Bring the feed events dated ``start``..``end`` in line with what is published; returns changes.

    A published duty keeps the event of its (person, role, shift, date); a duty that went to another
    person (a swap, give-away, claim, re-plan move) takes over the active event of the same (role,
    shift, date) no longer wanted (the same UID, the new holder's names, SEQUENCE raised), paired in
    sorted order; then an event of the key removed before comes back; an event no longer published is
    deactivated; the rest are new events (SEQUENCE 0) with the UID of ``uid_for``. Every changed event
    gets its SEQUENCE raised and LAST-MODIFIED = ``now``; handovers are recorded (``Handover``).
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
    wanted: dict[Key, dict[str, Any]] = {}
    for person, role, shift, day, s, e in rows:
        wanted[(person, role, shift, day)] = {
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
    existing = sorted(
        session.scalars(
            select(FeedEvent).where(
                FeedEvent.team_id == team_id, FeedEvent.date >= start, FeedEvent.date <= end
            )
        ),
        key=lambda ev: (not ev.active, ev.uid),  # active events first, then by UID: a stable order
    )
    handed: list[Handover] = []
    matched: dict[int, Key] = {}  # id(event) -> the wanted key it now shows
    left: dict[Key, dict[str, Any]] = {}
    by_key: dict[Key, list[FeedEvent]] = defaultdict(list)
    for ev in existing:
        by_key[(ev.person, ev.role, ev.shift, ev.date)].append(ev)
    # 1. a duty keeps the active event of its key
    for key, values in wanted.items():
        ev = next((x for x in by_key.get(key, []) if x.active), None)
        if ev is None:
            left[key] = values
        else:
            matched[id(ev)] = key
    # 2. a duty that changed hands takes over an active event of its (role, shift, date) no longer wanted
    spare: dict[tuple[str, str, date], list[FeedEvent]] = defaultdict(list)
    for ev in existing:
        if ev.active and id(ev) not in matched:
            spare[(ev.role, ev.shift, ev.date)].append(ev)
    for key in sorted(left, key=lambda k: (k[3], k[1], k[2], k[0])):
        free = spare.get(key[1:])
        if free:
            ev = free.pop(0)
            matched[id(ev)] = key
            handed.append(
                Handover(
                    team_id,
                    now,
                    ev.uid,
                    ev.person,
                    ev.role,
                    ev.shift,
                    ev.date,
                    ev.role_name,
                    ev.shift_name,
                    ev.start_utc,
                    ev.end_utc,
                    ev.sequence + 1,
                )
            )
            del left[key]
    # 3. a duty removed before comes back under the event of its key (the natural UID first)
    for key in sorted(left, key=lambda k: (k[3], k[1], k[2], k[0])):
        natural = event_uid(team_id, *key[:2], key[3], key[2])
        back = sorted(
            (x for x in by_key.get(key, []) if id(x) not in matched), key=lambda x: (x.uid != natural, x.uid)
        )
        if back:
            matched[id(back[0])] = key
            del left[key]
    changed = 0
    for ev in existing:
        key = matched.get(id(ev))
        if key is None:  # 4. no longer published
            if ev.active:
                ev.active, ev.sequence, ev.last_modified = False, ev.sequence + 1, now
                changed += 1
            continue
        values = wanted[key]
        if not ev.active or any(getattr(ev, k) != values[k] for k in _FIELDS) or ev.person != key[0]:
            for k in _FIELDS:
                setattr(ev, k, values[k])
            ev.person = key[0]
            ev.active, ev.sequence, ev.last_modified = True, ev.sequence + 1, now
            changed += 1
    # 5. new events
    taken = {ev.uid for ev in existing}
    fresh = []
    for key in sorted(left, key=lambda k: (k[3], k[1], k[2], k[0])):
        uid = uid_for(team_id, key, taken)
        taken.add(uid)
        fresh.append(
            {"team_id": team_id, "uid": uid, "sequence": 0, "last_modified": now, "active": True, **left[key]}
        )
    changed += len(fresh)
    if fresh:
        session.execute(insert(FeedEvent), fresh)
    kept = [h for h in session.info.get(HANDOVERS, []) if h.team_id != team_id]
    session.info[HANDOVERS] = kept + handed
    if changed:
        team = session.get(TeamRow, team_id)
        if team is not None:
            team.feed_revision += 1
    session.flush()
    return changed


def handovers(session: Session, team_id: str, now: datetime) -> list[Handover]:
    """The handovers the last sync of the team at ``now`` made in this session (``Handover``)."""
    return [h for h in session.info.get(HANDOVERS, []) if h.team_id == team_id and h.now == now]
