"""``solve``: team → calendar → model → CP-SAT → rota document (the solver's one public entry point)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from ortools.sat.python import cp_model

from rota import objective as obj
from rota.calendar import Calendar
from rota.checks import check_duties
from rota.coverage import gap_minutes, gaps
from rota.load import TeamFileError
from rota.records import Duty
from rota.solver.build import Built, build
from rota.solver.greedy import greedy_rota
from rota.solver.infeasible import explain_infeasible
from rota.solver.params import SolveParams
from rota.solver.people import PeopleSearch, by_people, variables_per_person
from rota.solver.phases import Outcome, search, status_of
from rota.solver.result import SolveResult, SolveStatus, empty_document, rota_document
from rota.solver.search import RESERVE_PER_BUILD, WALL_RESERVE, Budget, Run, elapsed, set_hint
from rota.team import Team
from rota.teamcheck import Problem


def solve(
    team: Team, start: date | None = None, end: date | None = None, params: SolveParams | None = None
) -> SolveResult:
    """The best rota found within the time limit (see ``SolveParams``; seconds are wall time since
    the call). A bad team (no period, fixed assignments breaking a rule) raises ``TeamFileError``;
    hard rules that cannot all hold give status infeasible with a message naming them."""
    from rota.validate import check_fixed

    params = params or SolveParams()
    started = time.perf_counter()
    try:
        cal = Calendar(team, start, end)
    except ValueError as exc:
        raise TeamFileError("team", [Problem("period", str(exc))]) from None
    problems = check_fixed(cal)
    if problems:
        raise TeamFileError("team", problems)
    counts = variables_per_person(cal)
    hint = params.hint if params.hint is not None else params.baseline
    parts = by_people(cal, params, counts)
    built = None if parts else build(cal, params.baseline)  # by people: a model per group, later
    build_seconds = 0.0 if parts else elapsed(started)
    if hint is None:
        hint = greedy_rota(cal)
    budget = Budget(params, started)
    budget.reserve = max(WALL_RESERVE, min(RESERVE_PER_BUILD * build_seconds, 0.1 * params.time_limit))
    if built is None:
        outcome = _people(cal, params, budget, counts, hint)
    else:
        set_hint(built, hint)
        outcome = search(built, hint, params, budget)
    extras = _reproduce(params, budget, outcome.processes)
    extras["strategy"] = "people" if parts else "whole"
    extras["build_seconds"] = round(build_seconds, 3)
    status = outcome.status
    if status in (SolveStatus.INFEASIBLE, SolveStatus.INVALID):
        message = (
            explain_infeasible(cal, params)
            if status == SolveStatus.INFEASIBLE
            else "CP-SAT rejected the model (a solver bug)"
        )
        return _without_rota(cal, status, message, started, build_seconds, extras)
    rotas = [sorted(r.duties) for r in outcome.runs if r.duties is not None]
    if not rotas:
        fallback = _fallback(cal, hint)
        if fallback is None:
            extras["proven"] = False
            return _without_rota(cal, SolveStatus.INFEASIBLE, NOT_FOUND, started, build_seconds, extras)
        rotas = [fallback]  # the search found nothing in time; a simple rota that keeps every rule
        status = SolveStatus.FEASIBLE
        extras["message"] = "no rota found by the search in time; this is the starting rota"
    duties = rotas[-1] if params.baseline is not None else min(reversed(rotas), key=lambda d: _value(cal, d))
    changes = None if params.baseline is None else _count_changes(duties, params.baseline, cal)
    zero = outcome.first_zero_gap
    seconds = elapsed(started)
    solver_doc: dict[str, Any] = {
        "status": str(status),
        "bound": _bound(outcome.bound, built),
        "seconds": round(seconds, 3),
        "first_zero_gap_seconds": None if zero is None else round(zero, 3),
        **extras,
    }
    if changes is not None:
        solver_doc["changes"] = changes
    doc, terms = rota_document(cal, duties, solver_doc)
    if (terms.gap_core or terms.gap_other) and doc.solver is not None:
        zero = None  # an earlier rota had no gaps, but the one returned has
        doc.solver = doc.solver.model_copy(update={"first_zero_gap_seconds": None})
    solved = doc.solver
    assert solved is not None and solved.objective is not None  # rota_document scores every rota
    if params.progress is not None:
        # the last report is the rota returned, scored as the document scores it (a rota the
        # search reported may carry slack in its auxiliary variables, or come from another phase)
        final = solved.objective
        bound = final if solved.bound is None else min(solved.bound, final)
        params.progress(budget.progress(final, bound, int(terms.gap_core + terms.gap_other)))
    return SolveResult(
        status=status,
        document=doc,
        duties=duties,
        objective=solved.objective,
        bound=solved.bound,
        seconds=seconds,
        build_seconds=build_seconds,
        first_zero_gap_seconds=zero,
        terms=terms,
        changes=changes,
    )


def _bound(proved: float | None, built: Built | None) -> float | None:
    """The larger of the search's bound and the floor proved before it (``Built.floor``)."""
    if built is None or not built.floor:
        return proved
    return built.floor if proved is None else max(proved, built.floor)


