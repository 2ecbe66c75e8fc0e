"""Telling people: what a publish changed for each person, the messages it queues, people's choices.

A publish calls ``queue_publish_notices`` in its own transaction, after the feed sync: the feed events the
sync just wrote (LAST-MODIFIED = the publish's instant) are exactly the shifts added, changed or taken away,
so each person whose duties changed gets one email (when they have an address and have not turned the
kind off) and each team webhook asking for ``rota.published`` one delivery. The rows are the outbox
(``rota.api.models.OutboxMessage``); the job runner sends them (``rota.api.services.outbox``). Reminders
before a duty and the daily "who is on today" are queued by the runner on its rounds (``queue_due``), one per
duty or per day (the row's key).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from icalendar import Calendar as ICalendar
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rota import timeutil
from rota.api.db import utcnow
from rota.api.errors import Invalid, NotFound
from rota.api.models import (
    AppSecret,
    FeedEvent,
    NotifyPreference,
    OutboxMessage,
    PublishedDay,
    TeamRow,
    Webhook,
)
from rota.api.services.feeds import handovers
from rota.api.services.teams import display_names, get_version
from rota.ical import PRODID, EventSpec, event_component, event_text

EVENTS = ("rota.published", "duty.reminder", "team.on_today", "request.waiting")
KINDS = {"changes": "changes to my shifts", "reminders": "reminders before my shifts"}
DEFAULT_REMINDER_HOURS = 12
TEXT_PEOPLE = 10  # people named in a webhook's chat text (its "people" list has them all)
HOOK_REMINDER_HOURS = 12  # a webhook asking for duty.reminder hears of each duty this long before it


@dataclass(frozen=True)
class Change:
    """One shift of a person added or taken away by a publish (a feed event just written)."""

    uid: str
    date: date
    role: str
    shift: str
    role_name: str
    shift_name: str
    start: datetime
    end: datetime
    change: str  # added | removed
    sequence: int

    def line(self, tz: tzinfo) -> str:
        """``Tue 9 Feb: Early 07:30–15:30 added`` / ``Thu 11 Feb: Late removed``."""
        day = f"{self.date:%a} {self.date.day} {self.date:%b}"
        if self.change == "removed":
            return f"{day}: {self.shift_name} removed"
        start, end = self.start.astimezone(tz), self.end.astimezone(tz)
        return f"{day}: {self.shift_name} {start:%H:%M}–{end:%H:%M} added"

    def as_json(self, tz: tzinfo) -> dict[str, Any]:
        return {
            "change": self.change,
            "date": self.date.isoformat(),
            "role": self.role,
            "shift": self.shift,
            "role_name": self.role_name,
            "shift_name": self.shift_name,
            "start": self.start.astimezone(tz).isoformat(),
            "end": self.end.astimezone(tz).isoformat(),
            "uid": self.uid,
            "text": self.line(tz),
        }


def publish_changes(
    *, session: Session, team_id: str, start: date, end: date, now: datetime
) -> dict[str, list[Change]]:
    """Per person, the shifts the feed sync at ``now`` added or took away (in date order).

    A shift handed to another person keeps its feed event (same UID, SEQUENCE raised), which now names
    the new holder: the sync's ``Handover`` records (``rota.api.services.feeds.handovers``, kept in the
    session for its transaction) tell the previous holder it was removed, under that UID."""
    rows = session.scalars(
        select(FeedEvent)
        .where(
            FeedEvent.team_id == team_id,
            FeedEvent.date >= start,
            FeedEvent.date <= end,
            FeedEvent.last_modified == now,
        )
        .order_by(FeedEvent.date, FeedEvent.start_utc, FeedEvent.shift)
    )
    out: dict[str, list[Change]] = defaultdict(list)
    for ev in rows:
        out[ev.person].append(
            Change(
                ev.uid,
                ev.date,
                ev.role,
                ev.shift,
                ev.role_name,
                ev.shift_name,
                ev.start_utc,
                ev.end_utc,
                "added" if ev.active else "removed",
                ev.sequence,
            )
        )
    for h in handovers(session, team_id, now):
        if start <= h.date <= end:
            out[h.person].append(
                Change(
                    h.uid,
                    h.date,
                    h.role,
                    h.shift,
                    h.role_name,
                    h.shift_name,
                    h.start_utc,
                    h.end_utc,
                    "removed",
                    h.sequence,
                )
            )
    for changes in out.values():
        changes.sort(key=lambda c: (c.date, c.start, c.shift))
    return dict(out)


def changes_ics(team_name: str, tz_name: str, person_name: str, changes: list[Change], now: datetime) -> str:
    """The changes as an iCalendar file, METHOD:PUBLISH, with the feeds' UIDs and SEQUENCEs: a shift added
    is an event, one taken away the same UID with STATUS:CANCELLED (a calendar app updates in place)."""
    zone = timeutil.zone(tz_name)
    cal = ICalendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    for c in changes:
        summary, description = event_text(
            person_name,
            c.role_name,
            c.shift_name,
            team_name,
            c.start.astimezone(zone),
            c.end.astimezone(zone),
            named=False,
        )
        spec = EventSpec(c.uid, summary, c.start, c.end, description, c.sequence, now)
        event = event_component(spec, zone)
        event.add("status", "CANCELLED" if c.change == "removed" else "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical()).decode()


def _contacts(document: dict[str, Any]) -> dict[str, str]:
    return {p["id"]: p["email"] for p in document.get("people", []) if p.get("id") and p.get("email")}


def preference(session: Session, team_id: str, person: str) -> NotifyPreference:
    """The person's choices (the defaults when they never chose: email on, changes on, reminders off)."""
    row = session.get(NotifyPreference, (team_id, person))
    return row or NotifyPreference(
        team_id=team_id,
        person=person,
        email=True,
        changes=True,
        reminders=False,
        reminder_hours=DEFAULT_REMINDER_HOURS,
    )


