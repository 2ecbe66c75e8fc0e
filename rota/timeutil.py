"""Time conversions in one place: day specs, clock windows, local wall time <-> epoch minutes.

Inside the project an instant is an ``int``: whole minutes since 1970-01-01T00:00Z. Local wall
times become instants the way ``zoneinfo`` does with ``fold=0``, so durations are real elapsed
time across daylight-saving changes.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_PLURALS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
_NAMED = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
MINUTES_PER_DAY = 1440
Per = Literal["week", "month", "period"]  # the window a "per" rule counts in (rota.team)


def parse_days(spec: str | list[str]) -> frozenset[int]:
    """Weekday numbers (Monday=0) of a day spec: ``mon``, ``mon-fri``, ``mon,wed``, ``daily`` …"""
    if isinstance(spec, list):
        if not spec:
            raise ValueError("an empty list of days")
        out: set[int] = set()
        for item in spec:
            out |= parse_days(str(item))
        return frozenset(out)
    return _parse_day_text(str(spec))


@lru_cache(maxsize=1024)
def _parse_day_text(spec: str) -> frozenset[int]:
    """``parse_days`` of one text, cached: calendars ask for the same few specs on every date."""
    text = spec.strip().lower()
    if text in _NAMED:
        return _NAMED[text]
    out: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if part in _NAMED:
            out |= _NAMED[part]
        elif "-" in part:
            a, _, b = part.partition("-")
            i, j = _day_index(a.strip(), spec), _day_index(b.strip(), spec)
            k = i
            while True:  # ranges may wrap: fri-mon is fri, sat, sun, mon
                out.add(k)
                if k == j:
                    break
                k = (k + 1) % 7
        else:
            out.add(_day_index(part, spec))
    return frozenset(out)


def _day_index(name: str, spec: object) -> int:
    if name not in DAY_NAMES:
        raise ValueError(
            f'"{spec}" is not a day spec (use mon..sun, mon-fri, mon,wed, daily, weekdays or weekends)'
        )
    return DAY_NAMES.index(name)


def parse_clock(text: str, *, allow_24: bool = False) -> int:
    """Minutes after midnight of ``HH:MM``; ``24:00`` only where a window may end."""
    m = _CLOCK.match(text.strip())
    if not m:
        raise ValueError(f'"{text}" is not a clock time HH:MM')
    h, mi = int(m.group(1)), int(m.group(2))
    if mi >= 60 or h > 24 or (h == 24 and (mi != 0 or not allow_24)):
        raise ValueError(f'"{text}" is not a clock time HH:MM')
    return h * 60 + mi


def parse_window(text: str) -> tuple[int, int]:
    """``"HH:MM-HH:MM"`` as (start, end) minutes after the start date's midnight.

    An end at or before the start runs past midnight, so ``end`` may exceed 1440.
    """
    if not isinstance(text, str) or text.count("-") != 1:
        raise ValueError(f'"{text}" is not a time window')
    a, b = text.split("-")
    try:
        start = parse_clock(a)
        end = parse_clock(b, allow_24=True)
    except ValueError:
        raise ValueError(f'"{text}" is not a time window') from None
    if end <= start:
        end += MINUTES_PER_DAY
    return start, end


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` of an IANA name; ``ValueError`` naming it when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f'"{name}" is not an IANA time zone') from None


def local_minutes(day: date, minute_of_day: int, tz: ZoneInfo) -> int:
    """Epoch minutes of wall time ``minute_of_day`` minutes after ``day``'s midnight (fold=0)."""
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute_of_day)
    return to_minutes(wall.replace(tzinfo=tz))


def to_minutes(moment: datetime) -> int:
    """Epoch minutes of an aware datetime (seconds are dropped)."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no time zone")
    return int(moment.timestamp()) // 60


def from_minutes(minutes: int, tz: ZoneInfo) -> datetime:
    """The aware local datetime of an epoch minute, with the offset in force then."""
    return datetime.fromtimestamp(minutes * 60, tz=UTC).astimezone(tz)


def iso(minutes: int, tz: ZoneInfo) -> str:
    """ISO 8601 instant with the local UTC offset, as the rota document writes it."""
    return from_minutes(minutes, tz).isoformat()


def parse_instant(text: str, tz: ZoneInfo) -> int:
    """Epoch minutes of an ISO 8601 string; a naive one is local wall time in ``tz``."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return to_minutes(moment)


def date_range(start: date, end: date) -> list[date]:
    """Every date from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def iso_week(day: date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week


def bucket(per: Per, day: date) -> Hashable:
    """The window a date counts in for a ``per`` rule: its ISO week, its month, or the whole period."""
    if per == "week":
        return iso_week(day)
    if per == "month":
        return (day.year, day.month)
    return "period"


def saturday(day: date) -> date:
    """The Saturday of the ISO week of a weekend date (the key of its weekend)."""
    return day - timedelta(days=day.weekday() - 5)


def whole_windows(per: Per, start: date, end: date) -> Iterator[date]:
    """First dates of the weeks or months lying wholly inside [start, end], or of the period itself
    (where "at least" rules bind)."""
    if per == "period":
        yield start
        return
    day = start
    while day <= end:
        if per == "week":
            first = day - timedelta(days=day.weekday())
            last = first + timedelta(days=6)
        else:
            first = day.replace(day=1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        if first >= start and last <= end:
            yield first
        day = last + timedelta(days=1)
