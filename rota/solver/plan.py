"""Capacity planning and what-if: the fewest people to hire so that no gap remains, and the least gap
a team (or a changed copy of it) can have.

One CP-SAT model holds the team and the candidate slots (``rota.capacity.slots``): every hard rule
of ``rota.solver.build`` (min-type rules switched by a literal, as ``build(relax=True)`` makes them), the
coverage shortfalls of ``rota.solver.coverage``, and one Boolean ``hired`` per slot that every duty of the
slot implies; min-type rules bind a slot's person exactly when they are hired and always bind the
team's own people. It is solved lexicographically, as the solver's phases are: first the least gap
(person-minutes), then, the gap kept at that least, the fewest hires. The second phase's bound is a
lower bound on the hires any plan needs, so a plan whose count meets it is proved minimal. The
solver's own model for a team without candidates is never touched: all of this sits behind
``plan`` and ``least_gap``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ortools.sat.python import cp_model

from rota.calendar import Calendar
from rota.capacity import Candidate, slots, with_people
from rota.coverage import gap_minutes, gaps
from rota.load import TeamFileError
from rota.records import Duty, GapStretch
from rota.solver.build import build
from rota.solver.coverage import coverage
from rota.solver.search import new_solver
from rota.team import Person, Team
from rota.teamcheck import Problem

# shares of the time left after the team alone's least gap: the least gap with hires, the fewest
# hires, then the settling phase (the team's own duties as in the rota without hires, where it can)
GAP_SHARE = 0.4
HIRE_SHARE = 0.35
SETTLE_SHARE = 0.25


@dataclass
class Least:
    """The least gap found for a team over a horizon, a rota that has it, and whether it is proved."""

    cal: Calendar
    duties: list[Duty]
    stretches: list[GapStretch]
    minutes: int
    proven: bool


@dataclass
class Hire:
    """One person a plan adds: their team-file entry, the profile, their duties and the gaps they close
    (the stretches that open in the plan's rota without them)."""

    person: Person
    profile: Candidate
    duties: list[Duty]
    closes: list[GapStretch]
    closes_minutes: int


@dataclass
class Plan:
    before: Least  # the team alone
    after: Least  # the team with the hires
    hires: list[Hire] = field(default_factory=list)
    bound: int = 0  # no plan with fewer hires reaches ``after.minutes`` of gap
    proven: bool = False  # ``len(hires) == bound`` and the least gap is proved
    slots: int = 0  # candidate slots offered to the model


class _Model:
    """The team (and any candidate slots) as one CP-SAT model with the gap and the hires as expressions."""

    def __init__(
        self,
        team: Team,
        start: date | None,
        end: date | None,
        hireable: list[Person],
        order: list[tuple[str, str]] | None = None,
    ):
        try:
            self.cal = Calendar(with_people(team, hireable), start, end)
        except ValueError as exc:
            raise TeamFileError("team", [Problem("period", str(exc))]) from None
        from rota.validate import check_fixed

        problems = check_fixed(self.cal)
        if problems:
            raise TeamFileError("team", problems)
        built = build(self.cal, relax=True)  # the hard rules; min-type ones behind literals
        ctx = self.ctx = built.ctx
        m = ctx.model
        terms = coverage(ctx)
        self.gap = sum(int(c) * v for t in terms for v, c in zip(t.vars, t.coefs, strict=True)) + int(
            sum(t.const for t in terms)
        )
        new = {p.id for p in hireable}
        self.hired: dict[str, cp_model.IntVar] = {p.id: m.new_bool_var(f"hired[{p.id}]") for p in hireable}
        for (_rule, person), lit in ctx.enforcers.items():
            if person in new:
                m.add(lit == self.hired[person])  # a hire keeps every rule; a slot left empty has none
            else:
                m.add(lit == 1)
        for key, var in ctx.x.items():
            if key[0] in new:
                m.add_implication(var, self.hired[key[0]])
        for a, b in order or []:  # slots of one profile are filled in order: k + 1 only after k
            m.add(self.hired[b] <= self.hired[a])
        self.hires = sum(self.hired.values()) if self.hired else 0

    def solve(
        self, goal: cp_model.LinearExprT, seconds: float, seed: int
    ) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
        self.ctx.model.minimize(goal)
        solver = new_solver(seconds, 1, seed, True)
        status = solver.solve(self.ctx.model)
        return solver, status

    def duties(self, solver: cp_model.CpSolver) -> list[Duty]:
        return sorted(self.ctx.duty(k) for k, v in self.ctx.x.items() if solver.boolean_value(v))

    def hint(self, solver: cp_model.CpSolver) -> None:
        m = self.ctx.model
        m.clear_hints()
        for v in self.ctx.x.values():
            m.add_hint(v, solver.boolean_value(v))
        for v in self.hired.values():
            m.add_hint(v, solver.boolean_value(v))


def _settle(
    model: _Model, solver: cp_model.CpSolver, before: Least, chosen: list[Person], seconds: float, seed: int
) -> cp_model.CpSolver:
    """With the hires and the gap fixed, keep the team's own people on the duties they have in the
    rota without hires wherever possible and give the hires no duty the gaps do not need, so each
    hire's duties are the gaps they close (not duties moved around). The solution of the phase
    before is kept when this finds none in time."""
    m = model.ctx.model
    hired = {p.id for p in chosen}
    for pid, var in model.hired.items():
        m.add(var == (pid in hired))
    model.hint(solver)
    had = {model.ctx.key_of(d) for d in before.duties}
    # a hire's duty counts as a move too: they take what the gaps need, no more
    moved = [(1 - v) if k in had else v for k, v in model.ctx.x.items()]
    if not moved:
        return solver
    settled, status = model.solve(sum(moved), seconds, seed)
    return settled if _found(status) else solver


def _least(model: _Model, solver: cp_model.CpSolver, status: cp_model.CpSolverStatus) -> Least:
    duties = model.duties(solver)
    stretches = gaps(model.cal, duties)
    return Least(model.cal, duties, stretches, sum(gap_minutes(stretches)), status == cp_model.OPTIMAL)


def _found(status: cp_model.CpSolverStatus) -> bool:
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


NOT_FOUND = "no rota that keeps every hard rule was found within the time limit"


def least_gap(
    team: Team, start: date | None = None, end: date | None = None, time_limit: float = 10.0, seed: int = 0
) -> Least:
    """The least gap (person-minutes) any rota of the team that keeps every hard rule can have over the
    horizon, with such a rota; ``proven`` when CP-SAT proved no rota has less."""
    model = _Model(team, start, end, [])
    solver, status = model.solve(model.gap, time_limit, seed)
    if not _found(status):
        raise TeamFileError("team", [Problem("", NOT_FOUND)])
    return _least(model, solver, status)


def plan(
    team: Team,
    candidates: list[Candidate],
    start: date | None = None,
    end: date | None = None,
    time_limit: float = 20.0,
    seed: int = 0,
) -> Plan:
    """The fewest hires (from ``candidates``, up to each one's ``max``) that bring the team's gap to the
    least it can be with them (zero when the profiles can close every gap), and which gap each closes."""
    before = least_gap(team, start, end, time_limit * 0.25, seed)
    if before.minutes == 0 and before.proven:
        return Plan(before, before, [], 0, True, 0)
    offered = slots(team, candidates)
    people = [p for _, p in offered]
    profile = {p.id: c for c, p in offered}
    order = [(p.id, q.id) for (c, p), (d, q) in itertools.pairwise(offered) if c is d]
    model = _Model(team, start, end, people, order)
    budget = time_limit * 0.75
    solver, status = model.solve(model.gap, budget * GAP_SHARE, seed)
    if not _found(status):
        raise TeamFileError("team", [Problem("", NOT_FOUND)])
    least = int(solver.objective_value)
    gap_proven = status == cp_model.OPTIMAL
    model.hint(solver)
    model.ctx.model.add(model.gap <= least)
    solver2, status2 = model.solve(model.hires, budget * HIRE_SHARE, seed)
    if _found(status2):
        solver, status = solver2, status2
        bound = math.ceil(solver.best_objective_bound - 1e-6)
    else:
        bound = 0
    chosen = [p for p in people if solver.boolean_value(model.hired[p.id])]
    solver = _settle(model, solver, before, chosen, budget * SETTLE_SHARE, seed)
    after = _least(model, solver, cp_model.OPTIMAL if gap_proven else cp_model.FEASIBLE)
    hires = []
    for p in chosen:
        rest = [d for d in after.duties if d.person != p.id]
        opened = [g for g in gaps(model.cal, rest) if g not in set(after.stretches)]
        mine = [d for d in after.duties if d.person == p.id]
        hires.append(
            Hire(p, profile[p.id], mine, opened, sum(gap_minutes(gaps(model.cal, rest))) - after.minutes)
        )
    proven = gap_proven and status == cp_model.OPTIMAL and bound == len(chosen)
    return Plan(before, after, hires, min(bound, len(chosen)), proven, len(people))


def _profile_text(team: Team, cand: Candidate) -> str:
    """``hire like Cat Ng: Service desk analyst or Second-line engineer, 16 h a week, daily``."""
    from rota.capacity import role_name, roles_of

    roles = " or ".join(role_name(team, r) for r in roles_of(team, cand.skills)) or "no role"
    hours = f", {cand.hours_per_week:g} h a week" if cand.hours_per_week is not None else ""
    days = cand.days if isinstance(cand.days, str) else ",".join(cand.days)
    return f"{cand.name or cand.id} ({roles}{hours}, {days})"


def summary(team: Team, p: Plan) -> list[str]:
    """The plan in a lead's words: how many people, proved or not, of which profiles, what remains."""
    from rota.capacity import hours_text, people_word

    if p.before.minutes == 0:
        return ["No gaps: the team covers every hour it needs without anyone new."]
    lines = [f"Without anyone new, at least {hours_text(p.before.minutes)} of demand stay uncovered."]
    if not p.hires:
        lines.append("No candidate profile can close any of these gaps: hiring them would not help.")
        return lines
    counts: dict[str, int] = {}
    for h in p.hires:
        counts[h.profile.id] = counts.get(h.profile.id, 0) + 1
    profiles = {h.profile.id: h.profile for h in p.hires}
    who = "; ".join(f"{n} × {_profile_text(team, profiles[c])}" for c, n in counts.items())
    n = len(p.hires)
    if p.proven:
        verb = ("is", "suffices") if n == 1 else ("are", "suffice")
        lines.append(f"At least {people_word(n)} {verb[0]} needed; {n} {verb[1]} (proved minimal): {who}.")
    else:
        lines.append(
            f"{people_word(n).capitalize()} close the gaps: {who}. At least {max(p.bound, 1)} "
            f"{'is' if max(p.bound, 1) == 1 else 'are'} needed; fewer than {n} was not ruled out within "
            "the time limit."
        )
    if p.after.minutes:
        lines.append(
            f"Even with them, {hours_text(p.after.minutes)} stay uncovered: no candidate profile can take "
            "those hours."
        )
    else:
        lines.append("With them, every hour is covered.")
    return lines


def plan_document(team: Team, p: Plan, time_limit: float, seed: int) -> dict[str, Any]:
    """The plan as JSON: the words, the figures, the hires as team-file ``people`` entries to append,
    and per hire the gaps they close."""
    from rota.capacity import gap_groups, gap_row, hours_text, person_entry

    cal = p.after.cal
    return {
        "team": team.team,
        "period": {"start": cal.start.isoformat(), "end": cal.end.isoformat()},
        "summary": summary(team, p),
        "gap_hours_before": round(p.before.minutes / 60, 2),
        "gap_hours_after": round(p.after.minutes / 60, 2),
        "hires_needed": len(p.hires),
        "lower_bound": p.bound,
        "proven_minimal": p.proven,
        "people": [person_entry(h.person) for h in p.hires],
        "hires": [
            {
                "id": h.person.id,
                "name": h.person.name,
                "profile": h.profile.id,
                "duties": len(h.duties),
                "hours": round(sum(d.minutes for d in h.duties) / 60, 2),
                "closes_hours": round(h.closes_minutes / 60, 2),
                "closes_text": f"closes {hours_text(h.closes_minutes)} of gap",
                "closes": [gap_row(cal, g) for g in h.closes],
                "closes_groups": gap_groups(cal, h.closes),
            }
            for h in p.hires
        ],
        "weeks": plan_weeks(p),
        "gaps_before": [gap_row(p.before.cal, g) for g in p.before.stretches],
        "gaps_after": [gap_row(cal, g) for g in p.after.stretches],
        "solver": {
            "candidate_slots": p.slots,
            "least_gap_proven": p.after.proven,
            "time_limit": time_limit,
            "seed": seed,
        },
    }


@dataclass
class WhatIf:
    """The least gap of the team as it is and of a changed copy, and the change in words."""

    change: str
    before: Least
    after: Least

    @property
    def opened(self) -> int:
        """Person-minutes of gap the change opens (negative when it closes some)."""
        return self.after.minutes - self.before.minutes


def what_if(
    team: Team,
    changed: Team,
    change: str,
    start: date | None = None,
    end: date | None = None,
    time_limit: float = 10.0,
    seed: int = 0,
) -> WhatIf:
    """Compare the least gap of ``team`` with that of ``changed`` (a copy: nothing stored is touched)."""
    half = time_limit / 2
    return WhatIf(change, least_gap(team, start, end, half, seed), least_gap(changed, start, end, half, seed))


def what_if_lines(w: WhatIf) -> list[str]:
    """The what-if in a lead's words: the gap it opens, where, and how sure."""
    from rota.capacity import gap_groups, hours_text

    what = w.change[:1].upper() + w.change[1:]
    sure = "" if w.before.proven and w.after.proven else " (the least found within the time limit)"
    if w.opened > 0:
        head = f"{what}, {hours_text(w.opened)} of demand would go uncovered{sure}."
    elif w.opened < 0:
        head = f"{what}, {hours_text(-w.opened)} less of demand would go uncovered{sure}."
    else:
        head = f"{what}, no more gap opens: the others can cover{sure}."
    lines = [head]
    if w.before.minutes:
        lines.append(f"(As the team is, {hours_text(w.before.minutes)} already go uncovered.)")
    if w.after.stretches and w.before.minutes:
        lines.append("The gaps then:")
    lines += [f"gap: {text}" for text in gap_groups(w.after.cal, w.after.stretches)]
    return lines


def what_if_document(team: Team, w: WhatIf) -> dict[str, Any]:
    from rota.capacity import gap_row

    cal = w.after.cal
    return {
        "team": team.team,
        "period": {"start": cal.start.isoformat(), "end": cal.end.isoformat()},
        "change": w.change,
        "summary": what_if_lines(w)[0],
        "gap_hours_before": round(w.before.minutes / 60, 2),
        "gap_hours_after": round(w.after.minutes / 60, 2),
        "opened_hours": round(w.opened / 60, 2),
        "proven": w.before.proven and w.after.proven,
        "gaps_before": [gap_row(w.before.cal, g) for g in w.before.stretches],
        "gaps_after": [gap_row(cal, g) for g in w.after.stretches],
    }


@dataclass
class IllWeek:
    """The what-if of one person ill for one week, and the dates on which it opens more gap."""

    first: date
    last: date
    what_if: WhatIf
    days: list[date]


@dataclass
class Exposure:
    """Where a rota rests on one person: who alone can take a role on a date, who is most often alone
    on duty in a role, and the what-if of that person being ill, week by week (the worst is ``ill``)."""

    cal: Calendar
    sole: list[tuple[str, date, str]]
    alone: dict[tuple[str, str], list[date]]
    person: str | None = None
    role: str | None = None
    weeks: list[IllWeek] = field(default_factory=list)

    @property
    def ill(self) -> IllWeek | None:
        """The week whose illness opens the most gap (the earliest among equals)."""
        return max(reversed(self.weeks), key=lambda w: w.what_if.opened, default=None)


def exposure(
    team: Team,
    start: date | None = None,
    end: date | None = None,
    duties: list[Duty] | None = None,
    time_limit: float = 10.0,
    seed: int = 0,
) -> Exposure:
    """The single points of failure of ``duties`` (a published rota; default: a least-gap rota of the
    team) and, for the person most often alone on duty in a role, the what-if of their being ill
    for each week of the horizon in turn (on copies of the team)."""
    from datetime import timedelta

    from rota.capacity import alone_counts, sole_holders, unavailable_for
    from rota.checks.base import day_label

    base = Calendar(team, start, end)
    mondays = []
    monday = base.start - timedelta(days=base.start.weekday())
    opened = set(base.open_dates)
    while monday <= base.end:
        if any(monday + timedelta(days=n) in opened for n in range(7)):  # weeks with an open date
            mondays.append(monday)
        monday += timedelta(days=7)
    share = time_limit / (len(mondays) + 1)
    least = least_gap(team, base.start, base.end, share, seed)
    alone = alone_counts(least.duties if duties is None else duties)
    out = Exposure(base, sole_holders(base), alone)
    if not alone:
        return out
    # the most dates alone; among equals the first role and person by id
    (out.role, out.person), _ = max(sorted(alone.items()), key=lambda kv: len(kv[1]))
    name = base.person(out.person).name or out.person
    before = _per_date(least)
    for monday in mondays:
        sunday = monday + timedelta(days=6)
        ill = unavailable_for(team, out.person, monday, sunday, "ill (what-if)")
        change = f"if {name} were ill {day_label(monday)} to {day_label(sunday)}"
        w = WhatIf(change, least, least_gap(ill, base.start, base.end, share, seed))
        days = sorted(d for d, m in _per_date(w.after).items() if m > before.get(d, 0))
        out.weeks.append(IllWeek(monday, sunday, w, days))
    return out


def _per_date(least: Least) -> dict[date, int]:
    out: dict[date, int] = {}
    for g in least.stretches:
        d = least.cal.instant(g.start).date()
        out[d] = out.get(d, 0) + g.person_minutes
    return out


def exposure_lines(team: Team, e: Exposure) -> list[str]:
    """The single points of failure in a lead's words."""
    from rota.capacity import hours_text, role_name, sole_lines
    from rota.checks.base import day_label
    from rota.explain import compact_dates

    cal = e.cal
    lines = ["Single points of failure (only one person can take the role that day):"]
    lines += [f"  {line}" for line in sole_lines(cal, e.sole)] or [
        "  none: every role has two people or more on every date"
    ]
    if e.person is None or e.role is None or e.ill is None:
        lines.append("No one is ever alone on duty in a role.")
        return lines
    name = cal.person(e.person).name or e.person
    times = len(e.alone[(e.role, e.person)])
    lines.append(
        f"Most often alone on duty: {name}, alone as {role_name(team, e.role)} on {times} "
        f"date{'s' if times != 1 else ''}. If {name} were ill for a week:"
    )
    for week in e.weeks:
        head = f"  week of {day_label(week.first)}: "
        if week.what_if.opened > 0:
            lines.append(
                f"{head}{hours_text(week.what_if.opened)} more of demand uncovered, "
                f"on {compact_dates(week.days)}"
            )
        else:
            lines.append(f"{head}no more gap: the others can cover")
    return lines


def exposure_document(team: Team, e: Exposure) -> dict[str, Any]:
    """The single points of failure as JSON."""
    names = {p.id: p.name or p.id for p in team.people}
    return {
        "team": team.team,
        "period": {"start": e.cal.start.isoformat(), "end": e.cal.end.isoformat()},
        "summary": exposure_lines(team, e),
        "sole": [{"role": r, "date": d.isoformat(), "person": p, "name": names[p]} for r, d, p in e.sole],
        "alone": [
            {"role": r, "person": p, "name": names[p], "dates": [d.isoformat() for d in ds]}
            for (r, p), ds in sorted(e.alone.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ],
        "person": e.person,
        "role": e.role,
        "ill_weeks": [
            {
                "from": w.first.isoformat(),
                "to": w.last.isoformat(),
                "opened_hours": round(w.what_if.opened / 60, 2),
                "days": [d.isoformat() for d in w.days],
                "summary": what_if_lines(w.what_if)[0],
                "proven": w.what_if.before.proven and w.what_if.after.proven,
            }
            for w in e.weeks
        ],
    }


def plan_weeks(p: Plan) -> list[dict[str, Any]]:
    """Per role and ISO week: the person-hours the demand requires, those the team alone can cover
    (its least-gap rota), the gap, and the gap left with the hires: the budget meeting's table."""
    from rota import timeutil

    cal = p.before.cal

    def week_of(start: int) -> str:
        year, week = timeutil.iso_week(cal.instant(start).date())
        return f"{year}-W{week:02d}"

    required: dict[tuple[str, str], int] = {}
    for role in cal.team.roles:
        for seg in cal.requirement(role):
            key = (role, week_of(seg.start))
            required[key] = required.get(key, 0) + seg.required * seg.minutes
    before: dict[tuple[str, str], int] = {}
    for g in p.before.stretches:
        key = (g.role, week_of(g.start))
        before[key] = before.get(key, 0) + g.person_minutes
    after: dict[tuple[str, str], int] = {}
    for g in p.after.stretches:
        key = (g.role, week_of(g.start))
        after[key] = after.get(key, 0) + g.person_minutes
    rows = []
    for (role, week), need in sorted(required.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        gap = before.get((role, week), 0)
        rows.append(
            {
                "role": role,
                "role_name": cal.team.roles[role].name or role,
                "week": week,
                "required_hours": round(need / 60, 2),
                "available_hours": round((need - gap) / 60, 2),
                "gap_hours": round(gap / 60, 2),
                "gap_hours_with_hires": round(after.get((role, week), 0) / 60, 2),
            }
        )
    return rows
