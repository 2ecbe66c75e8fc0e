"""The fairness ledger (issue 24): per person and category, duties done against a fair share, across rotas.

A team file's ``fairness`` block names the categories that count (weekend days, public-holiday duties,
night and late shifts, a role's duties, hours against contract), their weights and a rolling window.
Each calendar month of published history contributes, per eligible person, the duties they did in a
category less their share of everyone's: the category's duties that month × their workable dates of the
category ÷ everyone's (pro rata, as the per-rota fairness is: a starter, a leaver or a long absence has
fewer workable dates, so a smaller share, never a debt). The balance is the sum over the window, plus
the team's opening balance while its date is inside the window. Positive: more than their share. A
month without any published duty (before the team used rota) adds nothing, hours included.

Units: hundredths of a duty for duty categories, minutes for ``hours`` (worked − contracted target).
The objective's ledger part (``cost``) is what the solver's ``rota.solver.objective._ledger`` builds: per
category and eligible person, weight × ⌊|A·B + 100·(A·n − a·N)| / A⌋ (B the balance the rota starts
from in hundredths, less the eligible people's mean: ``starting``; n their duties in the category, a
their workable dates of it, A and N the totals over the eligible people), and weight ×
⌊100·|B + worked − target| / 60⌋ for hours.
"""

from __future__ import annotations

import calendar as monthdays
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any
from weakref import WeakKeyDictionary

from rota import timeutil
from rota.calendar import Calendar
from rota.records import Duty
from rota.team import LEDGER_CATEGORIES, Fairness, Team

SCALE = 100  # duty balances are kept in hundredths of a duty
LABELS = {
    "weekend": "weekend days",
    "holiday": "public-holiday duties",
    "night": "night shifts",
    "late": "late shifts",
    "hours": "hours against contract",
}
NIGHT_CLOCK = 3 * 60  # a shift on duty at 03:00 is a night shift
LATE_END = 20 * 60  # a shift (not a night) that ends after 20:00 is a late shift


@dataclass(frozen=True)
class Category:
    """One thing the ledger counts: ``id`` ("weekend", "role:smod", "hours"), its weight and label."""

    id: str
    weight: int
    label: str

    @property
    def hours(self) -> bool:
        return self.id == "hours"

    @property
    def role(self) -> str | None:
        return self.id.removeprefix("role:") if self.id.startswith("role:") else None


def categories(team: Team) -> list[Category]:
    """The categories the team's ledger counts: the named ones in a fixed order, then roles in file order."""
    spec = team.fairness
    if spec is None:
        return []
    out = [Category(c, spec.categories[c], LABELS[c]) for c in LEDGER_CATEGORIES if c in spec.categories]
    for rid, weight in spec.roles.items():
        role = team.roles.get(rid)
        name = role.name if role is not None and role.name else rid
        out.append(Category(f"role:{rid}", weight, f"{name} duties"))
    return out


def _on_at(start: int, end: int, clock: int) -> bool:
    """Whether a shift template start..end (end ≤ start: the next day) is on duty at ``clock``."""
    if end <= start:
        end += 1440
    return start <= clock < end or start <= clock + 1440 < end


def night_shifts(team: Team, spec: Fairness) -> frozenset[str]:
    """The team's night shifts: ``night_shifts`` when given, else the shifts on duty at 03:00."""
    if spec.night_shifts is not None:
        return frozenset(spec.night_shifts)
    out = set()
    for sid, s in team.shifts.items():
        a, b = timeutil.parse_clock(s.start), timeutil.parse_clock(s.end, allow_24=True)
        if _on_at(a, b, NIGHT_CLOCK):
            out.add(sid)
    return frozenset(out)