def hooks_for(session: Session, team_id: str, event: str) -> list[Webhook]:
    return [
        h
        for h in session.scalars(select(Webhook).where(Webhook.team_id == team_id).order_by(Webhook.id))
        if event in h.events
    ]


def queue_publish_notices(
    *,
    session: Session,
    team_id: str,
    rota_id: int,
    start: date,
    end: date,
    now: datetime,
    note: str | None = None,
) -> int:
    """Queue, in the publish's transaction, one email per person whose duties changed (and who wants it)
    and one ``rota.published`` delivery per team webhook asking for it. The number of messages queued."""
    changed = publish_changes(session=session, team_id=team_id, start=start, end=end, now=now)
    if not changed:
        return 0
    doc = get_version(session=session, team_id=team_id).document
    people, _, _ = display_names(doc)
    emails = _contacts(doc)
    tz_name = doc["timezone"]
    tz = timeutil.zone(tz_name)
    team_name = doc.get("team", team_id)
    seq = session.scalar(select(TeamRow.publish_seq).where(TeamRow.id == team_id))
    period = f"{start:%a} {start.day} {start:%b %Y} to {end:%a} {end.day} {end:%b %Y}"
    why = " ".join((note or "").split())[:500]  # the lead's one-line note, kept with the version
    rows: list[OutboxMessage] = []
    for person, changes in sorted(changed.items()):
        pref = preference(session, team_id, person)
        address = emails.get(person)
        if not (address and pref.email and pref.changes):
            continue
        name = people.get(person, person)
        lines = [c.line(tz) for c in changes]
        rows.append(
            OutboxMessage(
                team_id=team_id,
                key=f"published:{team_id}:{seq}:email:{person}",
                channel="email",
                event="rota.published",
                recipient=address,
                person=person,
                summary=f"{name}: " + "; ".join(lines),
                payload={
                    "to": address,
                    "name": name,
                    "team": team_id,
                    "team_name": team_name,
                    "person": person,
                    "kind": "changes",
                    "subject": f"Your shifts in {team_name} changed",
                    "intro": f"The rota of {team_name} for {period} was published "
                    "with changes to your shifts:" + (f"\n(Why: {why})" if why else ""),
                    "lines": lines,
                    "ics": changes_ics(team_name, tz_name, name, changes, now),
                },
                next_at=now,
                created_at=now,
            )
        )
    hooks = hooks_for(session, team_id, "rota.published")
    if hooks:
        per_person = [
            {
                "person": p,
                "name": people.get(p, p),
                "text": "; ".join(c.line(tz) for c in cs),
                "changes": [c.as_json(tz) for c in cs],
            }
            for p, cs in sorted(changed.items())
        ]
        count = sum(len(cs) for cs in changed.values())
        who = ", ".join(f"{x['name']} ({x['text']})" for x in per_person[:TEXT_PEOPLE])
        if len(per_person) > TEXT_PEOPLE:  # a chat message stays readable; "people" has everyone
            who += f" and {_count(len(per_person) - TEXT_PEOPLE, 'more person', 'more people')}"
        body = {
            "event": "rota.published",
            "team": team_id,
            "team_name": team_name,
            "rota_id": rota_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "published_at": now.isoformat(),
            "note": why or None,
            "people": per_person,
            "text": f"{team_name}: rota for {period} published; {_count(count, 'shift change')} for "
            f"{_count(len(per_person), 'person', 'people')}: {who}",
        }
        for hook in hooks:
            rows.append(_hook_row(hook, f"published:{team_id}:{seq}:hook:{hook.id}", body, now))
    session.add_all(rows)
    session.flush()
    return len(rows)


