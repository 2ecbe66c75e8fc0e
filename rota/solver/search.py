"""One CP-SAT run over a built model: objective, hint, parameters, callback; duties read back."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from ortools.sat.python import cp_model, cp_model_helper

from rota.records import Duty
from rota.solver.build import Built
from rota.solver.callback import Checkpoint, StopThread, Watcher
from rota.solver.context import Key
from rota.solver.params import Progress, SolveParams

log = logging.getLogger(__name__)


@dataclass
class Run:
    """The outcome of one search: CP-SAT status, the best duties, values in scaled model units."""

    status: cp_model.CpSolverStatus
    duties: list[Duty] | None
    objective: int | None
    bound: int | None
    first_zero_gap: float | None
    values: dict[int, int] | None = None  # values of the literals asked for with ``read``
    solution: list[int] | None = None  # every variable's value in the best solution

    @property
    def found(self) -> bool:
        return self.status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _chosen(built: Built, duties: list[Duty]) -> tuple[set[Key], set[tuple[str, date]]]:
    """The variable keys of a rota's duties (those the model has) and their (person, date) pairs."""
    ctx = built.ctx
    on = {k for k in (ctx.key_of(d) for d in duties) if k in ctx.x}
    return on, {(k[0], ctx.slots[k[2]].date) for k in on}


def set_hint(built: Built, duties: list[Duty] | None) -> None:
    """Hint every duty variable (and each date's work literal) from a rota."""
    model, ctx = built.ctx.model, built.ctx
    model.clear_hints()
    if duties is None:
        return
    on, days = _chosen(built, duties)
    for key, var in ctx.x.items():
        model.add_hint(var, key in on)
    for pd in ctx.work_vars:
        model.add_hint(ctx.work[pd], pd in days)


class Budget:
    """The time a solve may spend, and what it has spent.

    Every solve ends by ``params.time_limit`` wall seconds from the start (less ``WALL_RESERVE``
    to score and write the rota): each CP-SAT call is capped at what is left of them. A
    reproducible solve (``params.deterministic``) is stopped first by ``params.effort``, counted in
    CP-SAT's deterministic time (the same on every run of the same model whatever the machine's
    load); when the wall limit comes first, ``wall_capped`` says so and the rota may differ from
    run to run. Otherwise the limit is the wall seconds alone.
    """

    def __init__(self, params: SolveParams, started: float):
        self.checkpoint = Checkpoint(params)
        self.deterministic = params.deterministic
        self.limit = params.effort if params.deterministic else params.time_limit
        self.time_limit = params.time_limit
        self.started = started
        self.spent = 0.0
        self.wall_capped = False
        self.lost = False  # a search process died or did not answer (``rota.solver.fork``)
        self.stop = params.stop
        self.reserve = WALL_RESERVE  # wall seconds kept back to score and write the rota

    def left(self) -> float:
        """What the search may still spend: deterministic units (reproducible), else wall seconds."""
        if self.deterministic and self.spent >= self.limit:
            return 0.0
        wall = self.wall_left()
        if wall <= 0.05:  # the wall limit binds loops of small solves too
            self.wall_capped = self.deterministic
            return 0.0
        if not self.deterministic:
            return wall
        return self.limit - self.spent

    def out_of_time(self) -> bool:
        """The wall limit has come: no CP-SAT call is worth starting (loading a big model alone
        takes a large part of a second)."""
        if self.wall_left() > 0.05:
            return False
        self.wall_capped = self.deterministic and self.spent < self.limit
        return True

    def share(self, fraction: float) -> float:
        """A share of what is left."""
        return self.left() * fraction

    def wall_left(self) -> float:
        """Wall seconds a CP-SAT call may still take."""
        return max(0.0, self.time_limit - self.reserve - elapsed(self.started))

    def solver(
        self, seconds: float, params: SolveParams, seed: int | None = None, least: float = 0.01
    ) -> cp_model.CpSolver:
        """A CP-SAT solver limited to ``seconds`` of this budget."""
        return new_solver(
            seconds,
            params.workers,
            params.seed if seed is None else seed,
            params.deterministic,
            self.wall_left(),
            least,
        )

    def charge(self, solver: cp_model.CpSolver) -> float:
        """Count a finished CP-SAT call; the deterministic time it took."""
        response = solver.response_proto
        used = response.deterministic_time
        self.spent += used
        if self.deterministic and self.spent < self.limit:
            # a call that neither finished nor spent its units was stopped by the clock (CP-SAT's own
            # wall measure may run ahead of ours on a loaded machine, so ask the call itself)
            finished = response.status in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID)
            short = used < solver.parameters.max_deterministic_time * 0.999
            if self.wall_left() <= 0.05 or (short and not finished and not self.stopping()):
                self.wall_capped = True
        return used

    def stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def progress(
        self, objective: float, bound: float, gap_minutes: int | None, in_call: float = 0.0
    ) -> Progress:
        """A progress report with the effort spent (``in_call``: units of the running CP-SAT call)
        and the wall seconds left."""
        return Progress(
            objective=objective,
            bound=bound,
            elapsed=elapsed(self.started),
            gap_minutes=gap_minutes,
            effort=round(self.spent + in_call, 3) if self.deterministic else None,
            seconds_left=round(max(0.0, self.time_limit - elapsed(self.started)), 1),
        )


