"""The objective's terms, computed from a rota's duties alone (solver and validator share this meaning).

Units: gap terms in person-minutes; ``contract`` in minutes away from the contracted target;
``over_cover`` in person-minutes on duty beyond what demand needs;
``fairness`` in hundredths of a duty away from each person's proportional share of the duties
demand asks for;
``preferences`` in request-weight points; ``shift_cover`` in per-entry weight points.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import TypedDict

from rota import ledger, timeutil
from rota.calendar import Calendar
from rota.coverage import gap_minutes, gaps
from rota.records import Duty, GapStretch
from rota.team import ShiftDemandEntry

# Gaps first; then contract hours (3 per minute) above over-cover (2 per person-minute), so an extra
# duty beyond demand pays only when it brings someone toward their contract; over-cover above
# fairness: a fairer share (at most 200 hundredths for one duty more) never buys a duty of 100
# minutes or more that nothing needs.
DEFAULT_WEIGHTS: dict[str, float] = {
    "gap_core": 1000,
    "gap_other": 100,
    "shift_cover": 1,
    "contract": 3,
    "over_cover": 2,
    "fairness": 1,
    "preferences": 1,
}
FAIRNESS_SCALE = 100  # fairness is measured in hundredths of a duty


@dataclass
class Terms:
    gap_core: int = 0
    gap_other: int = 0
    shift_cover: int = 0
    contract: int = 0
    over_cover: int = 0
    fairness: int = 0
    preferences: float = 0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def weights(cal: Calendar) -> dict[str, float]:
    """The default weights overridden by the team file's ``weights``."""
    return {**DEFAULT_WEIGHTS, **cal.team.weights}


def weighted(terms: Terms, w: dict[str, float]) -> float:
    """The objective value: each term times its weight, summed."""
    total = sum(w[name] * value for name, value in terms.as_dict().items())
    return round(total, 6) if total != int(total) else int(total)


def compute_terms(cal: Calendar, duties: Iterable[Duty], stretches: list[GapStretch] | None = None) -> Terms:
    """Every objective term of a rota."""
    duties = list(duties)
    if stretches is None:
        stretches = gaps(cal, duties)
    core, other = gap_minutes(stretches)
    return Terms(
        gap_core=core,
        gap_other=other,
        shift_cover=shift_cover(cal, duties),
        contract=sum(
            abs(v["worked"] - v["target"]) for v in hours(cal, duties).values() if v["target"] is not None
        ),
        over_cover=sum(over_cover_by_role(cal, duties, stretches).values()),
        fairness=sum(fairness_by_role(cal, duties).values()) + ledger.cost(cal, duties),
        preferences=preference_cost(cal, duties),
    )


class PersonHours(TypedDict):
    """One person's line of ``hours``."""

    worked: int
    target: int | None
    workable_dates: int
    basis: str | None


def hours(cal: Calendar, duties: Iterable[Duty]) -> dict[str, PersonHours]:
    """Per person: minutes worked, contracted target minutes (None without a contract), workable
    dates and how the target was computed ("20 workable dates × 7.5 h")."""
    worked: Counter[str] = Counter()
    for d in duties:
        worked[d.person] += d.minutes
    return {
        p.id: {
            "worked": worked[p.id],
            "target": cal.target_minutes(p.id),
            "workable_dates": cal.workable_dates(p.id),
            "basis": cal.target_basis(p.id),
        }
        for p in cal.team.people
    }


def demand_minutes(cal: Calendar, role: str) -> int:
    """Person-minutes the role's demand windows ask for over the horizon."""
    return sum(seg.required * (seg.end - seg.start) for seg in cal.requirement(role))


def over_cover_by_role(
    cal: Calendar, duties: Iterable[Duty], stretches: list[GapStretch] | None = None
) -> dict[str, int]:
    """Per role: person-minutes on duty beyond what demand needs.

    A role with demand windows: its duty minutes less the demand minutes it covers (demand less
    gaps), i.e. people over the headcount and duty outside demand. A role with per-shift demand
    (``shift_demand``): people beyond the largest ``min`` of a shift's entries that date, times
    the shift's minutes."""
    duties = list(duties)
    if stretches is None:
        stretches = gaps(cal, duties)
    out: dict[str, int] = {}
    for role in cal.team.roles:
        mine = [d for d in duties if d.role == role]
        if cal.team.roles[role].shift_demand:
            need: dict[tuple[str, object], int] = {}
            for entry, day in cal.shift_demand_dates(role):
                need[(entry.shift, day)] = max(need.get((entry.shift, day), 0), entry.min)
            count = Counter((d.shift, d.date) for d in mine)
            out[role] = sum(max(0, n - need.get(key, 0)) * cal.slot(*key).minutes for key, n in count.items())
        else:
            short = sum(g.person_minutes for g in stretches if g.role == role)
            out[role] = sum(d.minutes for d in mine) - demand_minutes(cal, role) + short
    return out


