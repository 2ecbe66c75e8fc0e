"""How far a re-plan is from the least possible churn: a proved lower bound on its changes.

A re-plan (``SolveParams.baseline``) minimises the gaps first, then the changes against the baseline
(``rota.solver.phases``); the bound CP-SAT proves there is on that weighted goal, not on the changes alone.
``solve_replan`` gives the re-plan most of the time limit, then spends the rest proving, on the same
model, how few changes any rota with no more gap than the one returned could make (the changes alone
minimised, gaps capped at the rota's): the rota document's ``solver`` then carries ``changes`` (the rota's),
``changes_bound`` (proved: no such rota changes fewer) and ``changes_proved`` (the bound is reached).
The user's time limit is kept: the two parts share it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from rota.calendar import Calendar
from rota.objective import compute_terms, weights
from rota.records import Duty
from rota.solver import objective
from rota.solver.params import SolveParams
from rota.solver.result import SolveResult, SolveStatus
from rota.solver.search import new_solver, set_hint
from rota.team import Team

BOUND_SHARE = 0.2  # the share of the time limit spent proving the least churn


def least_changes(
    cal: Calendar, baseline: list[Duty], duties: list[Duty], params: SolveParams, seconds: float
) -> int | None:
    """A proved lower bound on the changes (assignments added plus removed against ``baseline``) of any rota
    that keeps every hard rule and has no more weighted gap than ``duties``; None when none was proved."""
    from rota.solver.build import build

    if seconds <= 0 or (params.stop is not None and params.stop.is_set()):
        return None
    built = build(cal, baseline, floor=False)
    changes = built.changes
    assert changes is not None  # built with a baseline
    terms = compute_terms(cal, duties)
    w = weights(cal)
    gap = sum(w.get(name, 1) * getattr(terms, name) for name in ("gap_core", "gap_other"))
    model = built.ctx.model
    model.add(built.expr(built.gap_terms) <= math.ceil(gap * built.scale))
    model.minimize(objective.weighted_expr([changes], {}, 1))
    set_hint(built, duties)
    # reproducible: its share of the effort, within ``seconds`` of wall time (issue 22)
    units = params.effort * BOUND_SHARE if params.deterministic else seconds
    solver = new_solver(units, params.workers, params.seed, params.deterministic, wall_cap=seconds)
    status = solver.solve(model)
    from ortools.sat.python import cp_model

    if status == cp_model.INFEASIBLE or status == cp_model.MODEL_INVALID:
        return None
    bound = solver.best_objective_bound
    if not math.isfinite(bound):
        return None
    return max(0, math.ceil(bound - 1e-6))


def solve_replan(
    team: Team, start: Any = None, end: Any = None, params: SolveParams | None = None
) -> SolveResult:
    """``rota.solver.solve``; a re-plan proves its least churn in the last ``BOUND_SHARE`` of the time."""
    from rota.solver import solve

    params = params or SolveParams()
    if params.baseline is None:
        return solve(team, start, end, params)
    rest = 1 - BOUND_SHARE
    result = solve(
        team, start, end, replace(params, time_limit=params.time_limit * rest, effort=params.effort * rest)
    )
    doc = result.document
    if doc.solver is None or result.status in (SolveStatus.INFEASIBLE, SolveStatus.INVALID):
        return result
    cal = Calendar(team, start, end)
    baseline = [d for d in params.baseline if cal.start <= d.date <= cal.end]
    made = _changes(result.duties, baseline)
    bound = least_changes(cal, baseline, result.duties, params, params.time_limit * BOUND_SHARE)
    extra: dict[str, Any] = {"changes": made, "time_limit": params.time_limit}
    if params.deterministic:
        extra["effort"] = params.effort  # the user's, shared by the two parts as the time limit is
    if bound is not None:
        extra["changes_bound"] = min(bound, made)
        extra["changes_proved"] = bound >= made
    doc.solver = doc.solver.model_copy(update=extra)
    return replace(result, document=doc, changes=made)


def _changes(duties: list[Duty], baseline: list[Duty]) -> int:
    def key(d: Duty) -> tuple[str, str, str, Any]:
        return d.person, d.role, d.shift, d.date

    return len({key(d) for d in baseline} ^ {key(d) for d in duties})
