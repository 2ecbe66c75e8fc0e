"""iCalendar feeds of a rota: one VEVENT per assignment, in the team's zone, with stable UIDs.

``calendar_ics`` knows nothing about rotas (the API builds its own feeds on it); ``rota_events``
turns a rota document into ``EventSpec``s and ``event_uid`` names an assignment for good, so a
calendar client updates an event in place when a rota is published again.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration, vText

from rota import timeutil
from rota.calendar import Calendar as RotaCalendar
from rota.document import RotaDocument
from rota.team import Team

PRODID = "-//rota//on-duty rota//EN"
# Fixed namespace for assignment UIDs: changing it would change every published UID.
UID_NAMESPACE = uuid.UUID("5f1b7c3e-2f7a-4c55-9a43-6a1e0b2d9c41")
UID_DOMAIN = "rota"


# Not allowed in an iCal TEXT value (RFC 5545 3.3.11: CONTROL but HTAB; line breaks are written "\n").
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def ical_text(value: str) -> str:
    """A text for an iCal property: line breaks (CR LF, a bare CR) made LF, which icalendar's ``vText``
    writes escaped as ``\\n``; other control characters dropped (the team file refuses them, this keeps
    a feed well-formed whatever is stored)."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


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


def calendar_ics(
    name: str,
    tz: str,
    events: list[EventSpec],
    *,
    refresh_minutes: int | None = None,
    transparent: bool = False,
    stamp: datetime | None = None,
) -> bytes:
    """A VCALENDAR with the events in zone ``tz`` (TZID + VTIMEZONE), as bytes.

    ``refresh_minutes`` adds REFRESH-INTERVAL and X-PUBLISHED-TTL, the hints subscribed
    calendars poll by; ``transparent`` marks the events as not blocking busy time; ``stamp``
    (default now) stands in for the LAST-MODIFIED of events that have none.

    Every byte is written by icalendar: the calendar's head, its VTIMEZONE and its end come from one
    ``Calendar.to_ical()`` (``calendar_frame``) and each VEVENT from ``Event.to_ical()`` (``event_ics``,
    cached), joined in the order icalendar itself writes them; tests/api/test_feed_render.py checks the
    result equals one ``Calendar`` holding all the events.
    """
    zone = timeutil.zone(tz)
    stamp = _second(stamp or datetime.now(UTC))
    pieces = [event_ics(spec, tz, transparent=transparent, stamp=stamp) for spec in events]
    years = None
    if events:
        years = (
            min(e.start for e in events).astimezone(zone).year,
            max(e.end for e in events).astimezone(zone).year,
        )
    head, tail = calendar_frame(name, tz, refresh_minutes, years)
    return b"".join((head, *pieces, tail))


def event_component(
    spec: EventSpec, zone: ZoneInfo, *, transparent: bool = False, stamp: datetime | None = None
) -> Event:
    """One VEVENT, its times in ``zone`` (so it carries the TZID): what an event of ours looks like.

    DTSTAMP is the event's LAST-MODIFIED (``stamp``, default now, when it has none), not the time of the
    request. RFC 5545 3.8.7.2 gives DTSTAMP two readings: with no METHOD, the time the component's data
    was last revised in the calendar store; with a METHOD (ours say PUBLISH), the time the object was
    created. A published shift's VEVENT is created when that version of the shift is written (a new
    version raises SEQUENCE and LAST-MODIFIED) and every feed serves that same object again, so its
    creation time is its last revision: both readings give LAST-MODIFIED. iTIP (RFC 5546 2.1.5) orders
    versions by SEQUENCE, then DTSTAMP, which a later version always raises too. Feeds that stamp each
    download with the current time (Google's public .ics, Indico) make every poll look like a new
    revision of an unchanged event (indico/indico#4790 asks for the last change instead, as here), and
    they could not keep a serialised event for reuse; this one depends on nothing but the event.
    """
    _check_aware(spec)
    modified = _second(spec.last_modified or stamp or datetime.now(UTC))
    event = Event()
    event.add("uid", spec.uid)
    event.add("dtstamp", modified)
    event.add("dtstart", spec.start.astimezone(zone))
    event.add("dtend", spec.end.astimezone(zone))
    event.add("summary", vText(ical_text(spec.summary)))
    if spec.description:
        event.add("description", vText(ical_text(spec.description)))
    event.add("sequence", spec.sequence)
    event.add("last-modified", modified)
    event.add("transp", "TRANSPARENT" if transparent else "OPAQUE")
    return event


