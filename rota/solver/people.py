"""Solving a rota a few people at a time, for teams whose whole model is too big to search at once.

Every hard rule of a rota binds one person (their shifts, rest, runs, hours, limits, weekends); people
are tied together only by cover, which is soft. So a rota keeps every rule exactly when each
person's duties do, and a model of a few people, with everyone else's duties as constants counting
toward cover (``rota.solver.build``'s ``people`` and ``others``), has the whole rota's objective less terms
those people cannot change.

``construct`` places one group after another, each best for the objective against the duties
placed so far (a group that finds nothing in its time gets duties that keep its rules, from hard
rules alone): a rota that keeps every rule, where a search over the whole model of a year-long team
may find none in ten minutes. ``improve`` then re-solves random groups of people over the whole
horizon (or more people over ``WINDOW_DAYS`` dates), hinted with their current duties, and keeps a
change when the whole rota's objective (``rota.objective``, computed apart from the model) goes
down. Memory stays that of one group's model.

Reproducible like the rest of the solver: the groups and seeds come from a generator seeded with
the solve's seed, every CP-SAT call counts deterministic time, and building a model is charged by
its size (``BUILD_COST``).
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from datetime import date

from ortools.sat.python import cp_model

from rota import objective as obj
from rota.calendar import Calendar
from rota.records import Duty
from rota.solver.build import Built, build
from rota.solver.params import SolveParams
from rota.solver.search import Budget, elapsed, set_hint
from rota.solver.variables import eligible_keys

log = logging.getLogger(__name__)
Placed = tuple[cp_model.CpSolverStatus, list[Duty] | None]  # a CP-SAT status and the duties placed
WHOLE_MAX_VARS = 150_000  # "auto": teams with more duty variables are solved a few people at a time
# "auto": so are horizons longer than a quarter. Measured on Curtois 20 and 21 (182 days, 49,200 and
# 131,200 duty variables) at 300 deterministic s: the whole model found no rota for 20 and 55,862 for
# 21; a few people at a time 7,625 and 30,228 (the old 2-thread portfolio: 8,016 and 43,903)
WHOLE_MAX_DAYS = 91
GROUP_VARS = 3_000  # duty variables in one group while constructing
FIRST_SHARE = 0.5  # the share of the time left for placing the first rota's groups in turn
FIRST_SECONDS = 30.0  # the most one group's first placement may take
FIRST_MIN = 0.2  # the least time a group's first placement gets
# measured on one nurse of Curtois 22 (3,280 duty variables, a year of run, weekend and total-minute
# rules): the first valid duties in 0.3 deterministic s with this subsolver, 0.5 with ours, 5.4 without LP
FIRST_SUBSOLVER = "quick_restart_no_lp"
# deterministic s charged per variable of a part model for its build in Python: building takes about
# 5e-5 wall s per variable here (one nurse of Curtois 24: 21,000 variables in 1.1 s), where one
# deterministic second of CP-SAT takes about two wall seconds
BUILD_COST = 2.5e-5
MIN_SIZE = 500  # the fewest duty variables a neighbourhood aims to free
WINDOW_DAYS = 28  # the dates a window neighbourhood frees
SUB_SECONDS = 3.0  # the most one improving solve may take
SUB_GAP = 1e-4  # an improving solve is done when this close to its own bound (relative)


def build_cost(built: Built) -> float:
    """The deterministic seconds charged for building a part model: ``BUILD_COST`` per variable."""
    return BUILD_COST * len(built.ctx.model.proto.variables)


def variables_per_person(cal: Calendar) -> dict[str, int]:
    """How many duty variables each person has (eligible role and slot pairs)."""
    count: dict[str, int] = defaultdict(int)
    for person, _, _ in eligible_keys(cal):
        count[person] += 1
    return {p.id: count.get(p.id, 0) for p in cal.team.people}


def by_people(cal: Calendar, params: SolveParams, counts: dict[str, int]) -> bool:
    """Whether to solve a few people at a time: asked for, or ``auto`` on a team too big to search
    whole (more than ``WHOLE_MAX_VARS`` duty variables, or more than ``WHOLE_MAX_DAYS`` dates)."""
    if params.strategy == "people":
        return True
    if params.strategy == "whole" or params.baseline is not None:
        return False
    return sum(counts.values()) > WHOLE_MAX_VARS or len(cal.dates) > WHOLE_MAX_DAYS


class PeopleSearch:
    """The rota of ``cal`` built and improved a group of people at a time."""

    def __init__(self, cal: Calendar, params: SolveParams, budget: Budget, counts: dict[str, int]):
        self.cal = cal
        self.params = params
        self.budget = budget
        self.counts = counts
        self.people = [p.id for p in cal.team.people]  # those without duty variables too: their min rules
        self.rng = random.Random(params.seed)
        self.weights = obj.weights(cal)
        self.size = GROUP_VARS
        self.first_zero_gap: float | None = None

    def value(self, duties: list[Duty]) -> float:
        return obj.weighted(obj.compute_terms(self.cal, duties), self.weights)

    def _solve(
        self,
        group: set[str],
        others: list[Duty],
        hint: list[Duty],
        seconds: float,
        gap_limit: float = 0.0,
        window: tuple[date, date] | None = None,
    ) -> Placed:
        """The best duties of ``group`` against ``others`` within ``seconds``: CP-SAT status, duties.
        With ``window``, the group's duties outside those dates stay as the hint has them."""
        built = self._build(group, others)
        ctx = built.ctx
        set_hint(built, hint)
        if window is not None:
            on = {ctx.key_of(d) for d in hint}
            for key, var in ctx.x.items():
                if not window[0] <= ctx.slots[key[2]].date <= window[1]:
                    ctx.model.add(var == int(key in on))
        ctx.model.minimize(built.expr(built.gap_terms + built.other_terms))
        solver = self.budget.solver(seconds, self.params, seed=self.rng.randrange(1 << 30), least=0.05)
        if gap_limit:
            solver.parameters.relative_gap_limit = gap_limit
        return self._run(built, solver)

    def _run(self, built: Built, solver: cp_model.CpSolver) -> Placed:
        """Solve, charge the budget, and read back the duties found: CP-SAT's status, the duties."""
        ctx = built.ctx
        status = solver.solve(ctx.model)
        self.budget.charge(solver)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, None
        sol = solver.response_proto.solution
        return status, ctx.duties_in(sol)

    def _build(self, group: set[str], others: list[Duty], soft: bool = True) -> Built:
        """The model of ``group``. Building is work too: it is counted in deterministic time by the
        model's size, so a loop of small solves stops on the same round on every machine."""
        built = build(self.cal, people=group, others=others, soft=soft, floor=False)
        self.budget.spent += build_cost(built)
        return built

    def _valid(self, group: set[str], hint: list[Duty], seconds: float) -> Placed:
        """Any duties of ``group`` that keep every rule: hard rules alone and no objective (far quicker
        on year-long rules), CP-SAT's ``FIRST_SUBSOLVER``. The status and the duties."""
        if self._stopped():
            return cp_model.UNKNOWN, None
        built = self._build(group, [], soft=False)
        set_hint(built, hint)
        solver = self.budget.solver(seconds, self.params, seed=self.rng.randrange(1 << 30), least=0.05)
        solver.parameters.subsolvers.clear()
        solver.parameters.subsolvers.append(FIRST_SUBSOLVER)
        return self._run(built, solver)

    def _groups(self) -> list[list[str]]:
        """The team in order, cut into groups of about ``GROUP_VARS`` duty variables."""
        groups: list[list[str]] = [[]]
        size = 0
        for p in self.people:
            if groups[-1] and size + self.counts[p] > GROUP_VARS:
                groups.append([])
                size = 0
            groups[-1].append(p)
            size += self.counts[p]
        return [g for g in groups if g]

    def construct(self, hint: list[Duty]) -> Placed:
        """A first rota, one group after another: each group's duties best for the objective against
        the duties placed so far (so the first groups take the cover nobody has yet, the later ones
        what is left), hinted with the starting rota, for an even share of ``FIRST_SHARE`` of the
        time left. A group that finds nothing in its share gets duties that keep its rules alone
        (``_place``). CP-SAT's status of a group that could not be placed (INFEASIBLE: its own
        rules conflict), else OPTIMAL."""
        hint_of: dict[str, list[Duty]] = defaultdict(list)
        for d in hint:
            hint_of[d.person].append(d)
        groups = self._groups()
        placed: list[Duty] = []
        for n, members in enumerate(groups):
            group = set(members)
            share = min(FIRST_SECONDS, max(FIRST_MIN, self.budget.share(FIRST_SHARE) / (len(groups) - n)))
            found = None
            if not self._stopped() and self.budget.left() > 0:
                mine = [d for p in members for d in hint_of[p]]
                _, found = self._solve(group, placed, mine, share, 1e-3)
            if found is None:
                status, found = self._place(group, hint_of)
                if found is None:
                    log.debug("people: group %s: CP-SAT status %s", sorted(group), status)
                    return status, None
            placed += found
        log.debug(
            "people: every group placed at %.1f det s, %.1f wall s",
            self.budget.spent,
            elapsed(self.budget.started),
        )
        return cp_model.OPTIMAL, placed

    def _place(self, group: set[str], hint_of: dict[str, list[Duty]]) -> Placed:
        """Duties of ``group`` that keep its rules (hard rules alone, ``_valid``; ``hint_of``: the
        starting rota by person); when the group as one finds none in time, one person at a time.
        CP-SAT's status, the duties or None."""
        mine = [d for p in sorted(group) for d in hint_of[p]]
        status, found = self._valid(group, mine, min(FIRST_SECONDS, self.budget.left()))
        if found is not None or status == cp_model.INFEASIBLE or len(group) == 1:
            return status, found
        found = []
        for p in sorted(group):
            status, part = self._valid({p}, hint_of[p], min(FIRST_SECONDS, self.budget.left()))
            if part is None:
                return status, None
            found += part
        return cp_model.OPTIMAL, found

    def _pick(self, kind: int) -> tuple[set[str], tuple[date, date] | None]:
        """Random people, about ``size`` duty variables free in all: over the whole horizon (kind 0),
        or more people over a run of ``WINDOW_DAYS`` dates (kind 1), so that they can trade duties."""
        order = self.people[:]
        self.rng.shuffle(order)
        dates = self.cal.dates
        if kind == 1 and len(dates) > WINDOW_DAYS:
            per_person_day = sum(self.counts[p] for p in self.people) / (len(self.people) * len(dates))
            many = max(2, int(self.size / max(1.0, per_person_day * WINDOW_DAYS)))
            first = self.rng.randrange(len(dates) - WINDOW_DAYS + 1)
            return set(order[:many]), (dates[first], dates[first + WINDOW_DAYS - 1])
        chosen: set[str] = set()
        size = 0
        for p in order:
            if chosen and size + self.counts[p] > self.size:
                break
            chosen.add(p)
            size += self.counts[p]
        return chosen, None

    def improve(self, duties: list[Duty]) -> tuple[list[Duty], bool]:
        """Re-solve random groups until the time is spent; the best rota found, and whether it is
        proven optimal (a group of everyone, over the whole horizon, solved to optimality)."""
        value = self.value(duties)
        rounds = better = 0
        proven = False
        while self.budget.left() >= 0.3 and not self._stopped():
            group, window = self._pick(rounds % 2)
            rounds += 1
            others = [d for d in duties if d.person not in group]
            mine = sorted(d for d in duties if d.person in group)
            left = self.budget.left()
            spent = self.budget.spent
            status, found = self._solve(group, others, mine, min(SUB_SECONDS, left), SUB_GAP, window=window)
            quick = self.budget.spent - spent < 0.5 * min(SUB_SECONDS, left)
            grow = 1.25 if quick and status == cp_model.OPTIMAL else 0.85
            self.size = max(MIN_SIZE, int(self.size * grow))
            proven = window is None and len(group) == len(self.people) and status == cp_model.OPTIMAL
            if found is not None and sorted(found) != mine:
                new = self.value(others + found)
                if new < value - 1e-9:
                    duties, value = others + found, new
                    better += 1
                    log.debug("people: %.2f (%d people free)", value, len(group))
                    self._report(duties, value)
            if proven:
                break
        log.debug("people: %d groups re-solved, %d better, final %.2f", rounds, better, value)
        return duties, proven

    def _stopped(self) -> bool:
        return self.params.stop is not None and self.params.stop.is_set()

    def _report(self, duties: list[Duty], value: float) -> None:
        if self.budget.checkpoint.due():
            self.budget.checkpoint.send(sorted(duties))
        if self.params.progress is not None:
            self.params.progress(self.budget.progress(value, 0.0, None))
