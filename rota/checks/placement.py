"""Rules one duty breaks on its own: dates, templates, skills, working days, unavailability."""

from __future__ import annotations

from collections.abc import Iterator

from rota.checks.base import Context, Violation, clock
from rota.records import Duty


def unknown_ids(ctx: Context, d: Duty) -> list[Violation]:
    """Names in a duty the team does not have."""
    team = ctx.cal.team
    out = []
    if d.person not in ctx.people:
        out.append(Violation("unknown_person", d.person, d.date, f'unknown person "{d.person}" on {d.date}'))
    if d.role not in team.roles:
        out.append(Violation("unknown_role", d.person, d.date, f'{d.person}: unknown role "{d.role}" '
                                                               f"on {d.date}"))
    if d.shift not in team.shifts:
        out.append(Violation("unknown_shift", d.person, d.date, f'{d.person}: unknown shift "{d.shift}" '
                                                                f"on {d.date}"))
    return out


def check_duty(ctx: Context, d: Duty) -> Iterator[Violation]:
    """Every rule a single in-horizon duty breaks by itself."""
    cal, pid, day = ctx.cal, d.person, d.date
    what = f"{d.shift} ({d.role}) on {day:%a} {day}"
    if day in cal.closed:
        yield Violation("closed_date", pid, day, f"{pid}: {what} is on a closed date ({cal.closed[day]})")
    elif day.weekday() not in ctx.shift_days[d.shift]:
        days = cal.team.shifts[d.shift].days
        yield Violation("shift_days", pid, day, f"{pid}: {what}: shift {d.shift} runs only on {days}")
    if d.role not in ctx.shift_roles[d.shift]:
        roles = ", ".join(sorted(ctx.shift_roles[d.shift]))
        yield Violation("shift_role", pid, day, f"{pid}: {what}: shift {d.shift} serves only {roles}")
    elif day not in cal.closed and day.weekday() in ctx.shift_days[d.shift] \
            and d.role not in cal.offered_roles(d.shift, day):
        yield Violation("no_demand", pid, day, f"{pid}: {what}: nothing needs covering in {d.role} "
                                               f"during {d.shift} that date")
    info = ctx.person(pid)
    missing = sorted(ctx.role_skills[d.role] - info.skills)
    if missing:
        yield Violation("skills", pid, day, f"{pid}: {what}: lacks skill {', '.join(missing)} "
                                            f"needed for {d.role}")
    if day.weekday() not in info.days:
        yield Violation("working_days", pid, day, f"{pid}: {what} is outside their working days "
                                                  f"({info.days_text})", detail=info.days_text)
    reasons = [reason for s, e, reason in info.unavailable if s < d.end and d.start < e]
    if reasons:
        span = f"{clock(cal, d.start)}-{clock(cal, d.end)}"
        yield Violation("unavailable", pid, day, f"{pid}: {what} ({span}) overlaps their unavailability "
                                                 f"({'; '.join(reasons)})", detail=reasons[0])
