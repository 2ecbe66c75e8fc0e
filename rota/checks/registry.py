"""The validator's side of each rule declared in ``rota.catalogue``: the checker that finds it broken.

A module of ``rota.checks`` attaches a checker to rule ids with ``@checks(..., scope=...)``;
``rota.checks`` imports every module of the package, so a new rule is one new file there. Scopes:

- ``entry``: ``(ctx, duty) -> violations`` on each duty as given, before anything else; the first
  entry check that finds something stops that duty there (an unknown shift has no times to check).
- ``duty``: ``(ctx, duty) -> violations`` on each duty inside the period, on its own.
- ``person``: ``(ctx, info, mine, every, partial) -> violations`` on one person's duties in the
  period (``mine``) and those with their history (``every``), both in time order. With ``partial``
  (a rota in progress) checkers of "at least" rules alone are skipped; one that checks both kinds
  is called and skips its "at least" part itself.
- ``document``: a rota document's rows (``rota.validate``), not a list of duties.

The checker never imports the solver: both sides share the declarations, not code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from rota.catalogue import RULES, attach, known

Scope = Literal["entry", "duty", "person", "document"]


@dataclass(frozen=True)
class Checker:
    """A check function, where it runs, and the rule ids it reports."""

    rules: tuple[str, ...]
    scope: Scope
    check: Callable[..., Iterable[Any]]

    @property
    def at_least_only(self) -> bool:
        """Whether every rule it reports is an "at least" rule (skipped on a rota in progress)."""
        return all(RULES[r].kind == "min" for r in self.rules)


CheckFn = Callable[..., Iterable[Any]]

CHECKERS: dict[str, Checker] = {}  # by rule id


def checks(*rules: str, scope: Scope) -> Callable[[CheckFn], CheckFn]:
    """Attach a checker to the rules it reports."""
    known(rules)

    def register(fn: CheckFn) -> CheckFn:
        attach(CHECKERS, rules, Checker(rules, scope, fn), "checker")
        return fn

    return register


def checkers(scope: Scope) -> list[Checker]:
    """Every checker of a scope once, in the catalogue's order of the rules they report."""
    out: list[Checker] = []
    for r in RULES:
        c = CHECKERS.get(r)
        if c is not None and c.scope == scope and c not in out:
            out.append(c)
    return out
