"""The rota document (see the README, *The rota document*): pydantic models and conversion from duties."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rota.calendar import Calendar
from rota.records import Duty, GapStretch

Status = Literal["optimal", "feasible", "infeasible", "invalid"]


class Doc(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class PeriodDoc(Doc):
    start: date
    end: date


class AssignmentDoc(Doc):
    person: str
    role: str
    shift: str
    date: date
    start: str | None = None
    end: str | None = None


class GapDoc(Doc):
    role: str
    start: str
    end: str
    required: int
    assigned: int
    core: bool
    reasons: list[str] = []


class SolverDoc(Doc):
    status: Status
    objective: float | None = None
    bound: float | None = None
    seconds: float | None = None
    message: str | None = None


class RotaDocument(Doc):
    team: str
    timezone: str
    period: PeriodDoc
    assignments: list[AssignmentDoc] = []
    gaps: list[GapDoc] = []
    solver: SolverDoc | None = None
    terms: dict[str, float] | None = None
    objective_weights: dict[str, float] | None = Field(default=None)
    hours: dict[str, dict[str, Any]] | None = None
    duties: dict[str, dict[str, int]] | None = None
    # ext (issue 23): roles with a workload block — per interval, the people on duty and the service
    # level they are predicted to give ("71% answered within 20 s"); absent for other teams
    service_levels: list[dict[str, Any]] | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def assignment_doc(cal: Calendar, d: Duty) -> AssignmentDoc:
    return AssignmentDoc(
        person=d.person, role=d.role, shift=d.shift, date=d.date, start=cal.iso(d.start), end=cal.iso(d.end)
    )


def gap_doc(cal: Calendar, g: GapStretch, reasons: list[str] | None = None) -> GapDoc:
    return GapDoc(
        role=g.role,
        start=cal.iso(g.start),
        end=cal.iso(g.end),
        required=g.required,
        assigned=g.assigned,
        core=g.core,
        reasons=reasons or [],
    )


def duties_of(cal: Calendar, doc: RotaDocument) -> list[Duty]:
    """The document's assignments as duties, instants derived from the team (not the document).

    Assignments naming an unknown person, role or shift are left out; the validator reports them.
    """
    team = cal.team
    people = {p.id for p in team.people}
    out = []
    for a in doc.assignments:
        if a.person in people and a.role in team.roles and a.shift in team.shifts:
            out.append(cal.duty(a.person, a.role, a.shift, a.date))
    return sorted(out)
