"""What a rota pays for, read from a full solution of the model: the neighbourhoods of
``rota.solver.lns`` aimed at the costs (slots short of people, people far from their contract hours or
fair share, dates of over-cover) rather than at random blocks.

Everything here is a function of the model and the solution alone (no clock, no hashing of sets),
so the neighbourhoods chosen from it, with the search's seeded generator, are the same on every run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from rota.solver.build import Built
from rota.solver.context import Key


@dataclass
class Costs:
    """The costs of one solution: each list is (cost in scaled objective units, what it is about),
    largest first and ties in a fixed order."""

    short: list[tuple[int, int]] = field(default_factory=list)  # (cost, shortfall variable)
    over: list[tuple[int, date]] = field(default_factory=list)  # (cost, date)
    high: list[tuple[int, str]] = field(default_factory=list)  # people above their hours or share
    low: list[tuple[int, str]] = field(default_factory=list)  # people below


class Aims:
    """Reads the costs of a solution of ``built``'s model (``keys``: the duty variables in order)."""

    def __init__(self, built: Built, keys: list[Key]):
        ctx = built.ctx
        cal = ctx.cal
        self.scale = built.scale
        self.weights = built.weights
        self.keys = keys
        proto = ctx.model.proto
        position = {ctx.x[k].index: n for n, k in enumerate(keys)}
        self.index = [ctx.x[k].index for k in keys]
        self.minutes = [ctx.slots[k[2]].minutes for k in keys]
        self.date_of = [ctx.slots[k[2]].date for k in keys]
        # objective variables of the cover terms (shortfalls, excesses): the duty variables of
        # their constraint, and whether more duties lower (shortfall) or raise (excess) them
        cover: dict[int, float] = defaultdict(float)  # variable -> weighted cost of one unit
        for term in built.gap_terms + built.other_terms:
            if term.name in ("gap_core", "gap_other", "shift_cover", "over_cover"):
                for var, coef in zip(term.vars, term.coefs, strict=True):
                    if var.index not in position:  # duty variables count in over_cover themselves
                        cover[var.index] += coef * self.weights.get(term.name, 0) * self.scale
        self.cover_cost = {v: round(c) for v, c in cover.items() if c > 0}
        self.shortfall: dict[int, list[int]] = {}  # variable -> the duty positions that lower it
        self.excess: dict[int, list[int]] = {}  # variable -> the duty positions that raise it
        for c in proto.constraints:
            if not c.has_linear():
                continue
            lin = c.linear
            mine = [(v, k) for v, k in zip(lin.vars, lin.coeffs, strict=True) if v in self.cover_cost]
            if len(mine) != 1:
                continue
            var, sign = mine[0]
            duties = [(position[v], k) for v, k in zip(lin.vars, lin.coeffs, strict=True) if v in position]
            if not duties:
                continue
            if all((k > 0) == (sign > 0) for _, k in duties):
                self.shortfall.setdefault(var, []).extend(n for n, _ in duties)
            elif all((k > 0) != (sign > 0) for _, k in duties):
                self.excess.setdefault(var, []).extend(n for n, _ in duties)
        # window demand: person-minutes wanted per role and date (over-cover beyond it by date)
        self.role_of = [k[1] for k in keys]
        self.window_roles = {r for r, spec in cal.team.roles.items() if not spec.shift_demand}
        self.demand: dict[tuple[str, date], int] = defaultdict(int)
        for role in self.window_roles:
            for seg in cal.requirement(role):
                for day in cal.dates:
                    lo = cal.window(day, 0, 0)[0]
                    hi = cal.window(day + timedelta(days=1), 0, 0)[0]
                    overlap = min(seg.end, hi) - max(seg.start, lo)
                    if overlap > 0:
                        self.demand[(role, day)] += seg.required * overlap
        # the person side: contract hours and fair shares (duties per role against the share)
        self.target = {p.id: cal.target_minutes(p.id) for p in cal.team.people}
        self.share: dict[tuple[str, str], float] = {}  # (role, person) -> duties of a fair share
        from rota import objective as obj

        for role in cal.team.roles:
            people = obj.eligible(cal, role)
            avail = {p: cal.workable_dates(p) for p in people}
            total = sum(avail.values())
            if len(people) < 2 or not total:
                continue
            wanted = obj.duty_target(cal, role)
            for p in people:
                self.share[(role, p)] = avail[p] * wanted / total

    def costs(self, solution: list[int]) -> Costs:
        """The costs of a solution, each kind largest first."""
        out = Costs()
        for var in sorted(self.shortfall):
            value = solution[var]
            if value > 0:
                out.short.append((value * self.cover_cost[var], var))
        out.short.sort(key=lambda c: -c[0])
        by_date: dict[date, int] = defaultdict(int)
        for var in sorted(self.excess):
            value = solution[var]
            if value > 0:
                by_date[self.date_of[self.excess[var][0]]] += value * self.cover_cost[var]
        on_role_date: dict[tuple[str, date], int] = defaultdict(int)
        worked: dict[str, int] = defaultdict(int)
        duties: dict[tuple[str, str], int] = defaultdict(int)
        for n, (person, role, _) in enumerate(self.keys):
            if solution[self.index[n]]:
                worked[person] += self.minutes[n]
                duties[(role, person)] += 1
                if role in self.window_roles:
                    on_role_date[(role, self.date_of[n])] += self.minutes[n]
        over_weight = self.weights.get("over_cover", 0) * self.scale
        for (role, day), minutes in sorted(on_role_date.items()):
            beyond = minutes - self.demand.get((role, day), 0)
            if beyond > 0 and over_weight:
                by_date[day] += round(beyond * over_weight)
        out.over = sorted(((c, d) for d, c in by_date.items()), key=lambda c: (-c[0], c[1]))
        side: dict[str, float] = defaultdict(float)
        contract = self.weights.get("contract", 0)
        for person, target in sorted(self.target.items()):
            if target is not None and contract:
                side[person] += contract * (worked[person] - target)
        fair = self.weights.get("fairness", 0)
        if fair:
            for (role, person), share in sorted(self.share.items()):
                # one duty from the share costs about 100 (hundredths of a duty) times the weight
                side[person] += fair * 100 * (duties[(role, person)] - share)
        for person, signed in sorted(side.items()):
            cost = round(abs(signed) * self.scale)
            if cost:
                (out.high if signed > 0 else out.low).append((cost, person))
        out.high.sort(key=lambda c: -c[0])
        out.low.sort(key=lambda c: -c[0])
        return out