WALL_RESERVE = 0.25  # wall seconds kept back from the time limit to score and write the rota, at least
RESERVE_PER_BUILD = 2.0  # and this many times the model's build: scoring costs about as much, and
# a loaded machine slows both alike


def polish(
    built: Built,
    duties: list[Duty],
    goal: cp_model.LinearExpr,
    params: SolveParams,
    time_limit: float,
    budget: Budget,
) -> list[int] | None:
    """Every variable's value for a rota with the auxiliary ones tight: the rota fixed, ``goal``
    minimised (presolve settles it at once). Hinting this whole solution lets the next phase
    start from the rota's true objective; a partial hint would leave LNS to tighten slack."""
    if budget.out_of_time():
        return None
    ctx = built.ctx
    on, days = _chosen(built, duties)
    fixed = [var if key in on else ~var for key, var in ctx.x.items()]
    fixed += [ctx.work[pd] if pd in days else ~ctx.work[pd] for pd in ctx.work_vars]
    clone = ctx.model.clone()
    clone.clear_hints()
    clone.add_bool_and(fixed)
    clone.minimize(goal)
    solver = budget.solver(time_limit, params)
    status = solver.solve(clone)
    budget.charge(solver)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return list(solver.response_proto.solution)


def new_solver(
    seconds: float,
    workers: int,
    seed: int,
    deterministic: bool = True,
    wall_cap: float | None = None,
    least: float = 0.01,
) -> cp_model.CpSolver:
    """A CP-SAT solver with our time limit (at least ``least``), worker count, seed and ``tune``.

    Deterministic: interleaved search on one thread (the subsolvers take turns, so the result does not
    depend on the machine's load or thread count) stopped by deterministic time, and by ``wall_cap``
    wall seconds should those come first; ``workers`` is ignored (CP-SAT 9.15 aborts the process when an
    interleaved search on several threads is stopped). Else the parallel portfolio on ``workers``
    threads, stopped by wall time.
    """
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = 1 if deterministic else max(1, workers)
    p.random_seed = seed
    if deterministic:
        p.interleave_search = True
        p.max_deterministic_time = max(least, seconds)
        p.max_time_in_seconds = max(0.01, wall_cap if wall_cap is not None else 4 * seconds + 10)
    else:
        p.max_time_in_seconds = max(least, seconds)
    tune(p)
    return solver


def tune(p: cp_model_helper.SatParameters) -> None:
    """Settings measured on the synthetic teams. Presolve: later rounds, long probing and the
    big-linear-overlap search cost seconds on L/XL and gain little for rota models."""
    p.max_presolve_iterations = 1
    p.find_big_linear_overlap = False
    p.presolve_probing_deterministic_time_limit = 0.1
    # keep_symmetry_in_presolve measured 2026-12-01: H's first phase-2 rota came sooner, but M went
    # from proven optimal in 7 s to 0.06 % from the bound after 67 s (10 det s): left off.
    # The full-problem worker: the LP at linearization level 2 with its cuts. The soft terms are
    # sums of many small deviations whose bound comes from the LP; on S it proves the optimum
    # that default_lp leaves 3 % open, and M ends within 1 % instead of 10 %.
    p.subsolvers.extend(["max_lp", "default_lp"])


