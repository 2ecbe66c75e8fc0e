"""The feeds' fast writer gives, byte for byte, what rota.ical.calendar_ics (built on icalendar) gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from api.feeds import fast_calendar_ics, fold
from rota.ical import EventSpec, calendar_ics

ZONES = ["Europe/Amsterdam", "Europe/London", "America/New_York", "UTC", "Etc/GMT+5"]
STAMP = datetime(2026, 11, 23, 12, 0, 5, 123456, tzinfo=UTC)
AWKWARD = [
    "Service desk",
    "Oisín Byrne: Service Manager on Duty",
    "a;b,c\\d",
    "line one\nline two\r\nthree\rfour \\N five",
    "x" * 73 + "\\,tail",  # an escape that would straddle the fold
    "ü" * 80,  # two-octet characters across the fold
    "日本語のシフト" * 12,  # three-octet ones
    "€" * 24 + "^" + "a" * 60,
]


def events(zone: str, count: int, *, names: list[str] = AWKWARD) -> list[EventSpec]:
    tz = ZoneInfo(zone)
    start = datetime(2026, 10, 20, 22, 0, tzinfo=tz)  # crosses the end of summer time in Europe
    out = []
    for i in range(count):
        s = (start + timedelta(days=i * 3)).astimezone(tz)
        e = (s.astimezone(UTC) + timedelta(hours=9)).astimezone(tz)
        name = names[i % len(names)]
        out.append(
            EventSpec(
                uid=f"{i:04d}-uid@rota",
                summary=name,
                start=s,
                end=e,
                description=f"{name}, night ({s:%H:%M}-{e:%H:%M}), Team. On duty: {name}." if i % 3 else None,
                sequence=i % 4,
                last_modified=None if i % 5 == 0 else datetime(2026, 11, 1, 9, 30, 15, 999, tzinfo=UTC),
            )
        )
    return out


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("count", [0, 1, 140])
@pytest.mark.parametrize("transparent", [False, True])
def test_same_bytes_as_calendar_ics(zone: str, count: int, transparent: bool) -> None:
    specs = events(zone, count)
    for refresh in (None, 60):
        options = {"refresh_minutes": refresh, "transparent": transparent, "stamp": STAMP}
        fast = fast_calendar_ics("Noor de Vries — Tiny Help Desk", zone, specs, **options)
        assert fast == calendar_ics("Noor de Vries — Tiny Help Desk", zone, specs, **options)


def test_a_year_and_more_of_events_gets_the_same_vtimezone() -> None:
    specs = events("Europe/London", 300)  # 2026-10 to 2029-04: four DST years
    fast = fast_calendar_ics("Long", "Europe/London", specs, stamp=STAMP)
    assert fast == calendar_ics("Long", "Europe/London", specs, stamp=STAMP)
    parsed = icalendar.Calendar.from_ical(fast)
    assert [str(e["SUMMARY"]) for e in parsed.walk("VEVENT")] == [s.summary.replace("\r\n", "\n").replace(
        "\r", "\n").replace("\\N", "\n") for s in specs]


def test_folded_lines_stay_within_75_octets() -> None:
    for text in AWKWARD:
        line = fold("SUMMARY:" + text)
        assert all(len(part.encode()) <= 75 for part in line.split("\r\n"))
        assert line.replace("\r\n ", "") == "SUMMARY:" + text


def test_naive_times_are_refused() -> None:
    naive = EventSpec(uid="u", summary="s", start=datetime(2026, 1, 1), end=datetime(2026, 1, 1, 1))
    with pytest.raises(ValueError, match="no time zone"):
        fast_calendar_ics("x", "UTC", [naive])


def test_fold_breaks_where_icalendar_does() -> None:
    from icalendar.parser.string import _foldline

    for k in range(55, 160):
        for tail in ("\\,tail", "\\;", "^x", "ü\\,", "\\\\\\\\"):
            line = "DESCRIPTION:" + "x" * k + tail + "y" * (k % 7)
            assert fold(line) == _foldline(line), line