def eligible(cal: Calendar, role: str) -> list[str]:
    """People holding every skill the role needs."""
    need = set(cal.team.roles[role].skills)
    return [p.id for p in cal.team.people if need <= set(p.skills)]


def duty_counts(cal: Calendar, duties: Iterable[Duty]) -> dict[str, dict[str, int]]:
    """Per role: duties of each eligible person."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for d in duties:
        counts[d.role][d.person] += 1
    return {role: {p: counts[role][p] for p in eligible(cal, role)} for role in cal.team.roles}


def duty_target(cal: Calendar, role: str) -> int:
    """The duties a role's demand asks for, from the team file alone (the T of ``fairness_by_role``).

    Per-shift demand: the largest ``min`` of each shift's entries on each date it holds. Demand
    windows: their person-minutes over the horizon divided by the longest slot offered in the role,
    rounded up (the fewest duties that could cover them; exact when shifts tile the windows)."""
    need: dict[tuple[str, object], int] = {}
    for entry, day in cal.shift_demand_dates(role):
        need[(entry.shift, day)] = max(need.get((entry.shift, day), 0), entry.min)
    total = sum(need.values())
    minutes = demand_minutes(cal, role)
    if minutes:
        longest = max((s.minutes for s in cal.slots if role in cal.offered_roles(s.shift, s.date)), default=0)
        if longest:
            total += -(-minutes // longest)
    return total


def fairness_by_role(cal: Calendar, duties: Iterable[Duty]) -> dict[str, int]:
    """Per role: Σ floor(100·|A·n_p − a_p·T| / A) over eligible people.

    n_p is a person's duty count in the role, a_p their workable dates, A the sum of a_p and T the
    duties the role's demand asks for (``duty_target``, a constant of the team file): how far, in
    hundredths of a duty, each person is from a share of that work proportional to availability.
    """
    out = {}
    for role, counts in duty_counts(cal, duties).items():
        avail = {p: cal.workable_dates(p) for p in counts}
        total_a = sum(avail.values())
        if len(counts) < 2 or total_a == 0:
            out[role] = 0
            continue
        target = duty_target(cal, role)
        out[role] = sum(
            FAIRNESS_SCALE * abs(total_a * n - avail[p] * target) // total_a for p, n in counts.items()
        )
    return out


def preference_cost(cal: Calendar, duties: Iterable[Duty]) -> float:
    """Points for wishes not met: each duty off a person's preferred shifts, on an avoided shift
    or an avoided weekday costs 1; each unmet dated request costs its weight."""
    by_person: dict[str, list[Duty]] = defaultdict(list)
    for d in duties:
        by_person[d.person].append(d)
    cost = 0.0
    for p in cal.team.people:
        mine = by_person.get(p.id, [])
        prefs = p.preferences
        avoid_days = timeutil.parse_days(prefs.avoid_days) if prefs.avoid_days else frozenset()
        for d in mine:
            cost += duty_preference_cost(prefs.prefer_shifts, prefs.avoid_shifts, avoid_days, d)
        worked = {(d.date, d.shift) for d in mine}
        dates = {d.date for d in mine}
        for req in prefs.requests:
            if not cal.start <= req.date <= cal.end:
                continue
            on = (req.date, req.shift) in worked if req.shift else req.date in dates
            if on != (req.want == "on"):
                cost += req.weight
    return round(cost, 6)


def duty_preference_cost(prefer: list[str], avoid: list[str], avoid_days: frozenset[int], duty: Duty) -> int:
    """The fixed preference points one duty costs (requests aside)."""
    return (
        int(bool(prefer) and duty.shift not in prefer)
        + int(duty.shift in avoid)
        + int(duty.date.weekday() in avoid_days)
    )


def shift_cover(cal: Calendar, duties: Iterable[Duty]) -> int:
    """Weighted people short of (and over) each role's per-shift demand on each date it holds."""
    count: Counter[tuple[str, str, object]] = Counter((d.role, d.shift, d.date) for d in duties)
    total = 0
    for role in cal.team.roles:
        for entry, day in shift_demand_dates(cal, role):
            n = count[(role, entry.shift, day)]
            total += max(0, entry.min - n) * entry.weight_under
            if entry.max is not None:
                total += max(0, n - entry.max) * entry.weight_over
    return total


def shift_demand_dates(cal: Calendar, role: str) -> Iterator[tuple[ShiftDemandEntry, date]]:
    """(entry, date) of each per-shift demand entry on each open date its shift may start."""
    return cal.shift_demand_dates(role)
