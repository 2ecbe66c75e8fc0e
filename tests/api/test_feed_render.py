"""Feeds are written by icalendar alone: each VEVENT once (cached), the calendar around it from one Calendar.

``rota.ical.calendar_ics`` joins icalendar-made pieces; these tests hold it to what one icalendar ``Calendar``
holding every event writes, hold the feed endpoint to ``calendar_ics`` of its own events, and check the
per-event cache, DST days, awkward texts and naive times.
"""

from __future__ import annotations

import inspect
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from apikit import Service, quick_solve

import rota.api.feeds
from rota.api.feeds import BodyCache
from rota.ical import (
    EVENT_CACHE_SIZE,
    PRODID,
    EventSpec,
    _event_bytes,
    calendar_ics,
    event_component,
    event_ics,
)

ZONES = ["Europe/Amsterdam", "Europe/London", "America/New_York", "UTC", "Etc/GMT+5"]
STAMP = datetime(2026, 11, 23, 12, 0, 5, 123456, tzinfo=UTC)
AWKWARD = [
    "Service desk",
    "Oisín Byrne: Service Manager on Duty",
    "a;b,c\\d",
    "line one\nline two\r\nthree\rfour",
    "x" * 73 + "\\,tail",  # an escape that would straddle the fold
    "ü" * 80,  # two-octet characters across the fold
    "日本語のシフト" * 12,  # three-octet ones
    "€" * 24 + "^" + "a" * 60,
]


def events(zone: str, count: int, *, tag: str = "", names: list[str] = AWKWARD) -> list[EventSpec]:
    tz = ZoneInfo(zone)
    start = datetime(2026, 10, 20, 22, 0, tzinfo=tz)  # crosses the end of summer time in Europe
    out = []
    for i in range(count):
        s = (start + timedelta(days=i * 3)).astimezone(tz)
        e = (s.astimezone(UTC) + timedelta(hours=9)).astimezone(tz)
        name = names[i % len(names)]
        out.append(
            EventSpec(
                uid=f"{i:04d}-{tag}uid@rota",
                summary=name,
                start=s,
                end=e,
                description=f"{name}, night ({s:%H:%M}-{e:%H:%M}), Team. On duty: {name}." if i % 3 else None,
                sequence=i % 4,
                last_modified=None if i % 5 == 0 else datetime(2026, 11, 1, 9, 30, 15, 999, tzinfo=UTC),
            )
        )
    return out


