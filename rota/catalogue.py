"""The registry of hard rules: one declared ``Rule`` per rule id, shared by the solver, the validator,
gap explanations, reports and the API.

A declaration says what a rule is (id, title, kind, the team-file fields it reads, the gap-explanation
group it belongs to, whether HR counts it as a working-time rule). The parts that enforce it attach
to the same id elsewhere: its checker in ``rota.checks`` (``rota.checks.registry``), its model
builder and greedy guard in ``rota.solver.rules`` (the solver imports this module, never the reverse).
Every list of rules (the "at least" rules, the HR working-time rules, the explanation groups, the
solver's build order) is derived from here; ``tests/test_registry.py`` asserts each rule has every part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

# document: the rota names something the team does not have (the model cannot produce it);
# placement: one duty breaks it on its own (the model has no variable for such a duty);
# max: more duties can only break it ("max-type": an empty rota keeps it, the greedy rota guards it);
# min: more duties can only mend it ("at least": a rota in progress may still meet it later).
Kind = Literal["document", "placement", "max", "min"]

# gap-explanation groups, most telling first: where a person is who could have covered a gap
CAUSES: tuple[str, ...] = (
    "on leave",
    "outside their working days",
    "already on another duty",
    "at a limit",
    "weekly hours",
    "resting after a shift",
    "consecutive days",
    "weekends",
    "shift succession",
    "hours over the period",
)


@dataclass(frozen=True)
class Rule:
    """One hard rule as declared: what ``rota check``, a refused edit (422) and the HR report name."""

    id: str
    title: str
    kind: Kind
    reads: tuple[str, ...]  # the team-file fields it reads (``rules.*`` also per person)
    cause: str | None = None  # its gap-explanation group (one of ``CAUSES``) ...
    no_cause: str = ""  # ... or why a gap is never explained by it
    working_time: bool = False  # listed among a person's working-time breaks in the HR report

    def __post_init__(self) -> None:
        if (self.cause is None) == (not self.no_cause):
            raise ValueError(f"rule {self.id}: give either an explanation group or a reason for none")
        if self.cause is not None and self.cause not in CAUSES:
            raise ValueError(f"rule {self.id}: unknown explanation group {self.cause!r}")


_NO_DUTY = "not a property of a person: the gap's candidates are only people the team has"
_ELIGIBLE = "candidates for a gap are only people who may take the slot (right skills, shift, date)"
_AT_LEAST = 'an "at least" rule: adding a duty never breaks it'


def _declare(*rules: Rule) -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    for r in rules:
        if r.id in out:
            raise ValueError(f"rule {r.id} declared twice")
        out[r.id] = r
    return out


RULES: dict[str, Rule] = _declare(
    # document and template rules
    Rule(
        "unknown_person",
        "assignment names a person the team does not have",
        "document",
        ("people",),
        no_cause=_NO_DUTY,
    ),
    Rule(
        "unknown_role",
        "assignment names a role the team does not have",
        "document",
        ("roles",),
        no_cause=_NO_DUTY,
    ),
    Rule(
        "unknown_shift",
        "assignment names a shift the team does not have",
        "document",
        ("shifts",),
        no_cause=_NO_DUTY,
    ),
    Rule(
        "outside_period",
        "assignment dated outside the rota's period",
        "document",
        ("period",),
        no_cause=_NO_DUTY,
    ),
    Rule("duplicate_assignment", "the same assignment listed twice", "document", (), no_cause=_NO_DUTY),
    Rule(
        "wrong_times",
        "assignment start/end differ from the shift template on that date",
        "document",
        ("shifts", "timezone"),
        no_cause=_NO_DUTY,
    ),
    Rule(
        "closed_date",
        "shift on a closed date (public holiday, closure, no opening hours)",
        "placement",
        ("opening_hours", "holidays", "closures"),
        no_cause=_ELIGIBLE,
    ),
    Rule(
        "shift_days", "shift does not run on that weekday", "placement", ("shifts.days",), no_cause=_ELIGIBLE
    ),
    Rule(
        "shift_role",
        "shift template does not serve that role",
        "placement",
        ("shifts.roles",),
        no_cause=_ELIGIBLE,
    ),
    Rule(
        "no_demand",
        "nothing needs covering: the shift overlaps no demand of that role that date",
        "placement",
        ("roles.demand", "roles.shift_demand"),
        no_cause=_ELIGIBLE,
    ),
    # people
    Rule(
        "skills",
        "person lacks a skill the role needs",
        "placement",
        ("roles.skills", "people.skills"),
        no_cause=_ELIGIBLE,
        working_time=True,
    ),
    Rule(
        "working_days",
        "not one of the person's working days",
        "placement",
        ("people.days",),
        cause="outside their working days",
        working_time=True,
    ),
    Rule(
        "unavailable",
        "overlaps the person's unavailability",
        "placement",
        ("people.unavailable",),
        cause="on leave",
        working_time=True,
    ),
    Rule(
        "one_shift_per_date",
        "more than one shift starting on a date",
        "max",
        (),
        cause="already on another duty",
        working_time=True,
    ),
    Rule(
        "overlap",
        "two assignments overlap in time",
        "max",
        ("history",),
        cause="already on another duty",
        working_time=True,
    ),
    Rule(
        "min_rest",
        "too little rest between shifts",
        "max",
        ("rules.min_rest_hours", "history"),
        cause="resting after a shift",
        working_time=True,
    ),
    Rule(
        "max_consecutive_days",
        "too many dates in a row with a shift",
        "max",
        ("rules.max_consecutive_days", "history"),
        cause="consecutive days",
        working_time=True,
    ),
    Rule(
        "max_hours_per_week",
        "too many shift hours in an ISO week",
        "max",
        ("rules.max_hours_per_week", "history"),
        cause="weekly hours",
        working_time=True,
    ),
    Rule(
        "limit_max",
        "more assignments than a limit allows",
        "max",
        ("rules.limits", "history"),
        cause="at a limit",
        working_time=True,
    ),
    Rule(
        "limit_min", "fewer assignments than a limit requires", "min", ("rules.limits",), no_cause=_AT_LEAST
    ),
    Rule(
        "fixed", "a fixed assignment is missing from the rota", "min", ("people.fixed",), no_cause=_AT_LEAST
    ),
    Rule(
        "min_consecutive_days",
        "a run of working dates is too short",
        "min",
        ("rules.min_consecutive_days", "history"),
        no_cause=_AT_LEAST,
    ),
    Rule(
        "min_consecutive_days_off",
        "a run of days off is too short",
        "min",
        ("rules.min_consecutive_days_off", "history"),
        no_cause=_AT_LEAST,
    ),
    Rule(
        "max_weekends",
        "too many weekends worked",
        "max",
        ("rules.max_weekends", "history"),
        cause="weekends",
        working_time=True,
    ),
    Rule(
        "forbidden_succession",
        "a shift followed the next date by one that may not follow it",
        "max",
        ("rules.forbidden_successions", "history"),
        cause="shift succession",
        working_time=True,
    ),
    Rule(
        "min_hours_per_period",
        "too few shift hours over the period",
        "min",
        ("rules.min_hours_per_period",),
        no_cause=_AT_LEAST,
    ),
    Rule(
        "max_hours_per_period",
        "too many shift hours over the period",
        "max",
        ("rules.max_hours_per_period",),
        cause="hours over the period",
        working_time=True,
    ),
)

# derived lists
AT_LEAST: frozenset[str] = frozenset(r.id for r in RULES.values() if r.kind == "min")
WORKING_TIME: frozenset[str] = frozenset(r.id for r in RULES.values() if r.working_time)


def title(rule: str) -> str:
    """The readable title of a rule id."""
    r = RULES.get(rule)
    return r.title if r is not None else rule


def cause_groups() -> tuple[tuple[str, frozenset[str]], ...]:
    """The gap-explanation groups, most telling first: (label, rule ids)."""
    return tuple((label, frozenset(r.id for r in RULES.values() if r.cause == label)) for label in CAUSES)


Part = TypeVar("Part")


def known(rules: tuple[str, ...]) -> None:
    """Refuse a rule id the catalogue does not declare (a part attached to a typo would never run)."""
    for r in rules:
        if r not in RULES:
            raise ValueError(f"rule id {r!r} is not declared in rota.catalogue")


def attach(table: dict[str, Part], rules: tuple[str, ...], part: Part, what: str) -> None:
    """Register ``part`` (a checker, builder or greedy guard) under each of ``rules``, at most one ``what``
    a rule: the one way every side of the registry attaches its parts to rule ids."""
    for r in rules:
        if r in table:
            raise ValueError(f"rule {r} has two {what}s")
        table[r] = part