def late_shifts(team: Team, spec: Fairness) -> frozenset[str]:
    """The team's late shifts: ``late_shifts`` when given, else the shifts that are not nights and end
    after 20:00 (or after midnight)."""
    if spec.late_shifts is not None:
        return frozenset(spec.late_shifts)
    nights = night_shifts(team, spec)
    out = set()
    for sid, s in team.shifts.items():
        a, b = timeutil.parse_clock(s.start), timeutil.parse_clock(s.end, allow_24=True)
        if sid not in nights and (b <= a or b > LATE_END):
            out.add(sid)
    return frozenset(out)


class Scope:
    """One calendar's facts per category: which duties count, who is eligible, their workable dates."""

    def __init__(self, cal: Calendar):
        self.cal = cal
        team = cal.team
        spec = team.fairness
        assert spec is not None, "the team has no fairness block"
        self.spec = spec
        self.categories = categories(team)
        self.nights = night_shifts(team, spec)
        self.lates = late_shifts(team, spec)

    @cached_property
    def holidays(self) -> frozenset[date]:
        spec = self.spec.holidays or self.cal.team.holidays
        if spec is None:
            return frozenset()
        import holidays

        years = range(self.cal.start.year, self.cal.end.year + 1)
        found = holidays.country_holidays(spec.country, subdiv=spec.subdivision, years=years)
        return frozenset(d for d in found if self.cal.start <= d <= self.cal.end)

    def counts(self, cat: Category, role: str, shift: str, day: date) -> bool:
        """Whether a duty in ``role`` over ``shift`` on ``day`` counts in ``cat`` (never for ``hours``)."""
        if cat.id == "weekend":
            return day.weekday() >= 5
        if cat.id == "holiday":
            return day in self.holidays
        if cat.id == "night":
            return shift in self.nights
        if cat.id == "late":
            return shift in self.lates
        return cat.role == role

    @cached_property
    def _workable(self) -> dict[str, list[date]]:
        """Per person: the dates they could work (the dates ``Calendar.workable_dates`` counts)."""
        cal = self.cal
        out = {}
        for p in cal.team.people:
            spans = cal.unavailable(p.id)
            days = timeutil.parse_days(p.days)
            mine = []
            for d in cal.open_dates:
                if d.weekday() not in days:
                    continue
                a, b = cal.window(d, 0, 1440)
                if not any(s <= a and b <= e for s, e, _ in spans):
                    mine.append(d)
            out[p.id] = mine
        return out

    def eligible(self, cat: Category) -> list[str]:
        """People with the skills of a role whose duties count in ``cat`` (with a contract, for hours)."""
        team = self.cal.team
        if cat.hours:
            return [p.id for p in team.people if p.hours_per_week is not None]
        if cat.role is not None:
            roles = [cat.role] if cat.role in team.roles else []
        elif cat.id in ("night", "late"):
            shifts = self.nights if cat.id == "night" else self.lates
            roles = sorted({r for s in shifts if s in team.shifts for r in team.shift_roles(s)})
        else:
            roles = list(team.roles)
        return [p.id for p in team.people if any(set(team.roles[r].skills) <= set(p.skills) for r in roles)]

    def workable(self, cat: Category, person: str) -> int:
        """The person's workable dates that can hold a duty of ``cat`` (weekend days, holidays, or all)."""
        dates = self._workable[person]
        if cat.id == "weekend":
            return sum(1 for d in dates if d.weekday() >= 5)
        if cat.id == "holiday":
            return sum(1 for d in dates if d in self.holidays)
        return len(dates)

    def shares(self, cat: Category) -> tuple[dict[str, int], int]:
        """(a_p per eligible person, A): the workable dates behind each share; A is 1 (shares 0) when
        nobody eligible can work the category at all."""
        avail = {p: self.workable(cat, p) for p in self.eligible(cat)}
        total = sum(avail.values())
        if total == 0:
            return dict.fromkeys(avail, 0), 1
        return avail, total


_SCOPES: WeakKeyDictionary[Calendar, Scope] = WeakKeyDictionary()
_OPENING: WeakKeyDictionary[Calendar, dict[str, dict[str, int]]] = WeakKeyDictionary()


