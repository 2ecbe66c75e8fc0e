"""Plain records shared by the calendar, validator, solver and reports (instants in epoch minutes)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

Reported = TypeVar("Reported")
GapKey = tuple[str, int, int, int, int, bool]  # role, start, end, required, assigned, core


class Span:
    """What lasts from ``start`` to ``end`` (epoch minutes): the records below but for their own fields."""

    start: int
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, order=True)
class Slot(Span):
    """A shift template placed on a date: when it starts and ends."""

    date: date
    shift: str
    start: int
    end: int


@dataclass(frozen=True, order=True)
class Duty(Span):
    """An assignment: ``person`` on duty in ``role`` over ``shift`` on ``date``."""

    person: str
    date: date
    shift: str
    role: str
    start: int
    end: int


@dataclass(frozen=True)
class Segment(Span):
    """A stretch where a role's headcount requirement and the core-hours flag are constant."""

    role: str
    start: int
    end: int
    required: int
    core: bool


@dataclass(frozen=True)
class GapStretch(Span):
    """A stretch where ``role`` has fewer people on duty than it needs."""

    role: str
    start: int
    end: int
    required: int
    assigned: int
    core: bool

    @property
    def person_minutes(self) -> int:
        return self.minutes * (self.required - self.assigned)


def gap_key(g: GapStretch) -> GapKey:
    return g.role, g.start, g.end, g.required, g.assigned, g.core


def unmatched_gaps(
    true: list[GapStretch], reported: list[Reported], key: Callable[[Reported], GapKey | None]
) -> tuple[list[GapStretch], list[Reported]]:
    """The true gaps ``reported`` left out, and the reported gaps that are not true: matched one for one
    by their ``gap_key`` (a reported gap's ``key``; None, its times unreadable, matches nothing)."""
    tally = Counter(gap_key(g) for g in true)
    phantom: list[Reported] = []
    for g in reported:
        k = key(g)
        if k is not None and tally[k] > 0:
            tally[k] -= 1
        else:
            phantom.append(g)
    missing = []
    for t in true:
        if tally[gap_key(t)] > 0:
            tally[gap_key(t)] -= 1
            missing.append(t)
    return missing, phantom
