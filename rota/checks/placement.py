"""Rules one duty breaks on its own: names, dates, templates, skills, working days, unavailability."""

from __future__ import annotations

from collections.abc import Iterator

from rota.checks.base import Context, Violation, clock
from rota.checks.registry import checks
from rota.records import Duty


@checks("unknown_person", "unknown_role", "unknown_shift", scope="entry")
def unknown_ids(ctx: Context, d: Duty) -> list[Violation]:
    """Names in a duty the team does not have."""
    team = ctx.cal.team
    out = []
    if d.person not in ctx.people:
        out.append(Violation("unknown_person", d.person, d.date, f'unknown person "{d.person}" on {d.date}'))
    if d.role not in team.roles:
        out.append(
            Violation("unknown_role", d.person, d.date, f'{d.person}: unknown role "{d.role}" on {d.date}')
        )
    if d.shift not in team.shifts:
        out.append(
            Violation("unknown_shift", d.person, d.date, f'{d.person}: unknown shift "{d.shift}" on {d.date}')
        )
    return out


@checks("outside_period", scope="entry")
def outside_period(ctx: Context, d: Duty) -> list[Violation]:
    """A duty dated outside the period."""
    cal = ctx.cal
    if cal.start <= d.date <= cal.end:
        return []
    return [
        Violation(
            "outside_period",
            d.person,
            d.date,
            f"{d.person}: {d.shift} ({d.role}) on {d.date} is outside the period {cal.start} to {cal.end}",
        )
    ]


def _what(d: Duty) -> str:
    return f"{d.shift} ({d.role}) on {d.date:%a} {d.date}"


def _runs_that_day(ctx: Context, d: Duty) -> bool:
    """Whether the shift runs on the duty's date: open, and one of the shift's weekdays."""
    return d.date not in ctx.cal.closed and d.date.weekday() in ctx.shift_days[d.shift]


@checks("closed_date", scope="duty")
def closed_date(ctx: Context, d: Duty) -> Iterator[Violation]:
    cal = ctx.cal
    if d.date in cal.closed:
        yield Violation(
            "closed_date",
            d.person,
            d.date,
            f"{d.person}: {_what(d)} is on a closed date ({cal.closed[d.date]})",
        )


@checks("shift_days", scope="duty")
def shift_days(ctx: Context, d: Duty) -> Iterator[Violation]:
    if d.date not in ctx.cal.closed and d.date.weekday() not in ctx.shift_days[d.shift]:
        days = ctx.cal.team.shifts[d.shift].days
        yield Violation(
            "shift_days", d.person, d.date, f"{d.person}: {_what(d)}: shift {d.shift} runs only on {days}"
        )


@checks("shift_role", scope="duty")
def shift_role(ctx: Context, d: Duty) -> Iterator[Violation]:
    if d.role not in ctx.shift_roles[d.shift]:
        roles = ", ".join(sorted(ctx.shift_roles[d.shift]))
        yield Violation(
            "shift_role", d.person, d.date, f"{d.person}: {_what(d)}: shift {d.shift} serves only {roles}"
        )


@checks("no_demand", scope="duty")
def no_demand(ctx: Context, d: Duty) -> Iterator[Violation]:
    """A shift that runs that date, serves the role, and still covers no demand of it."""
    if (
        d.role in ctx.shift_roles[d.shift]
        and _runs_that_day(ctx, d)
        and d.role not in ctx.cal.offered_roles(d.shift, d.date)
    ):
        yield Violation(
            "no_demand",
            d.person,
            d.date,
            f"{d.person}: {_what(d)}: nothing needs covering in {d.role} during {d.shift} that date",
        )


@checks("skills", scope="duty")
def skills(ctx: Context, d: Duty) -> Iterator[Violation]:
    missing = sorted(ctx.role_skills[d.role] - ctx.person(d.person).skills)
    if missing:
        yield Violation(
            "skills",
            d.person,
            d.date,
            f"{d.person}: {_what(d)}: lacks skill {', '.join(missing)} needed for {d.role}",
        )


@checks("working_days", scope="duty")
def working_days(ctx: Context, d: Duty) -> Iterator[Violation]:
    info = ctx.person(d.person)
    if d.date.weekday() not in info.days:
        yield Violation(
            "working_days",
            d.person,
            d.date,
            f"{d.person}: {_what(d)} is outside their working days ({info.days_text})",
            detail=info.days_text,
        )


@checks("unavailable", scope="duty")
def unavailable(ctx: Context, d: Duty) -> Iterator[Violation]:
    reasons = [reason for s, e, reason in ctx.person(d.person).unavailable if s < d.end and d.start < e]
    if reasons:
        span = f"{clock(ctx.cal, d.start)}-{clock(ctx.cal, d.end)}"
        yield Violation(
            "unavailable",
            d.person,
            d.date,
            f"{d.person}: {_what(d)} ({span}) overlaps their unavailability ({'; '.join(reasons)})",
            detail=reasons[0],
        )