def scope(cal: Calendar) -> Scope:
    """The calendar's ``Scope`` (made once per calendar)."""
    found = _SCOPES.get(cal)
    if found is None:
        found = _SCOPES[cal] = Scope(cal)
    return found


def contribution(cal: Calendar, duties: Iterable[Duty]) -> dict[str, dict[str, int]]:
    """Per category and eligible person: what the calendar's duties add to their balance (hundredths of
    a duty over their share; minutes over their target for ``hours``)."""
    sc = scope(cal)
    duties = [d for d in duties if cal.start <= d.date <= cal.end]
    out: dict[str, dict[str, int]] = {}
    for cat in sc.categories:
        people = sc.eligible(cat)
        if cat.hours:
            worked: Counter[str] = Counter()
            for d in duties:
                worked[d.person] += d.minutes
            out[cat.id] = {p: worked[p] - (cal.target_minutes(p) or 0) for p in people}
            continue
        n = Counter(d.person for d in duties if sc.counts(cat, d.role, d.shift, d.date))
        avail, total_a = sc.shares(cat)
        total_n = sum(n[p] for p in people)
        # the share rounded to a hundredth, half up, in integers
        out[cat.id] = {
            p: SCALE * n[p] - (2 * SCALE * total_n * avail[p] + total_a) // (2 * total_a) for p in people
        }
    return out


def window_start(team: Team, start: date) -> date:
    """The first date the ledger counts for a rota starting ``start``: ``window_months`` earlier."""
    return months_before(start, team.fairness.window_months if team.fairness is not None else 12)


def month_spans(first: date, last: date) -> list[tuple[date, date]]:
    """``first``..``last`` cut at calendar months."""
    out = []
    a = first
    while a <= last:
        end = date(a.year, a.month, monthdays.monthrange(a.year, a.month)[1])
        b = min(end, last)
        out.append((a, b))
        a = b + timedelta(days=1)
    return out


@dataclass
class Ledger:
    """Balances per category and person over ``first``..``last`` (a rota's window, or an HR range)."""

    team: Team
    first: date
    last: date
    categories: list[Category]
    opening: dict[str, dict[str, int]] = field(default_factory=dict)  # the team file's, when in range
    months: list[tuple[date, dict[str, dict[str, int]]]] = field(default_factory=list)  # month → contribution
    done: dict[str, dict[str, int]] = field(default_factory=dict)  # duties (minutes for hours) done

    def balance(self, category: str) -> dict[str, int]:
        """Per person: opening plus every month's contribution."""
        out: dict[str, int] = defaultdict(int, self.opening.get(category, {}))
        for _, contrib in self.months:
            for p, v in contrib.get(category, {}).items():
                out[p] += v
        return dict(out)

    def balances(self) -> dict[str, dict[str, int]]:
        return {c.id: self.balance(c.id) for c in self.categories}


def opening_balances(team: Team, first: date, last: date) -> dict[str, dict[str, int]]:
    """The team file's opening balance in ledger units, when its date lies in ``first``..``last`` + 1."""
    spec = team.fairness
    if spec is None or spec.opening is None or not first <= spec.opening.as_of <= last + timedelta(days=1):
        return {}
    out: dict[str, dict[str, int]] = defaultdict(dict)
    people = {p.id for p in team.people}
    for pid, balances in spec.opening.balances.items():
        if pid not in people:
            continue
        for cat, value in balances.items():
            out[cat][pid] = round(value * 60) if cat == "hours" else round(value * SCALE)
    return dict(out)


