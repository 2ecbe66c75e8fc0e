"""Shared pieces of the rule checks: the ``Violation`` record, per-calendar lookups, figure formatting."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

from rota import timeutil
from rota.calendar import Calendar
from rota.catalogue import RULES, title
from rota.records import Duty
from rota.team import Limit, Rules


@dataclass(frozen=True)
class Violation:
    """One broken hard rule: its catalogue id, who and when, and a line with the figures."""

    rule: str
    person: str | None
    date: date | None
    message: str
    detail: str = field(default="", compare=False, repr=False)  # a short cause, for gap explanations

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown rule id {self.rule!r}")

    def as_dict(self) -> dict[str, Any]:
        """The violation as JSON-ready data."""
        return {
            "rule": self.rule,
            "title": title(self.rule),
            "person": self.person,
            "date": self.date.isoformat() if self.date else None,
            "message": self.message,
        }


@dataclass(frozen=True)
class PersonInfo:
    """What the checks need to know about one person, looked up once per calendar."""

    id: str
    rules: Rules
    limits: list[Limit]
    days: frozenset[int]
    days_text: str
    skills: frozenset[str]
    unavailable: list[tuple[int, int, str]]
    history: list[Duty]


class Context:
    """Lookups of one calendar shared by every check: shifts, roles, people and their history."""

    def __init__(self, cal: Calendar):
        team = cal.team
        self.cal = cal
        self.shift_days = {sid: timeutil.parse_days(s.days) for sid, s in team.shifts.items()}
        self.shift_roles = {sid: frozenset(team.shift_roles(sid)) for sid in team.shifts}
        self.role_skills = {rid: frozenset(r.skills) for rid, r in team.roles.items()}
        self.people = frozenset(p.id for p in team.people)
        self.history: dict[str, list[Duty]] = defaultdict(list)
        for d in cal.history:
            self.history[d.person].append(d)
        # runs touching the first known date are exempt from the "at least" run rules
        self.first_known = min((d.date for d in cal.history), default=cal.start)
        self._people: dict[str, PersonInfo] = {}

    def person(self, pid: str) -> PersonInfo:
        info = self._people.get(pid)
        if info is None:
            cal, p = self.cal, self.cal.person(pid)
            days = p.days if isinstance(p.days, str) else ",".join(p.days)
            info = PersonInfo(
                pid,
                cal.rules(pid),
                cal.limits(pid),
                timeutil.parse_days(p.days),
                days,
                frozenset(p.skills),
                cal.unavailable(pid),
                sorted(self.history.get(pid, []), key=lambda d: (d.start, d.end)),
            )
            self._people[pid] = info
        return info

    def is_new(self, d: Duty) -> bool:
        """Whether a duty belongs to the horizon (history never does)."""
        return d.date >= self.cal.start


_CONTEXTS: WeakKeyDictionary[Calendar, Context] = WeakKeyDictionary()


def context(cal: Calendar) -> Context:
    """The lookups of ``cal``, built on first use."""
    ctx = _CONTEXTS.get(cal)
    if ctx is None:
        ctx = _CONTEXTS[cal] = Context(cal)
    return ctx


def num(value: float) -> str:
    """A rule's figure as written in a team file: ``11``, ``37.5``."""
    return f"{value:g}"


def hours(minutes: float) -> str:
    """Elapsed minutes as hours with one decimal: ``9.0 h``."""
    return f"{minutes / 60:.1f} h"


def clock(cal: Calendar, instant: int) -> str:
    """Local wall-clock ``HH:MM`` of an instant."""
    return cal.instant(instant).strftime("%H:%M")


def plural(n: int, word: str) -> str:
    """``1 weekend``, ``2 weekends``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def span(first: date, last: date) -> str:
    """``2026-12-11`` or ``2026-12-11 to 2026-12-13``."""
    return str(first) if first == last else f"{first} to {last}"


def day_label(day: date) -> str:
    """A date as a team lead says it: ``Thu 24 Dec``."""
    return f"{day:%a} {day.day} {day:%b}"


def week_label(day: date) -> str:
    year, week = timeutil.iso_week(day)
    return f"ISO week {year}-W{week:02d}"


def limit_target(lim: Limit) -> str:
    """What a limit counts: ``smod``, ``smod-am shifts``, ``smod on smod-am``, ``any``."""
    if lim.role and lim.shift:
        return f"{lim.role} on {lim.shift}"
    if lim.role:
        return lim.role
    return f"{lim.shift} shifts" if lim.shift else "any"


def limit_label(lim: Limit, bound: str) -> str:
    """A limit as a team lead reads it: ``smod max 2 per week``."""
    value = lim.max if bound == "max" else lim.min
    return f"{limit_target(lim)} {bound} {value} per {lim.per}"
