"""Large-neighbourhood search over whole blocks of the rota: free every duty of a run of dates (all
people) or of a group of people (whole horizon), keep the rest of the rota fixed, and let CP-SAT
re-solve that piece with the full objective, hinted with the current rota.

CP-SAT's own neighbourhoods free scattered variables; the soft terms of a rota (contract hours and
fair shares over the horizon, per-shift cover) need coordinated moves across many people and dates,
which a block of dates or people gives: on the synthetic L team this reaches in seconds what the
built-in search does not reach in a minute.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date

from ortools.sat.python import cp_model

from solver.build import Built
from solver.params import SolveParams
from solver.search import Budget

log = logging.getLogger(__name__)
MIN_FREE = 200  # duty variables a neighbourhood frees at least, and at first
SUB_SECONDS = 2.0  # the most one neighbourhood may take
SUB_GAP = 5e-5  # a neighbourhood is done when this close to its own bound (relative)


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

    def improve(
        self, solution: list[int], value: int, on_better: Callable[[list[int], int], None] | None = None
    ) -> tuple[list[int], int]:
        """Re-solve neighbourhoods until the budget is spent; the best found."""
        kinds = [self._window, self._people, self._mixed]
        rounds = 0
        while True:
            left = self.budget.left()
            if left < 0.3 or (self.params.stop is not None and self.params.stop.is_set()):
                break
            free = kinds[rounds % len(kinds)]()
            rounds += 1
            result = self._solve(solution, free, min(SUB_SECONDS, left))
            if result is None:
                self.size = max(MIN_FREE, int(self.size * 0.8))
                continue
            quick, sol, obj = result
            if quick:
                self.size = min(len(self.keys), int(self.size * 1.25) + 1)
            else:
                self.size = max(MIN_FREE, int(self.size * 0.85))
            if obj < value:
                log.debug("lns: %d -> %d (%d free)", value, obj, len(free))
                solution, value = sol, obj
                if on_better is not None:
                    on_better(solution, value)
        log.debug("lns: %d neighbourhoods, final %d", rounds, value)
        return solution, value

    def _solve(
        self, solution: list[int], free: set[int], seconds: float
    ) -> tuple[bool, list[int], int] | None:
        variables = self.proto.variables
        fixed = [self.index[n] for n in range(len(self.keys)) if n not in free]
        for i in fixed:
            dom = variables[i].domain
            dom.clear()
            dom.extend([solution[i], solution[i]])
        hint = self.proto.solution_hint
        hint.vars.clear()
        hint.values.clear()
        hint.vars.extend(range(len(solution)))
        hint.values.extend(solution)
        solver = self.budget.solver(seconds, self.params, seed=self.rng.randrange(1 << 30), least=0.05)
        solver.parameters.relative_gap_limit = SUB_GAP
        started = time.perf_counter()
        try:
            status = solver.solve(self.model)
            used = self.budget.charge(solver)
        finally:
            for i in fixed:
                dom = variables[i].domain
                dom.clear()
                dom.extend(self.domains[i])
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        spent = used if self.budget.deterministic else time.perf_counter() - started
        quick = spent < 0.6 * seconds  # solved (or near) well in time
        return quick, list(solver.response_proto.solution), round(solver.objective_value)
