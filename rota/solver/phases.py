"""The search plan: a gap-only first phase, then the full (or re-planning) objective."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from functools import partial

from ortools.sat.python import cp_model

from rota.coverage import gap_minutes, gaps
from rota.records import Duty
from rota.solver import objective
from rota.solver.build import Built
from rota.solver.callback import Checkpoint
from rota.solver.fork import Answer, Children, processes
from rota.solver.lns import BlockLns
from rota.solver.params import SolveParams
from rota.solver.result import SolveStatus
from rota.solver.search import Budget, Run, elapsed, polish, run, set_full_hint, set_hint

log = logging.getLogger(__name__)
GAP_SHARE = 0.3  # the most of the time limit the gap-only first phase may take
# Phase 1's workers in a reproducible search. Covering every slot is a search for a feasible
# assignment, which the LP-free and fixed-search workers find at once; ``tune``'s LP workers (kept
# for the bound) spend the effort on the LP. The LARGE team: a gapless rota in 0.23 units with
# these, still 1 gap after 6 units with CP-SAT's default list.
GAP_SUBSOLVERS = ("default_lp", "fixed", "quick_restart_no_lp", "core")
POLISH_SHARE = 0.2  # the most of what is left that tightening phase 1's rota may take
LNS_SHARE = 0.5  # the share of phase 2's time given to block neighbourhoods (``rota.solver.lns``)
# The block neighbourhoods' share in the searches beside this process's (child n takes entry n - 1,
# cycling). Measured 2026-12-07 at effort 10, seed 0, K = 2, against one process (c5 1,544, c6
# 2,453, c9 1,297, c10 6,556, LARGE 52,294; c7 and c8 unchanged by every child): a child at 0.8
# gave c5 1,344, c6 2,376, c9 693, c10 6,321, LARGE 43,288; at 0.5 (the seed alone differing)
# 1,249 / 2,370 / 801 / 6,556 / 52,294; at 0.2 1,248 / 2,453 / 479 / 6,556 / 52,294
CHILD_LNS_SHARES = (0.8, 0.2, 0.5)
LNS_MIN_VARS = 500  # smaller models: the whole search stays with CP-SAT. Curtois 4-7 (560-1,680 duty
# variables) at effort 10 with the final neighbourhoods against 2,000: 5 and 7 6 % and 25 % lower,
# 4 the same, 6 0.3 % higher


@dataclass
class Outcome:
    """What the phases found: rotas (best-intended last), our status, a bound in objective units."""

    status: SolveStatus
    runs: list[Run] = field(default_factory=list)
    bound: float | None = None
    first_zero_gap: float | None = None
    processes: int = 1  # the searches that ran side by side (``rota.solver.fork``)


def status_of(cp_status: cp_model.CpSolverStatus, partial: bool = False) -> SolveStatus:
    """Our status of a CP-SAT status; ``partial``: the search was cut short after a first phase."""
    return {
        cp_model.OPTIMAL: SolveStatus.FEASIBLE if partial else SolveStatus.OPTIMAL,
        cp_model.FEASIBLE: SolveStatus.FEASIBLE,
        cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
        cp_model.MODEL_INVALID: SolveStatus.INVALID,
    }.get(cp_status, SolveStatus.UNKNOWN)


def search(built: Built, hint: list[Duty], params: SolveParams, budget: Budget) -> Outcome:
    """Search in two phases over one model.

    Phase 1 minimises the weighted gap terms alone, for at most ``GAP_SHARE`` of the time: coverage
    is found far faster without the other terms in the way. It is skipped when the hint already
    has no gaps. Phase 2 minimises the full objective from phase 1's rota, hinted whole with the
    auxiliary variables tight (``polish``); when phase 1 proved its least gap (or the hint has
    none), phase 2 keeps the gap terms at that least value (the spec's strict priority: gaps come
    first), which fixes most shortfall variables and shrinks the search. Both bounds are lower
    bounds on the objective of a rota with the least gap (the other terms are never negative), so
    the larger is reported.

    Re-planning (``baseline``) is lexicographic instead: phase 2 keeps the gaps at most phase 1's
    and minimises C·changes + the other terms, C being a bit more than the most one duty more or
    less can move the other terms (``objective.single_duty_move``), so fewer changes come first;
    the bound reported is phase 1's.
    """
    gap = built.expr(built.gap_terms)
    total = built.expr(built.gap_terms + built.other_terms)
    changes = built.changes
    replan = changes is not None
    if changes is not None:
        weight = objective.single_duty_move(built.ctx, built.other_terms, built.weights, built.scale)
        goal = weight * objective.weighted_expr([changes], {}, 1) + built.expr(built.other_terms)
    else:
        goal = total
    kept = [d for d in hint if built.ctx.key_of(d) in built.ctx.x]  # a baseline may hold stale duties
    gapless = not any(gap_minutes(gaps(built.ctx.cal, kept)))
    tight = polish(built, kept, goal, params, budget.share(POLISH_SHARE), budget) if gapless else None
    if tight is not None:  # the hint is valid and gapless: phase 1 has nothing to do
        first = Run(cp_model.OPTIMAL, kept, 0, 0, elapsed(budget.started))
    else:
        full = polish(built, kept, gap, params, budget.share(POLISH_SHARE), budget)
        if full is not None:
            set_full_hint(built, full)
        first = run(built, gap, params, budget.share(GAP_SHARE), budget, total, subsolvers=GAP_SUBSOLVERS)
    log.debug("phase 1: %s, gap %s, at %.2fs", first.status, first.objective, elapsed(budget.started))
    out = Outcome(
        status_of(first.status, partial=True),
        [first] if first.found else [],
        None if first.bound is None else first.bound / built.scale,
        first.first_zero_gap,
    )
    stopped = params.stop is not None and params.stop.is_set()
    if first.status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID) or stopped:
        return out
    if first.objective is not None and (replan or first.status == cp_model.OPTIMAL):
        # the spec's strict priority: once phase 1 has proven the least gap, phase 2 keeps it there
        # (re-planning keeps the gaps it found at least as small, proven or not)
        built.ctx.model.add(gap <= first.objective)
    if tight is None and first.duties is not None:
        tight = polish(built, first.duties, goal, params, budget.share(POLISH_SHARE), budget)
        if tight is None:
            set_hint(built, first.duties)
    if tight is not None:
        set_full_hint(built, tight)
    others = _trajectories(built, goal, total, params, budget, tight) if not replan else None
    if others is not None:
        out.processes = 1 + others.started
    try:
        _improve(
            built,
            goal,
            total,
            params,
            budget,
            tight,
            out,
            replan=replan,
            first_status=first.status,
            found=first.found,
        )
    except BaseException:
        if others is not None:
            others.kill()
        raise
    if others is not None:
        _join(built, budget, out, others)
    return out


def _improve(
    built: Built,
    goal: cp_model.LinearExpr,
    total: cp_model.LinearExpr,
    params: SolveParams,
    budget: Budget,
    tight: list[int] | None,
    out: Outcome,
    *,
    replan: bool,
    first_status: cp_model.CpSolverStatus,
    found: bool,
    lns_share: float = LNS_SHARE,
) -> Run | None:
    """Phases 2 and 3 from phase 1's outcome ``out`` (the runs found are added to it): CP-SAT on the
    whole objective, then block neighbourhoods (``found``: phase 1 found a rota). The best run, None
    if neither found a rota."""
    log.debug("phase 2 from %.2fs", elapsed(budget.started))
    left = budget.left()
    # block neighbourhoods improve a rota: with none found yet, CP-SAT keeps all the time left
    blocks = not replan and lns_share > 0 and len(built.ctx.x) >= LNS_MIN_VARS and found
    share = left * (1 - lns_share) if blocks else left
    wall_share = 1 - lns_share if blocks else 1.0  # the block neighbourhoods keep their share
    second = run(
        built, goal, params, share, budget, total, out.bound if replan else None, wall_share=wall_share
    )
    if out.first_zero_gap is None:
        out.first_zero_gap = second.first_zero_gap
    if not second.found:
        if blocks and tight is not None:  # phase 2 found nothing in its share: start from phase 1's rota
            third = _blocks(built, goal, params, budget, tight, None, out.bound)
            if third is not None:
                out.runs.append(third)
                return third
        return None
    out.runs.append(second)
    if not replan and second.bound is not None:
        out.bound = max(out.bound or 0.0, second.bound / built.scale)
    optimal = second.status == cp_model.OPTIMAL and (not replan or first_status == cp_model.OPTIMAL)
    out.status = SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE
    if blocks and not optimal and second.solution is not None and second.objective is not None:
        third = _blocks(
            built, goal, params, budget, second.solution, second.objective, out.bound, second.bound
        )
        if third is not None:
            out.runs.append(third)
            return third
    return second


def _trajectories(
    built: Built,
    goal: cp_model.LinearExpr,
    total: cp_model.LinearExpr,
    params: SolveParams,
    budget: Budget,
    tight: list[int] | None,
) -> Children | None:
    """Phases 2 and 3 once more in each of K - 1 forked processes (``rota.solver.fork``), from the
    same rota, with seeds ``seed + 1`` … ``seed + K - 1`` and the same effort, beside this process's
    own search; None when K is 1 or there is no full solution to start from."""
    k = processes(params)
    if k < 2 or not params.deterministic or tight is None or budget.left() <= 0:
        return None

    def trajectory(n: int) -> Answer:
        # in the child: no reports, no checkpoints, no stop event (the parent kills it instead)
        mine = replace(params, seed=params.seed + n, progress=None, on_rota=None, stop=None, log=False)
        budget.checkpoint = Checkpoint(mine)
        budget.stop = None
        spent = budget.spent
        out = Outcome(SolveStatus.FEASIBLE, [], None, None)
        share = CHILD_LNS_SHARES[(n - 1) % len(CHILD_LNS_SHARES)]
        best = _improve(
            built,
            goal,
            total,
            mine,
            budget,
            tight,
            out,
            replan=False,
            first_status=cp_model.OPTIMAL,
            found=True,
            lns_share=share,
        )
        solution = None if best is None else best.solution
        return Answer(
            int(best.status) if best is not None else int(cp_model.UNKNOWN),
            None if best is None else best.objective,
            budget.spent - spent,
            solution,
            out.bound,
            budget.wall_capped,
        )

    return Children([partial(trajectory, n) for n in range(1, k)])


def _join(built: Built, budget: Budget, out: Outcome, others: Children) -> None:
    """The other processes' rotas into ``out``, before this process's own (of equal rotas the
    earliest trajectory's is kept: ``solve`` takes the last of the least). Once this process has
    proved its rota optimal, nothing can beat it: the others are stopped unheard."""
    if out.status == SolveStatus.OPTIMAL or budget.stopping():
        others.kill()
        return
    ctx = built.ctx
    for answer in reversed(others.answers(budget.wall_left())):
        if answer is None:  # lost: the rota might have been another
            log.warning("a search process was lost (it died or did not answer in time)")
            budget.lost = True
            continue
        budget.wall_capped = budget.wall_capped or answer.cut
        if answer.bound is not None:
            out.bound = max(out.bound or 0.0, answer.bound)
        if answer.solution is None:
            continue
        duties = ctx.duties_in(answer.solution)
        out.runs.insert(
            0, Run(cp_model.FEASIBLE, duties, answer.objective, None, None, None, answer.solution)
        )
        if answer.status == cp_model.OPTIMAL:
            out.status = SolveStatus.OPTIMAL


def _blocks(
    built: Built,
    goal: cp_model.LinearExpr,
    params: SolveParams,
    budget: Budget,
    start: list[int],
    start_value: int | None,
    bound: float | None,
    proved: int | None = None,
) -> Run | None:
    """Phase 3: block neighbourhoods (``rota.solver.lns``) from a full solution (phase 2's, else phase
    1's rota made tight) until the time limit; ``start_value``: its objective, None to compute it."""
    scale = built.scale

    def report(solution: list[int], value: int) -> None:
        if budget.checkpoint.due():
            ctx = built.ctx
            budget.checkpoint.send(ctx.duties_in(solution))
        if params.progress is not None:
            objective = value / scale
            params.progress(budget.progress(objective, min(bound or 0.0, objective), None))

    lns = BlockLns(built, goal, params, budget, params.seed)
    if start_value is None:
        start_value = lns.value(start)
    solution, value = lns.improve(start, start_value, report)
    if value >= start_value:
        return None
    ctx = built.ctx
    duties = ctx.duties_in(solution)
    return Run(cp_model.FEASIBLE, duties, value, proved, None, None, solution)
