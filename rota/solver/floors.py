"""Floors of the soft terms: lower bounds proved before the search, for the bound a solve reports.

CP-SAT's bound on a rota model comes from its linear relaxation, and on a single deterministic thread
that relaxation is often not solved within the effort on a few thousand duty variables: Curtois & Qu
9, 10, 12, 13 and 19 ended with bounds of 0-39 against best rosters of 439-4,631, all of it unmet
cover. ``cover_floor`` solves a much smaller model first — how many people each shift of each date
gets, with the people pooled — whose optimum no rota can beat, and ``Built.floor`` (every term at
least its floor) joins the bound the solve reports. ``most_minutes`` also gives the contract term
its floor for people capped below their target (``objective.contract``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable
from datetime import date

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model import LinearExpr

from rota import objective as obj
from rota.solver.context import Ctx, Term
from rota.timeutil import bucket, saturday

FLOOR_EFFORT = 1.0  # deterministic units for the pooled model (it is small: one variable per shift and date)
EPS = 1e-6


def term_floor(term: Term) -> float:
    """The least value the term's variables allow on their own (each at its domain's best end)."""
    low = term.const
    for var, coef in zip(term.vars, term.coefs, strict=True):
        domain = list(var.proto.domain)  # the proto's repeated field takes no negative index
        low += coef * (domain[0] if coef > 0 else domain[-1])
    return low


def most_minutes(ctx: Ctx, person: str) -> int:
    """At most how many minutes the person can work in any rota of this model: on each date their
    longest duty variable (one shift starts per person and date), then capped per ISO week by
    ``max_hours_per_week`` and over the horizon by ``max_hours_per_period`` — each cap alone bounds
    the sum. Like ``Calendar.most_minutes`` but read off the model's variables, so cheap on big teams."""
    longest: dict[date, int] = defaultdict(int)
    for key in ctx.person_keys.get(person, ()):
        slot = ctx.slots[key[2]]
        longest[slot.date] = max(longest[slot.date], slot.minutes)
    total = sum(longest.values())
    rules = ctx.cal.rules(person)
    if rules.max_hours_per_week is not None:
        weeks: dict[Hashable, int] = defaultdict(int)
        for day, minutes in longest.items():
            weeks[bucket("week", day)] += minutes
        cap = math.floor(rules.max_hours_per_week * 60 + EPS)
        total = min(total, sum(min(cap, minutes) for minutes in weeks.values()))
    if rules.max_hours_per_period is not None:
        total = min(total, math.floor(rules.max_hours_per_period * 60 + EPS))
    return total


def whole(ctx: Ctx) -> bool:
    """The model holds everyone's duties (not a part model, whose constants the floor ignores)."""
    return not ctx.others and len(ctx.people) == len(ctx.cal.team.people)


def cover_floor(ctx: Ctx, term: Term) -> int | None:
    """A lower bound on ``term`` (``objective.shift_cover``'s) for every rota, when it beats
    ``term_floor``; else None. The model is left as it was: added as the cut ``term ≥ floor`` it moved
    the search (Curtois 5, 7, 8 at 10 units: −6.6, +11.9 and +2.5 % on the rota) and raised CP-SAT's
    own bound by 8 units on 10 at most, so the floor goes to the reported bound alone.

    Why it is valid: map any rota that keeps the hard rules to y[r, i] = its duties of role r in slot
    i. That y satisfies every constraint of the pooled model: y ≤ the people with a variable there;
    per date Σ y ≤ the people with a variable that date (one shift starts per person and date);
    Σ minutes·y ≤ Σ over those people of ``most_minutes`` (each person's duties keep within it, and
    these slots are a part of their duties); per shift, Σ y ≤ Σ per person of their dates on it cut by
    their ``max`` limits on it; weekend dates ≤ Σ per person of 2 × the weekends they may work; over
    every run of L dates at most L − ⌊L / (r + 1)⌋ per person with ``max_consecutive_days`` r; and,
    when every duty variable is in these slots, Σ minutes·y ≥ Σ ``min_hours_per_period``. The rota's
    shift_cover equals the pooled objective at that y, so the pooled optimum — or CP-SAT's proved
    bound on it, if the effort ends first — is at most the rota's term."""
    if not whole(ctx) or not term.vars:
        return None
    cal = ctx.cal
    m = cp_model.CpModel()
    y: dict[tuple[str, int], cp_model.IntVar] = {}
    cost: list[tuple[cp_model.IntVar, int]] = []
    for role in cal.team.roles:
        for entry, day in obj.shift_demand_dates(cal, role):
            i = ctx.slot_at[(day, entry.shift)]
            most = len(ctx.cover(role, i)[0])
            if (role, i) not in y:
                y[(role, i)] = m.new_int_var(0, most, "")
            n = y[(role, i)]
            if entry.min > 0 and entry.weight_under:
                under = m.new_int_var(0, entry.min, "")
                m.add(under >= entry.min - n)
                cost.append((under, entry.weight_under))
            if entry.max is not None and entry.weight_over:
                over = m.new_int_var(0, max(0, most - entry.max), "")
                m.add(over >= n - entry.max)
                cost.append((over, entry.weight_over))
    if not cost:
        return None
    _pool_rules(ctx, m, y)
    m.minimize(LinearExpr.weighted_sum([v for v, _ in cost], [c for _, c in cost]))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = FLOOR_EFFORT
    solver.parameters.max_time_in_seconds = 60.0  # a safety net only: the effort ends it far sooner
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN):
        return None  # INFEASIBLE: the hard rules cannot hold; the search will say so
    proved = solver.best_objective_bound
    if not math.isfinite(proved):
        return None
    floor = math.ceil(proved - EPS)
    return floor if floor > term_floor(term) + EPS else None


