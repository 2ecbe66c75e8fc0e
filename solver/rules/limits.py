"""Counting rules: ``limits`` per week/month/period and (extension) ``max_weekends``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from datetime import date, timedelta

from ortools.sat.python.cp_model import LinearExpr

from rota.team import Limit
from rota.timeutil import iso_week
from solver.context import Ctx, Lit


def bucket(per: str, day: date) -> Hashable:
    """The week (ISO), month or whole period a date counts in."""
    if per == "week":
        return iso_week(day)
    if per == "month":
        return (day.year, day.month)
    return "period"


def _inside_buckets(ctx: Ctx, per: str) -> set[Hashable]:
    """Weeks or months wholly inside the horizon (min limits bind only there), or the period."""
    cal = ctx.cal
    if per == "period":
        return {"period"}
    dates: dict[Hashable, list[date]] = defaultdict(list)
    for d in cal.dates:
        dates[bucket(per, d)].append(d)
    out = set()
    for key, days in dates.items():
        first, last = days[0], days[-1]
        whole_first = first.weekday() == 0 if per == "week" else first.day == 1
        whole_last = last.weekday() == 6 if per == "week" else (last + timedelta(days=1)).day == 1
        if whole_first and whole_last:
            out.add(key)
    return out


def matches(lim: Limit, role: str, shift: str) -> bool:
    """Whether a limit counts an assignment of ``role`` on ``shift``."""
    return (lim.role is None or lim.role == role) and (lim.shift is None or lim.shift == shift)


def limits(ctx: Ctx) -> None:
    """Each limit's max on every bucket the horizon touches (history counted in weeks and months);
    its min on buckets wholly inside the horizon and on the period."""
    m = ctx.model
    for p in ctx.cal.team.people:
        for lim in ctx.cal.limits(p.id):
            counts: dict[Hashable, list[Lit]] = defaultdict(list)
            for key in ctx.person_keys.get(p.id, ()):
                s = ctx.slots[key[2]]
                if matches(lim, key[1], s.shift):
                    counts[bucket(lim.per, s.date)].append(ctx.x[key])
            if lim.max is not None:
                used: dict[Hashable, int] = defaultdict(int)
                if lim.per != "period":
                    for h in ctx.history.get(p.id, ()):
                        if matches(lim, h.role, h.shift):
                            used[bucket(lim.per, h.date)] += 1
                for key, lits in counts.items():
                    room = max(0, lim.max - used[key])
                    if len(lits) > room:
                        m.add(LinearExpr.sum(lits) <= room)
            if lim.min:
                enforce = ctx.enforce("limit_min", p.id)
                for key in _inside_buckets(ctx, lim.per):
                    lits = counts.get(key, [])
                    if len(lits) < lim.min:
                        m.add_bool_or([]).only_enforce_if(enforce)
                    else:
                        m.add(LinearExpr.sum(lits) >= lim.min).only_enforce_if(enforce)


def saturday(day: date) -> date:
    """The Saturday of the ISO week of a weekend date."""
    return day - timedelta(days=day.weekday() - 5)


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
            key = (sat.year, sat.month) if rule.per == "month" else "period"
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