def on_published(session: Session, event: Any) -> None:
    """The publish hook (``publish.on_publish``; ``event`` a ``publish.PublishEvent``, not imported here:
    publish imports this module): queue what this publish tells, in its transaction. The
    feed sync just wrote its events with LAST-MODIFIED = the publish's instant (``published_at``)."""
    rota = event.rota
    assert rota.published_at is not None
    queue_publish_notices(
        session=session,
        team_id=rota.team_id,
        rota_id=rota.id,
        start=rota.start,
        end=rota.end,
        now=rota.published_at,
        note=event.note,
    )


def _count(n: int, one: str, many: str | None = None) -> str:
    """``1 shift change``, ``3 shift changes``."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def _hook_row(hook: Webhook, key: str, body: dict[str, Any], now: datetime) -> OutboxMessage:
    return hook_row(hook, key, body, now)


def hook_row(hook: Webhook, key: str, body: dict[str, Any], now: datetime) -> OutboxMessage:
    """One delivery of ``body`` to ``hook`` (an outbox row keyed ``key``, due at ``now``)."""
    return OutboxMessage(
        team_id=hook.team_id,
        key=key,
        channel="webhook",
        event=body["event"],
        recipient=hook.url[:300],
        webhook_id=hook.id,
        summary=body["text"][:2000],
        payload={"body": body},
        next_at=now,
        created_at=now,
    )


# -- reminders and "who is on today", queued by the runner on its rounds ---------------------------------
def _add_once(session: Session, row: OutboxMessage) -> bool:
    """Insert a keyed row unless one with its key exists (two runners may try at once)."""
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == row.key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def anything_scheduled(session: Session) -> bool:
    """Whether anyone asked for reminders or a webhook for reminders or "who is on today" (a read: the
    runner opens a write only then)."""
    if session.scalar(select(NotifyPreference.person).where(NotifyPreference.reminders.is_(True)).limit(1)):
        return True
    return any(
        {"duty.reminder", "team.on_today"} & set(events) for events in session.scalars(select(Webhook.events))
    )


def queue_due(*, session: Session, now: datetime, on_today_hour: int = 7) -> int:
    """Queue the reminders due by ``now`` (a person's, ``reminder_hours`` before each of their duties; a
    webhook's, ``HOOK_REMINDER_HOURS`` before each duty) and each team webhook's "who is on today" once its
    team's local hour reaches ``on_today_hour``. Keyed: one per duty (per version of it) and per day."""
    added = 0
    prefs = session.scalars(
        select(NotifyPreference).where(NotifyPreference.reminders.is_(True), NotifyPreference.email.is_(True))
    ).all()
    hooks = [
        h for h in session.scalars(select(Webhook)) if {"duty.reminder", "team.on_today"} & set(h.events)
    ]
    teams = sorted({p.team_id for p in prefs} | {h.team_id for h in hooks})
    for team_id in teams:
        try:
            doc = get_version(session=session, team_id=team_id).document
        except NotFound:
            continue
        people, _, _ = display_names(doc)
        emails = _contacts(doc)
        tz = timeutil.zone(doc["timezone"])
        team_name = doc.get("team", team_id)
        horizon = max([p.reminder_hours for p in prefs if p.team_id == team_id] + [HOOK_REMINDER_HOURS])
        coming = session.scalars(
            select(FeedEvent)
            .where(
                FeedEvent.team_id == team_id,
                FeedEvent.active.is_(True),
                FeedEvent.start_utc > now,
                FeedEvent.start_utc <= now + timedelta(hours=horizon),
            )
            .order_by(FeedEvent.start_utc)
        ).all()
        for pref in (p for p in prefs if p.team_id == team_id):
            address = emails.get(pref.person)
            if not address:
                continue
            for ev in coming:
                if ev.person != pref.person or ev.start_utc > now + timedelta(hours=pref.reminder_hours):
                    continue
                line = _duty_line(ev, tz)
                added += _add_once(
                    session,
                    OutboxMessage(
                        team_id=team_id,
                        key=f"reminder:{ev.uid}:{ev.sequence}:email",
                        channel="email",
                        event="duty.reminder",
                        recipient=address,
                        person=pref.person,
                        summary=f"{people.get(pref.person, pref.person)}: reminder of {line}",
                        payload={
                            "to": address,
                            "name": people.get(pref.person, pref.person),
                            "team": team_id,
                            "team_name": team_name,
                            "person": pref.person,
                            "kind": "reminders",
                            "subject": f"Reminder: {line}",
                            "intro": f"A reminder of your coming shift in {team_name}:",
                            "lines": [line],
                            "ics": None,
                        },
                        next_at=now,
                        created_at=now,
                    ),
                )
        for hook in (h for h in hooks if h.team_id == team_id):
            if "duty.reminder" in hook.events:
                for ev in coming:
                    if ev.start_utc > now + timedelta(hours=HOOK_REMINDER_HOURS):
                        continue
                    line = _duty_line(ev, tz)
                    body = {
                        "event": "duty.reminder",
                        "team": team_id,
                        "team_name": team_name,
                        "person": ev.person,
                        "name": ev.person_name,
                        "role": ev.role,
                        "shift": ev.shift,
                        "date": ev.date.isoformat(),
                        "start": ev.start_utc.astimezone(tz).isoformat(),
                        "end": ev.end_utc.astimezone(tz).isoformat(),
                        "uid": ev.uid,
                        "text": f"{team_name}: {ev.person_name} is on {line}",
                    }
                    added += _add_once(
                        session, _hook_row(hook, f"reminder:{ev.uid}:{ev.sequence}:hook:{hook.id}", body, now)
                    )
            if "team.on_today" in hook.events:
                local = now.astimezone(tz)
                if local.hour < on_today_hour:
                    continue
                today = local.date()
                if session.get(PublishedDay, (team_id, today)) is None:
                    continue  # nothing published for today: nothing to say
                duties = session.scalars(
                    select(FeedEvent)
                    .where(FeedEvent.team_id == team_id, FeedEvent.date == today, FeedEvent.active.is_(True))
                    .order_by(FeedEvent.start_utc, FeedEvent.role, FeedEvent.person)
                ).all()
                on = [
                    {
                        "person": ev.person,
                        "name": ev.person_name,
                        "role": ev.role,
                        "role_name": ev.role_name,
                        "shift": ev.shift,
                        "shift_name": ev.shift_name,
                        "start": ev.start_utc.astimezone(tz).isoformat(),
                        "end": ev.end_utc.astimezone(tz).isoformat(),
                    }
                    for ev in duties
                ]
                listing = (
                    "; ".join(
                        f"{ev.person_name} ({ev.role_name}, {ev.shift_name} "
                        f"{ev.start_utc.astimezone(tz):%H:%M}–{ev.end_utc.astimezone(tz):%H:%M})"
                        for ev in duties
                    )
                    or "nobody"
                )
                body = {
                    "event": "team.on_today",
                    "team": team_id,
                    "team_name": team_name,
                    "date": today.isoformat(),
                    "on": on,
                    "text": f"{team_name}, on today ({today:%a} {today.day} {today:%b}): {listing}",
                }
                added += _add_once(
                    session, _hook_row(hook, f"today:{team_id}:{today}:hook:{hook.id}", body, now)
                )
    session.commit()
    return added


def _duty_line(ev: FeedEvent, tz: tzinfo) -> str:
    start, end = ev.start_utc.astimezone(tz), ev.end_utc.astimezone(tz)
    return f"{ev.date:%a} {ev.date.day} {ev.date:%b}: {ev.shift_name} {start:%H:%M}–{end:%H:%M}"


# -- people's choices and the unsubscribe link ------------------------------------------------------------
@dataclass
class Choices:
    team: str
    team_name: str
    person: str
    email: str | None  # the address the team file gives (None: no email can be sent)
    email_on: bool
    changes: bool
    reminders: bool
    reminder_hours: int

    def as_json(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "team_name": self.team_name,
            "person": self.person,
            "email": self.email,
            "email_on": self.email_on,
            "changes": self.changes,
            "reminders": self.reminders,
            "reminder_hours": self.reminder_hours,
        }


def get_choices(*, session: Session, team_id: str, person: str) -> Choices:
    doc = get_version(session=session, team_id=team_id).document
    pref = preference(session, team_id, person)
    return Choices(
        team_id,
        doc.get("team", team_id),
        person,
        _contacts(doc).get(person),
        pref.email,
        pref.changes,
        pref.reminders,
        pref.reminder_hours,
    )


def set_choices(
    *,
    session: Session,
    team_id: str,
    person: str,
    email_on: bool | None = None,
    changes: bool | None = None,
    reminders: bool | None = None,
    reminder_hours: int | None = None,
) -> Choices:
    """Change a person's choices (the ones given); committed."""
    if reminder_hours is not None and not 1 <= reminder_hours <= 168:
        raise Invalid("reminder hours must be between 1 and 168 (a week)", "reminder_hours")
    get_version(session=session, team_id=team_id)  # 404 for a team that is gone
    row = session.get(NotifyPreference, (team_id, person))
    if row is None:
        row = preference(session, team_id, person)
        session.add(row)
    for name, value in (
        ("email", email_on),
        ("changes", changes),
        ("reminders", reminders),
        ("reminder_hours", reminder_hours),
    ):
        if value is not None:
            setattr(row, name, value)
    row.updated_at = utcnow()
    session.commit()
    return get_choices(session=session, team_id=team_id, person=person)


def _serializer(session: Session) -> URLSafeSerializer:
    """Signs unsubscribe tokens with a key made once and kept in the database (every process shares it)."""
    row = session.get(AppSecret, "unsubscribe")
    if row is None:
        try:
            with session.begin_nested():
                session.add(
                    AppSecret(name="unsubscribe", value=secrets.token_urlsafe(48), created_at=utcnow())
                )
        except IntegrityError:
            pass
        session.commit()
        row = session.get(AppSecret, "unsubscribe")
        assert row is not None
    return URLSafeSerializer(row.value, salt="rota-unsubscribe")


def unsubscribe_token(*, session: Session, team_id: str, person: str, kind: str) -> str:
    return str(_serializer(session).dumps([team_id, person, kind]))


@dataclass(frozen=True)
class Unsubscribe:
    team: str
    team_name: str
    person: str
    name: str
    kind: str
    what: str  # the kind in words


def read_unsubscribe(*, session: Session, token: str) -> Unsubscribe:
    """What an unsubscribe link names; 404 in words when it is not one of ours."""
    try:
        team_id, person, kind = _serializer(session).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise NotFound("this unsubscribe link is not valid (it may have been cut short)", "token") from None
    if kind not in KINDS:
        raise NotFound("this unsubscribe link is not valid", "token")
    doc = get_version(session=session, team_id=team_id).document
    people, _, _ = display_names(doc)
    return Unsubscribe(
        team_id, doc.get("team", team_id), person, people.get(person, person), kind, KINDS[kind]
    )


def unsubscribe(*, session: Session, token: str) -> Unsubscribe:
    """Turn off the kind of email the link names; committed."""
    link = read_unsubscribe(session=session, token=token)
    set_choices(session=session, team_id=link.team, person=link.person, **{link.kind: False})
    return link
