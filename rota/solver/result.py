"""The solve result and its rota document (the contract's rota document; README, *The rota document*)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rota import objective as obj
from rota.bound import quality_words
from rota.calendar import Calendar
from rota.coverage import gaps as true_gaps
from rota.document import PeriodDoc, RotaDocument, SolverDoc, assignment_doc, gap_doc
from rota.records import Duty
from rota.workload import service_levels


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    INVALID = "invalid"
    UNKNOWN = "unknown"


@dataclass
class SolveResult:
    """What ``solve`` returns: the rota document plus the numbers behind it."""

    status: SolveStatus
    document: RotaDocument
    duties: list[Duty]
    objective: float | None
    bound: float | None
    seconds: float
    build_seconds: float
    first_zero_gap_seconds: float | None
    terms: obj.Terms | None
    changes: int | None = None


def rota_document(
    cal: Calendar, duties: list[Duty], solver: dict[str, Any]
) -> tuple[RotaDocument, obj.Terms]:
    """The document of a rota: assignments, true gaps with reasons, terms, hours and duty counts."""
    from rota.explain import explain_all

    duties = sorted(duties)
    stretches = true_gaps(cal, duties)
    reasons = explain_all(cal, duties, stretches)
    terms = obj.compute_terms(cal, duties, stretches)
    weights = obj.weights(cal)
    solver = {**solver, "objective": obj.weighted(terms, weights)}
    if solver.get("bound") is not None:
        solver["bound"] = min(solver["bound"], solver["objective"])
        # the distance in words, where the bound supports one ("no useful bound yet" otherwise)
        solver["quality"] = quality_words(solver["objective"], solver["bound"])
    doc = RotaDocument(
        team=cal.team.team,
        timezone=cal.team.timezone,
        period=PeriodDoc(start=cal.start, end=cal.end),
        assignments=[assignment_doc(cal, d) for d in duties],
        gaps=[gap_doc(cal, g, list(r)) for g, r in zip(stretches, reasons, strict=True)],
        solver=SolverDoc(**solver),
        terms=terms.as_dict(),
        objective_weights=weights,
        hours=obj.hours(cal, duties),
        duties=obj.duty_counts(cal, duties),
        service_levels=service_levels(cal, duties) or None,
    )
    return doc, terms


def empty_document(cal: Calendar, solver: dict[str, Any]) -> RotaDocument:
    """The document of a solve without a rota (infeasible or invalid): no assignments, a message."""
    return RotaDocument(
        team=cal.team.team,
        timezone=cal.team.timezone,
        period=PeriodDoc(start=cal.start, end=cal.end),
        solver=SolverDoc(**solver),
    )
