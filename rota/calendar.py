"""Calendar expansion: the horizon's open dates, opening/core windows, demand and shift slots.

Everything here is an instant in epoch minutes (see ``rota.timeutil``), computed the DST-safe
way: each end of a window is converted from local wall time on its own.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import cached_property

from rota import timeutil
from rota.records import Duty, Segment, Slot
from rota.team import Limit, Person, Rules, Team


class Calendar:
    """A team's horizon, expanded. ``start``/``end`` default to the team file's ``period``."""

    def __init__(self, team: Team, start: date | None = None, end: date | None = None):
        if start is None or end is None:
            if team.period is None:
                raise ValueError("no period: the team file has none and none was given")
            start = start or team.period.start
            end = end or team.period.end
        if end < start:
            raise ValueError(f"the period runs backwards: {end} is before {start}")
        self.team = team
        self.start, self.end = start, end
        self.tz = timeutil.zone(team.timezone)
        self.dates = timeutil.date_range(start, end)
        self.closed = self._closed_dates()
        self.open_dates = [d for d in self.dates if d not in self.closed]
        self._people = {p.id: p for p in team.people}

    # -- dates and windows ----------------------------------------------------------------
    def _closed_dates(self) -> dict[date, str]:
        closed: dict[date, str] = {}
        if self.team.holidays is not None:
            import holidays

            years = range(self.start.year - 1, self.end.year + 2)
            spec = self.team.holidays
            for d, name in holidays.country_holidays(spec.country, subdiv=spec.subdivision,
                                                     years=years).items():
                if self.start <= d <= self.end:
                    closed[d] = f"public holiday: {name}"
        for d in self.team.closures:
            if self.start <= d <= self.end:
                closed.setdefault(d, "closure")
        for d in self.dates:
            if not self.team.opening_hours.windows(d.weekday()):
                closed.setdefault(d, "no opening hours")
        return closed

    def window(self, day: date, start: int, end: int) -> tuple[int, int]:
        """Instants of a (start, end) minute window on ``day``, ends converted separately."""
        return timeutil.local_minutes(day, start, self.tz), timeutil.local_minutes(day, end, self.tz)

    @cached_property
    def opening(self) -> dict[date, list[tuple[int, int]]]:
        return {d: [self.window(d, s, e) for s, e in self.team.opening_hours.windows(d.weekday())]
                for d in self.open_dates}

    @cached_property
    def core(self) -> dict[date, list[tuple[int, int]]]:
        pattern = self.team.core_hours
        if pattern is None:
            return {d: [] for d in self.open_dates}
        return {d: [self.window(d, s, e) for s, e in pattern.windows(d.weekday())]
                for d in self.open_dates}

    @cached_property
    def core_intervals(self) -> list[tuple[int, int]]:
        return _union(w for ws in self.core.values() for w in ws)

    @cached_property
    def open_intervals(self) -> list[tuple[int, int]]:
        return _union(w for ws in self.opening.values() for w in ws)

    def instant(self, minutes: int) -> datetime:
        return timeutil.from_minutes(minutes, self.tz)

    def iso(self, minutes: int) -> str:
        return timeutil.iso(minutes, self.tz)

    # -- shifts ---------------------------------------------------------------------------
    def slot(self, shift: str, day: date) -> Slot:
        """The shift placed on ``day`` (whether or not it may start there)."""
        s, e = self.team.shifts[shift].window()
        start, end = self.window(day, s, e)
        return Slot(day, shift, start, end)

    @cached_property
    def slots(self) -> list[Slot]:
        """Every shift that may start in the horizon: open dates in the shift's ``days``."""
        out = []
        for d in self.open_dates:
            for sid, shift in self.team.shifts.items():
                if d.weekday() in timeutil.parse_days(shift.days):
                    out.append(self.slot(sid, d))
        return out

    @cached_property
    def slots_by_date(self) -> dict[date, list[Slot]]:
        out: dict[date, list[Slot]] = defaultdict(list)
        for s in self.slots:
            out[s.date].append(s)
        return out

    def slot_allowed(self, shift: str, day: date) -> bool:
        return (day not in self.closed and self.start <= day <= self.end
                and day.weekday() in timeutil.parse_days(self.team.shifts[shift].days))

    def duty(self, person: str, role: str, shift: str, day: date) -> Duty:
        slot = self.slot(shift, day)
        return Duty(person, day, shift, role, slot.start, slot.end)

    @cached_property
    def history(self) -> list[Duty]:
        """The team file's ``history`` as duties (before the horizon; they cover nothing)."""
        return sorted(self.duty(h.person, h.role, h.shift, h.date) for h in self.team.history
                      if h.date < self.start)

    # -- demand ---------------------------------------------------------------------------
    def demand_intervals(self, role: str) -> list[tuple[int, int, int]]:
        """(start, end, min) of each demand entry of ``role`` on each open date it holds."""
        out = []
        for entry in self.team.roles[role].demand:
            days = timeutil.parse_days(entry.days)
            only = set(entry.dates) if entry.dates is not None else None
            for d in self.open_dates:
                if d.weekday() not in days or (only is not None and d not in only):
                    continue
                if entry.time == "opening_hours":
                    windows = self.opening[d]
                elif entry.time == "core_hours":
                    windows = self.core[d]
                else:
                    windows = [self.window(d, *timeutil.parse_window(entry.time))]
                out.extend((s, e, entry.min) for s, e in windows if e > s and entry.min > 0)
        return out

    def requirement(self, role: str) -> list[Segment]:
        """The role's headcount as a step function: segments with ``required > 0``, in order."""
        return self._requirements[role]

    @cached_property
    def _requirements(self) -> dict[str, list[Segment]]:
        return {role: self._requirement(role) for role in self.team.roles}

    def _requirement(self, role: str) -> list[Segment]:
        intervals = self.demand_intervals(role)
        if not intervals:
            return []
        cuts = {t for s, e, _ in intervals for t in (s, e)}
        cuts |= {t for s, e in self.core_intervals for t in (s, e)}
        cuts |= {t for s, e in self.open_intervals for t in (s, e)}
        points = sorted(cuts)
        need: dict[int, int] = defaultdict(int)
        index = {t: i for i, t in enumerate(points)}
        for s, e, m in intervals:
            for i in range(index[s], index[e]):
                need[i] = max(need[i], m)
        segments: list[Segment] = []
        for i in sorted(need):
            a, b = points[i], points[i + 1]
            if not _inside(a, b, self.open_intervals):
                continue
            seg = Segment(role, a, b, need[i], _inside(a, b, self.core_intervals))
            last = segments[-1] if segments else None
            if last and last.end == a and (last.required, last.core) == (seg.required, seg.core):
                segments[-1] = Segment(role, last.start, b, seg.required, seg.core)
            else:
                segments.append(seg)
        return segments

    # -- people ---------------------------------------------------------------------------
    def person(self, person_id: str) -> Person:
        return self._people[person_id]

    def rules(self, person_id: str) -> Rules:
        """The person's rules: the team's, with the fields the person sets overriding them."""
        person = self._people[person_id]
        if person.rules is None:
            return self.team.rules
        update = {k: getattr(person.rules, k) for k in person.rules.model_fields_set}
        return self.team.rules.model_copy(update=update)

    def limits(self, person_id: str) -> list[Limit]:
        """Team limits plus the person's; a person's limit replaces a team one of the same kind."""
        person = self._people[person_id]
        own = list(person.limits)
        if person.rules is not None and "limits" in person.rules.model_fields_set:
            own += person.rules.limits
        keys = {(lim.role, lim.shift, lim.per) for lim in own}
        return [lim for lim in self.team.rules.limits
                if (lim.role, lim.shift, lim.per) not in keys] + own

    def works_on(self, person_id: str, day: date) -> bool:
        return day.weekday() in timeutil.parse_days(self._people[person_id].days)

    def unavailable(self, person_id: str) -> list[tuple[int, int, str]]:
        """(start, end, reason) instants a person is away; whole dates run midnight to midnight."""
        return self._unavailable[person_id]

    @cached_property
    def _unavailable(self) -> dict[str, list[tuple[int, int, str]]]:
        out: dict[str, list[tuple[int, int, str]]] = {}
        for p in self.team.people:
            spans = []
            for u in p.unavailable:
                reason = u.reason or "unavailable"
                if u.date is not None:
                    first, last = u.date, u.date
                elif isinstance(u.from_, datetime):
                    spans.append((timeutil.to_minutes(_aware(u.from_, self.tz)),
                                  timeutil.to_minutes(_aware(u.to, self.tz)), reason))
                    continue
                else:
                    first, last = u.from_, u.to
                spans.append((timeutil.local_minutes(first, 0, self.tz),
                              timeutil.local_minutes(last + timedelta(days=1), 0, self.tz), reason))
            out[p.id] = sorted(spans)
        return out

    def available_dates(self, person_id: str) -> int:
        """Horizon dates the person is not away for the whole date (the contract/fairness basis)."""
        return self._available_dates[person_id]

    @cached_property
    def _available_dates(self) -> dict[str, int]:
        out = {}
        for p in self.team.people:
            spans = self.unavailable(p.id)
            count = 0
            for d in self.dates:
                a, b = self.window(d, 0, 1440)
                if not any(s <= a and b <= e for s, e, _ in spans):
                    count += 1
            out[p.id] = count
        return out

    def target_minutes(self, person_id: str) -> int | None:
        """Contracted minutes over the horizon: hours_per_week × available dates / 7."""
        hours = self._people[person_id].hours_per_week
        if hours is None:
            return None
        return round(hours * 60 * self.available_dates(person_id) / 7)


def _aware(moment: datetime, tz) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _union(windows) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(windows):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        elif e > s:
            merged.append((s, e))
    return merged


def _inside(a: int, b: int, intervals: list[tuple[int, int]]) -> bool:
    """Whether [a, b) lies in one of the sorted, disjoint ``intervals``."""
    i = bisect_right(intervals, (a, float("inf"))) - 1
    return i >= 0 and intervals[i][0] <= a and b <= intervals[i][1]
