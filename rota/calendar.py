"""Calendar expansion: the horizon's open dates, opening/core windows, demand and shift slots.

Everything here is an instant in epoch minutes (see ``rota.timeutil``), computed the DST-safe
way: each end of a window is converted from local wall time on its own.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from datetime import date, datetime, timedelta, tzinfo
from functools import cached_property

from rota import timeutil
from rota.records import Duty, Segment, Slot
from rota.team import Limit, Person, Rules, ShiftDemandEntry, Team


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
            for d, name in holidays.country_holidays(
                spec.country, subdiv=spec.subdivision, years=years
            ).items():
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
        return {
            d: [self.window(d, s, e) for s, e in self.team.opening_hours.windows(d.weekday())]
            for d in self.open_dates
        }

    @cached_property
    def core(self) -> dict[date, list[tuple[int, int]]]:
        pattern = self.team.core_hours
        if pattern is None:
            return {d: [] for d in self.open_dates}
        return {d: [self.window(d, s, e) for s, e in pattern.windows(d.weekday())] for d in self.open_dates}

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
        """Every shift offered in the horizon: on open dates in the shift's ``days`` where it
        overlaps demand of a role it serves (``offered``)."""
        return [self.slot(sid, d) for d, sid in self.offered]

    @cached_property
    def slots_by_date(self) -> dict[date, list[Slot]]:
        out: dict[date, list[Slot]] = defaultdict(list)
        for s in self.slots:
            out[s.date].append(s)
        return out

    def slot_allowed(self, shift: str, day: date) -> bool:
        return (
            day not in self.closed
            and self.start <= day <= self.end
            and day.weekday() in timeutil.parse_days(self.team.shifts[shift].days)
        )

    def duty(self, person: str, role: str, shift: str, day: date) -> Duty:
        slot = self.slot(shift, day)
        return Duty(person, day, shift, role, slot.start, slot.end)

    @cached_property
    def history(self) -> list[Duty]:
        """The team file's ``history`` as duties (before the horizon; they cover nothing)."""
        return sorted(
            self.duty(h.person, h.role, h.shift, h.date) for h in self.team.history if h.date < self.start
        )

    # -- demand ---------------------------------------------------------------------------
    def demand_intervals(self, role: str) -> list[tuple[int, int, int]]:
        """(start, end, min) of each demand entry of ``role`` on each open date it holds."""
        out: list[tuple[int, int, int]] = []
        for entry in self.team.roles[role].all_demand():
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
        """The limits that bind the person (``Team.person_limits``): a team ``min`` only binds
        people who can take its role or shift at all."""
        person = self._people[person_id]
        out = []
        for lim, own in self.team.person_limits(person):
            if not own and lim.min is not None and not self.team.can_take(person, lim.role, lim.shift):
                if lim.max is None:
                    continue
                lim = lim.model_copy(update={"min": None})
            out.append(lim)
        return out

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
                elif isinstance(u.from_, datetime) and isinstance(u.to, datetime):  # both, or neither
                    spans.append(
                        (
                            timeutil.to_minutes(_aware(u.from_, self.tz)),
                            timeutil.to_minutes(_aware(u.to, self.tz)),
                            reason,
                        )
                    )
                    continue
                else:
                    assert u.from_ is not None and u.to is not None  # Unavailable._shape: date, or both
                    first, last = u.from_, u.to
                spans.append(
                    (
                        timeutil.local_minutes(first, 0, self.tz),
                        timeutil.local_minutes(last + timedelta(days=1), 0, self.tz),
                        reason,
                    )
                )
            out[p.id] = sorted(spans)
        return out

    def workable_dates(self, person_id: str) -> int:
        """Dates the person could work (spec 1.1): open, in their ``days``, not away the whole date.

        The basis of their contract target and of their fair share of each role."""
        return self._workable_dates[person_id]

    @cached_property
    def _workable_dates(self) -> dict[str, int]:
        out = {}
        for p in self.team.people:
            spans = self.unavailable(p.id)
            days = timeutil.parse_days(p.days)
            count = 0
            for d in self.open_dates:
                if d.weekday() not in days:
                    continue
                a, b = self.window(d, 0, 1440)
                if not any(s <= a and b <= e for s, e, _ in spans):
                    count += 1
            out[p.id] = count
        return out

    def week_dates(self, person_id: str) -> int:
        """D of the spec's target: weekdays in the person's ``days`` that the opening hours open."""
        days = timeutil.parse_days(self._people[person_id].days)
        return sum(1 for d in days if self.team.opening_hours.windows(d))

    def target_minutes(self, person_id: str) -> int | None:
        """Contracted minutes over the horizon: hours_per_week × workable dates / week dates."""
        hours = self._people[person_id].hours_per_week
        if hours is None:
            return None
        per_week = self.week_dates(person_id)
        if not per_week:
            return 0
        return round(hours * 60 * self.workable_dates(person_id) / per_week)

    def target_basis(self, person_id: str) -> str | None:
        """How the target was computed, in words: "20 workable dates × 7.5 h" (hours_per_week over
        the weekdays the person works that the service opens)."""
        hours = self._people[person_id].hours_per_week
        if hours is None:
            return None
        per_week = self.week_dates(person_id)
        if not per_week:
            return "no working weekday is open"
        n = self.workable_dates(person_id)
        per_date = f"{hours / per_week:.2f}".rstrip("0").rstrip(".")
        return f"{n} workable date{'s' if n != 1 else ''} × {per_date} h"

    def most_minutes(self, person_id: str) -> tuple[int, str]:
        """(minutes, why): an upper bound on the minutes the person can work in the horizon under the
        hard rules, and what limits it in words ("no Fridays, ≤ 2 duties of shift sat a month").

        Sound and simple: each workable date gives at most its longest offered shift the person may
        take (one shift starts per date; a shift overlapping their leave is left out); then each of
        these caps alone bounds the sum, and the least of them is the bound: ``max_hours_per_week`` per
        ISO week, ``max_hours_per_period``, and each ``max`` limit (per week, month or period, at most
        that many dates may use a shift it counts). Rules not counted (rest, runs of days, weekends)
        only make the true maximum lower."""
        person = self._people[person_id]
        rules = self.rules(person_id)
        spans = self.unavailable(person_id)
        days = timeutil.parse_days(person.days)
        options: dict[date, list[tuple[int, str, str]]] = defaultdict(list)
        for day in self.open_dates:
            if day.weekday() not in days:  # only the dates they work: not every slot of the horizon
                continue
            for slot in self.slots_by_date.get(day, ()):
                if any(a < slot.end and slot.start < b for a, b, _ in spans):
                    continue
                for role in self.offered_roles(slot.shift, day):
                    if self.team.can_take(person, role, slot.shift):
                        options[day].append((slot.end - slot.start, role, slot.shift))
        best = {d: max(m for m, _, _ in opts) for d, opts in options.items()}
        total = sum(best.values())
        longest = max(best.values(), default=0)
        bounds = [
            (
                total,
                f"{len(best)} date{'s' if len(best) != 1 else ''} they can work × at most {longest / 60:g} h",
            )
        ]
        cap = rules.max_hours_per_week
        if cap is not None:
            weeks: dict[tuple[int, int], int] = defaultdict(int)
            for d, m in best.items():
                weeks[timeutil.iso_week(d)] += m
            bounds.append((sum(min(m, round(cap * 60)) for m in weeks.values()), f"≤ {cap:g} h a week"))
        if rules.max_hours_per_period is not None:
            period = rules.max_hours_per_period
            bounds.append((min(total, round(period * 60)), f"≤ {period:g} h over the period"))
        for lim in self.limits(person_id):
            if lim.max is None:
                continue
            windows: dict[Hashable, list[tuple[int, int]]] = defaultdict(list)
            for d, opts in options.items():
                free = max((m for m, r, sh in opts if not lim.counts(r, sh)), default=0)
                counted = max((m for m, r, sh in opts if lim.counts(r, sh)), default=0)
                windows[timeutil.bucket(lim.per, d)].append((free, max(0, counted - free)))
            bound = sum(
                sum(f for f, _ in v) + sum(sorted((g for _, g in v), reverse=True)[: lim.max])
                for v in windows.values()
            )
            what = [self.team.shifts[lim.shift].name or lim.shift] if lim.shift in self.team.shifts else []
            what += [self.team.roles[lim.role].name or lim.role] if lim.role in self.team.roles else []
            bounds.append(
                (bound, f"≤ {lim.max} {' '.join([*what, ''])}dut{'y' if lim.max == 1 else 'ies'} a {lim.per}")
            )
        most, why = min(bounds, key=lambda b: b[0])
        closed_to_them = [d for d in range(7) if d not in days and self.team.opening_hours.windows(d)]
        if closed_to_them:
            why = f"no {', '.join(timeutil.DAY_PLURALS[d] for d in closed_to_them)}, {why}"
        return most, why

    # -- offered shifts (spec 1.1) --------------------------------------------------------
    @cached_property
    def offered(self) -> dict[tuple[date, str], frozenset[str]]:
        """(date, shift) → the roles it is offered in: those of its roles with demand it overlaps
        that date (a demand window, or a per-shift demand entry naming it). Nobody is put on duty
        while nothing needs covering; a slot offered in no role is not in ``slots``."""
        needs: dict[str, list[tuple[int, int]]] = {
            role: [(seg.start, seg.end) for seg in self.requirement(role)] for role in self.team.roles
        }
        starts = {role: [a for a, _ in spans] for role, spans in needs.items()}
        named = {
            (role, entry.shift, day)
            for role in self.team.roles
            for entry, day in self.shift_demand_dates(role)
        }
        out: dict[tuple[date, str], frozenset[str]] = {}
        for d in self.open_dates:
            for sid, shift in self.team.shifts.items():
                if d.weekday() not in timeutil.parse_days(shift.days):
                    continue
                slot = self.slot(sid, d)
                roles = frozenset(
                    role
                    for role in self.team.shift_roles(sid)
                    if (role, sid, d) in named or _overlaps(slot.start, slot.end, needs[role], starts[role])
                )
                if roles:
                    out[(d, sid)] = roles
        return out

    def offered_roles(self, shift: str, day: date) -> frozenset[str]:
        """The roles ``shift`` is offered in on ``day`` (empty: not offered)."""
        return self.offered.get((day, shift), frozenset())

    def shift_demand_dates(self, role: str) -> Iterator[tuple[ShiftDemandEntry, date]]:
        """(entry, date) of each per-shift demand entry on each open date its shift may start."""
        for entry in self.team.roles[role].shift_demand:
            days = timeutil.parse_days(entry.days)
            only = set(entry.dates) if entry.dates is not None else None
            for day in self.open_dates:
                if (
                    day.weekday() in days
                    and (only is None or day in only)
                    and self.slot_allowed(entry.shift, day)
                ):
                    yield entry, day


def _aware(moment: datetime, tz: tzinfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _union(windows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(windows):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        elif e > s:
            merged.append((s, e))
    return merged


def _overlaps(a: int, b: int, spans: list[tuple[int, int]], starts: list[int]) -> bool:
    """Whether [a, b) meets one of the sorted, disjoint ``spans`` (``starts``: their starts)."""
    i = bisect_right(starts, b - 1) - 1
    return i >= 0 and spans[i][1] > a


def _inside(a: int, b: int, intervals: list[tuple[int, int]]) -> bool:
    """Whether [a, b) lies in one of the sorted, disjoint ``intervals``."""
    i = bisect_right(intervals, (a, float("inf"))) - 1
    return i >= 0 and intervals[i][0] <= a and b <= intervals[i][1]
