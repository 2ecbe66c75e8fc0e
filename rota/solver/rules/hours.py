"""Hours rules: shift minutes per ISO week (history included) and over the whole horizon."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from rota.records import Slot
from rota.solver.context import Ctx
from rota.solver.rules.registry import builds, guards
from rota.team import Rules
from rota.timeutil import iso_week

if TYPE_CHECKING:
    from rota.solver.greedy import Greedy

EPS = 1e-9


def _minutes_of(ctx: Ctx, person: str) -> list[tuple[int, cp_model.IntVar]]:
    return [(ctx.slots[i].minutes, v) for i, lits in ctx.person_slot[person].items() for v in lits]


@builds("max_hours_per_week", order=50)
def max_hours_per_week(ctx: Ctx) -> None:
    """Shift minutes starting in each ISO week, history in that week counted, stay within the cap."""
    for person, by_slot in ctx.person_slot.items():
        hours = ctx.cal.rules(person).max_hours_per_week
        if hours is None:
            continue
        cap = math.floor(hours * 60 + EPS)
        used: dict[tuple[int, int], int] = defaultdict(int)
        for h in ctx.history.get(person, ()):
            used[iso_week(h.date)] += h.minutes
        weeks: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        most: dict[tuple[date, tuple[int, int]], int] = {}
        for i, lits in by_slot.items():
            s = ctx.slots[i]
            week = iso_week(s.date)
            weeks[week].extend((s.minutes, v) for v in lits)
            most[(s.date, week)] = max(most.get((s.date, week), 0), s.minutes)
        peak: dict[tuple[int, int], int] = defaultdict(int)
        for (_, week), minutes in most.items():
            peak[week] += minutes
        for week, terms in weeks.items():
            room = max(0, cap - used[week])  # history alone over the cap blocks the rest of the week
            if peak[week] > room:
                ctx.model.add(
                    cp_model.LinearExpr.weighted_sum([v for _, v in terms], [c for c, _ in terms]) <= room
                )


@builds("max_hours_per_period", order=60)
def max_hours_per_period(ctx: Ctx) -> None:
    """Total shift minutes over the horizon stay within ``max_hours_per_period``."""
    for person in ctx.person_slot:
        hours = ctx.cal.rules(person).max_hours_per_period
        if hours is None:
            continue
        terms = _minutes_of(ctx, person)
        if sum(c for c, _ in terms) <= hours * 60:
            continue
        ctx.model.add(
            cp_model.LinearExpr.weighted_sum([v for _, v in terms], [c for c, _ in terms])
            <= math.floor(hours * 60 + EPS)
        )


@builds("min_hours_per_period", order=130)
def min_hours_per_period(ctx: Ctx) -> None:
    """Total shift minutes over the horizon reach ``min_hours_per_period``."""
    for p in ctx.cal.team.people:
        hours = ctx.cal.rules(p.id).min_hours_per_period
        if not hours or not ctx.modelled(p.id):
            continue
        terms = _minutes_of(ctx, p.id)
        enforce = ctx.enforce("min_hours_per_period", p.id)
        if not terms:
            ctx.model.add_bool_or([]).only_enforce_if(enforce)
            continue
        expr = cp_model.LinearExpr.weighted_sum([v for _, v in terms], [c for c, _ in terms])
        ctx.model.add(expr >= math.ceil(hours * 60 - EPS)).only_enforce_if(enforce)


# -- greedy guards ------------------------------------------------------------------------------
@guards("max_hours_per_week")
def week_has_room(g: Greedy, p: str, role: str, s: Slot, rules: Rules) -> bool:
    """The slot's ISO week (history included) stays within ``max_hours_per_week``."""
    return (
        rules.max_hours_per_week is None
        or g.week[(p, iso_week(s.date))] + s.minutes <= rules.max_hours_per_week * 60 + 1e-9
    )


@guards("max_hours_per_period")
def period_has_room(g: Greedy, p: str, role: str, s: Slot, rules: Rules) -> bool:
    """The horizon's total stays within ``max_hours_per_period``."""
    return (
        rules.max_hours_per_period is None or g.total[p] + s.minutes <= rules.max_hours_per_period * 60 + 1e-9
    )