def _people(
    cal: Calendar, params: SolveParams, budget: Budget, counts: dict[str, int], hint: list[Duty]
) -> Outcome:
    """The search a few people at a time (``rota.solver.people``): construct, then improve until the limit."""
    search_ = PeopleSearch(cal, params, budget, counts)
    cp_status, duties = search_.construct(hint)
    if duties is None:
        return Outcome(status_of(cp_status))
    zero = None if any(gap_minutes(gaps(cal, duties))) else elapsed(budget.started)
    duties, proven = search_.improve(duties)
    if proven:  # everyone in one group, solved to optimality: the whole model's optimum
        value = search_.value(duties)
        return Outcome(SolveStatus.OPTIMAL, [Run(cp_model.OPTIMAL, duties, None, None, zero)], value, zero)
    return Outcome(SolveStatus.FEASIBLE, [Run(cp_model.FEASIBLE, duties, None, None, zero)], None, zero)


NOT_FOUND = (
    "no rota that keeps every hard rule was found within the time limit (not proof that none "
    "exists: a longer time limit may find one)"
)


def _fallback(cal: Calendar, hint: list[Duty]) -> list[Duty] | None:
    """A rota to return when the search found none in time: the starting rota, else the fixed
    assignments alone, whichever keeps every hard rule; None when neither does."""
    fixed = sorted(
        cal.duty(p.id, fx.role, fx.shift, fx.date)
        for p in cal.team.people
        for fx in p.fixed
        if cal.start <= fx.date <= cal.end
    )
    for duties in (sorted(hint), fixed):
        if not check_duties(cal, duties):
            return duties
    return None


def _reproduce(params: SolveParams, budget: Budget, searches: int) -> dict[str, Any]:
    """What the rota document records so that the same rota can be made again, and whether it can:
    ``reproducible`` is false, with ``why_not_reproducible`` in words, when something other than
    the effort ended the search (the wall-clock limit, a stop) or in parallel mode."""
    from importlib.metadata import version

    mode = "deterministic" if params.deterministic else "parallel"
    workers = 1 if params.deterministic else params.workers  # deterministic search runs on one thread
    out: dict[str, Any] = {
        "mode": mode,
        "seed": params.seed,
        "workers": workers,
        "time_limit": params.time_limit,
        "ortools": version("ortools"),
    }
    why = None
    if params.deterministic:
        out["effort"] = params.effort
        # K: the searches that ran side by side (``rota.solver.fork``); the rota depends on it
        out["processes"] = searches
        out["deterministic_time"] = round(budget.spent, 3)
        if params.stop is not None and params.stop.is_set():  # a stop comes at a moment in time
            why = "the search was stopped before its effort was spent"
        elif budget.lost:
            why = "a search process was lost (it died or did not answer in time): another run may differ"
        elif budget.wall_capped:
            why = (
                f"the time limit of {params.time_limit:g} s came before the effort of "
                f"{params.effort:g} units ({budget.spent:.1f} spent): another run may stop elsewhere"
            )
    else:
        why = "parallel mode: CP-SAT's portfolio on several threads, stopped by the time limit"
    out["reproducible"] = why is None
    if why is not None:
        out["why_not_reproducible"] = why
    return out


def _value(cal: Calendar, duties: list[Duty]) -> float:
    return obj.weighted(obj.compute_terms(cal, duties), obj.weights(cal))


def _count_changes(duties: list[Duty], baseline: list[Duty], cal: Calendar) -> int:
    """Assignments added plus removed against the baseline (inside the horizon)."""

    def key(d: Duty) -> tuple[str, str, str, date]:
        return d.person, d.role, d.shift, d.date

    before = {key(d) for d in baseline if cal.start <= d.date <= cal.end}
    return len(before ^ {key(d) for d in duties})


def _without_rota(
    cal: Calendar,
    status: SolveStatus,
    message: str,
    started: float,
    build_seconds: float,
    extras: dict[str, Any],
) -> SolveResult:
    """A result without assignments: infeasible, invalid, or nothing found in time."""
    seconds = elapsed(started)
    doc = empty_document(
        cal, {**extras, "status": str(status), "message": message, "seconds": round(seconds, 3)}
    )
    return SolveResult(
        status=status,
        document=doc,
        duties=[],
        objective=None,
        bound=None,
        seconds=seconds,
        build_seconds=build_seconds,
        first_zero_gap_seconds=None,
        terms=None,
    )
