"""Which (person, role, slot) triples may be assigned at all, and their Booleans (fixed ones forced)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from rota import timeutil
from rota.calendar import Calendar
from rota.load import TeamFileError
from rota.objective import eligible
from rota.solver.context import Ctx, Key
from rota.teamcheck import Problem


def eligible_keys(cal: Calendar, people: set[str] | None = None) -> Iterator[Key]:
    """Every eligible (person, role, slot index): skills, the roles the slot is offered in (shift
    roles with demand that date), the person's working days, and no overlap with their unavailability."""
    team = cal.team
    roles_of: dict[str, list[str]] = {p.id: [] for p in team.people}
    for role in team.roles:
        for pid in eligible(cal, role):
            roles_of[pid].append(role)
    for p in team.people:
        roles = roles_of[p.id]
        if not roles or (people is not None and p.id not in people):
            continue
        days = timeutil.parse_days(p.days)
        away = _merged(cal.unavailable(p.id))
        away_starts = [s for s, _ in away]
        for i, slot in enumerate(cal.slots):
            if slot.date.weekday() not in days:
                continue
            # merged spans are disjoint: only the last one starting before the slot ends can overlap
            k = bisect_left(away_starts, slot.end)
            if k and away[k - 1][1] > slot.start:
                continue
            for role in roles:
                if role in cal.offered_roles(slot.shift, slot.date):
                    yield (p.id, role, i)


def _merged(spans: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Unavailability spans merged into sorted disjoint (start, end) pairs."""
    out: list[tuple[int, int]] = []
    for s, e, _ in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def add_variables(ctx: Ctx) -> None:
    """Create the duty Booleans and force each fixed assignment inside the horizon to 1."""
    for key in eligible_keys(ctx.cal, ctx.people):
        ctx.add_var(key)
    for duty in ctx.others:
        ctx.add_other(duty)
    problems = []
    for n, p in enumerate(ctx.cal.team.people):
        if not ctx.modelled(p.id):
            continue
        for j, fx in enumerate(p.fixed):
            if not ctx.cal.start <= fx.date <= ctx.cal.end:
                continue
            fixed = ctx.key_of(ctx.cal.duty(p.id, fx.role, fx.shift, fx.date))
            if fixed is None or fixed not in ctx.x:
                problems.append(
                    Problem(
                        f"people[{n}].fixed[{j}]", f"{p.id} cannot take {fx.role} on {fx.shift} on {fx.date}"
                    )
                )
            else:
                ctx.model.add(ctx.x[fixed] == 1)
    if problems:
        raise TeamFileError("team", problems)