def set_full_hint(built: Built, solution: list[int]) -> None:
    """Hint every variable of the model with a previous phase's solution."""
    hint_all(built.ctx.model.proto, solution)


def hint_all(proto: cp_model_helper.CpModelProto, solution: list[int]) -> None:
    """Replace a model's hint with every variable's value in ``solution``."""
    hint = proto.solution_hint
    hint.vars.clear()
    hint.values.clear()
    hint.vars.extend(range(len(solution)))
    hint.values.extend(solution)


def linear_value(proto: cp_model_helper.CpModelProto, solution: list[int]) -> int:
    """The objective's linear part (before its offset and scaling) at a full solution."""
    objective = proto.objective
    return sum(c * solution[v] for v, c in zip(objective.vars, objective.coeffs, strict=True))


def run(
    built: Built,
    goal: cp_model.LinearExpr,
    params: SolveParams,
    time_limit: float,
    budget: Budget,
    total: cp_model.LinearExpr,
    fixed_bound: float | None = None,
    read: Sequence[cp_model.IntVar] = (),
    wall_share: float = 1.0,
    subsolvers: Sequence[str] = (),
) -> Run:
    """Minimise ``goal`` within ``time_limit`` of ``budget``; progress reports ``total`` (objective units).
    ``subsolvers``: a reproducible search takes turns among these full-problem workers instead of
    ``tune``'s (the parallel portfolio keeps its own)."""
    if budget.out_of_time() or (params.stop is not None and params.stop.is_set()):
        return Run(cp_model.UNKNOWN, None, None, None, None)
    ctx = built.ctx
    ctx.model.minimize(goal)
    solver = budget.solver(time_limit, params)
    # at most this share of the wall seconds left: a later phase keeps the rest should the clock,
    # not the effort, end this one (the rota is then marked not reproducible, as any wall stop)
    solver.parameters.max_time_in_seconds = max(0.01, budget.wall_left() * wall_share)
    started = budget.started
    p = solver.parameters
    if subsolvers and params.deterministic:
        p.subsolvers.clear()
        p.subsolvers.extend(subsolvers)
    p.log_search_progress = params.log
    if params.log:
        p.log_to_stdout = False
        solver.log_callback = log.info

    def rota(value: Callable[[cp_model.IntVar], bool]) -> list[Duty]:
        return [ctx.duty(key) for key, var in ctx.x.items() if value(var)]

    watcher = Watcher(
        params,
        started,
        built.scale,
        total,
        built.gap_minutes(),
        fixed_bound,
        budget.checkpoint,
        rota,
        budget.progress,
        floor=built.floor,
    )
    with StopThread(solver, params.stop):
        status = solver.solve(ctx.model, watcher)
    budget.charge(solver)
    log.debug(
        "CP-SAT %s in %.2fs: %s",
        solver.status_name(status),
        solver.wall_time,
        solver.response_stats() if params.log else "",
    )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # no rota in time, but the bound CP-SAT proved still holds (an infeasible model has none)
        proved = solver.best_objective_bound if status == cp_model.UNKNOWN else math.nan
        return Run(status, None, None, math.floor(proved + 1e-9) if math.isfinite(proved) else None, None)
    sol = solver.response_proto.solution
    duties = ctx.duties_in(sol)
    return Run(
        status,
        duties,
        round(solver.objective_value),
        math.floor(solver.best_objective_bound + 1e-9),
        watcher.first_zero_gap,
        {v.index: sol[v.index] for v in read},
        list(sol),
    )


def elapsed(started: float) -> float:
    """Wall seconds since ``started`` (a ``time.perf_counter`` reading)."""
    return time.perf_counter() - started
