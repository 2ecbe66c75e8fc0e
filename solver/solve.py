"""``solve``: team → calendar → model → CP-SAT → rota document (the solver's one public entry point)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from rota import objective as obj
from rota.calendar import Calendar
from rota.checks import check_duties
from rota.load import TeamFileError
from rota.records import Duty
from rota.team import Team
from rota.teamcheck import Problem
from solver.build import build
from solver.greedy import greedy_rota
from solver.infeasible import explain_infeasible
from solver.params import Progress, SolveParams
from solver.phases import search
from solver.result import SolveResult, SolveStatus, empty_document, rota_document
from solver.search import elapsed, set_hint


def solve(team: Team, start: date | None = None, end: date | None = None,
          params: SolveParams | None = None) -> SolveResult:
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
    built = build(cal, params.baseline)
    build_seconds = elapsed(started)
    hint = params.hint if params.hint is not None else params.baseline
    if hint is None:
        hint = greedy_rota(cal)
    set_hint(built, hint)
    outcome = search(built, hint, params, started)
    extras: dict[str, Any] = {"build_seconds": round(build_seconds, 3), "workers": params.workers,
                              "seed": params.seed, "time_limit": params.time_limit}
    status = outcome.status
    if status in (SolveStatus.INFEASIBLE, SolveStatus.INVALID):
        message = explain_infeasible(cal, params) if status == SolveStatus.INFEASIBLE else \
            "CP-SAT rejected the model (a solver bug)"
        return _without_rota(cal, status, message, started, build_seconds, extras)
    rotas = [sorted(r.duties) for r in outcome.runs if r.duties is not None]
    if not rotas:
        if not check_duties(cal, hint):
            rotas = [sorted(hint)]  # the search found nothing in time; the first rota is valid
            status = SolveStatus.FEASIBLE
            extras["message"] = "no rota found by the search in time; this is the starting rota"
        else:
            return _without_rota(cal, SolveStatus.UNKNOWN, "no rota found within the time limit",
                                 started, build_seconds, extras)
    duties = rotas[-1] if built.changes is not None else min(reversed(rotas), key=lambda d: _value(cal, d))
    changes = None if params.baseline is None else _count_changes(duties, params.baseline, cal)
    zero = outcome.first_zero_gap
    seconds = elapsed(started)
    solver_doc: dict[str, Any] = {
        "status": str(status), "bound": outcome.bound, "seconds": round(seconds, 3),
        "first_zero_gap_seconds": None if zero is None else round(zero, 3), **extras}
    if changes is not None:
        solver_doc["changes"] = changes
    doc, terms = rota_document(cal, duties, solver_doc)
    if (terms.gap_core or terms.gap_other) and doc.solver is not None:
        zero = None  # an earlier rota had no gaps, but the one returned has
        doc.solver = doc.solver.model_copy(update={"first_zero_gap_seconds": None})
    if params.progress is not None and doc.solver is not None:
        # the last report is the rota returned, scored as the document scores it (a rota the
        # search reported may carry slack in its auxiliary variables, or come from another phase)
        final = doc.solver.objective
        bound = final if doc.solver.bound is None else min(doc.solver.bound, final)
        params.progress(Progress(objective=final, bound=bound, elapsed=elapsed(started),
                                 gap_minutes=int(terms.gap_core + terms.gap_other)))
    return SolveResult(status=status, document=doc, duties=duties, objective=doc.solver.objective,
                       bound=doc.solver.bound, seconds=seconds, build_seconds=build_seconds,
                       first_zero_gap_seconds=zero, terms=terms, changes=changes)


def _value(cal: Calendar, duties: list[Duty]) -> float:
    return obj.weighted(obj.compute_terms(cal, duties), obj.weights(cal))


def _count_changes(duties: list[Duty], baseline: list[Duty], cal: Calendar) -> int:
    """Assignments added plus removed against the baseline (inside the horizon)."""
    def key(d: Duty) -> tuple:
        return d.person, d.role, d.shift, d.date

    before = {key(d) for d in baseline if cal.start <= d.date <= cal.end}
    return len(before ^ {key(d) for d in duties})


def _without_rota(cal: Calendar, status: SolveStatus, message: str, started: float,
                  build_seconds: float, extras: dict[str, Any]) -> SolveResult:
    """A result without assignments: infeasible, invalid, or nothing found in time."""
    seconds = elapsed(started)
    doc = empty_document(cal, {**extras, "status": str(status), "message": message,
                               "seconds": round(seconds, 3)})
    return SolveResult(status=status, document=doc, duties=[], objective=None, bound=None,
                       seconds=seconds, build_seconds=build_seconds, first_zero_gap_seconds=None,
                       terms=None)
