"""Soft terms (contract, fairness, preferences, shift_cover, re-planning changes) and their weighting.

Each builder returns ``Term`` objects in the units of docs/architecture.md; ``Objective`` scales
them by the team's weights and by the smallest power of ten that makes every coefficient integral.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model import LinearExpr
from ortools.util.python.sorted_interval_list import Domain

from rota import ledger, timeutil
from rota import objective as obj
from rota.records import Duty
from rota.solver import floors
from rota.solver.context import Ctx, Key, Lit, Term


def contract(ctx: Ctx) -> list[Term]:
    """|worked − target| minutes per person with ``hours_per_week``.

    A person whose hard rules and leave let them work at most ``floors.most_minutes`` below their
    target is that far short in every rota (worked ≤ most, so |worked − target| ≥ target − most): the
    deviation's domain starts there, which the bound sees at once. Others keep their domain as it was."""
    term = Term("contract")
    m = ctx.model
    for p in ctx.cal.team.people:
        target = ctx.cal.target_minutes(p.id)
        if target is None or not ctx.modelled(p.id):
            continue
        keys = ctx.person_keys.get(p.id, [])
        if not keys:
            term.const += target
            continue
        minutes = [ctx.slots[k[2]].minutes for k in keys]
        worked = cp_model.LinearExpr.weighted_sum([ctx.x[k] for k in keys], minutes)
        domain = _deviations(minutes, target)
        most = floors.most_minutes(ctx, p.id)
        if most < target:  # leave or a cap keeps them short of their contract whatever the rota
            domain = domain.intersection_with(Domain(target - most, domain.max()))
        dev = m.new_int_var_from_domain(domain, f"contract[{p.id}]")
        m.add(dev >= worked - target)
        m.add(dev >= target - worked)
        # worked is a multiple g·k of the gcd of the shift lengths, and |g·k − target| is convex in
        # k: its chord between the multiples either side of the target is valid for every k, and is
        # the cut that lifts the linear relaxation from 0 to the convex hull (g·dev ≥ chord).
        g = math.gcd(*minutes)
        k0 = target // g
        f0, f1 = target - g * k0, g * (k0 + 1) - target
        if f0 and f1:
            m.add(g * dev >= g * f0 + (f1 - f0) * (worked - g * k0))
        term.add(dev, 1)
    return [term]


