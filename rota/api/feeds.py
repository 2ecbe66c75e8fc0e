"""Live iCal feeds served: the feed of a token, its ETag and its body (the feed events themselves, one per
published shift with a stable UID, SEQUENCE and LAST-MODIFIED, are written by ``rota.api.services.feeds``).

Serving a feed costs one indexed query on the hot path (the token with its team's feed revision, which
every change of a published shift raises); bodies are rendered once per ETag and kept in a small cache.
A render is ``rota.ical.calendar_ics``, all icalendar: each VEVENT is written once per version of its
shift (its DTSTAMP is its LAST-MODIFIED, so it does not depend on the request) and kept process-wide,
so a render after a publish writes only the events that changed.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select
from sqlalchemy.orm import Session

from rota import timeutil
from rota.api.auth import hash_secret, team_people_of
from rota.api.models import ApiToken, CalendarToken, FeedEvent, TeamRow
from rota.api.services.teams import display_names, get_version
from rota.ical import EventSpec, calendar_ics, event_text


@dataclass(frozen=True)
class FeedOptions:
    """How a feed is served: busy or free time, how far back, how often clients should refresh."""

    busy: bool = True
    past_days: int = 30
    refresh_minutes: int = 60


@dataclass(frozen=True)
class Feed:
    """What a live calendar token opens: whose events, of which team, named how."""

    kind: str
    team_id: str
    person: str | None
    role: str | None
    team_name: str
    team_version: int
    revision: int


_FIND = (
    select(
        CalendarToken.kind,
        CalendarToken.team_id,
        CalendarToken.person,
        CalendarToken.role,
        TeamRow.name,
        TeamRow.current_version,
        TeamRow.feed_revision,
    )
    .join(TeamRow, TeamRow.id == CalendarToken.team_id)
    .outerjoin(ApiToken, ApiToken.id == CalendarToken.created_by)
    # a feed ends with the API token that made it: revoking a staff token ends that person's feeds too
    .where(
        CalendarToken.token_hash == bindparam("digest"),
        CalendarToken.revoked_at.is_(None),
        or_(CalendarToken.created_by.is_(None), ApiToken.revoked_at.is_(None)),
    )
)


def find_feed(conn: Connection, secret: str) -> Feed | None:
    """The feed of a secret, or None when it is unknown or revoked, or a person's feed whose person is no
    longer in the team's current version (one indexed query, built once; the people of a team version
    are read once per process and cached)."""
    row = conn.execute(_FIND, {"digest": hash_secret(secret)}).first()
    if row is None:
        return None
    feed = Feed(*row)
    if feed.kind == "person" and feed.person not in team_people_of(conn, feed.team_id, feed.team_version):
        return None
    return feed


def window_start(today: date, past_days: int) -> datetime:
    """Feeds hold events ending after midnight UTC ``past_days`` before today (whole days keep ETags)."""
    return datetime.combine(today - timedelta(days=past_days), time(), tzinfo=UTC)


def _scope(query: Any, feed: Feed, since: datetime) -> Any:
    query = query.where(FeedEvent.team_id == feed.team_id, FeedEvent.end_utc >= since)
    if feed.kind == "person":
        return query.where(FeedEvent.person == feed.person)
    if feed.kind == "role":
        return query.where(FeedEvent.role == feed.role)
    return query


def feed_etag(feed: Feed, options: FeedOptions, today: date) -> str:
    """A strong ETag that changes whenever the body could: a published shift of the team changed or went
    (the revision), the team was updated (names), a new day moved the window, or the options differ."""
    key = "|".join(str(x) for x in (feed, today, options))
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


_EVENT_COLUMNS = (
    "uid",
    "person_name",
    "role_name",
    "shift_name",
    "start_utc",
    "end_utc",
    "sequence",
    "last_modified",
)


def render_feed(*, session: Session, feed: Feed, options: FeedOptions, now: datetime) -> bytes:
    """The feed's VCALENDAR: its shifts from ``past_days`` back to every published future one."""
    doc = get_version(session=session, team_id=feed.team_id, version=feed.team_version).document
    tz_name = doc["timezone"]
    tz = timeutil.zone(tz_name)
    columns = select(*(getattr(FeedEvent, c) for c in _EVENT_COLUMNS)).where(FeedEvent.active.is_(True))
    query = _scope(columns, feed, window_start(now.date(), options.past_days))
    rows = session.execute(query.order_by(FeedEvent.start_utc, FeedEvent.person, FeedEvent.role))
    events = [_spec(ev, tz, feed.team_name, feed.kind != "person") for ev in rows]
    people, roles, _ = display_names(doc)
    if feed.kind == "person":
        name = f"{people.get(feed.person or '', feed.person)} — {feed.team_name}"
    elif feed.kind == "role":
        name = f"{roles.get(feed.role or '', feed.role)} — {feed.team_name}"
    else:
        name = f"{feed.team_name} rota"
    return calendar_ics(
        name,
        tz_name,
        events,
        refresh_minutes=options.refresh_minutes,
        transparent=not options.busy,
        stamp=now,
    )


def _spec(ev: Any, tz: Any, team_name: str, named: bool) -> EventSpec:
    start, end = ev.start_utc.astimezone(tz), ev.end_utc.astimezone(tz)
    summary, description = event_text(
        ev.person_name, ev.role_name, ev.shift_name, team_name, start, end, named=named
    )
    return EventSpec(
        uid=ev.uid,
        summary=summary,
        start=start,
        end=end,
        description=description,
        sequence=ev.sequence,
        last_modified=ev.last_modified,
    )


class BodyCache:
    """Rendered feeds by ETag (a few hundred, least recently used dropped); one per app."""

    def __init__(self, size: int = 512):
        self.size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
