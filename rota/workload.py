"""Demand from workload: contacts per interval, handling time and a service-level target → the
headcount each interval needs (Erlang C), and the service level a given headcount gives.

The queue is M/M/N (Erlang C): contacts arrive at random (Poisson) at rate λ, each takes an
exponentially distributed handling time of mean ``h`` seconds, N agents answer in turn and no one
hangs up. With traffic A = λ·h erlangs and N > A agents, the probability that a contact waits is

    C(N, A) = N·B / (N − A·(1 − B)),  B = Erlang B(N, A), by the recursion
    B(0) = 1,  B(k) = A·B(k−1) / (k + A·B(k−1))

and the share answered within ``t`` seconds (the service level) is

    SL = 1 − C(N, A) · exp(−(N − A)·t / h).

Sources: A. K. Erlang (1917); the formulas as in L. Kleinrock, *Queueing Systems*, vol. 1 (Wiley,
1975), §3.5 (M/M/m), and for the service level G. Koole, *Call Center Optimization* (MG books,
2013), ch. 5; the Erlang B recursion avoids the factorials overflowing. The agents on the phones are
paid time less shrinkage (breaks, training, leave not in the rota): the headcount to roster is
⌈N / (1 − shrinkage)⌉. The tests check N against a discrete-event simulation (``simpy``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date as Date

    from rota.calendar import Calendar
    from rota.records import Duty
    from rota.team import DemandEntry, Team, Workload

MAX_AGENTS = 10_000


def erlang_c(agents: int, traffic: float) -> float:
    """The probability a contact waits, with ``agents`` answering ``traffic`` erlangs (1 when the
    queue grows without end: agents ≤ traffic)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return agents * b / (agents - traffic * (1 - b))


def service_level(
    agents: int, contacts: float, interval_s: float, handling_s: float, within_s: float
) -> float:
    """The share of contacts answered within ``within_s`` seconds: ``contacts`` per interval of
    ``interval_s`` seconds, ``handling_s`` seconds each on average, ``agents`` answering."""
    if contacts <= 0:
        return 1.0
    traffic = contacts / interval_s * handling_s
    if agents <= traffic:
        return 0.0
    return 1 - erlang_c(agents, traffic) * math.exp(-(agents - traffic) * within_s / handling_s)


def agents_needed(
    contacts: float, interval_s: float, handling_s: float, share: float, within_s: float
) -> int:
    """The fewest agents whose service level reaches ``share`` (0 for no contacts)."""
    if contacts <= 0:
        return 0
    traffic = contacts / interval_s * handling_s
    n = max(1, math.floor(traffic) + 1)
    while service_level(n, contacts, interval_s, handling_s, within_s) < share:
        n += 1
        if n > MAX_AGENTS:
            raise ValueError(f"more than {MAX_AGENTS} agents needed for {contacts:g} contacts an interval")
    return n


def headcount(agents: int, shrinkage: float) -> int:
    """People to roster so that ``agents`` are on the phones after ``shrinkage``."""
    return math.ceil(agents / (1 - shrinkage) - 1e-9)


@dataclass(frozen=True)
class Step:
    """One interval of a workload's step function (local clock times, as the team file says them)."""

    days: str | list[str]
    dates: tuple[str, ...] | None
    start: str  # "HH:MM"
    end: str
    contacts: float
    agents: int
    headcount: int
    service_level: float  # with ``agents`` on the phones


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def steps(workload: Workload) -> list[Step]:
    """Each contact entry cut into ``interval``-minute steps, with the agents and headcount each needs."""
    out = []
    target = workload.target
    for entry in workload.contacts:
        a, b = (_minutes(t) for t in entry.time.split("-"))
        counts = entry.contacts_per_interval(workload.interval)
        for k, contacts in enumerate(counts):
            s = a + k * workload.interval
            e = min(b, s + workload.interval)
            agents = agents_needed(
                contacts, workload.interval * 60, workload.handling_time, target.share, target.within
            )
            out.append(
                Step(
                    entry.days,
                    None if entry.dates is None else tuple(d.isoformat() for d in entry.dates),
                    _clock(s),
                    _clock(e),
                    contacts,
                    agents,
                    headcount(agents, workload.shrinkage),
                    service_level(
                        agents, contacts, workload.interval * 60, workload.handling_time, target.within
                    ),
                )
            )
    return out


def demand_entries(workload: Workload) -> list[DemandEntry]:
    """The workload as demand entries, one per interval with a headcount above 0 (entries of a role do
    not add up: the role needs the highest of its typed and its workload demand at each moment)."""
    from rota.team import DemandEntry

    return [
        DemandEntry.model_validate(
            {
                "days": s.days,
                "dates": list(s.dates) if s.dates is not None else None,
                "time": f"{s.start}-{s.end}",
                "min": s.headcount,
            }
        )
        for s in steps(workload)
        if s.headcount > 0
    ]


@dataclass(frozen=True)
class Row:
    """One interval of a role's demand on one date: the workload's figures beside the typed demand."""

    date: str
    start: str
    end: str
    contacts: float | None  # None: no workload entry holds then
    agents: int | None
    headcount: int | None
    service_level: float | None
    typed: int
    required: int  # what the rota must cover: the higher of the two
    on_duty: int | None = None  # in the rota given: the fewest at any moment of the interval
    predicted: float | None = None  # the service level those people give (after shrinkage)


