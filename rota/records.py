"""Plain records shared by the calendar, validator, solver and reports (instants in epoch minutes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


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