def _deviations(minutes: list[int], target: int) -> Domain:
    """The values |worked − target| can take: worked is a multiple of the gcd of the person's shift
    lengths between 0 and their sum. The holes (above all the smallest value, often far from 0) give
    the search and the bound the granularity a linear relaxation cannot see."""
    g = math.gcd(*minutes)
    top = sum(minutes) // g
    k = min(max(0, target // g), top)
    below = range(k, -1, -1)  # multiples at or under the target, nearest first
    above = range(k + 1, top + 1)
    values = {abs(g * j - target) for j in below} | {abs(g * j - target) for j in above}
    if len(values) > 4096:  # keep huge domains cheap: the smallest value is what bounds most
        low = min(values)
        return Domain(low, max(values))
    return Domain.from_values(sorted(values))


def over_cover(ctx: Ctx, gap_terms: list[Term]) -> list[Term]:
    """Person-minutes on duty beyond demand (``rota.objective.over_cover_by_role``).

    For a role with demand windows it is linear in what the model has: Σ duty minutes − demand
    minutes + its shortfall person-minutes (the shortfall variables of ``coverage``, tagged by role).
    For a role with per-shift demand: people beyond the largest ``min`` of each shift and date."""
    term = Term("over_cover")
    cal = ctx.cal
    per_shift = {role for role, r in cal.team.roles.items() if r.shift_demand}
    for (_, role, i), var in ctx.x.items():
        if role not in per_shift:
            term.add(var, ctx.slots[i].minutes)
    term.const += sum(d.end - d.start for d in ctx.others if d.role not in per_shift)
    for role in cal.team.roles:
        if role not in per_shift:
            term.const -= obj.demand_minutes(cal, role)
    for t in gap_terms:
        for var, coef, of in zip(t.vars, t.coefs, t.roles, strict=True):
            if of not in per_shift:
                term.add(var, coef)
        term.const += sum(c for role, c in t.role_consts.items() if role not in per_shift)
    for role in (r for r in cal.team.roles if r in per_shift):  # the team's order, not a set's
        need: dict[tuple[str, object], int] = {}
        for entry, day in cal.shift_demand_dates(role):
            need[(entry.shift, day)] = max(need.get((entry.shift, day), 0), entry.min)
        for i in ctx.cover_slots(role):
            lits, fixed = ctx.cover(role, i)
            slot = ctx.slots[i]
            floor = need.get((slot.shift, slot.date), 0) - fixed
            _excess(ctx, term, lits, floor, slot.minutes, f"overcover[{role}]")
    return [term]


def _excess(ctx: Ctx, term: Term, lits: list[Lit], cap: int, coef: float, name: str) -> None:
    """Add coef · max(0, Σ lits − cap) to ``term``: a variable when ``cap`` ≥ 0; when duties fixed
    outside a part model alone pass the cap (``cap`` < 0), the constant −cap and each literal."""
    if len(lits) <= cap:
        return
    if cap >= 0:
        over = ctx.model.new_int_var(0, len(lits) - cap, name)
        ctx.model.add(over >= LinearExpr.sum(lits) - cap)
        term.add(over, coef)
    else:
        term.const -= cap * coef
        for lit in lits:
            term.add(lit, coef)


def fairness(ctx: Ctx) -> list[Term]:
    """Per role: Σ_p q_p with q_p = floor(100·|A·n_p − a_p·T| / A) (``rota.objective.fairness_by_role``).

    T is a constant of the team file (``duty_target``), so each q_p is a function of n_p alone:
    A·q ≥ ±100·(A·n_p − a_p·T) − A + 1 makes q at least the floor; its domain is the values the floor
    takes for n_p = 0 … its duty variables, and the lower convex hull of those points (n, q(n)) gives
    cuts that lift the linear relaxation from 0 toward what whole duties can reach."""
    term = Term("fairness")
    m = ctx.model
    cal = ctx.cal
    scale = obj.FAIRNESS_SCALE
    by_role: dict[str, dict[str, list[Lit]]] = defaultdict(lambda: defaultdict(list))
    for (person, r, _), var in ctx.x.items():
        by_role[r][person].append(var)
    for role in cal.team.roles:
        people = obj.eligible(cal, role)
        avail = {p: cal.workable_dates(p) for p in people}
        total_a = sum(avail.values())
        if len(people) < 2 or total_a == 0:
            continue
        target = obj.duty_target(cal, role)
        mine = by_role.get(role, {})
        for p in people:
            if not ctx.modelled(p):
                continue
            lits = mine.get(p, [])
            values = [scale * abs(total_a * k - avail[p] * target) // total_a for k in range(len(lits) + 1)]
            if not lits:
                term.const += values[0]
                continue
            n_p = LinearExpr.sum(lits)
            e = total_a * n_p - avail[p] * target
            q = m.new_int_var_from_domain(Domain.from_values(sorted(set(values))), f"fair[{role},{p}]")
            m.add(total_a * q >= scale * e - total_a + 1)
            m.add(total_a * q >= -scale * e - total_a + 1)
            for k0, k1 in _hull_segments(values):
                # the line through (k0, v0) and (k1, v1) lies under every point: q ≥ it
                v0, v1 = values[k0], values[k1]
                m.add((k1 - k0) * q >= (k1 - k0) * v0 + (v1 - v0) * (n_p - k0))
            term.add(q, 1)
    if cal.team.fairness is not None:
        _ledger(ctx, term)
    return [term]


def _ledger(ctx: Ctx, term: Term) -> None:
    """The fairness ledger's part of the term (``rota.ledger.cost``): per category and eligible person,
    weight × q with q = ⌊|A·B + 100·(A·n − a·N)| / A⌋ — B their starting balance (``ledger.starting``),
    n their duties in the category, N everyone's — or ⌊100·|B + worked − target| / 60⌋ hundredths of an
    hour for ``hours``.
    n and N are linear in the duty variables (and the fixed duties of people outside a part model), so
    A·q ≥ ±E − A + 1 makes q at least the floor, and minimising makes it equal."""
    m = ctx.model
    cal = ctx.cal
    sc = ledger.scope(cal)
    scale = ledger.SCALE
    for cat in sc.categories:
        if not cat.weight:
            continue
        people = sc.eligible(cat)
        bal = ledger.starting(cal, cat)
        if cat.hours:
            for p in people:
                if not ctx.modelled(p):
                    continue
                target = cal.target_minutes(p) or 0
                keys = ctx.person_keys.get(p, [])
                b = bal.get(p, 0)
                if not keys:
                    term.const += cat.weight * ledger.hours_cost(b, 0, target)
                    continue
                minutes = [ctx.slots[k[2]].minutes for k in keys]
                worked = LinearExpr.weighted_sum([ctx.x[k] for k in keys], minutes)
                e = scale * (worked + b - target)
                top = ledger.hours_cost(b, 0, target) + ledger.hours_cost(0, sum(minutes), 0) + 1
                q = m.new_int_var(0, top, f"ledger[{cat.id},{p}]")
                m.add(60 * q >= e - 59)
                m.add(60 * q >= -e - 59)
                term.add(q, cat.weight)
            continue
        avail, total_a = sc.shares(cat)
        lits: dict[str, list[Lit]] = defaultdict(list)
        for (person, role, i), var in ctx.x.items():
            slot = ctx.slots[i]
            if person in avail and sc.counts(cat, role, slot.shift, slot.date):
                lits[person].append(var)
        fixed: dict[str, int] = defaultdict(int)
        for d in ctx.others:
            if d.person in avail and sc.counts(cat, d.role, d.shift, d.date):
                fixed[d.person] += 1
        every = [v for p in people for v in lits.get(p, [])]
        n_fixed = sum(fixed.values())
        if not every:
            for p in people:
                cost = ledger.person_cost(cat, bal.get(p, 0), fixed[p], avail[p], n_fixed, total_a)
                term.const += cat.weight * cost
            continue
        total_n = m.new_int_var(n_fixed, n_fixed + len(every), f"ledger_n[{cat.id}]")
        m.add(total_n == LinearExpr.sum(every) + n_fixed)
        for p in people:
            b = bal.get(p, 0)
            mine = lits.get(p, [])
            n_p = LinearExpr.sum(mine) + fixed[p]
            e = total_a * b + scale * (total_a * n_p - avail[p] * total_n)
            top = abs(b) + scale * (len(mine) + fixed[p] + n_fixed + len(every)) + 1
            q = m.new_int_var(0, top, f"ledger[{cat.id},{p}]")
            m.add(total_a * q >= e - total_a + 1)
            m.add(total_a * q >= -e - total_a + 1)
            term.add(q, cat.weight)


def _hull_segments(values: list[int], most: int = 6) -> list[tuple[int, int]]:
    """The segments of the lower convex hull of the points (k, values[k]) nearest its lowest point
    (at most ``most``); the outer slopes are the ± cuts above, so only the bend near the minimum
    adds to the relaxation."""
    hull: list[int] = []
    for k in range(len(values)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # drop b when it lies on or above the line from a to k
            if (values[b] - values[a]) * (k - a) >= (values[k] - values[a]) * (b - a):
                hull.pop()
            else:
                break
        hull.append(k)
    segments = list(itertools.pairwise(hull))
    if len(segments) <= most:
        return segments
    low = min(range(len(hull)), key=lambda i: values[hull[i]])
    first = max(0, min(low - most // 2, len(segments) - most))
    return segments[first : first + most]


def preferences(ctx: Ctx) -> list[Term]:
    """Fixed points per duty (prefer/avoid shifts, avoid days) plus the weight of each unmet request."""
    term = Term("preferences")
    cal = ctx.cal
    for p in cal.team.people:
        if not ctx.modelled(p.id):
            continue
        prefs = p.preferences
        avoid_days = timeutil.parse_days(prefs.avoid_days) if prefs.avoid_days else frozenset()
        if prefs.prefer_shifts or prefs.avoid_shifts or avoid_days:
            for key in ctx.person_keys.get(p.id, ()):
                cost = obj.duty_preference_cost(
                    prefs.prefer_shifts, prefs.avoid_shifts, avoid_days, ctx.duty(key)
                )
                if cost:
                    term.add(ctx.x[key], cost)
        for req in prefs.requests:
            if not cal.start <= req.date <= cal.end or not req.weight:
                continue
            if req.shift is None:
                work = ctx.work.get((p.id, req.date))
                lits = [] if work is None else [work]
            else:
                i = ctx.slot_at.get((req.date, req.shift))
                lits = [] if i is None else ctx.person_slot_lits(p.id, i)
            if req.want == "on":
                term.const += req.weight
                sign = -1
            else:
                sign = 1
            for lit in lits:
                term.add(lit, sign * req.weight)
    return [term]


def shift_cover(ctx: Ctx) -> list[Term]:
    """People short of (weight_under) and over (weight_over) each role's per-shift demand per date."""
    term = Term("shift_cover")
    m = ctx.model
    for role in ctx.cal.team.roles:
        for entry, day in obj.shift_demand_dates(ctx.cal, role):
            lits, fixed = ctx.cover(role, ctx.slot_at[(day, entry.shift)])
            least = entry.min - fixed  # fixed duties: people outside a part model
            if least > 0 and entry.weight_under:
                if not lits:
                    term.const += least * entry.weight_under
                else:
                    under = m.new_int_var(max(0, least - len(lits)), least, f"under[{role}]")
                    m.add(under >= least - LinearExpr.sum(lits))
                    term.add(under, entry.weight_under)
            if entry.max is not None and entry.weight_over:
                _excess(ctx, term, lits, entry.max - fixed, entry.weight_over, f"over[{role}]")
    return [term]


def changes(ctx: Ctx, baseline: Iterable[Duty]) -> Term:
    """Assignments added plus removed against ``baseline`` (duties outside the horizon ignored)."""
    term = Term("changes")
    keep: set[Key] = set()
    for d in baseline:
        if not ctx.cal.start <= d.date <= ctx.cal.end:
            continue
        key = ctx.key_of(d)
        if key is None or key not in ctx.x:
            term.const += 1
        elif key not in keep:
            keep.add(key)
            term.const += 1
            term.add(ctx.x[key], -1)
    for key, var in ctx.x.items():
        if key not in keep:
            term.add(var, 1)
    return term


def scale_for(terms: Iterable[Term], weights: dict[str, float], limit: int = 6) -> int:
    """The smallest power of ten making every weight × coefficient (and constant) an integer."""
    values = {weights.get(t.name, 1) * c for t in terms for c in (*set(t.coefs), t.const)}
    for k in range(limit + 1):
        s: int = 10**k
        if all(abs(v * s - round(v * s)) < 1e-6 for v in values):
            return s
    top: int = 10**limit
    return top


def weighted_expr(terms: Iterable[Term], weights: dict[str, float], scale: int) -> cp_model.LinearExpr:
    """Σ weight·term, scaled to integers (constants included)."""
    coefs: dict[int, int] = defaultdict(int)
    index: dict[int, cp_model.IntVar] = {}
    const = 0
    for t in terms:
        w = weights.get(t.name, 1) * scale
        const += round(w * t.const)
        for v, c in zip(t.vars, t.coefs, strict=True):
            index[v.index] = v
            coefs[v.index] += round(w * c)
    pairs = [(index[i], c) for i, c in coefs.items() if c]
    return cp_model.LinearExpr.weighted_sum([v for v, _ in pairs], [c for _, c in pairs]) + const


def single_duty_move(ctx: Ctx, terms: Iterable[Term], weights: dict[str, float], scale: int) -> int:
    """A bound on how much one duty more or less can move the non-gap terms (scaled units)."""
    bound = 0.0
    longest = max((s.minutes for s in ctx.slots), default=0)
    for t in terms:
        w = weights.get(t.name, 1)
        if t.name in ("contract", "over_cover"):
            bound += w * longest
        elif t.name == "fairness":
            bound += w * obj.FAIRNESS_SCALE * 2 + w * len(ctx.cal.team.people)
            for cat in ledger.categories(ctx.cal.team):  # none without a fairness block
                per = (
                    longest * ledger.SCALE / 60 if cat.hours else ledger.SCALE * 2 + len(ctx.cal.team.people)
                )
                bound += w * cat.weight * per
        elif t.coefs:
            bound += w * max(abs(c) for c in t.coefs) * 3
    return math.ceil(bound * scale) + 1
