"""A quick first rota: sweep each role's demand in time order and fill shortfalls with the slot
that reaches furthest, taken by the first person every max-type hard rule allows. The CP-SAT
hint, and the property test's baseline."""

from __future__ import annotations

import heapq
import itertools
from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import date

from rota import objective as obj
from rota.calendar import Calendar
from rota.records import Duty, Slot
from rota.solver.rules import registry
from rota.solver.variables import eligible_keys
from rota.team import ShiftDemandEntry
from rota.timeutil import bucket, iso_week, saturday

GUARDS = registry.guard_list()  # one per max-type rule (or group of them)


class _Coverage:
    """One role's requirement cut at its slots' ends: pieces with a running headcount, and for each
    piece the slots covering it, latest end first."""

    def __init__(self, cal: Calendar, role: str, slots: list[int]):
        segments = cal.requirement(role)
        spans = [cal.slots[i] for i in slots]
        cuts = sorted(
            {t for s in segments for t in (s.start, s.end)} | {t for s in spans for t in (s.start, s.end)}
        )
        self.pieces: list[tuple[int, int, int]] = []  # start, end, required
        k = 0
        for a, b in itertools.pairwise(cuts):
            while k < len(segments) and segments[k].end <= a:
                k += 1
            if k < len(segments) and segments[k].start <= a:
                self.pieces.append((a, b, segments[k].required))
        starts = [p[0] for p in self.pieces]
        ends = [p[1] for p in self.pieces]
        self.count = [0] * len(self.pieces)
        self.span: dict[int, range] = {}
        self.covering: list[list[int]] = [[] for _ in self.pieces]
        for i, slot in zip(slots, spans, strict=True):
            self.span[i] = range(bisect_left(starts, slot.start), bisect_right(ends, slot.end))
            for k in self.span[i]:
                self.covering[k].append(i)
        for found in self.covering:
            found.sort(key=lambda i: (-cal.slots[i].end, cal.slots[i].start))

    def add(self, i: int) -> None:
        for k in self.span.get(i, ()):
            self.count[k] += 1


