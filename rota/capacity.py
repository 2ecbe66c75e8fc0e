"""Capacity planning, the domain side: candidate profiles, the people a plan may hire, a team without
someone, and the words a plan or a what-if is told in. The model that chooses is ``rota.solver.plan``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from pydantic import Field, ValidationError

from rota.calendar import Calendar
from rota.checks.base import clock, day_label
from rota.load import TeamFileError, format_path
from rota.records import Duty, GapStretch
from rota.team import Person, Team
from rota.teamcheck import Problem

DEFAULT_MAX = 3  # copies of one profile a plan may hire unless the candidate says ``max``
MAX_SLOTS = 60  # candidate people offered to one plan model in all
HIRE_PREFIX = "new"


class Candidate(Person):
    """A profile the lead would hire: a team-file ``people`` entry (skills, contract hours, working
    days, rules) and ``max``, the most people of this profile a plan may add."""

    max: int = Field(default=DEFAULT_MAX, ge=0, le=20)


def parse_candidates(data: Any, team: Team, source: str = "candidates") -> list[Candidate]:
    """The candidate profiles of a document: a list of people entries, or ``{candidates: [...]}``.
    Every mistake is reported at once with its path (``TeamFileError``)."""
    items = data.get("candidates") if isinstance(data, dict) else data
    where = "candidates" if isinstance(data, dict) else ""
    if not isinstance(items, list) or not items:
        raise TeamFileError(source, [Problem(where, "must be a non-empty list of candidate profiles")])
    problems: list[Problem] = []
    out: list[Candidate] = []
    for n, item in enumerate(items):
        at = f"{where}[{n}]" if where else f"[{n}]"
        try:
            out.append(Candidate.model_validate(item))
        except ValidationError as exc:
            for e in exc.errors():
                path = format_path(tuple(e["loc"]))
                problems.append(Problem(f"{at}.{path}" if path else at, e["msg"]))
    seen: set[str] = set()
    known = set(team.skills) if team.skills is not None else None
    for n, cand in enumerate(out):
        at = f"{where}[{n}]" if where else f"[{n}]"
        if cand.id in seen:
            problems.append(Problem(f"{at}.id", f"candidate id {cand.id!r} is used twice"))
        seen.add(cand.id)
        for s in cand.skills:
            if known is not None and s not in known:
                problems.append(
                    Problem(f"{at}.skills", f"unknown skill {s!r} (the team's skills: {sorted(known)})")
                )
        if cand.fixed or cand.unavailable:
            problems.append(Problem(at, "a candidate profile has no fixed duties or leave"))
    slots_asked = sum(c.max for c in out)
    if slots_asked > MAX_SLOTS:
        problems.append(
            Problem(where, f"at most {MAX_SLOTS} people in all may be offered (max summed: {slots_asked})")
        )
    if problems:
        raise TeamFileError(source, problems)
    return out


def team_profiles(team: Team) -> list[Candidate]:
    """The profiles of the team's own people (skills, contract hours, working days, own rules), one per
    distinct profile, named after the first person who has it."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for p in team.people:
        key = repr((sorted(p.skills), p.hours_per_week, p.days, p.rules, p.limits))
        if key in seen or (not p.skills and not any(not r.skills for r in team.roles.values())):
            continue
        seen.add(key)
        out.append(
            Candidate(
                id=f"like-{p.id}",
                name=f"hire like {p.name or p.id}",
                skills=list(p.skills),
                hours_per_week=p.hours_per_week,
                days=p.days,
                rules=p.rules,
                limits=list(p.limits),
            )
        )
    return out


def slots(team: Team, candidates: Iterable[Candidate]) -> list[tuple[Candidate, Person]]:
    """The people a plan may add: ``max`` of each profile, ids ``new-<profile>-<k>`` unused in the team."""
    taken = {p.id for p in team.people}
    out = []
    for cand in candidates:
        for k in range(1, cand.max + 1):
            pid = f"{HIRE_PREFIX}-{cand.id}-{k}"
            while pid in taken:
                pid += "x"
            taken.add(pid)
            label = cand.name or cand.id
            fields = cand.model_dump(exclude={"max", "id", "name"}, exclude_unset=True)
            out.append((cand, Person.model_validate({**fields, "id": pid, "name": f"New {label} {k}"})))
    return out


def with_people(team: Team, people: list[Person]) -> Team:
    """A copy of the team with ``people`` added (the team itself is not changed)."""
    return team.model_copy(update={"people": [*team.people, *people]})


