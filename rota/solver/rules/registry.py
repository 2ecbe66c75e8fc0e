"""The solver's side of each rule declared in ``rota.catalogue``: the builder that adds it to the CP-SAT
model, the guard that keeps the greedy starting rota within it, or the stated reason it has none.

A module of ``rota.solver.rules`` attaches its parts to rule ids with ``@builds(...)`` and ``@guards(...)``;
``rota.solver.rules`` imports every module of the package, so a new rule is one new file there.
``rota.solver.build`` adds the builders in ``order``; ``rota.solver.greedy`` asks every guard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rota.catalogue import RULES, attach, known
from rota.records import Slot
from rota.solver.context import Ctx
from rota.team import Rules

if TYPE_CHECKING:
    from rota.solver.greedy import Greedy

Build = Callable[[Ctx], None]
# whether the greedy rota may give person ``p`` slot ``s`` in ``role`` (``rules``: theirs)
Guard = Callable[["Greedy", str, str, Slot, Rules], bool]


@dataclass(frozen=True)
class Builder:
    """A model builder and the rule ids it enforces; builders run by ``order``, lowest first."""

    rules: tuple[str, ...]
    build: Build
    order: int


BUILDERS: dict[str, Builder] = {}  # by rule id
GUARDS: dict[str, Guard] = {}  # by rule id

_CANNOT = "the model cannot produce it: its variables name only the team's people, roles and shifts"
_NO_VARIABLE = (
    "the model has no variable for such a duty: variables exist only for eligible person, "
    "role and slot triples (rota.solver.variables.eligible_keys)"
)
# rules with no builder, and why
UNMODELLED: dict[str, str] = {
    "unknown_person": _CANNOT,
    "unknown_role": _CANNOT,
    "unknown_shift": _CANNOT,
    "outside_period": "the model has variables only for slots inside the period",
    "duplicate_assignment": "the model has one variable per person, role and slot",
    "wrong_times": "a duty's times are its slot's (rota.solver.result reads them from the calendar)",
    "closed_date": _NO_VARIABLE,
    "shift_days": _NO_VARIABLE,
    "shift_role": _NO_VARIABLE,
    "no_demand": _NO_VARIABLE,
    "skills": _NO_VARIABLE,
    "working_days": _NO_VARIABLE,
    "unavailable": _NO_VARIABLE,
    "fixed": "the variable of each fixed assignment is set to 1 (rota.solver.variables.add_variables)",
}


def builds(*rules: str, order: int) -> Callable[[Build], Build]:
    """Attach a model builder to the rules it enforces."""
    known(rules)

    def register(fn: Build) -> Build:
        attach(BUILDERS, rules, Builder(rules, fn, order), "builder")
        return fn

    return register


def guards(*rules: str) -> Callable[[Guard], Guard]:
    """Attach a greedy guard to the max-type rules it keeps."""
    known(rules)

    def register(fn: Guard) -> Guard:
        attach(GUARDS, rules, fn, "greedy guard")
        return fn

    return register


def builders() -> list[Build]:
    """Every builder once, in build order."""
    unique = {id(b.build): b for b in BUILDERS.values()}
    return [b.build for b in sorted(unique.values(), key=lambda b: b.order)]


def guard_list() -> list[Guard]:
    """Every greedy guard once, in the catalogue's order of the rules they keep (cheap ones first)."""
    out: list[Guard] = []
    for r in RULES:
        g = GUARDS.get(r)
        if g is not None and g not in out:
            out.append(g)
    return out