def ledger(team: Team, duties: Iterable[Duty], first: date, last: date) -> Ledger:
    """The ledger of ``duties`` (published history) dated ``first``..``last``, month by month.

    The team file's opening balance counts when dated in the range; duties before it are then left out
    (the balance already holds them). A month's contribution is computed from that month's duties alone,
    so a month re-published replaces its own contribution."""
    spec = team.fairness
    led = Ledger(team, first, last, categories(team))
    if spec is None or last < first:
        return led
    led.opening = opening_balances(team, first, last)
    if spec.opening is not None and led.opening:
        first = max(first, spec.opening.as_of)
    mine = sorted(d for d in duties if first <= d.date <= last)
    done: dict[str, Counter[str]] = defaultdict(Counter)
    for a, b in month_spans(first, last):
        cal = Calendar(team, a, b)
        month = [d for d in mine if a <= d.date <= b]
        if not month:  # a month without a published duty was not planned with rota: it adds nothing
            continue
        led.months.append((a, contribution(cal, month)))
        sc = scope(cal)
        for cat in sc.categories:
            for d in month:
                if cat.hours:
                    done[cat.id][d.person] += d.minutes
                elif sc.counts(cat, d.role, d.shift, d.date):
                    done[cat.id][d.person] += 1
    led.done = {c: dict(v) for c, v in done.items()}
    return led


def opening(cal: Calendar) -> dict[str, dict[str, int]]:
    """Per category and person: the balance a rota over ``cal`` starts from (its window of history)."""
    found = _OPENING.get(cal)
    if found is None:
        team = cal.team
        first = window_start(team, cal.start)
        found = ledger(team, cal.history, first, cal.start - timedelta(days=1)).balances()
        _OPENING[cal] = found
    return found


def starting(cal: Calendar, cat: Category) -> dict[str, int]:
    """Per eligible person: the balance the objective starts ``cat`` from. Hours: their own (each
    against their own contract). Duty categories: their balance less the eligible people's mean, since
    only the difference between people is unfair — an opening balance listing only debts, or people
    gone since, would otherwise leave a surplus that the objective cannot tell to spread evenly."""
    raw = opening(cal).get(cat.id, {})
    people = scope(cal).eligible(cat)
    mine = {p: raw.get(p, 0) for p in people}
    if cat.hours or not people:
        return mine
    total, n = sum(mine.values()), len(people)
    mean = (2 * total + n) // (2 * n)  # rounded to a hundredth, half up, in integers
    return {p: b - mean for p, b in mine.items()}


def person_cost(cat: Category, balance: int, n: int, a: int, total_n: int, total_a: int) -> int:
    """One person's unweighted ledger cost in a duty category: ⌊|A·B + 100·(A·n − a·N)| / A⌋."""
    return abs(total_a * balance + SCALE * (total_a * n - a * total_n)) // total_a


def hours_cost(balance: int, worked: int, target: int) -> int:
    """One person's unweighted ledger cost in hours: hundredths of an hour away, ⌊100·|B + w − t| / 60⌋."""
    return SCALE * abs(balance + worked - target) // 60


def cost(cal: Calendar, duties: Iterable[Duty]) -> int:
    """The ledger part of the fairness term (0 without a ``fairness`` block): each category's weight ×
    Σ over eligible people of how far, in hundredths, their balance after this rota is from 0."""
    if cal.team.fairness is None:
        return 0
    sc = scope(cal)
    duties = list(duties)
    total = 0
    for cat in sc.categories:
        if not cat.weight:
            continue
        people = sc.eligible(cat)
        bal = starting(cal, cat)
        if cat.hours:
            worked: Counter[str] = Counter()
            for d in duties:
                worked[d.person] += d.minutes
            for p in people:
                target = cal.target_minutes(p) or 0
                total += cat.weight * hours_cost(bal.get(p, 0), worked[p], target)
            continue
        n = Counter(d.person for d in duties if sc.counts(cat, d.role, d.shift, d.date))
        avail, total_a = sc.shares(cat)
        total_n = sum(n[p] for p in people)
        for p in people:
            total += cat.weight * person_cost(cat, bal.get(p, 0), n[p], avail[p], total_n, total_a)
    return total


def after(cal: Calendar, duties: Iterable[Duty]) -> dict[str, dict[str, int]]:
    """Per category and person: the balance after this rota (opening + its own contribution)."""
    start = opening(cal)
    out: dict[str, dict[str, int]] = {}
    for cat, contrib in contribution(cal, duties).items():
        out[cat] = {p: start.get(cat, {}).get(p, 0) + v for p, v in contrib.items()}
    return out