def without(team: Team, person: str, source: str = "team") -> Team:
    """A copy of the team without ``person`` (their history goes too); the team itself is not changed."""
    if person not in {p.id for p in team.people}:
        known = ", ".join(p.id for p in team.people)
        raise TeamFileError(
            source, [Problem("people", f"no person {person!r} in the team (people: {known})")]
        )
    return team.model_copy(
        update={
            "people": [p for p in team.people if p.id != person],
            "history": [h for h in team.history if h.person != person],
        }
    )


def unavailable_for(team: Team, person: str, first: date, last: date, reason: str) -> Team:
    """A copy of the team where ``person`` is away from ``first`` to ``last`` (both included), their
    fixed duties on those dates dropped."""
    people = []
    for p in team.people:
        if p.id == person:
            away = {"from": first.isoformat(), "to": last.isoformat(), "reason": reason}
            data = p.model_dump(by_alias=True)
            data["unavailable"] = [*data["unavailable"], away]
            # an illness overrides a fixed duty: that duty must then be covered by someone else
            data["fixed"] = [f for f in data["fixed"] if not first <= f["date"] <= last]
            p = Person.model_validate(data)
        people.append(p)
    return team.model_copy(update={"people": people})


def person_entry(person: Person) -> dict[str, Any]:
    """A person as a team-file ``people`` entry (only the keys set), ready to append to the file."""
    return person.model_dump(mode="json", by_alias=True, exclude_unset=True)


def roles_of(team: Team, skills: Iterable[str]) -> list[str]:
    """The roles someone with these skills may take."""
    have = set(skills)
    return [r for r, role in team.roles.items() if set(role.skills) <= have]


def role_name(team: Team, role: str) -> str:
    return team.roles[role].name or role


def hours_text(minutes: float) -> str:
    """Person-minutes as a lead says them: ``7.5 hours``, ``1 hour``, ``45 minutes``."""
    if minutes < 60:
        return f"{minutes:g} minutes"
    h = round(minutes / 60, 1)
    return f"{h:g} hour" if h == 1 else f"{h:g} hours"


def gap_text(cal: Calendar, g: GapStretch) -> str:
    """``Service desk analyst, Mon 11 May 09:00–16:30: 1 of 2 on duty``."""
    day = cal.instant(g.start).date()
    return (
        f"{role_name(cal.team, g.role)}, {day_label(day)} {clock(cal, g.start)}–{clock(cal, g.end)}: "
        f"{g.assigned} of {g.required} on duty"
    )


def gap_row(cal: Calendar, g: GapStretch) -> dict[str, Any]:
    """A gap in a plan or what-if's JSON: role, local date and times, people short, and its words."""
    return {
        "role": g.role,
        "date": cal.instant(g.start).date().isoformat(),
        "start": cal.iso(g.start),
        "end": cal.iso(g.end),
        "required": g.required,
        "on_duty": g.assigned,
        "core": g.core,
        "person_hours": round(g.person_minutes / 60, 2),
        "text": gap_text(cal, g),
    }


def people_word(n: int) -> str:
    return "1 more person" if n == 1 else f"{n} more people"


def gap_groups(cal: Calendar, stretches: Iterable[GapStretch]) -> list[str]:
    """Gaps grouped by role, times and headcount, with their dates as a lead reads them:
    ``Second-line engineer 09:00–17:00, 0 of 1 on duty: weekdays 2–30 Nov, 21 dates``."""
    from rota.explain import compact_dates

    groups: dict[tuple[str, str, str, int, int], list[date]] = {}
    for g in stretches:
        key = (g.role, clock(cal, g.start), clock(cal, g.end), g.assigned, g.required)
        groups.setdefault(key, []).append(cal.instant(g.start).date())
    return [
        f"{role_name(cal.team, role)} {a}–{b}, {on} of {need} on duty: {compact_dates(days)}"
        for (role, a, b, on, need), days in groups.items()
    ]


def sole_holders(cal: Calendar) -> list[tuple[str, date, str]]:
    """(role, date, person) where ``person`` is the only one who could take ``role`` on a date it has
    demand: the only one with its skills who works that weekday and is not away the whole date."""
    from rota.objective import eligible

    out = []
    for role in cal.team.roles:
        days = sorted({cal.instant(s.start).date() for s in cal.requirement(role) if s.required > 0})
        can = eligible(cal, role)
        for d in days:
            a, b = cal.window(d, 0, 1440)
            free = [
                p
                for p in can
                if cal.works_on(p, d) and not any(s <= a and b <= e for s, e, _ in cal.unavailable(p))
            ]
            if len(free) == 1:
                out.append((role, d, free[0]))
    return out


