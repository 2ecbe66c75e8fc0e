"""Coverage: per role, people short on each elementary interval; the gap terms in person-minutes."""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

from ortools.sat.python.cp_model import LinearExpr

from rota.solver.context import Ctx, Term


def coverage(ctx: Ctx) -> list[Term]:
    """Shortfall variables on the intervals between requirement and slot breakpoints.

    Intervals with the same covering slots, requirement and core flag share one shortfall
    variable weighted by their total minutes: Σ covering x + short ≥ required (less the fixed
    duties of people outside a part model, ``Ctx.fixed``).
    """
    core, other = Term("gap_core"), Term("gap_other")
    m = ctx.model
    for role in ctx.cal.team.roles:
        segments = ctx.cal.requirement(role)
        if not segments:
            continue
        by_slot = ctx.cover_slots(role)
        starts: dict[int, list[int]] = defaultdict(list)
        ends: dict[int, list[int]] = defaultdict(list)
        for i in by_slot:
            starts[ctx.slots[i].start].append(i)
            ends[ctx.slots[i].end].append(i)
        points = sorted({t for seg in segments for t in (seg.start, seg.end)} | set(starts) | set(ends))
        groups: dict[tuple[frozenset[int], int, bool], int] = defaultdict(int)
        active: set[int] = set()
        k = 0
        for a, b in itertools.pairwise(points):
            active.difference_update(ends.get(a, ()))
            active.update(starts.get(a, ()))
            while k < len(segments) and segments[k].end <= a:
                k += 1
            if k < len(segments) and segments[k].start <= a:
                seg = segments[k]
                groups[(frozenset(active), seg.required, seg.core)] += b - a
        for (covering, required, is_core), minutes in groups.items():
            term = core if is_core else other
            lits: list[Any] = []
            fixed = 0
            for i in covering:
                on, n = ctx.cover(role, i)
                lits += on
                fixed += n
            required -= fixed
            if fixed and required <= 0:
                continue
            if not lits:
                term.add_const(required * minutes, role)
                continue
            short = m.new_int_var(max(0, required - len(lits)), required, f"short[{role}]")
            m.add(LinearExpr.sum(lits) + short >= required)
            term.add(short, minutes, role)
    return [core, other]
