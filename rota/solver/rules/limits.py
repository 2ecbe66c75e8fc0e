"""Counting rules: ``limits`` per week/month/period and (extension) ``max_weekends``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from datetime import date
from typing import TYPE_CHECKING

from ortools.sat.python.cp_model import LinearExpr

from rota.records import Slot
from rota.solver.context import Ctx, Lit
from rota.solver.rules.registry import builds, guards
from rota.team import MaxWeekends, Rules
from rota.timeutil import bucket, saturday, whole_windows

if TYPE_CHECKING:
    from rota.solver.greedy import Greedy


@builds("limit_max", "limit_min", order=70)
def limits(ctx: Ctx) -> None:
    """Each limit's max on every bucket the horizon touches (history counted in weeks and months);
    its min on buckets wholly inside the horizon and on the period."""
    m = ctx.model
    cal = ctx.cal
    inside = {
        per: {bucket(per, d) for d in whole_windows(per, cal.start, cal.end)}
        for per in ("week", "month", "period")
    }  # where a min binds
    for p in cal.team.people:
        if not ctx.modelled(p.id):
            continue
        for lim in cal.limits(p.id):
            counts: dict[Hashable, list[Lit]] = defaultdict(list)
            for key in ctx.person_keys.get(p.id, ()):
                s = ctx.slots[key[2]]
                if lim.counts(key[1], s.shift):
                    counts[bucket(lim.per, s.date)].append(ctx.x[key])
            if lim.max is not None:
                used: dict[Hashable, int] = defaultdict(int)
                if lim.per != "period":
                    for h in ctx.history.get(p.id, ()):
                        if lim.counts(h.role, h.shift):
                            used[bucket(lim.per, h.date)] += 1
                for period, lits in counts.items():
                    room = max(0, lim.max - used[period])
                    if len(lits) > room:
                        m.add(LinearExpr.sum(lits) <= room)
            if lim.min:
                enforce = ctx.enforce("limit_min", p.id)
                for period in inside[lim.per]:
                    lits = counts.get(period, [])
                    if len(lits) < lim.min:
                        m.add_bool_or([]).only_enforce_if(enforce)
                    else:
                        m.add(LinearExpr.sum(lits) >= lim.min).only_enforce_if(enforce)


@builds("max_weekends", order=80)
def max_weekends(ctx: Ctx) -> None:
    """Weekends (Saturday + Sunday of an ISO week) with a shift, at most N per month (by the
    Saturday's month, history counted) or per horizon."""
    m = ctx.model
    for person in ctx.person_date:
        rule = ctx.cal.rules(person).max_weekends
        if rule is None:
            continue
        lits: dict[date, list[Lit]] = defaultdict(list)
        for day in ctx.cal.dates:
            if day.weekday() >= 5 and (person, day) in ctx.work:
                lits[saturday(day)].append(ctx.work[(person, day)])
        worked_before = {saturday(d) for d in ctx.history_dates.get(person, ()) if d.weekday() >= 5}
        groups: dict[Hashable, list[Lit]] = defaultdict(list)
        used: dict[Hashable, int] = defaultdict(int)
        for sat, days in lits.items():
            key = bucket(rule.per, sat)
            if rule.per == "month" and sat in worked_before:
                # a weekend begun in the history already counts; working its Sunday is fine only
                # while the month's count up to this weekend stays within the cap
                ahead = sum(1 for w in worked_before if (w.year, w.month) == key and w <= sat)
                if ahead > rule.max:
                    for lit in days:
                        m.add(lit == 0)
                continue
            if len(days) == 1:
                groups[key].append(days[0])
            else:
                weekend = m.new_bool_var(f"weekend[{person},{sat}]")
                for lit in days:
                    m.add_implication(lit, weekend)
                groups[key].append(weekend)
        if rule.per == "month":
            for sat in worked_before:
                used[(sat.year, sat.month)] += 1
        for key, terms in groups.items():
            room = max(0, rule.max - used[key])
            if len(terms) > room:
                m.add(LinearExpr.sum(terms) <= room)


# -- greedy guards ------------------------------------------------------------------------------
@guards("limit_max")
def under_limits(g: Greedy, p: str, role: str, s: Slot, rules: Rules) -> bool:
    """Every limit the duty counts toward is below its max (history counted)."""
    for n, lim in enumerate(g.limits[p]):
        if (
            lim.max is not None
            and lim.counts(role, s.shift)
            and g.counts[(p, n, bucket(lim.per, s.date))] >= lim.max
        ):
            return False
    return True


@guards("max_weekends")
def weekend_allowed(g: Greedy, p: str, role: str, s: Slot, rules: Rules) -> bool:
    """Working the slot keeps the weekends worked within ``max_weekends``."""
    return rules.max_weekends is None or _weekend_ok(g, p, s.date, rules.max_weekends)


def _weekend_ok(g: Greedy, p: str, day: date, rule: MaxWeekends) -> bool:
    if day.weekday() < 5:
        return True
    sat = saturday(day)
    mine = g.weekends[p]
    if rule.per == "period":
        return sat in mine or len(mine) < rule.max
    month = (sat.year, sat.month)
    before = [w for w in g.hist_weekends[p] if (w.year, w.month) == month]
    if sat in g.hist_weekends[p]:  # begun in the history: counted up to this weekend
        return sum(1 for w in before if w <= sat) <= rule.max
    return sat in mine or len(before) + sum(1 for w in mine if (w.year, w.month) == month) < rule.max
