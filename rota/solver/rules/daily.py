"""Rules between a person's nearby shifts: one shift per date, no overlap, minimum rest, successions."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ortools.sat.python.cp_model import LinearExpr

from rota.records import Slot
from rota.solver.context import Ctx, Lit
from rota.solver.rules.registry import builds, guards
from rota.team import Rules

if TYPE_CHECKING:
    from rota.solver.greedy import Greedy

ONE = timedelta(days=1)


@builds("one_shift_per_date", order=10)  # first: defines the work literal of each person and date
def one_shift_per_date(ctx: Ctx) -> None:
    """At most one assignment starts per person per date; defines the ``work`` literal of each date."""
    m = ctx.model
    for person, by_date in ctx.person_date.items():
        for day, lits in by_date.items():
            if len(lits) == 1:
                ctx.work[(person, day)] = lits[0]
            else:
                w = ctx.new_bool()
                m.add(LinearExpr.sum(lits) == w)
                ctx.work[(person, day)] = w
                ctx.work_vars.append((person, day))


def rest_minutes(hours: float | None) -> float:
    return 0.0 if hours is None else hours * 60


def _conflict(first: Slot, later: Slot, rest: float) -> bool:
    """Whether ``later`` (starting no earlier) overlaps ``first`` or starts too soon after it ends."""
    return later.start - first.end < rest


def conflict_groups(slots: list[Slot], rest: float) -> list[tuple[list[int], list[int]]]:
    """Cliques of slot indices on two different dates where every cross pair conflicts.

    Slots of one date exclude each other already, so grouping the earlier slots by the exact set
    of later-date slots they conflict with gives one at-most-one constraint per group.
    """
    order = sorted(range(len(slots)), key=lambda i: slots[i].start)
    starts = [slots[i].start for i in order]
    groups: dict[tuple[date, date, frozenset[int]], list[int]] = defaultdict(list)
    for a in range(len(slots)):
        sa = slots[a]
        lo = bisect_left(starts, sa.start)
        hi = bisect_left(starts, sa.end + rest)
        later: dict[date, set[int]] = defaultdict(set)
        for k in range(lo, hi):
            b = order[k]
            sb = slots[b]
            if sb.date > sa.date and _conflict(sa, sb, rest):
                later[sb.date].add(b)
        for day, bs in later.items():
            groups[(sa.date, day, frozenset(bs))].append(a)
    return [(sorted(a_list), sorted(bs)) for (_, _, bs), a_list in groups.items()]


@builds("overlap", "min_rest", order=20)
def rest_and_overlap(ctx: Ctx) -> None:
    """No two overlapping assignments and at least ``min_rest_hours`` between them (history included)."""
    m = ctx.model
    cache: dict[float, list[tuple[list[int], list[int]]]] = {}
    for person in ctx.person_slot:
        rest = rest_minutes(ctx.cal.rules(person).min_rest_hours)
        if rest not in cache:
            cache[rest] = conflict_groups(ctx.slots, rest)
        for firsts, laters in cache[rest]:
            left = [v for i in firsts for v in ctx.person_slot_lits(person, i)]
            if not left:
                continue
            right = [v for i in laters for v in ctx.person_slot_lits(person, i)]
            if right:
                m.add_at_most_one(left + right)
        _history_rest(ctx, person, rest)


def _history_rest(ctx: Ctx, person: str, rest: float) -> None:
    """Slots too close after a history duty are off (history lies before every slot)."""
    for h in ctx.history.get(person, ()):
        day = max(h.date + timedelta(days=1), ctx.cal.start)
        while day <= ctx.cal.end and ctx.cal.window(day, 0, 0)[0] < h.end + rest:
            for i in ctx.date_slots.get(day, ()):
                if ctx.slots[i].start - h.end < rest:
                    for lit in ctx.person_slot_lits(person, i):
                        ctx.model.add(lit == 0)
            day += timedelta(days=1)


@builds("forbidden_succession", order=30)
def forbidden_successions(ctx: Ctx) -> None:
    """Shift ``first`` on a date is not followed by shift ``then`` on the next date (history included)."""
    m = ctx.model
    one = timedelta(days=1)
    for person in ctx.person_slot:
        rules = ctx.cal.rules(person).forbidden_successions
        if not rules:
            continue
        hist = {(h.date, h.shift) for h in ctx.history.get(person, ())}
        lits = _by_shift(ctx, person)  # a year of a 32-shift team: 150,000 constraints per person
        for succ in rules:
            firsts = lits.get(succ.first, {})
            for day, then in lits.get(succ.then, {}).items():
                prev = day - one
                if (prev, succ.first) in hist:
                    for lit in then:
                        m.add(lit == 0)
                    continue
                first = firsts.get(prev)
                if first:
                    m.add_at_most_one(first + then)


def _by_shift(ctx: Ctx, person: str) -> dict[str, dict[date, list[Lit]]]:
    """The person's duty variables by shift and date, dates in order."""
    out: dict[str, dict[date, list[Lit]]] = defaultdict(dict)
    for i in sorted(ctx.person_slot.get(person, {})):
        slot = ctx.slots[i]
        out[slot.shift][slot.date] = ctx.person_slot[person][i]
    return out


# -- greedy guards ------------------------------------------------------------------------------
@guards("one_shift_per_date")
def free_that_date(g: Greedy, p: str, role: str, s: Slot, rules: Rules) -> bool:
    """No duty of theirs starts that date yet."""
    return s.date not in g.on[p]


@guards("overlap", "min_rest")
def rested(g: Greedy, p: str, role: str, s: Slot, rules: Rules) -> bool:
    """No duty of theirs (history included) overlaps the slot or ends less than the rest before it."""
    on = g.on[p]
    rest = (rules.min_rest_hours or 0) * 60
    reach = math.ceil((g.longest + rest) / 1440) + 1
    for k in range(-reach, reach + 1):
        o = on.get(s.date + timedelta(days=k))
        if o is not None and (s.start - o.end < rest if o.start <= s.start else o.start - s.end < rest):
            return False
    return True


@guards("forbidden_succession")
def succession_allowed(g: Greedy, p: str, role: str, s: Slot, rules: Rules) -> bool:
    """The slot neither follows nor precedes a shift of theirs in a forbidden succession."""
    on = g.on[p]
    for succ in rules.forbidden_successions:
        before, after = on.get(s.date - ONE), on.get(s.date + ONE)
        if (before and before.shift == succ.first and s.shift == succ.then) or (
            after and s.shift == succ.first and after.shift == succ.then
        ):
            return False
    return True
