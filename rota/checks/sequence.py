"""Rules over the order of one person's duties: one a date, overlap, rest, runs of days, successions.

Each check takes the person's duties in the horizon (``mine``) and those with their history before
it (``every``), both sorted by start; a violation made by history alone is never reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import pairwise

from rota.checks.base import Context, PersonInfo, Violation, clock, day_label, hours, num, plural, span
from rota.checks.registry import checks
from rota.records import Duty

DAY = timedelta(days=1)


def _worked(every: list[Duty]) -> list[date]:
    return sorted({d.date for d in every})


@checks("one_shift_per_date", scope="person")
def one_shift_per_date(
    ctx: Context, info: PersonInfo, mine: list[Duty], every: list[Duty], partial: bool
) -> Iterator[Violation]:
    pid = info.id
    by_date: dict[date, list[Duty]] = defaultdict(list)
    for d in mine:
        by_date[d.date].append(d)
    for day, ds in sorted(by_date.items()):
        if len(ds) > 1:
            names = ", ".join(f"{d.shift} ({d.role})" for d in ds)
            yield Violation(
                "one_shift_per_date", pid, day, f"{pid}: {len(ds)} shifts start on {day}: {names}"
            )


@checks("overlap", "min_rest", scope="person")
def overlap_and_rest(
    ctx: Context, info: PersonInfo, mine: list[Duty], every: list[Duty], partial: bool
) -> Iterator[Violation]:
    """Each duty against the earlier one that ends last: overlap if it starts before, else rest."""
    cal, pid = ctx.cal, info.id
    rest = info.rules.min_rest_hours
    latest: Duty | None = None
    for d in every:
        if latest is not None and (ctx.is_new(d) or ctx.is_new(latest)):
            if d.start < latest.end:
                yield Violation(
                    "overlap",
                    pid,
                    d.date,
                    f"{pid}: {d.shift} ({d.role}) on {d.date} ({clock(cal, d.start)}-"
                    f"{clock(cal, d.end)}) overlaps {latest.shift} ({latest.role}) on "
                    f"{latest.date} ({clock(cal, latest.start)}-{clock(cal, latest.end)})",
                    detail=f"{latest.role} {latest.shift}",
                )
            elif rest is not None and d.start - latest.end < rest * 60:
                gap = d.start - latest.end
                yield Violation(
                    "min_rest",
                    pid,
                    d.date,
                    f"{pid}: {hours(gap)} rest between {latest.shift} on {latest.date} and "
                    f"{d.shift} on {d.date}; min_rest_hours is {num(rest)}",
                    detail=f"{hours(gap)} after {latest.shift} on {day_label(latest.date)}",
                )
        if latest is None or d.end > latest.end:
            latest = d


def _runs(worked: list[date]) -> list[tuple[date, date]]:
    """Maximal runs of consecutive dates, as (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in worked:
        if runs and runs[-1][1] + DAY == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


@checks("max_consecutive_days", scope="person")
def max_consecutive_days(
    ctx: Context, info: PersonInfo, mine: list[Duty], every: list[Duty], partial: bool
) -> Iterator[Violation]:
    pid, limit, start = info.id, info.rules.max_consecutive_days, ctx.cal.start
    if limit is None:
        return
    for first, last in _runs(_worked(every)):
        length = (last - first).days + 1
        if length > limit and last >= start:
            yield Violation(
                "max_consecutive_days",
                pid,
                max(first + limit * DAY, start),
                f"{pid}: {length} dates in a row with a shift ({span(first, last)}); "
                f"max_consecutive_days is {limit}",
                detail=f"{length} in a row, max {limit}",
            )


@checks("min_consecutive_days", scope="person")
def min_consecutive_days(
    ctx: Context, info: PersonInfo, mine: list[Duty], every: list[Duty], partial: bool
) -> Iterator[Violation]:
    cal, pid, least = ctx.cal, info.id, info.rules.min_consecutive_days
    if least is None:
        return
    for first, last in _runs(_worked(every)):
        length = (last - first).days + 1
        if length < least and last >= cal.start and first > ctx.first_known and last < cal.end:
            yield Violation(
                "min_consecutive_days",
                pid,
                max(first, cal.start),
                f"{pid}: a run of {plural(length, 'working date')} ({span(first, last)}); "
                f"min_consecutive_days is {least}",
            )


@checks("min_consecutive_days_off", scope="person")
def min_consecutive_days_off(
    ctx: Context, info: PersonInfo, mine: list[Duty], every: list[Duty], partial: bool
) -> Iterator[Violation]:
    cal, pid, least = ctx.cal, info.id, info.rules.min_consecutive_days_off
    if least is None:
        return
    for before, after in pairwise(_worked(every)):
        off = (after - before).days - 1
        if 0 < off < least and after >= cal.start:
            yield Violation(
                "min_consecutive_days_off",
                pid,
                max(before + DAY, cal.start),
                f"{pid}: {plural(off, 'day')} off ({span(before + DAY, after - DAY)}) "
                f"between working dates; min_consecutive_days_off is {least}",
            )


@checks("forbidden_succession", scope="person")
def forbidden_succession(
    ctx: Context, info: PersonInfo, mine: list[Duty], every: list[Duty], partial: bool
) -> Iterator[Violation]:
    worked = {(d.date, d.shift) for d in every}
    for rule in info.rules.forbidden_successions:
        for day, shift in sorted(worked):
            nxt = day + DAY
            if shift == rule.first and (nxt, rule.then) in worked and nxt >= ctx.cal.start:
                yield Violation(
                    "forbidden_succession",
                    info.id,
                    nxt,
                    f"{info.id}: {rule.first} on {day} then {rule.then} on {nxt} is a forbidden succession",
                    detail=f"{rule.first} then {rule.then}",
                )
