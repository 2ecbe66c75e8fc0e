"""Why no rota exists: solve again with each min-type rule switchable per person, and name those
that had to give way (every max-type rule can always hold: an empty rota keeps them, given
fixed assignments that ``check_fixed`` accepted)."""

from __future__ import annotations

import time

from ortools.sat.python.cp_model import LinearExpr

from rota.calendar import Calendar
from rota.catalogue import title
from rota.solver.build import build
from rota.solver.params import SolveParams
from rota.solver.search import Budget, run

EXPLAIN_SECONDS = 5.0
GENERIC = "no rota meets every hard rule"


def explain_infeasible(cal: Calendar, params: SolveParams) -> str:
    """A message naming the min-type rules and people that cannot all be satisfied."""
    relaxed = build(cal, relax=True)
    enforcers = relaxed.ctx.enforcers
    if not enforcers:
        return GENERIC
    lits = list(enforcers.values())
    budget = min(EXPLAIN_SECONDS, max(1.0, params.time_limit))
    quiet = SolveParams(  # the same message everywhere: an effort, the old wall allowance (4 × + 10 s)
        time_limit=4 * budget + 10,
        effort=budget,
        workers=params.workers,
        seed=params.seed,
        stop=params.stop,
        deterministic=params.deterministic,
    )
    goal = -LinearExpr.sum(lits)
    result = run(relaxed, goal, quiet, budget, Budget(quiet, time.perf_counter()), goal, read=lits)
    if not result.found or result.values is None:
        return GENERIC
    broken = [key for key, lit in enforcers.items() if not result.values.get(lit.index, 1)]
    if not broken:
        return GENERIC
    names = "; ".join(f"{rule} ({title(rule)}) for {person}" for rule, person in broken)
    return f"{GENERIC}; these cannot all hold: {names}"