def spread(balances: dict[str, int]) -> int:
    """Most loaded less least loaded (0 for fewer than two people)."""
    return max(balances.values()) - min(balances.values()) if len(balances) > 1 else 0


def shown(cat: Category, value: int) -> float:
    """A balance in the units people read: duties, or hours for ``hours``."""
    return round(value / 60, 2) if cat.hours else round(value / SCALE, 2)


def months_before(start: date, months: int) -> date:
    """The date ``months`` calendar months before ``start`` (the day clamped to the month's last)."""
    year, month = divmod(start.year * 12 + start.month - 1 - months, 12)
    return date(year, month + 1, min(start.day, monthdays.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Standing:
    """One person in one category over a ledger's range: what they did, and their balance."""

    done: float  # duties, or hours
    balance: float  # duties (hours) over their pro-rata share, opening balance included


def standings(led: Ledger) -> dict[str, dict[str, Standing]]:
    """Per category and person with a balance (eligible in a month counted, or an opening balance)."""
    out: dict[str, dict[str, Standing]] = {}
    for cat in led.categories:
        bal = led.balance(cat.id)
        done = led.done.get(cat.id, {})
        people = [p.id for p in led.team.people if p.id in bal]  # eligible in a month, or with an opening
        out[cat.id] = {
            p: Standing(
                round(done.get(p, 0) / 60, 2) if cat.hours else done.get(p, 0),
                shown(cat, bal.get(p, 0)),
            )
            for p in people
        }
    return out


def view(led: Ledger) -> dict[str, Any]:
    """The ledger as people read it (the HR year view, its JSON twin and the CSV/XLSX tables):
    per category its spread between the most and least loaded person, per person each balance."""
    names = {p.id: p.name or p.id for p in led.team.people}
    table = standings(led)
    cats = []
    for cat in led.categories:
        rows = table[cat.id]
        balances = {p: s.balance for p, s in rows.items()}
        most = max(balances, key=lambda p: (balances[p], p), default=None)
        least = min(balances, key=lambda p: (balances[p], p), default=None)
        cats.append(
            {
                "id": cat.id,
                "label": cat.label,
                "unit": "hours" if cat.hours else "duties",
                "weight": cat.weight,
                "spread": round(max(balances.values()) - min(balances.values()), 2) if balances else 0,
                "most_loaded": None if most is None else {"person": most, "balance": balances[most]},
                "least_loaded": None if least is None else {"person": least, "balance": balances[least]},
            }
        )
    people = []
    for p in led.team.people:
        mine = {c.id: table[c.id][p.id] for c in led.categories if p.id in table[c.id]}
        if mine:
            people.append(
                {
                    "person": p.id,
                    "name": names[p.id],
                    "categories": {c: {"done": s.done, "balance": s.balance} for c, s in mine.items()},
                }
            )
    return {
        "from": led.first.isoformat(),
        "to": led.last.isoformat(),
        "months": [m.isoformat()[:7] for m, _ in led.months],
        "categories": cats,
        "people": people,
    }


def view_table(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The view as one table: a row per person (done and balance per category), then the spread."""
    cats = data["categories"]
    head = ["person", "name"]
    for c in cats:
        unit = " (h)" if c["unit"] == "hours" else ""
        head += [f"{c['label']}: done{unit}", f"{c['label']}: balance{unit}"]
    rows: list[list[Any]] = []
    for p in data["people"]:
        row: list[Any] = [p["person"], p["name"]]
        for c in cats:
            s = p["categories"].get(c["id"])
            row += [None, None] if s is None else [s["done"], s["balance"]]
        rows.append(row)
    spread: list[Any] = ["", "spread: most − least loaded"]
    for c in cats:
        spread += [None, c["spread"]]
    rows.append(spread)
    return head, rows
