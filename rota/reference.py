"""A second, deliberately simple coverage implementation: minute by minute, straight from the team file.

It re-derives closed dates, week patterns, demand, core hours and duty instants with ``zoneinfo`` and
``holidays`` alone — no ``rota.calendar``, ``rota.coverage``, ``rota.objective`` or ``rota.checks`` —
so a misreading there shows up as a disagreement (tests/test_reference.py, ``rota check``).
Instants are UTC epoch minutes; a minute ``t`` stands for the instant range [t, t+1).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from rota.records import GapKey, GapStretch, gap_key, unmatched_gaps
from rota.team import Team, WeekPattern

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
GROUPS = {"daily": range(7), "weekdays": range(5), "weekends": (5, 6)}


class HasInterval(Protocol):
    """A duty: someone on duty in ``role`` over the instants [start, end)."""

    @property
    def role(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


class Interval(NamedTuple):
    """A duty as the reference sees it: a role and its [start, end) epoch minutes."""

    role: str
    start: int
    end: int


def weekdays_of(spec: str | list[str]) -> set[int]:
    """Weekday numbers (Monday 0) of a day spec: ``mon``, ``mon-fri`` (ranges may wrap), lists, groups."""
    out: set[int] = set()
    for item in spec if isinstance(spec, list) else [spec]:
        for part in str(item).lower().split(","):
            part = part.strip()
            if part in GROUPS:
                out.update(GROUPS[part])
            elif "-" in part:
                first, last = (WEEKDAYS.index(x.strip()) for x in part.split("-"))
                out.update((first + k) % 7 for k in range((last - first) % 7 + 1))
            else:
                out.add(WEEKDAYS.index(part))
    return out


def minutes_of_window(text: str) -> tuple[int, int]:
    """``"HH:MM-HH:MM"`` as minutes after the start date's midnight; an end at/before the start is +1 day."""
    start, end = ((int(c[:-3]) * 60 + int(c[-2:])) for c in (x.strip() for x in text.split("-")))
    return start, end + 1440 if end <= start else end


def instant(tz: ZoneInfo, day: date, minute: int) -> int:
    """Epoch minute of local wall time ``minute`` minutes after ``day``'s midnight, as zoneinfo (fold=0)."""
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    return int(wall.replace(tzinfo=tz).timestamp()) // 60


def iso(tz: ZoneInfo, minute: int) -> str:
    """The ISO 8601 instant of an epoch minute with the local offset."""
    return datetime.fromtimestamp(minute * 60, tz=tz).isoformat()


def pattern_windows(pattern: WeekPattern | None, weekday: int) -> list[tuple[int, int]]:
    """The minute windows a week pattern gives one weekday."""
    for key, value in pattern.root.items() if pattern is not None else ():
        if weekday in weekdays_of(key):
            return [minutes_of_window(w) for w in (value if isinstance(value, list) else [value])]
    return []


def dates(start: date, end: date) -> list[date]:
    """Every date from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=k) for k in range((end - start).days + 1)]


def closed_dates(team: Team, start: date, end: date) -> set[date]:
    """Public holidays, closures and weekdays without opening hours in [start, end]."""
    closed = {
        d
        for d in dates(start, end)
        if d in team.closures or not pattern_windows(team.opening_hours, d.weekday())
    }
    if team.holidays is not None:
        import holidays

        public = holidays.country_holidays(
            team.holidays.country, subdiv=team.holidays.subdivision, years=range(start.year, end.year + 1)
        )
        closed |= {d for d in public if start <= d <= end}
    return closed


class Minutes:
    """Per role and epoch minute: the headcount needed and on duty; and the core-hours minutes."""

    def __init__(self, team: Team, start: date, end: date, duties: Iterable[HasInterval]):
        tz = ZoneInfo(team.timezone)
        closed = closed_dates(team, start, end)
        open_dates = [d for d in dates(start, end) if d not in closed]
        self.roles = list(team.roles)
        self.core: set[int] = set()
        for d in open_dates:
            for a, b in pattern_windows(team.core_hours, d.weekday()):
                self.core.update(range(instant(tz, d, a), instant(tz, d, b)))
        self.required: dict[str, dict[int, int]] = {r: {} for r in self.roles}
        for role, spec in team.roles.items():
            need = self.required[role]
            for entry in spec.all_demand():  # typed, and from workload (issue 23)
                days = weekdays_of(entry.days)
                for d in open_dates:
                    if d.weekday() not in days or (entry.dates is not None and d not in entry.dates):
                        continue
                    if entry.time in ("opening_hours", "core_hours"):
                        pattern = team.opening_hours if entry.time == "opening_hours" else team.core_hours
                        windows = pattern_windows(pattern, d.weekday())
                    else:
                        windows = [minutes_of_window(entry.time)]
                    for a, b in windows:
                        for t in range(instant(tz, d, a), instant(tz, d, b)):
                            if entry.min > 0:
                                need[t] = max(need.get(t, 0), entry.min)
        self.assigned: dict[str, Counter[int]] = {r: Counter() for r in self.roles}
        for duty in duties:
            if duty.role in self.required:
                need = self.required[duty.role]
                self.assigned[duty.role].update(t for t in range(duty.start, duty.end) if t in need)

    def short(self, role: str) -> list[tuple[int, int, int, bool]]:
        """(minute, required, assigned, core) of each minute where ``role`` has fewer than it needs."""
        need, have = self.required[role], self.assigned[role]
        return [(t, need[t], have[t], t in self.core) for t in sorted(need) if have[t] < need[t]]

    def gaps(self) -> list[GapStretch]:
        """The gap stretches, role by role in team order, split wherever required/assigned/core change."""
        out: list[GapStretch] = []
        for role in self.roles:
            mine: list[GapStretch] = []
            for t, need, have, core in self.short(role):
                last = mine[-1] if mine else None
                if last and (last.end, last.required, last.assigned, last.core) == (t, need, have, core):
                    mine[-1] = GapStretch(role, last.start, t + 1, need, have, core)
                else:
                    mine.append(GapStretch(role, t, t + 1, need, have, core))
            out += mine
        return out

    def gap_minutes(self) -> tuple[int, int]:
        """(core, other) person-minutes short, summed minute by minute."""
        core = other = 0
        for role in self.roles:
            for _, need, have, in_core in self.short(role):
                if in_core:
                    core += need - have
                else:
                    other += need - have
        return core, other


def reference_gaps(team: Team, start: date, end: date, duties: Iterable[HasInterval]) -> list[GapStretch]:
    """Every gap stretch of the horizon [start, end] given the duties' [start, end) instants."""
    return Minutes(team, start, end, duties).gaps()


