"""iCalendar feeds of a rota: one VEVENT per assignment, in the team's zone, with stable UIDs.

``calendar_ics`` knows nothing about rotas (the API builds its own feeds on it); ``rota_events``
turns a rota document into ``EventSpec``s and ``event_uid`` names an assignment for good, so a
calendar client updates an event in place when a rota is published again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vDuration

from rota import timeutil
from rota.calendar import Calendar as RotaCalendar
from rota.document import RotaDocument
from rota.team import Team

PRODID = "-//rota//on-duty rota//EN"
# Fixed namespace for assignment UIDs: changing it would change every published UID.
UID_NAMESPACE = uuid.UUID("5f1b7c3e-2f7a-4c55-9a43-6a1e0b2d9c41")
UID_DOMAIN = "rota"


@dataclass(frozen=True)
class EventSpec:
    """One calendar event; ``start`` and ``end`` are aware datetimes."""

    uid: str
    summary: str
    start: datetime
    end: datetime
    description: str | None = None
    sequence: int = 0
    last_modified: datetime | None = None


def event_uid(team: str | int, person: str, role: str, day: date | str, shift: str) -> str:
    """A stable UID for an assignment: uuid5 of (team key, person, role, date, shift)."""
    key = f"{team}/{person}/{role}/{day}/{shift}"
    return f"{uuid.uuid5(UID_NAMESPACE, key)}@{UID_DOMAIN}"


def calendar_ics(name: str, tz: str, events: list[EventSpec], *, refresh_minutes: int | None = None,
                 transparent: bool = False, stamp: datetime | None = None) -> bytes:
    """A VCALENDAR with the events in zone ``tz`` (TZID + VTIMEZONE), as bytes.

    ``refresh_minutes`` adds REFRESH-INTERVAL and X-PUBLISHED-TTL, the hints subscribed
    calendars poll by; ``transparent`` marks the events as not blocking busy time.
    """
    zone = timeutil.zone(tz)
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", tz)
    if refresh_minutes is not None:
        every = timedelta(minutes=refresh_minutes)
        cal.add("refresh-interval", vDuration(every), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(every).to_ical().decode())
    for spec in events:
        cal.add_component(_event(spec, zone, stamp, transparent))
    if events:
        first = min(e.start for e in events).date()
        last = max(e.end for e in events).date()
        cal.add_missing_timezones(first_date=date(first.year - 1, 1, 1), last_date=date(last.year + 2, 1, 1))
    return cal.to_ical()


def _event(spec: EventSpec, zone: ZoneInfo, stamp: datetime, transparent: bool) -> Event:
    """One VEVENT, its times in ``zone`` (so it carries the TZID)."""
    for moment in (spec.start, spec.end):
        if moment.tzinfo is None:
            raise ValueError(f"event {spec.uid}: {moment.isoformat()} has no time zone")
    event = Event()
    event.add("uid", spec.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", spec.start.astimezone(zone))
    event.add("dtend", spec.end.astimezone(zone))
    event.add("summary", spec.summary)
    if spec.description:
        event.add("description", spec.description)
    event.add("sequence", spec.sequence)
    modified = spec.last_modified or stamp
    event.add("last-modified", modified.astimezone(UTC).replace(microsecond=0))
    event.add("transp", "TRANSPARENT" if transparent else "OPAQUE")
    return event


def rota_events(team: Team, doc: RotaDocument, *, person: str | None = None, role: str | None = None,
                with_person_names: bool = False) -> list[EventSpec]:
    """An event per assignment of ``doc`` (optionally one person's or one role's), in date order.

    The summary names the role (and the person, with ``with_person_names``); the description the
    shift, its local times, the team and the person.
    """
    cal = RotaCalendar(team, doc.period.start, doc.period.end)
    names = {p.id: p.display for p in team.people}
    out = []
    for a in sorted(doc.assignments, key=lambda a: (a.date, a.shift, a.role, a.person)):
        if (person is not None and a.person != person) or (role is not None and a.role != role):
            continue
        start, end = _times(cal, a.shift, a.date, a.start, a.end)
        role_name = _role_name(team, a.role)
        who = names.get(a.person, a.person)
        summary = f"{who}: {role_name}" if with_person_names else role_name
        local = f"{start.astimezone(cal.tz):%H:%M}-{end.astimezone(cal.tz):%H:%M}"
        description = f"{role_name}, shift {a.shift} ({local}), {team.team}. On duty: {who}."
        out.append(EventSpec(uid=event_uid(team.team, a.person, a.role, a.date, a.shift),
                             summary=summary, start=start, end=end, description=description))
    return out


def _role_name(team: Team, role: str) -> str:
    """The role's display name, else its id."""
    spec = team.roles.get(role)
    return spec.name if spec is not None and spec.name else role


def _times(cal: RotaCalendar, shift: str, day: date, start: str | None,
           end: str | None) -> tuple[datetime, datetime]:
    """The assignment's instants: from the document when it has them, else from the shift template."""
    if start and end:
        return datetime.fromisoformat(start), datetime.fromisoformat(end)
    slot = cal.slot(shift, day)
    return cal.instant(slot.start), cal.instant(slot.end)


def rota_ics(team: Team, doc: RotaDocument, **options) -> bytes:
    """The whole rota as one calendar (``rota solve -o FILE.ics``): every shift, with people's names."""
    events = rota_events(team, doc, with_person_names=True)
    return calendar_ics(f"{team.team} rota", team.timezone, events, **options)
