"""Deterministic parallel search over processes (issue 22).

K single-thread deterministic CP-SAT searches, one per process, each with its own seed and
parameter set (a portfolio), search the same model in rounds of ``ROUND_UNITS`` deterministic
units. At the barrier after each round the best rota by (objective, worker index) — the incumbent
kept when nobody beats it — becomes every worker's hint, and its objective every worker's cutoff
(the objective's domain is capped at it), for the next round. Each worker's search is deterministic
(CP-SAT's interleaved search on one thread, stopped by deterministic time), its input is the model,
the incumbent and its index, and the merge is a fixed order: so the rota depends on the input, the
seed, the effort and K, never on timing or load — unless the wall-clock limit ends a round early,
which the document then says (``reproducible: false``).

Processes, not threads: OR-Tools 9.15 aborts the process when a multi-thread interleaved search is
stopped, and separate processes use every core without sharing CP-SAT's state. Each round forks K
children from the solving process (the model is already in memory, so nothing is serialised on the
way in); a child sends back its status, objective, bound, deterministic time and solution on a pipe
and exits. A round's effort is its longest worker's deterministic time: K workers spend about the
wall time of one.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from ortools.sat.python import cp_model

from rota.solver.build import Built
from rota.solver.params import SolveParams
from rota.solver.search import Budget, Run, linear_value, set_full_hint, tune

log = logging.getLogger(__name__)
# B: deterministic units each worker searches between two barriers. Every round starts K CP-SAT
# searches afresh (presolve, LP): at B = 1 the synthetic M team took 10 units and 123 wall s to a
# rota 0.8 % worse than one process's optimum (3.3 units, 26 s); at 5, the optimum in 43 s.
ROUND_UNITS = 2.5
# the full-problem subsolvers of worker k (k mod len): the first is the one-process search's own
VARIANTS: tuple[tuple[str, ...], ...] = (
    ("max_lp", "default_lp"),
    ("quick_restart", "max_lp"),
    ("default_lp", "quick_restart_no_lp"),
    ("core", "max_lp"),
)
LOW = -(2**62)


def cores() -> int:
    """The cores this process may run on: the default K."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class Answer:
    """What one worker found in one round (objective and bound in scaled model units)."""

    status: int
    objective: int | None
    bound: float | None
    deterministic_time: float
    solution: list[int] | None


def processes(params: SolveParams) -> int:
    """K: the processes a deterministic search uses (``params.processes``, else the cores
    available; 1 where processes cannot be forked)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, params.processes if params.processes is not None else cores())


def worker_solver(k: int, seed: int, rnd: int, units: float, wall: float) -> cp_model.CpSolver:
    """Worker ``k``'s CP-SAT for round ``rnd``: one thread, interleaved, its own seed and subsolvers."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = 1
    p.interleave_search = True
    p.random_seed = (seed * 1_000_003 + rnd * 7_919 + k * 104_729) % (2**31 - 1)
    p.max_deterministic_time = max(0.01, units)
    p.max_time_in_seconds = max(0.01, wall)
    tune(p)
    p.subsolvers.clear()
    p.subsolvers.extend(VARIANTS[k % len(VARIANTS)])
    return solver


def _child(
    conn: Connection, model: cp_model.CpModel, k: int, seed: int, rnd: int, units: float, wall: float
) -> None:
    """In a forked child: search, send the answer, exit at once (no atexit, no inherited threads)."""
    try:
        solver = worker_solver(k, seed, rnd, units, wall)
        status = solver.solve(model)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        bound = solver.best_objective_bound
        conn.send(
            Answer(
                int(status),
                round(solver.objective_value) if found else None,
                bound if math.isfinite(bound) else None,
                solver.response_proto.deterministic_time,
                list(solver.response_proto.solution) if found else None,
            )
        )
    except BaseException:  # the parent reads a missing answer as "nothing found"
        pass
    finally:
        conn.close()
        os._exit(0)


def _round(
    model: cp_model.CpModel, k: int, seed: int, rnd: int, units: float, wall: float
) -> list[Answer | None]:
    """K workers, one round, in K forked processes; the answers in worker order."""
    ctx = multiprocessing.get_context("fork")
    pipes: list[tuple[Connection, Any]] = []
    for i in range(k):
        mine, theirs = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(theirs, model, i, seed, rnd, units, wall), daemon=True)
        proc.start()
        theirs.close()
        pipes.append((mine, proc))
    answers: list[Answer | None] = []
    for conn, proc in pipes:
        try:
            answers.append(conn.recv())
        except (EOFError, OSError):
            answers.append(None)
        conn.close()
        proc.join()
    return answers


def parallel_search(
    built: Built,
    goal: cp_model.LinearExpr,
    params: SolveParams,
    units: float,
    budget: Budget,
    start: list[int],
    total_scale: int,
) -> Run | None:
    """Improve the full solution ``start`` for ``goal`` with ``params.processes`` workers for ``units``
    of effort (a round's effort is its longest worker's); the best rota as a ``Run``, or None when
    no round ran."""
    k = processes(params)
    model = built.ctx.model
    model.minimize(goal)
    objective = model.proto.objective
    best = list(start)
    best_linear = linear_value(model.proto, best)
    bound: float | None = None
    optimal = False
    spent = 0.0
    rnd = 0
    while not optimal:
        left = min(budget.left(), units - spent)
        if left < 0.05 or budget.out_of_time() or (params.stop is not None and params.stop.is_set()):
            break
        size = min(ROUND_UNITS, left)
        set_full_hint(built, best)
        objective.domain.clear()
        objective.domain.extend([LOW, best_linear])  # the cutoff: no worse than the incumbent
        try:
            answers = _round(model, k, params.seed, rnd, size, budget.wall_left())
        finally:
            objective.domain.clear()
        rnd += 1
        used = max((a.deterministic_time for a in answers if a is not None), default=size)
        spent += used
        budget.spent += used
        for a in answers:  # worker order: of equal objectives the lowest index wins
            if a is None or a.solution is None:
                continue
            linear = linear_value(model.proto, a.solution)
            if linear < best_linear:
                best, best_linear = a.solution, linear
            if a.bound is not None:
                bound = a.bound if bound is None else max(bound, a.bound)
            optimal = optimal or a.status == cp_model.OPTIMAL
        if budget.deterministic and budget.wall_left() <= 0.05 and not optimal and spent < units:
            budget.wall_capped = True
        value = best_linear + objective.offset
        if params.progress is not None:
            shown = value / total_scale
            params.progress(budget.progress(shown, min(shown, (bound or 0.0) / total_scale), None))
        log.debug("portfolio round %d: %s, %.2f units", rnd, value, used)
    model.clear_hints()
    if rnd == 0:
        return None
    ctx = built.ctx
    duties = [ctx.duty(key) for key, var in ctx.x.items() if best[var.index]]
    value = round(best_linear + objective.offset)
    status = cp_model.OPTIMAL if optimal else cp_model.FEASIBLE
    proved = value if optimal else (math.floor(bound + 1e-9) if bound is not None else None)
    return Run(status, duties, value, proved, None, None, best)