def one_calendar(
    name: str,
    tz: str,
    specs: list[EventSpec],
    *,
    refresh_minutes: int | None,
    transparent: bool,
    stamp: datetime,
) -> bytes:
    """The reference: one icalendar Calendar holding every event, VTIMEZONE by add_missing_timezones."""
    zone = ZoneInfo(tz)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", tz)
    if refresh_minutes is not None:
        every = icalendar.vDuration(timedelta(minutes=refresh_minutes))
        cal.add("refresh-interval", every, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", every.to_ical().decode())
    for spec in specs:
        cal.add_component(event_component(spec, zone, transparent=transparent, stamp=stamp))
    if specs:
        first = min(e.start for e in specs).astimezone(zone)
        last = max(e.end for e in specs).astimezone(zone)
        cal.add_missing_timezones(first_date=date(first.year - 1, 1, 1), last_date=date(last.year + 2, 1, 1))
    return cal.to_ical()


def texts(value: str) -> str:
    """A TEXT value as it reads back: every line break is a newline."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("count", [0, 1, 140])
@pytest.mark.parametrize("transparent", [False, True])
def test_calendar_ics_is_what_one_icalendar_calendar_writes(zone: str, count: int, transparent: bool) -> None:
    specs = events(zone, count, tag=f"same-{zone}-")
    for refresh in (None, 60):
        options = {"refresh_minutes": refresh, "transparent": transparent, "stamp": STAMP}
        joined = calendar_ics("Noor de Vries — Tiny Help Desk", zone, specs, **options)
        assert joined == one_calendar("Noor de Vries — Tiny Help Desk", zone, specs, **options)
        again = calendar_ics("Noor de Vries — Tiny Help Desk", zone, specs, **options)  # from the caches
        assert again == joined


def test_more_than_a_year_of_events_gets_the_vtimezone_of_every_year() -> None:
    specs = events("Europe/London", 300, tag="long-")  # 2026-10 to 2029-04: four DST years
    joined = calendar_ics("Long", "Europe/London", specs, stamp=STAMP)
    options: dict[str, Any] = {"refresh_minutes": None, "transparent": False, "stamp": STAMP}
    assert joined == one_calendar("Long", "Europe/London", specs, **options)
    parsed = icalendar.Calendar.from_ical(joined)
    assert [str(e["SUMMARY"]) for e in parsed.walk("VEVENT")] == [texts(s.summary) for s in specs]
    (vtimezone,) = parsed.walk("VTIMEZONE")
    assert {sub.name for sub in vtimezone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    for ev, spec in zip(parsed.walk("VEVENT"), specs, strict=True):
        assert ev.decoded("DTSTART").utcoffset() == spec.start.utcoffset()  # summer and winter, every year


def test_non_ascii_and_long_texts_round_trip_through_icalendar() -> None:
    specs = events("Europe/Amsterdam", len(AWKWARD) * 3, tag="texts-")
    body = calendar_ics("Ærø — 日本語 rota; a, b", "Europe/Amsterdam", specs, stamp=STAMP)
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # icalendar folds by octets
    parsed = icalendar.Calendar.from_ical(body)
    # X- properties are TEXT (RFC 5545 3.8.8.2): escaped on the wire, as icalendar writes them
    assert str(parsed["X-WR-CALNAME"]).replace("\\", "") == "Ærø — 日本語 rota; a, b"
    for ev, spec in zip(parsed.walk("VEVENT"), specs, strict=True):
        assert str(ev["SUMMARY"]) == texts(spec.summary)
        assert str(ev.get("DESCRIPTION", "")) == texts(spec.description or "")
        assert str(ev["UID"]) == spec.uid and ev.decoded("DTSTART") == spec.start


def test_a_dst_change_day_keeps_its_instants() -> None:
    london = ZoneInfo("Europe/London")
    specs = [
        # 00:00 BST to 08:00 GMT on the autumn change: 9 hours
        EventSpec(
            "autumn-night@rota",
            "Night",
            datetime(2026, 10, 24, 23, tzinfo=UTC),
            datetime(2026, 10, 25, 8, tzinfo=UTC),
        ),
        EventSpec(
            "autumn-day@rota",
            "Day",
            datetime(2026, 10, 25, 8, tzinfo=UTC),
            datetime(2026, 10, 25, 16, tzinfo=UTC),
        ),
        # 00:00 GMT to 08:00 BST on the spring change: 7 hours
        EventSpec(
            "spring-night@rota",
            "Night",
            datetime(2026, 3, 29, 0, tzinfo=UTC),
            datetime(2026, 3, 29, 7, tzinfo=UTC),
        ),
    ]
    body = calendar_ics("DST", "Europe/London", specs, stamp=STAMP)
    text = body.decode()
    assert "DTSTART;TZID=Europe/London:20261025T000000\r\n" in text
    assert "DTEND;TZID=Europe/London:20261025T080000\r\n" in text
    assert "DTEND;TZID=Europe/London:20260329T080000\r\n" in text
    parsed = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    for spec in specs:
        ev = parsed[spec.uid]
        assert ev.decoded("DTSTART") == spec.start and ev.decoded("DTEND") == spec.end
        assert ev.decoded("DTSTART").utcoffset() == spec.start.astimezone(london).utcoffset()
    hours = {uid: e.decoded("DTEND") - e.decoded("DTSTART").astimezone(UTC) for uid, e in parsed.items()}
    assert hours["autumn-night@rota"] == timedelta(hours=9)
    assert hours["spring-night@rota"] == timedelta(hours=7)


def test_dtstamp_is_last_modified_so_the_bytes_do_not_depend_on_the_render_time() -> None:
    spec = EventSpec(
        "stamp@rota",
        "On call",
        datetime(2026, 3, 1, 9, tzinfo=UTC),
        datetime(2026, 3, 1, 17, tzinfo=UTC),
        sequence=2,
        last_modified=datetime(2026, 2, 1, 10, 11, 12, 777, tzinfo=UTC),
    )
    first = calendar_ics("Feed", "Europe/London", [spec], stamp=STAMP)
    assert first == calendar_ics("Feed", "Europe/London", [spec], stamp=STAMP + timedelta(days=3))
    (ev,) = icalendar.Calendar.from_ical(first).walk("VEVENT")
    modified = datetime(2026, 2, 1, 10, 11, 12, tzinfo=UTC)
    assert ev.decoded("DTSTAMP") == ev.decoded("LAST-MODIFIED") == modified
    # an event with no LAST-MODIFIED (rota solve -o x.ics) is stamped with the render time
    bare = EventSpec("bare@rota", "On call", spec.start, spec.end)
    (ev,) = icalendar.Calendar.from_ical(calendar_ics("Feed", "UTC", [bare], stamp=STAMP)).walk("VEVENT")
    assert ev.decoded("DTSTAMP") == ev.decoded("LAST-MODIFIED") == STAMP.replace(microsecond=0)


def test_the_event_cache_gives_the_same_bytes_and_is_bounded() -> None:
    spec = events("Europe/Amsterdam", 2, tag="cache-")[1]
    before = _event_bytes.cache_info()
    first = event_ics(spec, "Europe/Amsterdam", stamp=STAMP)
    assert first == event_component(spec, ZoneInfo("Europe/Amsterdam"), stamp=STAMP).to_ical()
    # the same instants given in another zone are the same event: a hit, the very same bytes
    in_utc = {"start": spec.start.astimezone(UTC), "end": spec.end.astimezone(UTC)}
    moved = EventSpec(**(spec.__dict__ | in_utc))
    assert event_ics(moved, "Europe/Amsterdam", stamp=STAMP) is first
    after = _event_bytes.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
    # everything the bytes depend on is in the key
    changes = {
        "sequence": 9,
        "summary": "Other",
        "description": "Other",
        "uid": "other-cache@rota",
        "start": spec.start - timedelta(hours=1),
        "end": spec.end + timedelta(hours=1),
        "last_modified": datetime(2026, 12, 1, tzinfo=UTC),
    }
    for field, value in changes.items():
        assert event_ics(EventSpec(**{**spec.__dict__, field: value}), "Europe/Amsterdam") != first, field
    assert event_ics(spec, "Europe/London") != first
    assert event_ics(spec, "Europe/Amsterdam", transparent=True) != first
    info = _event_bytes.cache_info()
    assert info.maxsize == EVENT_CACHE_SIZE and 0 < EVENT_CACHE_SIZE <= 1_000_000
    assert info.currsize <= info.maxsize


@pytest.mark.parametrize("where", ["start", "end"])
def test_naive_times_are_refused_naming_the_event(where: str) -> None:
    aware = datetime(2026, 1, 1, 9, tzinfo=UTC)
    times = {"start": aware, "end": aware + timedelta(hours=8)}
    times[where] = times[where].replace(tzinfo=None)
    naive = EventSpec(uid="naive-7@rota", summary="s", **times)
    with pytest.raises(ValueError, match=r"event naive-7@rota: .* has no time zone"):
        calendar_ics("x", "Europe/London", [naive])
    with pytest.raises(ValueError, match=r"event naive-7@rota: .* has no time zone"):
        event_ics(naive, "UTC")


def test_the_feeds_write_no_ical_syntax_of_their_own() -> None:
    source = inspect.getsource(rota.api.feeds)
    assert not re.search(r"BEGIN:|END:V|DTSTART[:;]|\\r\\n|def fold|escape", source)


# --- the endpoint ---------------------------------------------------------------------------------------


@pytest.fixture
def published(make_service: Any) -> Service:
    service = make_service(solve_fn=quick_solve)
    service.put_team()
    service.publish(service.generate(start="2026-10-19", end="2026-10-30"))  # over the autumn change
    service.client.app.state.clock = lambda: datetime(2026, 10, 20, 12, tzinfo=UTC)
    return service


def specs_of(body: bytes) -> tuple[icalendar.Calendar, list[EventSpec]]:
    parsed = icalendar.Calendar.from_ical(body)
    return parsed, [
        EventSpec(
            uid=str(e["UID"]),
            summary=str(e["SUMMARY"]),
            start=e.decoded("DTSTART"),
            end=e.decoded("DTEND"),
            description=str(e["DESCRIPTION"]) if "DESCRIPTION" in e else None,
            sequence=int(e["SEQUENCE"]),
            last_modified=e.decoded("LAST-MODIFIED"),
        )
        for e in parsed.walk("VEVENT")
    ]


@pytest.mark.parametrize("kind", ["person", "team", "role"])
@pytest.mark.parametrize("busy", [1, 0])
def test_a_feed_is_calendar_ics_of_its_events(published: Service, kind: str, busy: int) -> None:
    body = {"team": "tiny", "kind": kind} | ({"role": "oncall"} if kind == "role" else {})
    who = "staff" if kind == "person" else "lead"
    token = published.call("POST", "/api/calendar-tokens", who, json=body, expect=201).json()["token"]
    response = published.client.get(f"/calendars/{token}.ics?busy={busy}")
    assert response.status_code == 200
    parsed, specs = specs_of(response.content)
    assert specs and all(s.last_modified is not None for s in specs)
    again = calendar_ics(
        str(parsed["X-WR-CALNAME"]),
        "Europe/Amsterdam",
        specs,
        refresh_minutes=60,
        transparent=not busy,
        stamp=datetime(2030, 1, 1, tzinfo=UTC),  # not used: every feed event has its LAST-MODIFIED
    )
    assert again == response.content
    # rendered again later (no body cache): the same bytes, as DTSTAMP does not follow the clock
    published.client.app.state.feed_cache = BodyCache(0)
    published.client.app.state.clock = lambda: datetime(2026, 10, 20, 18, tzinfo=UTC)
    assert published.client.get(f"/calendars/{token}.ics?busy={busy}").content == response.content
