"""The independent validator: re-derive a rota document's rule breaks, gaps and objective from the team.

It trusts nothing the document says beyond its assignments' (person, role, shift, date): instants
come from the team's templates, gaps from coverage, terms from ``rota.objective``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from rota import timeutil
from rota.calendar import Calendar
from rota.checks import Violation, check_duties
from rota.checks.registry import checks
from rota.coverage import gaps as true_gaps
from rota.document import GapDoc, RotaDocument
from rota.objective import Terms, compute_terms, weighted, weights
from rota.records import Duty, GapKey, GapStretch, unmatched_gaps
from rota.team import Team
from rota.teamcheck import Problem

__all__ = ["Report", "Violation", "check_duties", "check_fixed", "validate"]


@dataclass
class Report:
    """What the validator found in a rota document."""

    violations: list[Violation]
    gaps: list[GapStretch]
    missing_gaps: list[GapStretch]
    phantom_gaps: list[GapDoc]
    terms: Terms
    objective: float

    @property
    def ok(self) -> bool:
        """No broken hard rule and every gap reported as it is."""
        return not self.violations and not self.missing_gaps and not self.phantom_gaps


def validate(team: Team, doc: RotaDocument) -> Report:
    """Check a rota document against its team over the document's period."""
    cal = Calendar(team, doc.period.start, doc.period.end)
    violations, duties = _read_assignments(cal, doc)
    violations += check_duties(cal, duties)
    inside = [d for d in duties if cal.start <= d.date <= cal.end]
    stretches = true_gaps(cal, inside)
    missing, phantom = _compare_gaps(cal, stretches, doc.gaps)
    terms = compute_terms(cal, inside, stretches)
    return Report(violations, stretches, missing, phantom, terms, weighted(terms, weights(cal)))


@checks("duplicate_assignment", "wrong_times", scope="document")
def _read_assignments(cal: Calendar, doc: RotaDocument) -> tuple[list[Violation], list[Duty]]:
    """Document-level problems (unknown ids, duplicates, wrong times) and the distinct known duties."""
    team = cal.team
    people = {p.id for p in team.people}
    out: list[Violation] = []
    count = Counter((a.person, a.role, a.shift, a.date) for a in doc.assignments)
    seen: set[tuple[str, str, str, date]] = set()
    duties: list[Duty] = []
    for a in doc.assignments:
        unknown = [
            (kind, value)
            for kind, value, known in (
                ("person", a.person, people),
                ("role", a.role, team.roles),
                ("shift", a.shift, team.shifts),
            )
            if value not in known
        ]
        for kind, value in unknown:
            out.append(
                Violation(
                    f"unknown_{kind}",
                    a.person if kind != "person" else None,
                    a.date,
                    f'{a.person} {a.shift} ({a.role}) on {a.date}: unknown {kind} "{value}"',
                )
            )
        key = (a.person, a.role, a.shift, a.date)
        if unknown or key in seen:
            continue
        seen.add(key)
        if count[key] > 1:
            out.append(
                Violation(
                    "duplicate_assignment",
                    a.person,
                    a.date,
                    f"{a.person}: {a.shift} ({a.role}) on {a.date} is listed {count[key]} times",
                )
            )
        d = cal.duty(a.person, a.role, a.shift, a.date)
        for name, given, expected in (("start", a.start, d.start), ("end", a.end, d.end)):
            if given is None:
                continue
            try:
                ok = timeutil.parse_instant(given, cal.tz) == expected
            except (TypeError, ValueError):
                ok = False
            if not ok:
                out.append(
                    Violation(
                        "wrong_times",
                        a.person,
                        a.date,
                        f"{a.person}: {a.shift} ({a.role}) on {a.date} has {name} {given}; "
                        f"the template gives {cal.iso(expected)}",
                    )
                )
        duties.append(d)
    return out, sorted(duties)


def _compare_gaps(
    cal: Calendar, stretches: list[GapStretch], reported: list[GapDoc]
) -> tuple[list[GapStretch], list[GapDoc]]:
    """True gaps the document left out, and gaps it reports that are not true (compared as instants)."""
    return unmatched_gaps(stretches, reported, lambda g: _doc_key(cal, g))


def _doc_key(cal: Calendar, g: GapDoc) -> GapKey | None:
    try:
        return (
            g.role,
            timeutil.parse_instant(g.start, cal.tz),
            timeutil.parse_instant(g.end, cal.tz),
            g.required,
            g.assigned,
            g.core,
        )
    except (TypeError, ValueError):
        return None


def check_fixed(cal: Calendar) -> list[Problem]:
    """Fixed assignments in the horizon that break a hard rule alone or with other fixed ones and history."""
    team = cal.team
    where: dict[tuple[str | None, object], list[str]] = {}
    first: dict[str, list[str]] = {}
    duties: set[Duty] = set()
    for i, person in enumerate(team.people):
        for j, fx in enumerate(person.fixed):
            known = fx.shift in team.shifts and fx.role in team.roles
            if not known or not cal.start <= fx.date <= cal.end:
                continue
            duty = cal.duty(person.id, fx.role, fx.shift, fx.date)
            if duty not in duties:
                duties.add(duty)
                path = f"people[{i}].fixed[{j}]"
                where.setdefault((person.id, fx.date), []).append(path)
                first.setdefault(person.id, [path])
    problems: list[Problem] = []
    for v in check_duties(cal, sorted(duties), partial=True):
        detail = v.message.removeprefix(f"{v.person}: ")
        for path in where.get((v.person, v.date)) or first.get(v.person or "", []):
            problem = Problem(path, f"breaks {v.rule}: {detail}")
            if problem not in problems:
                problems.append(problem)
    return problems