def profile(
    team: Team, role: str, first: Date, last: Date, duties: Iterable[Duty] | None = None
) -> list[Row]:
    """The role's demand step function over ``first``..``last`` (open dates), interval by interval:
    the contacts, agents and headcount of its workload beside its typed demand, and the requirement
    the rota is made against (the higher). With a rota's ``duties``: the people on duty in the role
    through each interval (the fewest at any moment) and the service level they are predicted to give."""
    from rota.calendar import Calendar

    spec = team.roles[role]
    typed_team = team.model_copy(
        update={"roles": {**team.roles, role: spec.model_copy(update={"workload": None})}}
    )
    cal = Calendar(team, first, last)
    typed_cal = Calendar(typed_team, first, last)
    work = spec.workload
    step = work.interval if work is not None else 30
    mine = None if duties is None else [x for x in duties if x.role == role]
    out = []
    for d in cal.open_dates:
        for a, b in cal.opening[d]:
            t = a
            while t < b:
                u = min(b, t + step)
                here = _step_at(work, d, cal.instant(t).strftime("%H:%M")) if work is not None else None
                on = None if mine is None else on_duty_through(mine, t, u)
                predicted = (
                    None
                    if on is None or here is None or work is None
                    else predicted_service_level(work, on, here.contacts)
                )
                out.append(
                    Row(
                        d.isoformat(),
                        cal.instant(t).strftime("%H:%M"),
                        cal.instant(u).strftime("%H:%M"),
                        None if here is None else here.contacts,
                        None if here is None else here.agents,
                        None if here is None else here.headcount,
                        None if here is None else here.service_level,
                        _need(typed_cal, role, t),
                        _need(cal, role, t),
                        on,
                        predicted,
                    )
                )
                t = u
    return out


def _need(cal: Calendar, role: str, t: int) -> int:
    return max((s.required for s in cal.requirement(role) if s.start <= t < s.end), default=0)


def _step_at(work: Workload, day: Date, clock: str) -> Step | None:
    """The workload step holding at a local clock time on a date (the highest headcount, as demand does)."""
    from rota import timeutil

    best = None
    for s in steps(work):
        if day.weekday() not in timeutil.parse_days(s.days):
            continue
        if s.dates is not None and day.isoformat() not in s.dates:
            continue
        if s.start <= clock < s.end and (best is None or s.headcount > best.headcount):
            best = s
    return best


def predicted_service_level(work: Workload, on_duty: int, contacts: float) -> float:
    """The service level ``on_duty`` rostered people give (after shrinkage) for ``contacts`` an interval."""
    agents = math.floor(on_duty * (1 - work.shrinkage) + 1e-9)
    return service_level(agents, contacts, work.interval * 60, work.handling_time, work.target.within)


DAY_IDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def contact_profile(created: list[datetime], interval: int = 30) -> list[dict[str, Any]]:
    """Workload ``contacts`` entries from a history of contacts (local, timezone-aware created-at
    times): per weekday, the average number per ``interval`` minutes over the weeks the history
    spans (every such weekday from the first contact's date to the last's counts, quiet ones too),
    over the window from the first to the last interval with any contact that weekday."""
    if not created:
        return []
    counts: dict[tuple[int, int], int] = {}
    for t in created:
        slot = (t.hour * 60 + t.minute) // interval
        counts[(t.weekday(), slot)] = counts.get((t.weekday(), slot), 0) + 1
    first, last = min(t.date() for t in created), max(t.date() for t in created)
    days_seen = [0] * 7
    d = first
    while d <= last:
        days_seen[d.weekday()] += 1
        d += timedelta(days=1)
    out = []
    for wd in range(7):
        slots = sorted(k for w, k in counts if w == wd)
        if not slots:
            continue
        a, b = slots[0], slots[-1] + 1
        values = [round(counts.get((wd, k), 0) / days_seen[wd], 2) for k in range(a, b)]
        out.append(
            {
                "days": DAY_IDS[wd],
                "time": f"{_clock(a * interval)}-{_clock(min(1440, b * interval))}",
                "contacts": values,
            }
        )
    return out


def on_duty_through(duties: list[Duty], start: int, end: int) -> int:
    """The fewest of ``duties`` on duty at any moment of ``start``..``end`` (epoch minutes)."""
    moments = {start} | {t for d in duties for t in (d.start, d.end) if start < t < end}
    return min(sum(1 for d in duties if d.start <= t < d.end) for t in moments)


def service_levels(cal: Calendar, duties: Iterable[Duty]) -> list[dict[str, Any]]:
    """For each role with a workload, each interval of its contacts on each open date of the calendar:
    the people on duty in the rota (the fewest at any moment of the interval) and the service level
    they are predicted to give, against the target — "62 % answered within 20 s", not just "1 short"."""
    from rota import timeutil

    out: list[dict[str, Any]] = []
    every = list(duties)
    for role, spec in cal.team.roles.items():
        work = spec.workload
        if work is None:
            continue
        mine = [d for d in every if d.role == role]
        for s in steps(work):
            days = timeutil.parse_days(s.days)
            for d in cal.open_dates:
                if d.weekday() not in days or (s.dates is not None and d.isoformat() not in s.dates):
                    continue
                a = timeutil.local_minutes(d, _minutes(s.start), cal.tz)
                b = timeutil.local_minutes(d, _minutes(s.end), cal.tz)
                on = on_duty_through(mine, a, b)
                level = predicted_service_level(work, on, s.contacts)
                out.append(
                    {
                        "role": role,
                        "date": d.isoformat(),
                        "start": cal.iso(a),
                        "end": cal.iso(b),
                        "contacts": s.contacts,
                        "headcount": s.headcount,
                        "on_duty": on,
                        "service_level": round(level, 4),
                        "target": work.target.share,
                        "met": level >= work.target.share,
                        "text": f"{level:.0%} answered within {work.target.within:g} s",
                    }
                )
    out.sort(key=lambda r: (r["start"], r["role"]))
    return out
