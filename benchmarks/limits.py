"""How the older benchmark commands read their ``--time-limit`` since the limit became wall seconds."""

from __future__ import annotations

WALL_FACTOR, WALL_SLACK = 4.0, 10.0


def as_effort(limit: float) -> dict[str, float]:
    """``rota bench`` and ``rota bench curtois`` keep measuring effort: ``limit`` deterministic units,
    with the wall-clock safety net they had (4 × the limit + 10 s), so their tables stay comparable
    with earlier runs. ``rota bench compare`` is the one that holds solves to a wall limit."""
    return {"effort": limit, "time_limit": WALL_FACTOR * limit + WALL_SLACK}