class Greedy:
    """The rota being built and the running counts every max-type rule needs."""

    def __init__(self, cal: Calendar):
        self.cal = cal
        self.slots = cal.slots
        self.who: dict[tuple[str, int], list[str]] = defaultdict(list)
        for person, role, i in eligible_keys(cal):
            self.who[(role, i)].append(person)
        self.rules = {p.id: cal.rules(p.id) for p in cal.team.people}
        self.limits = {p.id: cal.limits(p.id) for p in cal.team.people}
        self.on: dict[str, dict[date, Duty]] = defaultdict(dict)
        self.week: dict[tuple[str, tuple[int, int]], int] = defaultdict(int)
        self.total: dict[str, int] = defaultdict(int)
        self.counts: dict[tuple[str, int, object], int] = defaultdict(int)
        self.weekends: dict[str, set[date]] = defaultdict(set)
        self.hist_weekends: dict[str, set[date]] = defaultdict(set)
        self.longest = max((s.minutes for s in self.slots), default=0)
        self.duties: list[Duty] = []
        holders = [set(obj.eligible(cal, r)) for r in cal.team.roles]
        self.versatility = {p.id: sum(p.id in h for h in holders) for p in cal.team.people}
        self.target = {
            p.id: cal.target_minutes(p.id) or cal.workable_dates(p.id) * 480 or 1 for p in cal.team.people
        }
        for h in cal.history:
            self.on[h.person][h.date] = h
            self.week[(h.person, iso_week(h.date))] += h.minutes
            for n, lim in enumerate(self.limits.get(h.person, [])):
                if lim.per != "period" and lim.counts(h.role, h.shift):
                    self.counts[(h.person, n, bucket(lim.per, h.date))] += 1
            if h.date.weekday() >= 5:
                self.hist_weekends[h.person].add(saturday(h.date))
        roles = cal.team.roles
        self.cal_slot = {(s.date, s.shift): i for i, s in enumerate(self.slots)}
        self.cover = {r: _Coverage(cal, r, sorted(i for (rr, i) in self.who if rr == r)) for r in roles}
        self.demand: dict[tuple[str, str, date], list[ShiftDemandEntry]] = defaultdict(list)
        for r in roles:
            for entry, day in obj.shift_demand_dates(cal, r):
                self.demand[(r, entry.shift, day)].append(entry)
        self.per_slot: dict[tuple[str, str, date], int] = defaultdict(int)

    # -- placing ------------------------------------------------------------------------------
    def place(self, d: Duty, i: int) -> None:
        """Add a duty (on slot ``i``) and update every count."""
        self.duties.append(d)
        self.on[d.person][d.date] = d
        self.week[(d.person, iso_week(d.date))] += d.minutes
        self.total[d.person] += d.minutes
        for n, lim in enumerate(self.limits[d.person]):
            if lim.counts(d.role, d.shift):
                self.counts[(d.person, n, bucket(lim.per, d.date))] += 1
        if d.date.weekday() >= 5:
            self.weekends[d.person].add(saturday(d.date))
        self.cover[d.role].add(i)
        self.per_slot[(d.role, d.shift, d.date)] += 1

    def place_fixed(self) -> None:
        """Start from the fixed assignments (``check_fixed`` has vetted them)."""
        for p in self.cal.team.people:
            for fx in p.fixed:
                if self.cal.start <= fx.date <= self.cal.end:
                    d = self.cal.duty(p.id, fx.role, fx.shift, fx.date)
                    self.place(d, self.cal_slot[(d.date, d.shift)])

    def fill(self) -> None:
        """Sweep each role's pieces in time order; a piece short of people gets the slot covering it
        that ends latest (the classic interval-covering greedy), from the first person allowed."""
        scarce = {r: len(obj.eligible(self.cal, r)) for r in self.cal.team.roles}
        order = sorted(
            ((a, scarce[r], r, k) for r, cov in self.cover.items() for k, (a, _, _) in enumerate(cov.pieces))
        )
        for _, _, role, k in order:
            cov = self.cover[role]
            for i in cov.covering[k]:
                while cov.count[k] < cov.pieces[k][2] and self.take(role, i):
                    pass
        for (role, shift, day), entries in sorted(self.demand.items()):
            at = self.cal_slot.get((day, shift))
            want = max(e.min for e in entries)
            while at is not None and self.per_slot[(role, shift, day)] < want and self.take(role, at):
                pass

    def top_up(self) -> None:
        """Bring people towards their contracted hours: on each date, each person short of their
        target overall and of their weekly hours takes the allowed slot where their role is thinnest."""
        cal = self.cal
        mine: dict[tuple[str, date], list[tuple[str, int]]] = defaultdict(list)
        for (role, i), people in self.who.items():
            for p in people:
                mine[(p, self.slots[i].date)].append((role, i))
        targets = {p.id: t for p in cal.team.people if (t := cal.target_minutes(p.id))}
        weekly = {p.id: (p.hours_per_week or 0) * 60 for p in cal.team.people}
        for day in cal.dates:
            week = iso_week(day)
            for p in sorted(targets, key=lambda q: self.total[q] / targets[q]):
                options = mine.get((p, day))
                if not options or day in self.on[p]:
                    continue
                best = min(
                    (
                        (self._surplus(role, i), i, role)
                        for role, i in options
                        if self.total[p] + self.slots[i].minutes / 2 <= targets[p]
                        and self.week[(p, week)] + self.slots[i].minutes / 2 <= weekly[p]
                        and self.allowed(p, role, self.slots[i])
                    ),
                    default=None,
                )
                if best is not None:
                    _, i, role = best
                    s = self.slots[i]
                    self.place(Duty(p, s.date, s.shift, role, s.start, s.end), i)

    def _surplus(self, role: str, i: int) -> int:
        """How many more people than needed the slot's role already has during the slot (least)."""
        cov = self.cover[role]
        span = cov.span.get(i, range(0))
        return min((cov.count[k] - cov.pieces[k][2] for k in span), default=0)

    def take(self, role: str, i: int) -> bool:
        """Give the slot to the first person allowed; whether someone took it."""
        person = self.pick(role, i)
        if person is None:
            return False
        s = self.slots[i]
        self.place(Duty(person, s.date, s.shift, role, s.start, s.end), i)
        return True

    def pick(self, role: str, i: int) -> str | None:
        """Who may take the slot: people with fewer roles first (keep the versatile for scarce
        roles), then the least loaded (worked / target minutes)."""
        total, target, versatility = self.total, self.target, self.versatility
        queue = [(versatility[p], total[p] / target[p], n, p) for n, p in enumerate(self.who[(role, i)])]
        heapq.heapify(queue)
        slot = self.slots[i]
        while queue:
            person = heapq.heappop(queue)[3]
            if self.allowed(person, role, slot):
                return person
        return None

    # -- max-type rules -------------------------------------------------------------------------
    def allowed(self, p: str, role: str, s: Slot) -> bool:
        """Whether ``p`` may add ``s`` in ``role`` under every max-type rule, history counted: every
        greedy guard of ``rota.solver.rules`` agrees."""
        rules = self.rules[p]
        return all(guard(self, p, role, s, rules) for guard in GUARDS)


def greedy_rota(cal: Calendar) -> list[Duty]:
    """A rota valid by every max-type hard rule (fixed assignments included), gaps filled greedily."""
    g = Greedy(cal)
    g.place_fixed()
    g.fill()
    g.top_up()
    return sorted(g.duties)