def alone_counts(duties: Iterable[Duty]) -> dict[tuple[str, str], list[date]]:
    """(role, person) → the dates of their duties on which no one else was on that role at any moment
    of the duty: where the rota rests on one person."""
    by_role: dict[str, list[Duty]] = {}
    for d in duties:
        by_role.setdefault(d.role, []).append(d)
    out: dict[tuple[str, str], list[date]] = {}
    for role, mine in by_role.items():
        for d in mine:
            if not any(o.person != d.person and o.start < d.end and d.start < o.end for o in mine):
                out.setdefault((role, d.person), []).append(d.date)
    return out


def sole_lines(cal: Calendar, sole: list[tuple[str, date, str]]) -> list[str]:
    """``Second-line engineer: only Hassan Idris can take it on Mon 1 Jun, 1 date``."""
    from rota.explain import compact_dates

    groups: dict[tuple[str, str], list[date]] = {}
    for role, d, person in sole:
        groups.setdefault((role, person), []).append(d)
    names = {p.id: p.name or p.id for p in cal.team.people}
    return [
        f"{role_name(cal.team, role)}: only {names[person]} can take it on {compact_dates(days)}"
        for (role, person), days in groups.items()
    ]


def plan_xlsx(plan: dict[str, Any]) -> bytes:
    """A plan (``rota.solver.plan.plan_document``) as an Excel workbook for a budget meeting: the summary,
    required against available person-hours per role and week with the gap, and the proposed hires."""
    import io

    from openpyxl import Workbook

    from rota.export import xlsx_table

    book = Workbook()
    book.remove(book.active)
    tables: dict[str, tuple[list[str], list[list[Any]]]] = {
        "Summary": (
            [f"{plan['team']}: {plan['period']['start']} to {plan['period']['end']}"],
            [[line] for line in plan["summary"]],
        ),
        "Weeks": (
            ["role", "week", "required person-hours", "available", "gap", "gap with the hires"],
            [
                [
                    w["role_name"],
                    w["week"],
                    w["required_hours"],
                    w["available_hours"],
                    w["gap_hours"],
                    w["gap_hours_with_hires"],
                ]
                for w in plan["weeks"]
            ],
        ),
        "Hires": (
            [
                "id",
                "name",
                "profile",
                "skills",
                "hours a week",
                "days",
                "duties",
                "hours",
                "closes (hours)",
                "closes",
            ],
            [
                [
                    h["id"],
                    h["name"],
                    h["profile"],
                    ", ".join(person["skills"]) if "skills" in person else "",
                    person.get("hours_per_week"),
                    person["days"]
                    if isinstance(person.get("days"), str)
                    else ",".join(person.get("days", [])) or "daily",
                    h["duties"],
                    h["hours"],
                    h["closes_hours"],
                    "; ".join(h["closes_groups"]),
                ]
                for h, person in zip(plan["hires"], plan["people"], strict=True)
            ],
        ),
    }
    for name, (head, rows) in tables.items():
        xlsx_table(book, name, head, rows, widths=(10, 80))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def open_longer(team: Team, minutes: int, source: str = "team") -> Team:
    """A copy of the team whose service opens ``minutes`` longer at the end of each day: the last
    opening window of every weekday ends later (at most at midnight), and so does every demand window
    (and workload contact window) that ended at the old closing time; shifts stay as they are, so the
    gap this opens is what the present shifts cannot cover."""
    from rota import timeutil
    from rota.team import WeekPattern

    def clock(m: int) -> str:
        return "24:00" if m >= 1440 else f"{m // 60:02d}:{m % 60:02d}"

    def later(window: str, closing: set[int]) -> str:
        a, b = timeutil.parse_window(window)
        if b not in closing or b >= 1440:
            return window
        return f"{clock(a)}-{clock(min(1440, b + minutes))}"

    closing: set[int] = set()
    pattern: dict[str, Any] = {}
    for key, value in team.opening_hours.root.items():
        items = sorted(value if isinstance(value, list) else [value], key=lambda w: timeutil.parse_window(w))
        closing.add(timeutil.parse_window(items[-1])[1])
        items[-1] = later(items[-1], {timeutil.parse_window(items[-1])[1]})
        pattern[key] = items if isinstance(value, list) else items[0]
    roles = {}
    for rid, role in team.roles.items():
        demand = [
            e
            if e.time in ("opening_hours", "core_hours")
            else e.model_copy(update={"time": later(e.time, closing)})
            for e in role.demand
        ]
        update: dict[str, Any] = {"demand": demand}
        if role.workload is not None:
            contacts = [c.model_copy(update={"time": later(c.time, closing)}) for c in role.workload.contacts]
            update["workload"] = role.workload.model_copy(update={"contacts": contacts})
        roles[rid] = role.model_copy(update=update)
    if closing and max(closing) >= 1440:
        raise TeamFileError(source, [Problem("opening_hours", "the service already opens until midnight")])
    return team.model_copy(update={"opening_hours": WeekPattern.model_validate(pattern), "roles": roles})
