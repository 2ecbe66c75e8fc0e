"""Assemble the CP-SAT model: variables, every hard rule, coverage and the soft terms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from rota import objective as obj
from rota.calendar import Calendar
from rota.records import Duty
from rota.solver import coverage, floors, objective
from rota.solver.context import Ctx, Term
from rota.solver.rules import registry
from rota.solver.variables import add_variables

HARD: list[Callable[[Ctx], None]] = registry.builders()  # every hard rule's builder, in build order
SOFT: dict[str, Callable[[Ctx], list[Term]]] = {
    "contract": objective.contract,
    "fairness": objective.fairness,
    "preferences": objective.preferences,
    "shift_cover": objective.shift_cover,
}


@dataclass
class Built:
    """The model with its objective pieces: gap terms and the rest, scaled to integers."""

    ctx: Ctx
    weights: dict[str, float]
    scale: int
    gap_terms: list[Term] = field(default_factory=list)
    other_terms: list[Term] = field(default_factory=list)
    changes: Term | None = None
    # a lower bound on the objective (its units) proved before the search: each term at least what its
    # variables allow, shift_cover at least ``floors.cover_floor``; the solve reports the larger bound
    floor: float = 0.0

    def expr(self, terms: list[Term]) -> cp_model.LinearExpr:
        return objective.weighted_expr(terms, self.weights, self.scale)

    def gap_minutes(self) -> cp_model.LinearExpr:
        """Unweighted gap person-minutes."""
        return objective.weighted_expr(self.gap_terms, {}, 1)


def build(
    cal: Calendar,
    baseline: list[Duty] | None = None,
    relax: bool = False,
    people: set[str] | None = None,
    others: list[Duty] | None = None,
    soft: bool = True,
    floor: bool = True,
) -> Built:
    """The full model; with ``relax``, min-type rules are switchable and soft terms are left out.
    With ``people``, the model of that part of the rota alone: their duties are the variables, the
    duties of everyone else (``others``) are constants that count toward cover, and the objective is
    the whole rota's less terms that do not depend on these people. Without ``soft``, the hard rules
    alone (no cover, no objective terms). Without ``floor``, no floor is proved (``Built.floor`` 0):
    for models whose bound nobody reports (a few people's, a re-plan's fewest changes)."""
    ctx = Ctx(cal, relax=relax, people=people, others=others)
    add_variables(ctx)
    for rule in HARD:
        rule(ctx)
    weights = obj.weights(cal)
    if relax or not soft:
        return Built(ctx, weights, 1)
    gap_terms = coverage.coverage(ctx)  # built even at weight 0: progress reports gap minutes
    other = [t for name, builder in SOFT.items() if weights[name] for t in builder(ctx)]
    if weights["over_cover"]:
        other += objective.over_cover(ctx, gap_terms)
    scale = objective.scale_for(gap_terms + other, weights)
    least = {t.name: floors.cover_floor(ctx, t) for t in other if floor and t.name == "shift_cover"}
    # every term of a rota's objective is at least 0 (``rota.objective``), whatever a term's model
    # constant (over-cover's is minus the demand): each term counts at least 0 toward the floor
    proved = (
        sum(
            weights.get(t.name, 1) * max(0.0, least.get(t.name) or floors.term_floor(t))
            for t in gap_terms + other
        )
        if floor
        else 0.0
    )
    built = Built(ctx, weights, scale, gap_terms, other, floor=max(0.0, proved))
    if baseline is not None:
        built.changes = objective.changes(ctx, baseline)
    return built