def reference_gap_minutes(
    team: Team, start: date, end: date, duties: Iterable[HasInterval]
) -> tuple[int, int]:
    """(core, other) gap person-minutes of the horizon."""
    return Minutes(team, start, end, duties).gap_minutes()


def duty_interval(team: Team, shift: str, day: date) -> tuple[int, int]:
    """The instants [start, end) of a shift template placed on ``day``, each end converted separately."""
    tz = ZoneInfo(team.timezone)
    a, b = minutes_of_window(f"{team.shifts[shift].start}-{team.shifts[shift].end}")
    return instant(tz, day, a), instant(tz, day, b)


def document_duties(team: Team, doc: Any) -> list[Interval]:
    """A rota document's distinct known assignments inside its period, as (role, start, end) records."""
    people = {p.id for p in team.people}
    seen = {
        (a.person, a.role, a.shift, a.date)
        for a in doc.assignments
        if a.person in people
        and a.role in team.roles
        and a.shift in team.shifts
        and doc.period.start <= a.date <= doc.period.end
    }
    return [Interval(role, *duty_interval(team, shift, day)) for _, role, shift, day in sorted(seen)]


def _doc_key(tz: ZoneInfo, g: Any) -> GapKey | None:
    """A document gap as instants, or None when its times cannot be read."""
    try:
        moments = [datetime.fromisoformat(x) for x in (g.start, g.end)]
    except (TypeError, ValueError):
        return None
    a, b = (int((m if m.tzinfo else m.replace(tzinfo=tz)).timestamp()) // 60 for m in moments)
    return g.role, a, b, g.required, g.assigned, g.core


def check_document(team: Team, doc: Any) -> tuple[list[GapStretch], list[GapStretch], list[Any]]:
    """(reference gaps, gaps the document left out, document gaps that are not true)."""
    tz = ZoneInfo(team.timezone)
    true = reference_gaps(team, doc.period.start, doc.period.end, document_duties(team, doc))
    missing, phantom = unmatched_gaps(true, list(doc.gaps), lambda g: _doc_key(tz, g))
    return true, missing, phantom


def describe(tz: ZoneInfo, g: GapStretch) -> str:
    """One gap stretch in words."""
    return (
        f"{g.role} {iso(tz, g.start)} to {iso(tz, g.end)}: {g.assigned} of {g.required} on duty "
        f"({'core' if g.core else 'non-core'})"
    )


def compare_stretches(
    team: Team, reference: list[GapStretch], other: list[GapStretch], name: str = "the validator"
) -> list[str]:
    """Stretches one implementation has and the other lacks, in words."""
    tz = ZoneInfo(team.timezone)
    ours, theirs = Counter(map(gap_key, reference)), Counter(map(gap_key, other))
    return [
        f"the reference has gap {describe(tz, g)}; {name} does not"
        for g in reference
        if (ours - theirs)[gap_key(g)] > 0
    ] + [
        f"{name} has gap {describe(tz, g)}; the reference does not"
        for g in other
        if (theirs - ours)[gap_key(g)] > 0
    ]


def compare_with_document(team: Team, doc: Any) -> list[str]:
    """Every disagreement between the reference gaps and the document's ``gaps``, in words."""
    tz = ZoneInfo(team.timezone)
    _, missing, phantom = check_document(team, doc)
    return [f"missing gap: {describe(tz, g)} is not in the document's gaps" for g in missing] + [
        f"phantom gap: {g.role} {g.start} to {g.end}: reported as {g.assigned} of {g.required} "
        f"on duty ({'core' if g.core else 'non-core'}), but the rota does not have this gap"
        for g in phantom
    ]