def _pool_rules(ctx: Ctx, m: cp_model.CpModel, y: dict[tuple[str, int], cp_model.IntVar]) -> None:
    """The hard rules summed over people, as constraints on the pooled counts ``y``."""
    cal = ctx.cal
    slots = ctx.slots
    mine: dict[str, dict[date, set[str]]] = defaultdict(lambda: defaultdict(set))  # person → date → shifts
    for person, role, i in ctx.x:
        if (role, i) in y:
            mine[person][slots[i].date].add(slots[i].shift)
    by_date: dict[date, list[cp_model.IntVar]] = defaultdict(list)
    by_shift: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for (_, i), n in y.items():
        by_date[slots[i].date].append(n)
        by_shift[slots[i].shift].append(n)
    for day, counts in by_date.items():
        m.add(LinearExpr.sum(counts) <= sum(1 for dates in mine.values() if day in dates))
    minutes = LinearExpr.weighted_sum(list(y.values()), [slots[i].minutes for _, i in y])
    m.add(minutes <= sum(most_minutes(ctx, p) for p in mine))
    if all((k[1], k[2]) in y for k in ctx.x):  # every duty is counted here: the minimum hours bind too
        least = sum(
            math.ceil(hours * 60 - EPS)
            for p in cal.team.people
            if (hours := cal.rules(p.id).min_hours_per_period)
        )
        m.add(minutes >= least)
    for shift, counts in by_shift.items():
        m.add(LinearExpr.sum(counts) <= sum(_shift_cap(ctx, p, shift, dates) for p, dates in mine.items()))
    weekend = [n for day, counts in by_date.items() if day.weekday() >= 5 for n in counts]
    if weekend:
        m.add(LinearExpr.sum(weekend) <= sum(_weekend_cap(ctx, p, dates) for p, dates in mine.items()))
    _runs(ctx, m, by_date, mine)


def _shift_cap(ctx: Ctx, person: str, shift: str, dates: dict[date, set[str]]) -> int:
    """At most how many of the person's duties here can be on ``shift``: their dates offering it, cut
    by each ``max`` limit that counts the shift in every role."""
    days = [d for d, shifts in dates.items() if shift in shifts]
    cap = len(days)
    for lim in ctx.cal.limits(person):
        if lim.max is None or lim.role is not None or lim.shift != shift:
            continue
        per: dict[Hashable, int] = defaultdict(int)
        for d in days:
            per[bucket(lim.per, d)] += 1
        cap = min(cap, sum(min(lim.max, n) for n in per.values()))
    return cap


def _weekend_cap(ctx: Ctx, person: str, dates: Iterable[date]) -> int:
    """At most how many weekend duties the person can have: two per weekend allowed by ``max_weekends``."""
    weekend = [d for d in dates if d.weekday() >= 5]
    rule = ctx.cal.rules(person).max_weekends
    if rule is None:
        return len(weekend)
    per: dict[Hashable, set[date]] = defaultdict(set)
    for d in weekend:
        per[bucket(rule.per, saturday(d))].add(saturday(d))
    allowed = sum(min(rule.max, len(sats)) for sats in per.values())
    return min(len(weekend), 2 * allowed)


def _runs(
    ctx: Ctx,
    m: cp_model.CpModel,
    by_date: dict[date, list[cp_model.IntVar]],
    mine: dict[str, dict[date, set[str]]],
) -> None:
    """Over every run of k + 1 consecutive dates (k each ``max_consecutive_days`` of the team), a person
    whose own maximum is r works at most L − ⌊L / (r + 1)⌋ of its L dates (one in every r + 1 is off)."""
    rules = {p: ctx.cal.rules(p).max_consecutive_days for p in mine}
    lengths = sorted({k for k in rules.values() if k})
    dates = ctx.cal.dates
    for k in lengths:
        for start in range(len(dates) - k):
            window = dates[start : start + k + 1]
            counts = [n for d in window for n in by_date.get(d, ())]
            if not counts:
                continue
            cap = 0
            for p, worked in mine.items():
                free = sum(1 for d in window if d in worked)
                rule = rules[p]
                cap += min(free, len(window) - len(window) // (rule + 1)) if rule else free
            m.add(LinearExpr.sum(counts) <= cap)
