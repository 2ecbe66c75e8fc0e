"""Runs of dates: at most N dates in a row worked, and (extensions) minimum runs worked and off."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model_helper
from ortools.sat.python.cp_model import LinearExpr

from rota import timeutil
from rota.records import Duty, Slot
from rota.solver.context import Ctx
from rota.solver.rules.registry import builds, guards
from rota.team import Rules

if TYPE_CHECKING:
    from rota.solver.greedy import Greedy

ONE = timedelta(days=1)
Status = cp_model_helper.Literal | bool | None  # a literal (or its negation), a constant, or unknown


@builds("max_consecutive_days", order=40)
def max_consecutive_days(ctx: Ctx) -> None:
    """Every N+1 dates in a row hold at most N worked dates: closed dates count 0, history as worked."""
    cal = ctx.cal
    for person in ctx.person_date:
        limit = cal.rules(person).max_consecutive_days
        if limit is None:
            continue
        hist = ctx.history_dates.get(person, set())
        first = cal.start - timedelta(days=limit)
        days = timeutil.date_range(first, cal.end)
        lits = [ctx.work.get((person, d)) if d >= cal.start else None for d in days]
        const = [int(d < cal.start and d in hist) for d in days]
        for w in range(len(days) - limit):
            window = [v for v in lits[w : w + limit + 1] if v is not None]
            fixed = sum(const[w : w + limit + 1])
            if window and fixed + len(window) > limit:
                ctx.model.add(LinearExpr.sum(window) <= limit - fixed)


@builds("min_consecutive_days", order=110)
def min_consecutive_days(ctx: Ctx) -> None:
    """A run of worked dates is at least N long unless it touches either end of the known dates."""
    _everyones_min_runs(ctx, "min_consecutive_days", on=True)


@builds("min_consecutive_days_off", order=120)
def min_consecutive_days_off(ctx: Ctx) -> None:
    """A run of dates off is at least N long unless it touches either end of the known dates."""
    _everyones_min_runs(ctx, "min_consecutive_days_off", on=False)


def _everyones_min_runs(ctx: Ctx, rule: str, *, on: bool) -> None:
    """The minimum runs of each person whose ``rule`` (a field of their rules) is above 1."""
    for person in ctx.person_date:
        n: int | None = getattr(ctx.cal.rules(person), rule)
        if n is not None and n > 1:
            _min_runs(ctx, person, n, on=on, rule=rule)


def _state(ctx: Ctx, person: str, day: date, on: bool) -> Status:
    """The person's status on ``day`` in the sense of the run (worked when ``on``, off otherwise)."""
    s = ctx.worked(person, day)
    if s is None or on:
        return s
    return (not s) if isinstance(s, bool) else ~s


def _min_runs(ctx: Ctx, person: str, n: int, on: bool, rule: str) -> None:
    """For each date d a run may start: in(d) ∧ ¬in(d−1) ⇒ in(d+i) for i < N up to the horizon's end."""
    cal = ctx.cal
    enforce = ctx.enforce(rule, person)
    first = max(ctx.first_known + ONE, cal.start - timedelta(days=n - 1))
    for day in timeutil.date_range(first, cal.end):
        here, prev = _state(ctx, person, day, on), _state(ctx, person, day - ONE, on)
        if here is None or prev is None or here is False or prev is True:
            continue
        if day < cal.start and not all(
            _state(ctx, person, d, on) is True for d in timeutil.date_range(day, cal.start - ONE)
        ):
            continue  # the run ends inside the history: nothing the rota can change
        base = [] if here is True else [~here]
        base += [] if prev is False else [prev]
        for i in range(1, min(n - 1, (cal.end - day).days) + 1):
            later = _state(ctx, person, day + timedelta(days=i), on)
            if later is True:
                continue
            assert later is not None  # day + i lies inside the horizon, where every date is known
            clause = base if later is False else [*base, later]
            ctx.model.add_bool_or(clause).only_enforce_if(enforce)


# -- greedy guard -------------------------------------------------------------------------------
@guards("max_consecutive_days")
def run_allowed(g: Greedy, p: str, role: str, s: Slot, rules: Rules) -> bool:
    """The run of worked dates the slot would make (history included) is within the limit."""
    return rules.max_consecutive_days is None or _run(g.on[p], s.date) <= rules.max_consecutive_days


def _run(on: dict[date, Duty], day: date) -> int:
    """Length of the run of worked dates ``day`` would make."""
    n, d = 1, day - ONE
    while d in on:
        n, d = n + 1, d - ONE
    d = day + ONE
    while d in on:
        n, d = n + 1, d + ONE
    return n
