"""How far a rota is from the best possible, in words, and when the solver's bound can say.

The solver proves a lower bound on the objective: no rota of the team scores less. The distance
"% from the bound" is ``100 × (objective − bound) / objective``, an upper limit on how much better
any rota could be. It only informs when the bound is a real part of the objective: a bound of 0 (or
a few units against thousands) reads "within 99.9 % of the best possible" however good the rota
is, because it measures what the linear relaxation could prove, not the rota.

The line is drawn at ``USEFUL_PERCENT``: the bound must prove at least half the rota's objective.
Then "within N %" is below 50 and says the rota is at most twice the best possible — a claim worth
making; beyond that the rota could be the best there is or several times it, so the words are "no
useful bound yet" and the raw figures stay in the rota document for whoever wants them.
Measured: on the synthetic teams and Curtois & Qu instances 1-8 the bound, when the LP has run,
is within 0-30 % of the rota; where the LP did not finish (Curtois 9, 10, 12, 13, 19-21) it was
0-39 against objectives in the thousands (91-100 % from the bound).
"""

from __future__ import annotations

USEFUL_PERCENT = 50.0  # "within N % of the best possible" only for N below this
NO_USEFUL_BOUND = "no useful bound yet"


def from_bound_percent(objective: float | None, bound: float | None) -> float | None:
    """``100 × (objective − bound) / objective`` (0 when they meet); None without both figures."""
    if objective is None or bound is None:
        return None
    if objective == bound:
        return 0.0
    return 100 * abs(objective - bound) / max(abs(objective), 1e-9)


def bound_useful(objective: float | None, bound: float | None) -> bool:
    """The bound supports a "within N %" claim: both figures known, and the bound proves more than
    ``100 − USEFUL_PERCENT`` % of the objective (a rota at its bound always qualifies)."""
    pct = from_bound_percent(objective, bound)
    return pct is not None and (pct == 0 or (bound is not None and bound > 0 and pct < USEFUL_PERCENT))


def quality_words(objective: float | None, bound: float | None) -> str:
    """The solver's figures in users' words: "the best possible", "within N % of the best possible",
    or, when the bound does not support that, "no useful bound yet"."""
    if objective is None:
        return "no rota yet"
    if bound is None:
        return "best possible not known"
    if objective <= bound or objective == 0:
        return "the best possible"
    if not bound_useful(objective, bound):
        return NO_USEFUL_BOUND
    share = from_bound_percent(objective, bound) or 0.0
    return f"within {max(share, 0.1):.1f} % of the best possible"
