"""Stand-ins for the solver in the service tests (API and pages): the greedy rota, valid, in milliseconds."""

from __future__ import annotations

from typing import Any


def quick_result(team: Any, start: Any, end: Any, *, status: str = "feasible") -> Any:
    """A solve result from the greedy starting rota: a valid rota in milliseconds, for service tests."""
    from rota.calendar import Calendar
    from rota.solver.greedy import greedy_rota
    from rota.solver.result import SolveResult, SolveStatus, rota_document

    cal = Calendar(team, start, end)
    duties = sorted(greedy_rota(cal))
    doc, terms = rota_document(cal, duties, {"status": status, "bound": 0, "seconds": 0.01})
    return SolveResult(
        status=SolveStatus(status),
        document=doc,
        duties=duties,
        objective=doc.solver.objective,
        bound=0,
        seconds=0.01,
        build_seconds=0.0,
        first_zero_gap_seconds=None,
        terms=terms,
    )


def quick_solve(team: Any, start: Any, end: Any, params: Any) -> Any:
    """Stands in for ``rota.solver.solve``: reports one progress and returns the greedy rota."""
    from rota.solver import Progress

    result = quick_result(team, start, end)
    if params.progress is not None:
        params.progress(Progress(objective=result.objective, bound=0, elapsed=0.01, gap_minutes=0))
    return result