def event_ics(spec: EventSpec, tz: str, *, transparent: bool = False, stamp: datetime | None = None) -> bytes:
    """``event_component(...).to_ical()``, kept in a bounded process-wide cache (``EVENT_CACHE_SIZE``).

    icalendar takes ~0.3 ms to build and write an event; a feed of a year of shifts is hundreds of them
    and barely changes between publishes, so each is written once per version. The key is everything
    the bytes depend on: the instants (in UTC, so equal keys are the same instants), the zone, the
    texts, SEQUENCE, LAST-MODIFIED (which is also DTSTAMP) and the transparency.
    """
    _check_aware(spec)
    modified = _second(spec.last_modified or stamp or datetime.now(UTC))
    return _event_bytes(
        spec.uid,
        spec.sequence,
        modified,
        spec.summary,
        spec.description,
        spec.start.astimezone(UTC),
        spec.end.astimezone(UTC),
        tz,
        transparent,
    )


EVENT_CACHE_SIZE = 200_000  # ~0.7-1 KB an entry with its key: up to ~200 MB when full


@lru_cache(maxsize=EVENT_CACHE_SIZE)
def _event_bytes(
    uid: str,
    sequence: int,
    modified: datetime,
    summary: str,
    description: str | None,
    start: datetime,
    end: datetime,
    tz: str,
    transparent: bool,
) -> bytes:
    spec = EventSpec(
        uid=uid,
        summary=summary,
        start=start,
        end=end,
        description=description,
        sequence=sequence,
        last_modified=modified,
    )
    out: bytes = event_component(spec, timeutil.zone(tz), transparent=transparent).to_ical()
    return out


# The one event a calendar frame holds, where the real events go; a UID no event of ours has.
_PLACEHOLDER_UID = f"{uuid.uuid4()}@placeholder.{UID_DOMAIN}"


