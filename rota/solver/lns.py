"""Large-neighbourhood search over whole blocks of the rota: free every duty of a run of dates (all
people) or of a group of people (whole horizon), keep the rest of the rota fixed, and let CP-SAT
re-solve that piece with the full objective, hinted with the current rota.

CP-SAT's own neighbourhoods free scattered variables; the soft terms of a rota (contract hours and
fair shares over the horizon, per-shift cover) need coordinated moves across many people and dates,
which a block of dates or people gives: on the synthetic L team this reaches in seconds what the
built-in search does not reach in a minute.

Besides random blocks, neighbourhoods aimed at what the current rota pays for (``rota.solver.aims``):
slots short of people, people over and under their hours or share in pairs, dates of over-cover.
Each round draws its kind with the seeded generator by the kinds' records (improvements / tries),
so the same seed and effort give the same rota.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

from ortools.sat.python import cp_model

from rota.solver.aims import Aims, Costs
from rota.solver.build import Built
from rota.solver.params import SolveParams
from rota.solver.search import Budget, hint_all, linear_value

log = logging.getLogger(__name__)
MIN_FREE = 200  # duty variables a neighbourhood frees at least, and at first
SUB_SECONDS = 2.0  # the most one neighbourhood may take in wall seconds (parallel mode)
# and in deterministic units (reproducible mode). Measured at effort 10 against 2 units: H 227,822
# (was 237,294), Curtois 8 3,062 (3,147), 10 6,556 (8,514), L 1,166,726 (1,159,166): many short
# tries beat a few long ones
SUB_EFFORT = 0.5
SUB_GAP = 5e-5  # a neighbourhood is done when this close to its own bound (relative)
SPREAD = 3  # dates either side of a costly date whose duties an aimed neighbourhood frees too
KINDS = ("window", "people", "mixed", "short", "over", "imbalance")  # the order draws are made in
AIMED = True  # False: the random kinds alone (to measure what the aimed ones buy)
T = TypeVar("T")


class BlockLns:
    """Improves a full solution of ``built``'s model (every variable's value) for ``goal``."""

    def __init__(
        self, built: Built, goal: cp_model.LinearExpr, params: SolveParams, budget: Budget, seed: int = 0
    ):
        self.built = built
        self.params = params
        self.budget = budget
        self.rng = random.Random(seed)
        ctx = built.ctx
        self.model = ctx.model.clone()
        self.model.clear_hints()
        self.model.minimize(goal)
        self.proto = self.model.proto
        self.keys = list(ctx.x)
        self.index = [ctx.x[k].index for k in self.keys]
        self.by_date: dict[date, list[int]] = defaultdict(list)
        self.by_person: dict[str, list[int]] = defaultdict(list)
        for n, (person, _, i) in enumerate(self.keys):
            self.by_date[ctx.slots[i].date].append(n)
            self.by_person[person].append(n)
        self.dates = sorted(self.by_date)
        self.people = sorted(self.by_person)
        self.size = min(len(self.keys), max(MIN_FREE, len(self.keys) // 8))
        self.domains = [list(v.domain) for v in self.proto.variables]
        self.aims = Aims(built, self.keys)
        self.roles: dict[str, set[str]] = defaultdict(set)
        for person, role, _ in self.keys:
            self.roles[person].add(role)
        self.on: list[bool] = []
        self.tries: dict[str, int] = dict.fromkeys(KINDS, 0)
        self.wins: dict[str, int] = dict.fromkeys(KINDS, 0)

    def _window(self) -> set[int]:
        """A run of dates, long enough to free about ``size`` duty variables."""
        per_date = len(self.keys) / max(1, len(self.dates))
        days = max(2, round(self.size / max(1.0, per_date)))
        first = self.rng.randrange(max(1, len(self.dates) - days + 1))
        return {n for d in self.dates[first : first + days] for n in self.by_date[d]}

    def _people(self) -> set[int]:
        """A random group of people, about ``size`` duty variables in all."""
        order = self.people[:]
        self.rng.shuffle(order)
        free: set[int] = set()
        for p in order:
            if len(free) >= self.size:
                break
            free.update(self.by_person[p])
        return free

    def _mixed(self) -> set[int]:
        """Half the people over a run of twice the dates."""
        per_date = len(self.keys) / max(1, len(self.dates))
        days = max(2, round(2 * self.size / max(1.0, per_date)))
        first = self.rng.randrange(max(1, len(self.dates) - days + 1))
        chosen = set(self.rng.sample(self.people, max(1, len(self.people) // 2)))
        return {
            n for d in self.dates[first : first + days] for n in self.by_date[d] if self.keys[n][0] in chosen
        }

    # -- neighbourhoods aimed at what the rota pays for (``rota.solver.aims``) -----------------------
    def _pick(self, items: list[tuple[int, T]]) -> T:
        """One of ``items`` (cost, what), drawn with chance in proportion to its cost (seeded), and
        taken out of the list."""
        k = self.rng.choices(range(len(items)), weights=[max(1, c) for c, _ in items])[0]
        return items.pop(k)[1]

    def _around(self, days: set[date], spread: int) -> list[date]:
        """The dates within ``spread`` days of ``days``, in order."""
        near = {d + timedelta(days=k) for d in days for k in range(-spread, spread + 1)}
        return [d for d in self.dates if d in near]

    def _short(self, costs: Costs) -> set[int]:
        """Slots short of people (gaps, per-shift shortfall), drawn by cost: everyone on their dates,
        and the people who could take them over ``SPREAD`` days either side (so their runs of days
        worked and off can move too), until about ``size`` duty variables are free."""
        items = costs.short[:]
        free: set[int] = set()
        while items and len(free) < self.size:
            positions = self.aims.shortfall[self._pick(items)]
            days = {self.aims.date_of[n] for n in positions}
            people = {self.keys[n][0] for n in positions}
            for d in days:
                free.update(self.by_date[d])
            for d in self._around(days, SPREAD):
                free.update(n for n in self.by_date[d] if self.keys[n][0] in people)
        return free

    def _over(self, costs: Costs) -> set[int]:
        """Dates of over-cover, drawn by cost: everyone on them, and those on duty there over
        ``SPREAD`` days either side (a duty can move to a thinner date), about ``size`` in all."""
        items = costs.over[:]
        free: set[int] = set()
        while items and len(free) < self.size:
            day = self._pick(items)
            free.update(self.by_date[day])
            people = {self.keys[n][0] for n in self.by_date[day] if self.on[n]}
            for d in self._around({day}, SPREAD):
                free.update(n for n in self.by_date[d] if self.keys[n][0] in people)
        return free

    def _imbalance(self, costs: Costs) -> set[int]:
        """People furthest above their contract hours or fair share (drawn by cost), each with one
        below who shares a role with them, so duties can pass from one to the other: their whole
        horizon, or a run of dates when that is far more than ``size`` duty variables."""
        high, low = costs.high[:], costs.low[:]
        people: list[str] = []
        count = 0
        while high and low and count < self.size:
            person = self._pick(high)
            mine = self.roles[person]
            partners = [(c, q) for c, q in low if self.roles[q] & mine and q not in people]
            if not partners:
                continue
            partner = self._pick(partners)
            low = [(c, q) for c, q in low if q != partner]
            for p in (person, partner):
                if p not in people:
                    people.append(p)
                    count += len(self.by_person[p])
        if not people:
            return set()
        chosen = set(people)
        if count <= 2 * self.size:
            return {n for p in people for n in self.by_person[p]}
        days = max(7, round(len(self.dates) * self.size / count))
        first = self.rng.randrange(max(1, len(self.dates) - days + 1))
        return {
            n for d in self.dates[first : first + days] for n in self.by_date[d] if self.keys[n][0] in chosen
        }

    def _choose(self, costs: Costs) -> tuple[str, set[int]]:
        """A neighbourhood kind, drawn (seeded) in proportion to its record: (1 + improvements) /
        (2 + tries); kinds aimed at costs the rota does not have are left out. Its free variables."""
        makers: dict[str, Callable[[], set[int]]] = {
            "window": self._window,
            "people": self._people,
            "mixed": self._mixed,
        }
        if AIMED:
            if costs.short:
                makers["short"] = lambda: self._short(costs)
            if costs.over:
                makers["over"] = lambda: self._over(costs)
            if costs.high and costs.low:
                makers["imbalance"] = lambda: self._imbalance(costs)
        names = [k for k in KINDS if k in makers]
        weights = [(1 + self.wins[k]) / (2 + self.tries[k]) for k in names]
        kind = self.rng.choices(names, weights=weights)[0]
        return kind, makers[kind]()

    def improve(
        self, solution: list[int], value: int, on_better: Callable[[list[int], int], None] | None = None
    ) -> tuple[list[int], int]:
        """Re-solve neighbourhoods until the budget is spent; the best found."""
        rounds = 0
        costs = self._costs(solution)
        while True:
            left = self.budget.left()
            if left < 0.3 or (self.params.stop is not None and self.params.stop.is_set()):
                break
            kind, free = self._choose(costs)
            rounds += 1
            self.tries[kind] += 1
            if not free:
                continue
            cap = SUB_EFFORT if self.budget.deterministic else SUB_SECONDS
            result = self._solve(solution, free, min(cap, left))
            log.debug("lns: %s, %d free: %s", kind, len(free), "none" if result is None else result[2])
            if result is None:
                self.size = max(MIN_FREE, int(self.size * 0.8))
                continue
            quick, sol, obj = result
            if quick:
                self.size = min(len(self.keys), int(self.size * 1.25) + 1)
            else:
                self.size = max(MIN_FREE, int(self.size * 0.85))
            if obj < value:
                log.debug("lns: %s %d -> %d (%d free)", kind, value, obj, len(free))
                self.wins[kind] += 1
                solution, value = sol, obj
                costs = self._costs(solution)
                if on_better is not None:
                    on_better(solution, value)
        log.debug("lns: %d neighbourhoods, final %d; kinds %s of %s", rounds, value, self.wins, self.tries)
        return solution, value

    def value(self, solution: list[int]) -> int:
        """The objective of a full solution, in the model's scaled units."""
        return round(self.proto.objective.offset + linear_value(self.proto, solution))

    def _costs(self, solution: list[int]) -> Costs:
        self.on = [bool(solution[i]) for i in self.index]
        return self.aims.costs(solution) if AIMED else Costs()

    def _solve(
        self, solution: list[int], free: set[int], seconds: float
    ) -> tuple[bool, list[int], int] | None:
        """Re-solve the neighbourhood ``free`` (duty positions), the rest fixed at ``solution``:
        (whether it was quick, every variable's value, the objective), or None if nothing found."""
        model, restore = self._whole(solution, free)
        solver = self.budget.solver(seconds, self.params, seed=self.rng.randrange(1 << 30), least=0.05)
        solver.parameters.relative_gap_limit = SUB_GAP
        started = time.perf_counter()
        try:
            status = solver.solve(model)
            used = self.budget.charge(solver)
        finally:
            restore()
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        spent = used if self.budget.deterministic else time.perf_counter() - started
        quick = spent < 0.6 * seconds  # solved (or near) well in time
        return quick, list(solver.response_proto.solution), round(solver.objective_value)

    def _whole(self, solution: list[int], free: set[int]) -> tuple[cp_model.CpModel, Callable[[], None]]:
        """The whole model with every duty variable outside ``free`` fixed by its domain (and a
        function that gives the domains back)."""
        variables = self.proto.variables
        fixed = [self.index[n] for n in range(len(self.keys)) if n not in free]
        for i in fixed:
            dom = variables[i].domain
            dom.clear()
            dom.extend([solution[i], solution[i]])
        hint_all(self.proto, solution)

        def restore() -> None:
            for i in fixed:
                dom = variables[i].domain
                dom.clear()
                dom.extend(self.domains[i])

        return self.model, restore
