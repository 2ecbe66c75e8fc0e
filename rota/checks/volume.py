"""Rules over how much one person works: weekly and period hours, limits, weekends.

A "max" rule is dated at the duty that takes the count over (history counts but is never blamed);
a "min" rule at the start of the week, month or period it falls short in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator
from datetime import date

from rota import timeutil
from rota.checks.base import (
    Context,
    PersonInfo,
    Violation,
    hours,
    limit_label,
    limit_target,
    num,
    plural,
    week_label,
)
from rota.checks.registry import checks
from rota.records import Duty
from rota.team import Limit


@checks("max_hours_per_week", scope="person")
def max_hours_per_week(
    ctx: Context, info: PersonInfo, mine: list[Duty], every: list[Duty], partial: bool
) -> Iterator[Violation]:
    if info.rules.max_hours_per_week is not None:
        yield from _weekly_hours(ctx, info.id, every, info.rules.max_hours_per_week)


@checks("limit_max", "limit_min", scope="person")
def limits(
    ctx: Context, info: PersonInfo, mine: list[Duty], every: list[Duty], partial: bool
) -> Iterator[Violation]:
    """Each limit's max, and (unless ``partial``) its min."""
    for lim in info.limits:
        yield from _limit(ctx, info.id, every, lim, partial=partial)


@checks("max_weekends", scope="person")
def max_weekends(
    ctx: Context, info: PersonInfo, mine: list[Duty], every: list[Duty], partial: bool
) -> Iterator[Violation]:
    rule = info.rules.max_weekends
    if rule is not None:
        yield from _weekends(ctx, info.id, every, rule.max, rule.per)


@checks("max_hours_per_period", scope="person")
def max_hours_per_period(
    ctx: Context, info: PersonInfo, mine: list[Duty], every: list[Duty], partial: bool
) -> Iterator[Violation]:
    pid = info.id
    total = sum(d.minutes for d in mine)
    top = info.rules.max_hours_per_period
    if top is not None and total > top * 60:
        running, day = 0, mine[-1].date
        for d in mine:
            running += d.minutes
            if running > top * 60:
                day = d.date
                break
        yield Violation(
            "max_hours_per_period",
            pid,
            day,
            f"{pid}: {hours(total)} over the period; max_hours_per_period is {num(top)}",
            detail=f"{hours(total)} with it, max {num(top)}",
        )


@checks("min_hours_per_period", scope="person")
def min_hours_per_period(
    ctx: Context, info: PersonInfo, mine: list[Duty], every: list[Duty], partial: bool
) -> Iterator[Violation]:
    pid = info.id
    total = sum(d.minutes for d in mine)
    least = info.rules.min_hours_per_period
    if least is not None and total < least * 60:
        yield Violation(
            "min_hours_per_period",
            pid,
            ctx.cal.start,
            f"{pid}: {hours(total)} over the period; min_hours_per_period is {num(least)}",
        )


def _over(ctx: Context, items: list[tuple[Duty, float]], cap: float) -> Duty | None:
    """The first new duty at which the running total of ``items`` passes ``cap`` (None if it never does)."""
    running = 0.0
    for d, amount in items:
        running += amount
        if running > cap and ctx.is_new(d):
            return d
    return None


def _group(every: list[Duty], key: Callable[[Duty], Hashable]) -> dict[Hashable, list[Duty]]:
    out: dict[Hashable, list[Duty]] = defaultdict(list)
    for d in every:
        out[key(d)].append(d)
    return out


def _weekly_hours(ctx: Context, pid: str, every: list[Duty], top: float) -> Iterator[Violation]:
    for ds in _group(every, lambda d: timeutil.iso_week(d.date)).values():
        hit = _over(ctx, [(d, d.minutes) for d in ds], top * 60)
        if hit is not None:
            total = sum(d.minutes for d in ds)
            yield Violation(
                "max_hours_per_week",
                pid,
                hit.date,
                f"{pid}: {hours(total)} in {week_label(ds[0].date)}; max_hours_per_week is {num(top)}",
                detail=f"{hours(total)} with it, max {num(top)}",
            )


def _limit(ctx: Context, pid: str, every: list[Duty], lim: Limit, *, partial: bool) -> Iterator[Violation]:
    cal = ctx.cal
    matching = [d for d in every if lim.counts(d.role, d.shift)]
    if lim.per == "period":  # history is outside it
        matching = [d for d in matching if ctx.is_new(d)]

    def key(day: date) -> Hashable:
        return timeutil.bucket(lim.per, day)

    what = f"{limit_target(lim)} assignments" if lim.role or not lim.shift else limit_target(lim)
    groups = _group(matching, lambda d: key(d.date))
    if lim.max is not None:
        for ds in groups.values():
            hit = _over(ctx, [(d, 1) for d in ds], lim.max)
            if hit is not None:
                label = limit_label(lim, "max")
                yield Violation(
                    "limit_max",
                    pid,
                    hit.date,
                    f"{pid}: {len(ds)} {what} in {_window(lim.per, hit.date)}; limit is {label}",
                    detail=label,
                )
    if lim.min is not None and not partial:
        for first in timeutil.whole_windows(lim.per, cal.start, cal.end):
            n = len(groups.get(key(first), []))
            if n < lim.min:
                yield Violation(
                    "limit_min",
                    pid,
                    first,
                    f"{pid}: {n} {what} in {_window(lim.per, first)}; limit is {limit_label(lim, 'min')}",
                )


def _window(per: timeutil.Per, day: date) -> str:
    if per == "week":
        return week_label(day)
    return f"{day:%B %Y}" if per == "month" else "the period"


def _weekends(ctx: Context, pid: str, every: list[Duty], top: int, per: timeutil.Per) -> Iterator[Violation]:
    """Weekends (Saturday and Sunday of an ISO week) with a shift starting, per month or period."""
    weekends: dict[date, list[Duty]] = defaultdict(list)  # keyed by the Saturday
    for d in every:
        if d.date.weekday() >= 5:
            weekends[timeutil.saturday(d.date)].append(d)
    if per == "period":
        weekends = {sat: ds for sat, ds in weekends.items() if any(ctx.is_new(d) for d in ds)}
    groups: dict[Hashable, list[date]] = defaultdict(list)
    for sat in sorted(weekends):
        groups[timeutil.bucket(per, sat)].append(sat)
    for sats in groups.values():
        worked: list[tuple[Duty, float]] = [
            (min((d for d in weekends[s] if ctx.is_new(d)), default=weekends[s][0]), 1) for s in sats
        ]
        hit = _over(ctx, worked, top)
        if hit is not None:
            where = f"{sats[0]:%B %Y}" if per == "month" else "the period"
            yield Violation(
                "max_weekends",
                pid,
                hit.date,
                f"{pid}: {plural(len(sats), 'weekend')} worked in {where}; max_weekends is {top} per {per}",
                detail=f"{plural(len(sats), 'weekend')} with it, max {top} per {per}",
            )