@lru_cache(maxsize=1024)
def calendar_frame(
    name: str, tz: str, refresh_minutes: int | None, years: tuple[int, int] | None
) -> tuple[bytes, bytes]:
    """The bytes icalendar writes around a calendar's events: (head with VTIMEZONE, end).

    ``years`` spans the events' local start and end (None: no events, no VTIMEZONE). The frame is
    a whole ``Calendar`` holding one placeholder event in zone ``tz``, written by icalendar and cut
    around that event, so it carries the VTIMEZONE the events need (none when icalendar writes
    them in UTC) exactly where ``Calendar.add_missing_timezones`` puts it.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", vText(ical_text(name)))  # an X- property: icalendar would write it raw
    cal.add("x-wr-timezone", tz)
    if refresh_minutes is not None:
        every = timedelta(minutes=refresh_minutes)
        cal.add("refresh-interval", vDuration(every), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(every).to_ical().decode())
    placeholder = Event()
    placeholder.add("uid", _PLACEHOLDER_UID)
    if years is not None:
        placeholder.add("dtstart", datetime(years[0], 7, 1, tzinfo=timeutil.zone(tz)))
    cal.add_component(placeholder)
    if years is not None:
        first, last = date(years[0] - 1, 1, 1), date(years[1] + 2, 1, 1)
        zones = [vtimezone(tzid, first, last) for tzid in sorted(cal.get_missing_tzids())]
        cal.subcomponents[:0] = [z for z in zones if z is not None]  # first, as add_missing_timezones does
    marker = placeholder.to_ical()
    head, cut, tail = cal.to_ical().partition(marker)
    if not cut or marker in tail:
        raise RuntimeError("the placeholder event is not in the calendar exactly once")
    return head, tail


@lru_cache(maxsize=256)
def vtimezone(tzid: str, first: date, last: date) -> Timezone | None:
    """icalendar's VTIMEZONE of ``tzid`` from ``first`` to ``last`` (None for a zone it does not know);
    cached per zone and span, and never changed after (calendars share it)."""
    try:
        return Timezone.from_tzid(tzid, first_date=first, last_date=last)
    except ValueError:
        return None


def _check_aware(spec: EventSpec) -> None:
    for moment in (spec.start, spec.end):
        if moment.tzinfo is None:
            raise ValueError(f"event {spec.uid}: {moment.isoformat()} has no time zone")


def _second(moment: datetime) -> datetime:
    """An aware instant in UTC, whole seconds (as DTSTAMP and LAST-MODIFIED are written)."""
    return moment.astimezone(UTC).replace(microsecond=0)


def rota_events(
    team: Team,
    doc: RotaDocument,
    *,
    person: str | None = None,
    role: str | None = None,
    with_person_names: bool = False,
    cal: RotaCalendar | None = None,
) -> list[EventSpec]:
    """An event per assignment of ``doc`` (optionally one person's or one role's), in date order.

    The summary names the role and the shift (and the person, with ``with_person_names``), as the live
    feeds do (``event_text``); the description the shift, its local times, the team and the person.
    ``cal``: the team's calendar of the rota's period, when one is built already.
    """
    cal = cal if cal is not None else RotaCalendar(team, doc.period.start, doc.period.end)
    names = {p.id: p.display for p in team.people}
    out = []
    for a in sorted(doc.assignments, key=lambda a: (a.date, a.shift, a.role, a.person)):
        if (person is not None and a.person != person) or (role is not None and a.role != role):
            continue
        start, end = _times(cal, a.shift, a.date, a.start, a.end)
        summary, description = event_text(
            names.get(a.person, a.person),
            _role_name(team, a.role),
            _shift_name(team, a.shift),
            team.team,
            start.astimezone(cal.tz),
            end.astimezone(cal.tz),
            named=with_person_names,
        )
        out.append(
            EventSpec(
                uid=event_uid(team.team, a.person, a.role, a.date, a.shift),
                summary=summary,
                start=start,
                end=end,
                description=description,
            )
        )
    return out


def event_text(
    who: str, role_name: str, shift_label: str, team_name: str, start: datetime, end: datetime, *, named: bool
) -> tuple[str, str]:
    """An event's SUMMARY and DESCRIPTION, for the CLI's .ics export and the live feeds alike: the summary
    is the role and the shift ("Service desk · Early"; ``named``: "Ann Lee: Service desk · Early"), as the
    pages write a duty; times are local."""
    duty = f"{role_name} · {shift_label}"
    summary = f"{who}: {duty}" if named else duty
    local = f"{start:%H:%M}-{end:%H:%M}"
    description = f"{role_name}, shift {shift_label} ({local}), {team_name}. On duty: {who}."
    return summary, description


def _role_name(team: Team, role: str) -> str:
    """The role's display name, else its id."""
    spec = team.roles.get(role)
    return spec.name if spec is not None and spec.name else role


def _shift_name(team: Team, shift: str) -> str:
    """The shift's display name, else its id (as the feeds' ``display_names``)."""
    spec = team.shifts.get(shift)
    return spec.name if spec is not None and spec.name else shift


def _times(
    cal: RotaCalendar, shift: str, day: date, start: str | None, end: str | None
) -> tuple[datetime, datetime]:
    """The assignment's instants: from the document when it has them, else from the shift template."""
    if start and end:
        return datetime.fromisoformat(start), datetime.fromisoformat(end)
    slot = cal.slot(shift, day)
    return cal.instant(slot.start), cal.instant(slot.end)


def rota_ics(team: Team, doc: RotaDocument, cal: RotaCalendar | None = None, **options: Any) -> bytes:
    """The whole rota as one calendar (``rota solve -o FILE.ics``): every shift, with people's names
    (``cal``: the team's calendar of the rota's period, when one is built already)."""
    events = rota_events(team, doc, with_person_names=True, cal=cal)
    return calendar_ics(f"{team.team} rota", team.timezone, events, **options)
